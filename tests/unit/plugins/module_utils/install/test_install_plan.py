# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install plan: options -> ordered releases; every bad input names its option before any I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.plan import (
    build_plan, check_extra_args, parse_server_side, server_side_args)


def params(**kw):
    base = {"state": "present", "chart_repo": "https://istio-release.storage.googleapis.com/charts",
            "chart_version": "1.30.0", "istio_namespace": "istio-system", "create_namespace": True,
            "base": {"enabled": True, "release_name": "istio-base", "values": {}},
            "istiod": {"enabled": True, "release_name": "istiod", "values": {}},
            "gateways": [], "helm_extra_args": [], "helm_server_side": "auto", "timeout": 300}
    base.update(kw)
    return base


def error_of(**kw):
    with pytest.raises(EdgeError) as info:
        build_plan(params(**kw))
    return info.value


def test_order_is_base_istiod_then_gateways_in_list_order():
    plan = build_plan(params(gateways=[{"name": "istio-ingress-external", "namespace": "istio-ingress"},
                                       {"name": "istio-ingress-internal", "namespace": "istio-ingress",
                                        "values": {"labels": {"istio": "internal"}}}]))
    assert [(r["component"], r["name"], r["namespace"]) for r in plan["releases"]] == [
        ("base", "istio-base", "istio-system"), ("istiod", "istiod", "istio-system"),
        ("gateway", "istio-ingress-external", "istio-ingress"), ("gateway", "istio-ingress-internal", "istio-ingress")]
    assert plan["releases"][3]["values"] == {"labels": {"istio": "internal"}}
    assert plan["releases"][3]["field"] == "gateways[1]"
    assert all(r["version"] == "1.30.0" for r in plan["releases"])


def test_absent_reverses_the_order_and_needs_no_version():
    plan = build_plan(params(state="absent", chart_version=None, gateways=[{"name": "a"}, {"name": "b"}]))
    assert [r["name"] for r in plan["releases"]] == ["b", "a", "istiod", "istio-base"]


def test_disabled_components_are_left_out():
    plan = build_plan(params(base={"enabled": False}, gateways=[{"name": "gw"}]))
    assert [r["component"] for r in plan["releases"]] == ["istiod", "gateway"]
    assert plan["releases"][1]["namespace"] == "istio-ingress"


def test_values_are_copied_not_shared():
    values = {"service": {"type": "NodePort"}}
    plan = build_plan(params(gateways=[{"name": "gw", "values": values}]))
    plan["releases"][2]["values"]["service"]["type"] = "X"
    assert values["service"]["type"] == "NodePort"


def test_other_istio_namespace_is_given_to_the_charts_unless_set():
    plan = build_plan(params(istio_namespace="mesh", istiod={"values": {"global": {"hub": "r.example/istio"}}}))
    base, istiod = plan["releases"]
    assert base["values"] == {"global": {"istioNamespace": "mesh"}}
    assert istiod["values"]["global"] == {"hub": "r.example/istio", "istioNamespace": "mesh"}
    plan = build_plan(params(istio_namespace="mesh", base={"values": {"global": {"istioNamespace": "other"}}}))
    assert plan["releases"][0]["values"]["global"]["istioNamespace"] == "other"
    assert build_plan(params())["releases"][0]["values"] == {}


@pytest.mark.parametrize("kw,field", [
    ({"chart_version": None}, "chart_version"),
    ({"chart_version": "~1.30"}, "chart_version"),
    ({"chart_version": "latest"}, "chart_version"),
    ({"chart_repo": "istio"}, "chart_repo"),
    ({"chart_repo": "ftp://x/charts"}, "chart_repo"),
    ({"chart_repo": "relative/dir"}, "chart_repo"),
    ({"istio_namespace": "Istio_System"}, "istio_namespace"),
    ({"istiod": {"release_name": "x" * 54}}, "istiod.release_name"),
    ({"gateways": [{"name": "ok"}, {"name": "Bad_Name"}]}, "gateways[1].name"),
    ({"gateways": [{"name": "gw", "namespace": "-x"}]}, "gateways[0].namespace"),
    ({"gateways": [{"name": "gw", "values": ["not", "a", "dict"]}]}, "gateways[0].values"),
    ({"gateways": [{"name": "gw"}, {"name": "gw"}]}, "gateways[1].name"),
    ({"gateways": [{"name": "istiod", "namespace": "istio-system"}]}, "gateways[0].name"),
    ({"helm_server_side": "sometimes"}, "helm_server_side"),
    ({"helm_extra_args": ["--atomic"]}, "helm_extra_args[0]"),
    ({"helm_extra_args": ["--disable-openapi-validation", "--set=foo=bar"]}, "helm_extra_args[1]"),
    ({"timeout": 0}, "timeout"),
    ({"state": "latest"}, "state"),
])
def test_bad_inputs_name_the_option(kw, field):
    err = error_of(**kw)
    assert err.field == field, str(err)
    assert str(err).startswith(field)


def test_server_side_spellings():
    assert parse_server_side("auto") == "auto" and parse_server_side(None) == "auto"
    assert parse_server_side(False) is False and parse_server_side("false") is False and parse_server_side("no") is False
    assert parse_server_side(True) is True and parse_server_side("True") is True


def test_server_side_flag_only_for_helm4():
    assert server_side_args("auto", 4) == [] and server_side_args("auto", 3) == []
    assert server_side_args(False, 4) == ["--server-side=false"]
    assert server_side_args(True, 4) == ["--server-side=true"]
    assert server_side_args(False, 3) == []
    with pytest.raises(EdgeError) as info:
        server_side_args(True, 3)
    assert info.value.field == "helm_server_side"


def test_extra_args_pass_through():
    assert check_extra_args(["--disable-openapi-validation", "--history-max=3"]) == [
        "--disable-openapi-validation", "--history-max=3"]
    assert check_extra_args(None) == []


def test_waits_and_defaults():
    plan = build_plan(params(wait_crds=True, wait_istiod=False, wait_gateways=False))
    assert plan["waits"] == {"crds": True, "istiod": False, "gateways": False}
    assert plan["server_side"] == "auto" and plan["timeout"] == 300 and plan["create_namespace"] is True
    assert plan["source"] == {"kind": "repo", "location": "https://istio-release.storage.googleapis.com/charts"}
