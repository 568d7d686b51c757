# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gateway Service shaped inside its Helm release (istio_install's gateways[].service), and its install plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, nested_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import build_plan as gateway_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.release import merge_values, shape_release
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.values import helm_values
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.gateways import gateway_info, shape_info
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.plan import build_plan as install_plan

FIELD = "gateways[0].service"
PINNED = {"http2": 30080, "https": 30443, "status-port": 30021}


def test_the_values_are_gateway_services_values_mode():
    shaped = shape_release({"profile": "alb", "node_ports": PINNED}, "istio-ingress", "istio-ingress", FIELD)
    alone = helm_values(gateway_plan({"profile": "alb", "node_ports": PINNED, "name": "istio-ingress",
                                      "namespace": "istio-ingress"}))
    assert shaped["values"] == alone
    assert shaped["check_node_ports"] is True
    assert shaped["plan"]["health_check"]["path"] == "/healthz/ready"


def test_defaults_of_the_argument_spec_apply():
    shaped = shape_release({"profile": "nodeport", "check_node_ports": "no"}, "gw", "ingress", FIELD)
    assert shaped["check_node_ports"] is False
    assert shaped["plan"]["status_port"] == 15021


def test_a_name_in_the_release_values_names_the_service():
    shaped = shape_release({"profile": "nodeport"}, "istio-ingress", "ingress", FIELD, {"name": "edge-gw"})
    assert shaped["plan"]["name"] == "edge-gw"


@pytest.mark.parametrize("options, field, words", [
    ({"profile": "nodeport", "mode": "live"}, FIELD, "unknown option mode"),
    ({"profile": "edge"}, FIELD, "profile must be one of"),
    ({"node_ports": PINNED}, FIELD, "missing required arguments: profile"),
    ({"profile": "nodeport", "status_port": "high"}, FIELD, "status_port"),
    ({"profile": "nodeport", "alb": {"target_type": "ip"}}, FIELD + ".alb", "alb"),
    ({"profile": "nodeport", "node_ports": {"http2": 80}}, FIELD + ".node_ports.http2", "30000-32767"),
    ({"profile": "nodeport", "health_check_path": "healthz"}, FIELD + ".health_check_path", "start with /"),
    ("nodeport", FIELD, "must be a mapping"),
])
def test_bad_options_name_the_nested_field(options, field, words):
    with pytest.raises(EdgeError) as info:
        shape_release(options, "istio-ingress", "istio-ingress", FIELD)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")
    assert words in str(info.value)


def test_nested_error_prefixes_field_and_message():
    error = nested_error(EdgeError("node_ports.http2: 80 is taken.", field="node_ports.http2", hint="Pick another.",
                                   code="NodePortTaken", collisions=[1]), FIELD)
    assert (error.field, error.msg, error.hint, error.code, error.details) == (
        FIELD + ".node_ports.http2", FIELD + ".node_ports.http2: 80 is taken.", "Pick another.", "NodePortTaken",
        {"collisions": [1]})
    plain = nested_error(EdgeError("something is wrong"), FIELD)
    assert (plain.field, plain.msg) == (FIELD, FIELD + ": something is wrong")


def test_merge_values_keeps_the_users_keys_and_the_shape_wins():
    values = {"service": {"type": "LoadBalancer", "annotations": {"team": "edge"}, "ports": [{"name": "x"}]},
              "labels": {"istio": "ingress"}}
    shaped = {"service": {"type": "NodePort", "annotations": {"a": "1"}, "ports": [{"name": "http2"}]}}
    assert merge_values(values, shaped) == {
        "service": {"type": "NodePort", "annotations": {"team": "edge", "a": "1"}, "ports": [{"name": "http2"}]},
        "labels": {"istio": "ingress"}}
    assert values["service"]["type"] == "LoadBalancer"  # the input is not changed


def test_the_install_plan_merges_the_shape_into_the_gateway_release():
    plan = install_plan({"chart_version": "1.30.0", "chart_repo": "/charts", "gateways": [
        {"name": "istio-ingress", "values": {"autoscaling": {"minReplicas": 2}},
         "service": {"profile": "nodeport", "node_ports": PINNED}}]})
    gateway = plan["releases"][-1]
    assert gateway["values"]["autoscaling"] == {"minReplicas": 2}
    assert gateway["values"]["service"]["type"] == "NodePort"
    assert dict((p["name"], p["nodePort"]) for p in gateway["values"]["service"]["ports"]) == PINNED
    assert gateway["shape"]["plan"]["profile"] == "nodeport"


def test_the_install_plan_names_the_gateway_of_a_bad_shape():
    with pytest.raises(EdgeError) as info:
        install_plan({"chart_version": "1.30.0", "chart_repo": "/charts", "gateways": [
            {"name": "a"}, {"name": "b", "service": {"profile": "nodeport", "node_ports": {"https": 1}}}]})
    assert info.value.field == "gateways[1].service.node_ports.https"


def test_absent_ignores_the_shape():
    plan = install_plan({"state": "absent", "gateways": [{"name": "gw", "service": {"profile": "bogus"}}]})
    assert plan["releases"][0]["shape"] is None


def test_shape_info_reports_the_health_checks_live_node_port():
    shape = shape_release({"profile": "nodeport"}, "istio-ingress", "istio-ingress", FIELD)
    service = {"metadata": {"name": "istio-ingress", "namespace": "istio-ingress"},
               "spec": {"type": "NodePort", "ports": [{"name": "status-port", "port": 15021, "nodePort": 31555}]}}
    info = gateway_info({"name": "istio-ingress", "namespace": "istio-ingress"}, None, service, "live")
    extra = shape_info(shape, info, "not needed (the release does not change)")
    assert extra["health_check"]["node_port"] == 31555
    assert extra["profile"] == "nodeport"
    assert extra["node_port_check"] == "not needed (the release does not change)"
