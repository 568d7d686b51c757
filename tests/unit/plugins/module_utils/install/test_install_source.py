# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chart source resolution: Helm repository URL, OCI registry, local directory (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.source import (
    chart_reference, classify_source, pick_local_chart, validate_version)


def test_classify_sources():
    assert classify_source("https://istio-release.storage.googleapis.com/charts/") == {
        "kind": "repo", "location": "https://istio-release.storage.googleapis.com/charts"}
    assert classify_source("oci://registry.istio.io/release/charts") == {
        "kind": "oci", "location": "oci://registry.istio.io/release/charts"}
    assert classify_source("/opt/charts/istio/") == {"kind": "local", "location": "/opt/charts/istio"}


@pytest.mark.parametrize("value", ["", "oci://", "s3://bucket/charts", "istio", "./charts"])
def test_bad_sources_name_chart_repo(value):
    with pytest.raises(EdgeError) as info:
        classify_source(value)
    assert info.value.field == "chart_repo"


def test_versions():
    assert validate_version("1.30.0") == "1.30.0"
    assert validate_version("1.30.0-beta.1") == "1.30.0-beta.1"
    assert validate_version(" v1.29.3 ") == "v1.29.3"
    for bad in ("1.30", ">=1.29.0", "*", "latest", None, ""):
        with pytest.raises(EdgeError) as info:
            validate_version(bad)
        assert info.value.field == "chart_version"


def test_repo_reference_uses_repo_and_version_flags():
    ref = chart_reference(classify_source("https://charts.example/istio"), "gateway", "1.30.0")
    assert ref["ref"] == "gateway"
    assert ref["args"] == ["--repo", "https://charts.example/istio", "--version", "1.30.0"]


def test_oci_reference_appends_the_chart_name():
    ref = chart_reference(classify_source("oci://registry.istio.io/release/charts"), "base", "1.30.0")
    assert ref["ref"] == "oci://registry.istio.io/release/charts/base"
    assert ref["args"] == ["--version", "1.30.0"]
    assert ref["display"] == "oci://registry.istio.io/release/charts/base:1.30.0"


def test_local_reference_is_the_path_without_flags():
    ref = chart_reference(classify_source("/charts"), "base", "1.30.0", "/charts/base-1.30.0.tgz")
    assert ref == {"ref": "/charts/base-1.30.0.tgz", "args": [], "display": "/charts/base-1.30.0.tgz"}


INVENTORY = [
    {"name": "base", "version": "1.30.0", "path": "/c/base", "packaged": False},
    {"name": "base", "version": "1.30.0", "path": "/c/base-1.30.0.tgz", "packaged": True},
    {"name": "base", "version": "1.29.3", "path": "/c/base-1.29.3.tgz", "packaged": True},
    {"name": "istiod", "version": "1.30.0", "path": "/c/istiod", "packaged": False},
    {"name": "gateway", "version": "1.30.0", "path": "/c/mirror-gateway.tgz", "packaged": True},
    {"name": "gateway", "version": "1.30.0", "path": "/c/gateway", "packaged": False},
]


def test_pick_prefers_the_helm_pull_file_then_the_directory():
    assert pick_local_chart(INVENTORY, "base", "1.30.0", "/c") == "/c/base-1.30.0.tgz"
    assert pick_local_chart(INVENTORY, "base", "1.29.3", "/c") == "/c/base-1.29.3.tgz"
    assert pick_local_chart(INVENTORY, "istiod", "1.30.0", "/c") == "/c/istiod"
    assert pick_local_chart(INVENTORY, "gateway", "1.30.0", "/c") == "/c/gateway"


def test_pick_missing_version_names_chart_version_and_lists_what_exists():
    with pytest.raises(EdgeError) as info:
        pick_local_chart(INVENTORY, "base", "1.28.0", "/c")
    assert info.value.field == "chart_version"
    assert "1.29.3, 1.30.0" in str(info.value)


def test_pick_missing_chart_names_chart_repo():
    with pytest.raises(EdgeError) as info:
        pick_local_chart(INVENTORY, "cni", "1.30.0", "/c")
    assert info.value.field == "chart_repo"
