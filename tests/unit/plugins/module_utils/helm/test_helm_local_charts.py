# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a local chart directory holds: chart directories and .tgz packages (real files, no mocks)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import tarfile

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.local_charts import scan_local_charts

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fixtures", "charts")


def _package(directory, name, version):
    path = os.path.join(directory, "%s-%s.tgz" % (name, version))
    data = ("apiVersion: v2\nname: %s\nversion: %s\nappVersion: %s\n" % (name, version, version)).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("%s/Chart.yaml" % name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_fixture_charts_are_found_with_their_versions():
    found = dict((item["name"], item) for item in scan_local_charts(os.path.abspath(FIXTURES)))
    assert set(found) >= {"base", "istiod", "gateway"}
    assert found["gateway"]["version"] == "1.30.0" and not found["gateway"]["packaged"]


def test_packages_are_read(tmp_path):
    path = _package(str(tmp_path), "base", "1.29.3")
    (tmp_path / "notes.txt").write_text("not a chart")
    (tmp_path / "broken.tgz").write_text("not a tarball")
    found = scan_local_charts(str(tmp_path))
    assert found == [{"name": "base", "version": "1.29.3", "app_version": "1.29.3", "path": path, "packaged": True}]


def test_missing_directory_names_chart_repo(tmp_path):
    with pytest.raises(EdgeError) as info:
        scan_local_charts(str(tmp_path / "nope"))
    assert info.value.field == "chart_repo"
