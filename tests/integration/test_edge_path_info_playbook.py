# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/diagnose.yml on the test bed: reports written where asked, the play failing clearly on a broken
hop (and not when told not to). Test-bed stand-ins: see test_edge_path_info_support.py."""

import os

import pytest

from ansible_runner import REPO
from app_route_support import apply
from test_edge_path_info_support import HOST, fake_node, path  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.usefixtures("fake_node")

PLAYBOOK = os.path.join(REPO, "playbooks", "diagnose.yml")


def _vars(path, report_dir, **extra):
    out = {"istio_edge_provider": "nodeport", "istio_gateway_namespace": path.gw,
           "istio_edge_diagnose_namespace": path.app,
           "istio_edge_diagnose_node_ports": path.node_ports, "istio_edge_diagnose_envoy": "never",
           "istio_edge_diagnose_report_dir": report_dir}
    out.update(extra)
    return out


def test_broken_hop_fails_the_play_with_the_reason_and_writes_reports(ansible, path, tmp_path):
    path.build()
    apply(path.kube, path.gateway(selector={"istio": "ingressgateway"}))
    report_dir = str(tmp_path / "reports")
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path, report_dir, istio_edge_diagnose_host=HOST),
                                         args=("-c", "local"))
    assert rc != 0
    assert "shop.example.com: broken at Istio Gateway (selector_mismatch)" in out
    assert "Fix: Set spec.selector of Gateway %s/shop-gateway to istio=ingress" % path.gw in out
    assert "Report: %s/shop.example.com/shop.example.com.html" % report_dir in out
    with open(os.path.join(report_dir, "shop.example.com", "shop.example.com.md")) as handle:
        assert "(`selector_mismatch`)" in handle.read()
    with open(os.path.join(report_dir, "shop.example.com", "shop.example.com.html")) as handle:
        page = handle.read()
    assert page.startswith("<!DOCTYPE html>") and 'class="hop broken' in page

    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path, report_dir, istio_edge_diagnose_host=HOST,
                                                                    istio_edge_diagnose_fail_on_broken=False),
                                         args=("-c", "local"))
    assert rc == 0, out[-3000:]
    assert "BROKEN: shop.example.com/ is broken at Istio Gateway" in out


def test_one_app_of_the_app_list(ansible, path, tmp_path):
    path.build()
    apps = [{"name": "shop", "namespace": path.app, "hosts": [HOST], "use_gateway": "%s/shop-gateway" % path.gw,
             "http": [{"match": [{"prefix": "/"}], "route": [{"host": "shop", "port": 8080}]}]},
            {"name": "blog", "namespace": path.app, "hosts": ["blog.example.com"],
             "http": [{"route": [{"host": "blog", "port": 80}]}]}]
    report_dir = str(tmp_path / "reports")
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars=_vars(path, report_dir, istio_edge_apps=apps,
                                                                    istio_edge_app="shop",
                                                                    istio_edge_diagnose_formats=["markdown"]),
                                         args=("-c", "local"))
    assert rc == 0, out[-3000:]
    assert "OK: every hop of shop (shop.example.com/) checks out." in out
    assert os.listdir(report_dir) == ["shop"] and os.listdir(os.path.join(report_dir, "shop")) == ["shop.md"]


def test_unknown_app_is_refused_before_anything_runs(ansible, tmp_path):
    rc, out, _results = ansible.playbook(PLAYBOOK, extra_vars={"istio_edge_apps": [{"name": "shop"}], "istio_edge_app": "nope",
                                                               "istio_edge_diagnose_report_dir": str(tmp_path)},
                                         args=("-c", "local"))
    assert rc != 0
    assert "istio_edge_app (one of its names: ['shop'])" in out
    assert os.listdir(str(tmp_path)) == []
