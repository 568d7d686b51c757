# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/diagnose.yml writes its reports under the controller user's cache directory, one directory per app,
readable by that user only, never into the working directory, and says where. Test-bed stand-ins: see
test_edge_path_info_support.py."""

import os
import stat

import pytest

from ansible_runner import REPO
from test_edge_path_info_support import HOST, fake_node, path  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.usefixtures("fake_node")

PLAYBOOK = os.path.join(REPO, "playbooks", "diagnose.yml")


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def _vars(path, **extra):
    out = {"istio_edge_provider": "nodeport", "istio_gateway_namespace": path.gw,
           "istio_edge_diagnose_namespace": path.app, "istio_edge_diagnose_node_ports": path.node_ports,
           "istio_edge_diagnose_envoy": "never", "istio_edge_diagnose_host": HOST}
    out.update(extra)
    return out


def test_reports_go_to_the_users_cache_readable_by_the_user_only(ansible, path, tmp_path):
    path.build()
    home = tmp_path / "home"
    home.mkdir()
    workdir_before = sorted(os.listdir(REPO))
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path), args=("-c", "local"),
                                         env={"HOME": str(home), "XDG_CACHE_HOME": ""})
    assert rc == 0, out[-3000:]
    base = home / ".cache" / "meshops-istio-edge" / "reports"
    app_dir = base / HOST
    assert sorted(os.listdir(str(app_dir))) == ["%s.html" % HOST, "%s.md" % HOST]
    for directory in (home / ".cache" / "meshops-istio-edge", base, app_dir):
        assert _mode(str(directory)) == 0o700, (directory, oct(_mode(str(directory))))
    for name in os.listdir(str(app_dir)):
        assert _mode(str(app_dir / name)) == 0o600, (name, oct(_mode(str(app_dir / name))))
    # the output says where, and nothing was written into the working directory
    assert "Reports on the controller, readable by its user only: %s/%s.md, %s/%s.html" % (
        app_dir, HOST, app_dir, HOST) in out
    assert sorted(os.listdir(REPO)) == workdir_before and not os.path.exists(os.path.join(REPO, "istio-edge-reports"))

    # XDG_CACHE_HOME is honoured
    cache = tmp_path / "xdg"
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path, istio_edge_diagnose_formats=["markdown"]),
                                         args=("-c", "local"), env={"HOME": str(home), "XDG_CACHE_HOME": str(cache)})
    assert rc == 0, out[-3000:]
    assert os.listdir(str(cache / "meshops-istio-edge" / "reports" / HOST)) == ["%s.md" % HOST]


def test_a_given_directory_keeps_its_mode_and_the_reports_are_private(ansible, path, tmp_path):
    path.build()
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o755)
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path, istio_edge_diagnose_report_dir=str(shared)),
                                         args=("-c", "local"))
    assert rc == 0, out[-3000:]
    assert _mode(str(shared)) == 0o755                 # not the playbook's directory: left as it was
    assert _mode(str(shared / HOST)) == 0o700
    assert _mode(str(shared / HOST / ("%s.md" % HOST))) == 0o600
    assert "%s/%s/%s.html" % (shared, HOST, HOST) in out
