# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading rendered manifests, and the version parser of the helm CLI wrapper."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.cli import parse_version
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.manifest import (
    normalize_manifest, objects_of_kind, parse_manifest, to_yaml)
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.report import manifest_diff

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


# what helm 3.17 `get manifest` (a trailing blank line after the last template), helm 3 `template` (none) and
# helm 4.3 `template` (a blank line after every document) print for the same release
GET_MANIFEST = ("---\n# Source: gateway/templates/serviceaccount.tpl\napiVersion: v1\nkind: ServiceAccount\n"
                "metadata:\n  name: gw\n---\n# Source: gateway/templates/deployment.tpl\napiVersion: apps/v1\n"
                "kind: Deployment\nmetadata:\n  name: gw\nspec:\n  template:\n    spec:\n"
                "      terminationGracePeriodSeconds: 30\n\n")
TEMPLATE_HELM3 = GET_MANIFEST[:-1]
TEMPLATE_HELM4 = GET_MANIFEST.replace("name: gw\n---", "name: gw\n\n---")


def test_blank_lines_helm_adds_are_no_change():
    assert normalize_manifest(GET_MANIFEST) == normalize_manifest(TEMPLATE_HELM3) == \
        normalize_manifest(TEMPLATE_HELM4)
    assert normalize_manifest(GET_MANIFEST).endswith("terminationGracePeriodSeconds: 30\n")
    assert normalize_manifest(GET_MANIFEST).count("---\n") == 2
    assert normalize_manifest("") == normalize_manifest(None) == ""


def test_manifest_diff_of_an_unchanged_release_is_empty_and_a_change_still_shows():
    spec = {"name": "gw", "namespace": "edge"}
    diff = manifest_diff(spec, GET_MANIFEST, TEMPLATE_HELM4, rendered=True)
    assert diff["before"] == diff["after"]
    changed = manifest_diff(spec, GET_MANIFEST, TEMPLATE_HELM3.replace("30", "60"), rendered=True)
    assert changed["before"] != changed["after"]
    assert "terminationGracePeriodSeconds: 60\n" in changed["after"]
    # blank lines inside a document are content (a block scalar may hold them) and are kept
    inner = "---\nkind: ConfigMap\ndata:\n  mesh: |-\n    a: 1\n\n    b: 2\n"
    assert normalize_manifest(inner) == inner


def test_the_fast_loader_reads_istios_crds_as_the_pure_python_one_does():
    # parse_manifest uses libyaml's loader when PyYAML has it: the objects must be the same, key for key
    import os
    import yaml
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "fixtures", "charts", "base", "files",
                        "crd-all.gen.yaml")
    with open(path) as handle:
        text = yaml.safe_dump_all(yaml.safe_load(handle), default_flow_style=False)  # the CRDs as helm renders them
    objects = parse_manifest(text + MANIFEST)
    expected = [doc for doc in yaml.load_all(text + MANIFEST, Loader=yaml.SafeLoader)
                if isinstance(doc, dict) and doc.get("kind")]
    assert len(objects) > 5 and objects == expected
    assert [o["kind"] for o in objects[-2:]] == ["ServiceAccount", "Deployment"]
