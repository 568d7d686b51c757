# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The single read of a release: ``helm get all --template RELEASE_TEMPLATE[major]`` parsed into what the run needs.

The fixtures are real output of helm v3.17.3 and v4.3.1 against the test bed, each captured together with what the
per-field commands print for the same release (``helm get metadata -o json`` without deployedAt/labels, ``helm get
values -o json``, ``helm get manifest``), so the tests prove the one read gives what those three calls gave:
- ``*-values``: a one-ConfigMap chart whose appVersion has quotes, installed with awkward values (quotes,
  backslashes, control characters, non-ASCII, an empty key, 1e6, 2**53, 1e21, 1e-6, nested lists, null) - helm 3
  reading a release helm 3 installed, helm 4 one helm 4 installed (applyMethod ``ssa``);
- ``helm4-uninstalled``: a release uninstalled with --keep-history, without appVersion or values;
- ``*-gateway``: the Istio gateway release of inventories/local (tests/fixtures/charts), installed by helm 4 (``csa``).
Each fixture also holds the template it was captured with; a changed template needs the fixtures captured again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.release import RELEASE_TEMPLATE, parse_release
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.values import decide

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
NAMES = ("get-all-helm3-values", "get-all-helm4-values", "get-all-helm4-uninstalled", "get-all-helm3-gateway",
         "get-all-helm4-gateway")


def _fixture(name):
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        return json.load(handle)


def _major(fixture):
    return int(fixture["helm"].lstrip("v").split(".")[0])


@pytest.mark.parametrize("name", NAMES)
def test_fixture_was_captured_with_the_current_template(name):
    fixture = _fixture(name)
    assert fixture["template"] == RELEASE_TEMPLATE[_major(fixture)]


@pytest.mark.parametrize("name", NAMES)
def test_one_read_gives_what_metadata_values_and_manifest_gave(name):
    fixture = _fixture(name)
    release = parse_release(fixture["get_all"])
    assert release["manifest"] == fixture["get_manifest"]
    # as JSON text: True is not 1, 1000000 is not 1000000.0
    assert json.dumps(release["values"], sort_keys=True) == json.dumps(fixture["get_values"] or {}, sort_keys=True)
    metadata = dict((key, item) for key, item in release.items() if key not in ("values", "manifest"))
    assert metadata == fixture["get_metadata"]


def test_awkward_values_come_back_exactly():
    release = parse_release(_fixture("get-all-helm3-values")["get_all"])
    values = release["values"]
    assert values["s"] == (u"quote\" back\\ nl\n tab\t bell\x07 vt\x0b nul-ish\x01 "
                           u"uni \u00e9 \u65e5\u672c \U0001f600 <>&='")
    assert values[""] == "empty key" and values['k"ey'] == "v"
    assert values["exp"] == 1000000 and isinstance(values["exp"], int)
    assert values["bigint"] == 2 ** 53 and isinstance(values["bigint"], int)
    assert values["big"] == 1e21 and isinstance(values["big"], float)
    assert values["small"] == 1e-6 and values["f"] == 0.5 and values["negf"] == -0.25
    assert values["t"] is True and values["fa"] is False and values["n"] is None and values["zero"] == 0
    assert values["ll"] == [[1, "x"], [], [{"k": None}]] and values["el"] == [] and values["em"] == {}
    assert release["appVersion"] == 'weird "app" 1' and "applyMethod" not in release


def test_helm4_reports_the_apply_method():
    assert parse_release(_fixture("get-all-helm4-values")["get_all"])["applyMethod"] == "ssa"
    gateway = parse_release(_fixture("get-all-helm4-gateway")["get_all"])
    assert gateway["applyMethod"] == "csa"
    assert (gateway["chart"], gateway["version"], gateway["revision"], gateway["status"]) == \
        ("gateway", "1.30.0", 1, "deployed")


def test_an_uninstalled_release_is_still_a_release():
    release = parse_release(_fixture("get-all-helm4-uninstalled")["get_all"])
    assert release["status"] == "uninstalled" and release["values"] == {} and release["appVersion"] == ""
    assert "kind: ConfigMap" in release["manifest"]


def test_the_gateway_read_decides_nothing_to_do_for_the_same_values():
    fixture = _fixture("get-all-helm3-gateway")
    release = parse_release(fixture["get_all"])
    spec = {"name": "istio-ingress", "namespace": "istio-ingress", "version": "1.30.0", "field": "gateways[0]",
            "values": json.loads(json.dumps(fixture["get_values"]))}
    assert decide(spec, release)["action"] == "none"
    spec["values"]["service"]["type"] = "LoadBalancer"
    assert decide(spec, release)["reasons"] == ["values changed: service.type"]


@pytest.mark.parametrize("text", [
    "",                                                  # nothing printed
    '{"name":"61","revision":1,"values":{}}',            # no line break before the manifest
    "NAME: istio-ingress\nSTATUS: deployed\n",           # helm's table, not the template
    '{"name":"61","values":{}}\n',                       # no revision
    '{"name":"zz","revision":1,"values":{}}\n',          # not hex
    '{"name":"61","revision":1,"values":{"6b":"!int64"}}\n',  # a value type the template does not encode
])
def test_what_is_not_a_release_is_an_error(text):
    with pytest.raises(ValueError):
        parse_release(text)
