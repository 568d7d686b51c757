# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading rendered manifests, and the version parser of the helm CLI wrapper."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.cli import parse_version
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.manifest import (
    objects_of_kind, parse_manifest, to_yaml)

MANIFEST = """---
# Source: gateway/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: istio-ingress
---
# Source: gateway/templates/hpa.yaml
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingress
  namespace: edge
"""


def test_parse_manifest_skips_empty_documents():
    objs = parse_manifest(MANIFEST)
    assert [o["kind"] for o in objs] == ["ServiceAccount", "Deployment"]
    assert parse_manifest("") == [] and parse_manifest(None) == []


def test_objects_of_kind_defaults_the_namespace():
    objs = parse_manifest(MANIFEST)
    assert [item[:3] for item in objects_of_kind(objs, ("ServiceAccount", "Deployment"), "rel-ns")] == [
        ("ServiceAccount", "istio-ingress", "rel-ns"), ("Deployment", "istio-ingress", "edge")]


def test_broken_manifest_is_an_edge_error():
    with pytest.raises(EdgeError):
        parse_manifest("a: [unclosed")


def test_to_yaml_is_sorted_and_stable():
    assert to_yaml({"b": 1, "a": {"d": 2, "c": 3}}) == "a:\n  c: 3\n  d: 2\nb: 1\n"
    assert to_yaml(None) == ""


def test_parse_version():
    assert parse_version("v3.17.3") == (3, 17, 3)
    assert parse_version("v4.3.1+gc0d08d0") == (4, 3, 1)
    assert parse_version("garbage") is None
