# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helm values for Istio's gateway chart, and nodePort collisions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.collisions import (
    collision_error, find_collisions)
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import build_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.values import (
    chart_default_values, check_chart_schema, helm_values, values_manifest)


def service_of(**params):
    return helm_values(build_plan(params))["service"]


def test_values_always_carry_the_full_port_list_with_the_chart_names():
    for profile, extra in (("alb", {}), ("nlb", {}), ("nodeport", {}), ("loadbalancer", {}),
                           ("azure_private_link", {"azure": {"pls_subnet": "s"}})):
        ports = service_of(profile=profile, **extra)["ports"]
        assert [(p["name"], p["port"], p["targetPort"], p["protocol"]) for p in ports] == [
            ("status-port", 15021, 15021, "TCP"), ("http2", 80, 80, "TCP"), ("https", 443, 443, "TCP")]


def test_alb_values():
    service = service_of(profile="alb")
    assert service["type"] == "NodePort"
    assert dict((p["name"], p["nodePort"]) for p in service["ports"]) == {
        "status-port": 30021, "http2": 30080, "https": 30443}
    assert service["annotations"]["alb.ingress.kubernetes.io/healthcheck-port"] == "status-port"
    assert "externalTrafficPolicy" not in service and "loadBalancerIP" not in service


def test_nodeport_values_with_mysql():
    service = service_of(profile="nodeport", extra_ports=[{"name": "mysql", "port": 3306, "node_port": 30306}])
    assert service["ports"][-1] == {"name": "mysql", "port": 3306, "protocol": "TCP", "targetPort": 3306,
                                    "nodePort": 30306}


def test_load_balancer_profiles_have_no_node_ports_unless_pinned():
    service = service_of(profile="nlb")
    assert all("nodePort" not in p for p in service["ports"])
    service = service_of(profile="nlb", node_ports={"status-port": 30021}, nlb={"target_type": "instance"})
    assert service["ports"][0]["nodePort"] == 30021


def test_nlb_tls_offload_targets_the_http_listener():
    service = service_of(profile="nlb", nlb={"certificate_arn": ["arn:aws:acm:eu-west-1:1:certificate/x"]})
    assert [p["targetPort"] for p in service["ports"]] == [15021, 80, 80]


def test_spec_fields():
    service = service_of(profile="loadbalancer", external_traffic_policy="Local", load_balancer_ip="10.0.0.5",
                         load_balancer_source_ranges=["10.0.0.0/8"])
    assert service["externalTrafficPolicy"] == "Local"
    assert service["loadBalancerIP"] == "10.0.0.5"
    assert service["loadBalancerSourceRanges"] == ["10.0.0.0/8"]


def test_ports_override_is_passed_through():
    service = service_of(profile="nlb", ports=[
        {"name": "status-port", "port": 15021},
        {"name": "https", "port": 443, "target_port": 8443, "app_protocol": "https"}])
    assert service["ports"] == [
        {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443, "appProtocol": "https"}]


def test_chart_defaults_for_state_absent():
    values = chart_default_values()
    assert values == {"service": {"type": "LoadBalancer", "annotations": {}, "ports": [
        {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
        {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 80},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}}


def test_manifest_from_values():
    values = helm_values(build_plan({"profile": "nodeport", "external_traffic_policy": "Local"}))
    manifest = values_manifest(values, "istio-ingress", "istio-ingress")
    assert manifest["metadata"] == {"name": "istio-ingress", "namespace": "istio-ingress",
                                    "annotations": {"istio-edge.meshops.io/edge-profile": "nodeport"}}
    assert manifest["spec"]["type"] == "NodePort"
    assert manifest["spec"]["externalTrafficPolicy"] == "Local"
    assert len(manifest["spec"]["ports"]) == 3


def svc(namespace, name, *ports):
    return {"metadata": {"namespace": namespace, "name": name},
            "spec": {"ports": [dict(name=n, port=p, protocol="TCP", nodePort=np) for n, p, np in ports]}}


def test_collisions_name_the_other_service_and_our_option():
    plan = build_plan({"profile": "nodeport", "extra_ports": [{"name": "mysql", "port": 3306, "node_port": 30306}]})
    services = [
        svc("shop", "web", ("http", 80, 30080)),
        svc("db", "mysql", ("mysql", 3306, 30306)),
        svc("other", "free", ("http", 80, 31999)),
    ]
    found = find_collisions(plan["ports"], services, "istio-ingress", "istio-ingress")
    assert found == [
        {"field": "node_ports.http2", "node_port": 30080, "service": "shop/web", "port": "http"},
        {"field": "extra_ports[0].node_port", "node_port": 30306, "service": "db/mysql", "port": "mysql"}]
    error = collision_error(found)
    assert error.field == "node_ports.http2"
    assert "shop/web" in str(error) and "db/mysql" in str(error)
    assert error.code == "NodePortTaken"


def test_our_own_service_only_collides_through_foreign_ports():
    plan = build_plan({"profile": "nodeport"})
    own = svc("istio-ingress", "istio-ingress", ("http2", 80, 30080), ("tcp", 31400, 30443))
    found = find_collisions(plan["ports"], [own], "istio-ingress", "istio-ingress")
    assert [(c["node_port"], c["port"]) for c in found] == [(30443, "tcp")]
    assert find_collisions(plan["ports"], [own], "other", "istio-ingress")[0]["node_port"] == 30080


def test_named_target_ports_do_not_fit_the_chart_schema():
    plan = build_plan({"profile": "nlb", "extra_ports": [{"name": "grpc", "port": 9000, "target_port": "grpc"}]})
    with pytest.raises(EdgeError) as info:
        check_chart_schema(plan)
    assert info.value.field == "extra_ports[0].target_port"
    check_chart_schema(build_plan({"profile": "nlb", "extra_ports": [{"name": "grpc", "port": 9000,
                                                                      "target_port": 9001}]}))
