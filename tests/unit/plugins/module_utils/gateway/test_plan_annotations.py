# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles -> Service type and annotations, and the options that do not apply to a profile."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import PROFILE_ANNOTATION, build_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import find_port

ALB = "alb.ingress.kubernetes.io/"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
AZ = "service.beta.kubernetes.io/"


def plan_of(**params):
    return build_plan(params)


def error_of(**params):
    with pytest.raises(EdgeError) as info:
        build_plan(params)
    return info.value


def test_profile_types():
    assert plan_of(profile="alb")["type"] == "NodePort"
    assert plan_of(profile="nodeport")["type"] == "NodePort"
    assert plan_of(profile="nlb")["type"] == "LoadBalancer"
    assert plan_of(profile="loadbalancer")["type"] == "LoadBalancer"
    assert plan_of(profile="azure_private_link", azure={"pls_subnet": "snet-pls"})["type"] == "LoadBalancer"


def test_unknown_profile():
    exc = error_of(profile="clb")
    assert exc.field == "profile"
    assert "alb" in str(exc)


def test_alb_health_check_on_the_named_status_port_by_default():
    annotations = plan_of(profile="alb")["annotations"]
    assert annotations[ALB + "healthcheck-port"] == "status-port"
    assert annotations[ALB + "healthcheck-path"] == "/healthz/ready"
    assert annotations[ALB + "healthcheck-protocol"] == "HTTP"
    assert annotations[ALB + "success-codes"] == "200"
    assert annotations[PROFILE_ANNOTATION] == "alb"


def test_alb_numeric_health_check_port_follows_the_target_type():
    annotations = plan_of(profile="alb", node_ports={"status-port": 31021},
                          alb={"health_check_port": "number"})["annotations"]
    assert annotations[ALB + "healthcheck-port"] == "31021"
    annotations = plan_of(profile="alb", alb={"health_check_port": "number", "target_type": "ip"})["annotations"]
    assert annotations[ALB + "healthcheck-port"] == "15021"


def test_alb_thresholds_and_custom_path():
    annotations = plan_of(profile="alb", health_check_path="/ready", alb={
        "interval_seconds": 10, "healthy_threshold": 2, "unhealthy_threshold": 3, "timeout_seconds": 5,
        "success_codes": "200-299"})["annotations"]
    assert annotations[ALB + "healthcheck-path"] == "/ready"
    assert annotations[ALB + "healthcheck-interval-seconds"] == "10"
    assert annotations[ALB + "healthy-threshold-count"] == "2"
    assert annotations[ALB + "unhealthy-threshold-count"] == "3"
    assert annotations[ALB + "healthcheck-timeout-seconds"] == "5"
    assert annotations[ALB + "success-codes"] == "200-299"
    assert error_of(profile="alb", alb={"interval_seconds": 1}).field == "alb.interval_seconds"


def test_nlb_defaults_are_explicit():
    annotations = plan_of(profile="nlb")["annotations"]
    assert annotations[AWS + "type"] == "external"
    assert annotations[AWS + "scheme"] == "internal"
    assert annotations[AWS + "nlb-target-type"] == "ip"
    assert annotations[AWS + "attributes"] == "load_balancing.cross_zone.enabled=true"
    assert annotations[AWS + "healthcheck-protocol"] == "http"
    assert annotations[AWS + "healthcheck-port"] == "15021"
    assert annotations[AWS + "healthcheck-path"] == "/healthz/ready"
    assert AWS + "ssl-cert" not in annotations


def test_nlb_tcp_health_check_on_the_traffic_port():
    annotations = plan_of(profile="nlb", nlb={"health_check": "tcp"})["annotations"]
    assert annotations[AWS + "healthcheck-protocol"] == "tcp"
    assert annotations[AWS + "healthcheck-port"] == "traffic-port"
    assert AWS + "healthcheck-path" not in annotations
    assert error_of(profile="nlb", nlb={"health_check": "tcp"},
                    external_traffic_policy="Local").field == "nlb.health_check"


def test_nlb_instance_targets_probe_the_status_node_port():
    exc = error_of(profile="nlb", nlb={"target_type": "instance"})
    assert exc.field == "node_ports.status-port"
    annotations = plan_of(profile="nlb", nlb={"target_type": "instance"},
                          node_ports={"status-port": 30021})["annotations"]
    assert annotations[AWS + "healthcheck-port"] == "30021"
    assert annotations[AWS + "nlb-target-type"] == "instance"


def test_nlb_tls_termination_sends_443_to_the_http_listener():
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
    plan = plan_of(profile="nlb", nlb={"certificate_arn": [arn], "scheme": "internet-facing",
                                       "ssl_negotiation_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})
    annotations = plan["annotations"]
    assert annotations[AWS + "ssl-cert"] == arn
    assert annotations[AWS + "ssl-ports"] == "443"
    assert annotations[AWS + "backend-protocol"] == "tcp"
    assert annotations[AWS + "scheme"] == "internet-facing"
    assert annotations[AWS + "ssl-negotiation-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert find_port(plan["ports"], "https")["target_from"] == "http2"
    # re-encryption to the gateway keeps https on the gateway's TLS listener
    plan = plan_of(profile="nlb", nlb={"certificate_arn": [arn], "backend_protocol": "ssl"})
    assert find_port(plan["ports"], "https")["target_from"] is None


def test_nlb_tls_options_need_a_certificate():
    for key, value in (("ssl_ports", ["443"]), ("backend_protocol", "ssl"), ("ssl_negotiation_policy", "x")):
        exc = error_of(profile="nlb", nlb={key: value})
        assert exc.field == "nlb.%s" % key
        assert "certificate_arn" in str(exc)
    assert error_of(profile="nlb", nlb={"certificate_arn": ["not-an-arn"]}).field == "nlb.certificate_arn[0]"
    assert error_of(profile="nlb", nlb={"certificate_arn": ["arn:aws:acm:x"],
                                        "ssl_ports": ["8443"]}).field == "nlb.ssl_ports[0]"


def test_nlb_security_groups_subnets_tags_attributes_name():
    annotations = plan_of(profile="nlb", nlb={
        "security_groups": ["sg-1", "sg-2"], "subnets": ["subnet-a", "subnet-b"],
        "tags": {"team": "platform", "auto-delete": "no"}, "cross_zone": False,
        "attributes": {"deletion_protection.enabled": True}, "name": "edge-nlb",
        "healthy_threshold": 2, "unhealthy_threshold": 3, "interval_seconds": 20})["annotations"]
    assert annotations[AWS + "security-groups"] == "sg-1,sg-2"
    assert annotations[AWS + "subnets"] == "subnet-a,subnet-b"
    assert annotations[AWS + "additional-resource-tags"] == "auto-delete=no,team=platform"
    assert annotations[AWS + "attributes"] == (
        "deletion_protection.enabled=true,load_balancing.cross_zone.enabled=false")
    assert annotations[AWS + "name"] == "edge-nlb"
    assert annotations[AWS + "healthcheck-healthy-threshold"] == "2"
    assert annotations[AWS + "healthcheck-unhealthy-threshold"] == "3"
    assert annotations[AWS + "healthcheck-interval"] == "20"
    assert error_of(profile="nlb", nlb={"tags": {"a": "b,c"}}).field == "nlb.tags.a"
    assert error_of(profile="nlb", nlb={"name": "x" * 33}).field == "nlb.name"
    assert error_of(profile="nlb", nlb={"scheme": "public"}).field == "nlb.scheme"
    assert error_of(profile="nlb", nlb={"sheme": "internal"}).field == "nlb.sheme"


def test_azure_private_link_annotations_and_per_port_probes():
    plan = plan_of(profile="azure_private_link", name="istio-ingress",
                   extra_ports=[{"name": "mysql", "port": 3306}, {"name": "dns", "port": 53, "protocol": "UDP"}],
                   azure={"pls_subnet": "snet-pls", "internal_subnet": "snet-ilb", "load_balancer_ip": "10.1.2.3",
                          "visibility": ["*"], "auto_approval": ["sub-1"]})
    annotations = plan["annotations"]
    assert annotations[AZ + "azure-load-balancer-internal"] == "true"
    assert annotations[AZ + "azure-pls-create"] == "true"
    assert annotations[AZ + "azure-pls-name"] == "istio-ingress-pls"
    assert annotations[AZ + "azure-pls-ip-configuration-subnet"] == "snet-pls"
    assert annotations[AZ + "azure-load-balancer-internal-subnet"] == "snet-ilb"
    assert annotations[AZ + "azure-load-balancer-ipv4"] == "10.1.2.3"
    assert annotations[AZ + "azure-pls-visibility"] == "*"
    assert annotations[AZ + "azure-pls-auto-approval"] == "sub-1"
    for port in (80, 443, 3306):
        assert annotations[AZ + "port_%d_health-probe_protocol" % port] == "http"
        assert annotations[AZ + "port_%d_health-probe_port" % port] == "15021"
        assert annotations[AZ + "port_%d_health-probe_request-path" % port] == "/healthz/ready"
    assert AZ + "port_53_health-probe_protocol" not in annotations   # UDP is not probed
    assert AZ + "port_15021_health-probe_protocol" not in annotations
    assert annotations[AZ + "port_15021_no_lb_rule"] == "true"
    exposed = plan_of(profile="azure_private_link", azure={"pls_subnet": "s", "expose_status_port": True})
    assert AZ + "port_15021_no_lb_rule" not in exposed["annotations"]


def test_azure_required_and_invalid_options():
    assert error_of(profile="azure_private_link").field == "azure.pls_subnet"
    assert error_of(profile="azure_private_link", azure={"pls_name": "x"}).field == "azure.pls_subnet"
    assert error_of(profile="azure_private_link",
                    azure={"pls_subnet": "s", "load_balancer_ip": "10.0.0.300"}).field == "azure.load_balancer_ip"
    assert error_of(profile="azure_private_link",
                    azure={"pls_subnet": "s", "auto_approval": ["sub-1"]}).field == "azure.auto_approval"
    assert error_of(profile="azure_private_link",
                    azure={"pls_subnet": "s", "probe_interval": 30, "probe_threshold": 4}).field == "azure.probe_interval"


@pytest.mark.parametrize("profile,option,value", [
    ("alb", "nlb", {"scheme": "internet-facing"}),
    ("nodeport", "alb", {"success_codes": "200"}),
    ("nlb", "azure", {"pls_subnet": "s"}),
    ("alb", "load_balancer_source_ranges", ["10.0.0.0/8"]),
    ("nodeport", "load_balancer_ip", "10.0.0.1"),
    ("azure_private_link", "load_balancer_ip", "10.0.0.1"),
])
def test_options_that_do_not_apply_to_the_profile(profile, option, value):
    params = {"profile": profile, option: value}
    if profile == "azure_private_link":
        params["azure"] = {"pls_subnet": "s"}
    with pytest.raises(EdgeError) as info:
        build_plan(params)
    assert info.value.field == option
    assert profile in str(info.value)


def test_empty_option_dicts_from_the_argument_spec_are_not_given():
    plan = plan_of(profile="alb", nlb={"scheme": None, "tags": None}, azure={})
    assert plan["type"] == "NodePort"


def test_user_annotations_win_and_are_strings():
    plan = plan_of(profile="alb", annotations={ALB + "success-codes": "200-399", "example.com/flag": True,
                                               "example.com/n": 3})
    assert plan["annotations"][ALB + "success-codes"] == "200-399"
    assert plan["annotations"]["example.com/flag"] == "true"
    assert plan["annotations"]["example.com/n"] == "3"
    assert error_of(profile="alb", annotations={"bad key!": "x"}).field == "annotations.bad key!"
    assert error_of(profile="alb", annotations={"k": None}).field == "annotations.k"


def test_health_check_summary_for_a_manual_load_balancer():
    plan = plan_of(profile="nodeport", node_ports={"status-port": 31021})
    assert plan["health_check"] == {"port_name": "status-port", "port": 15021, "target_port": 15021,
                                    "node_port": 31021, "path": "/healthz/ready", "protocol": "HTTP"}


def test_bad_path_policy_and_ranges():
    assert error_of(profile="alb", health_check_path="healthz").field == "health_check_path"
    assert error_of(profile="nlb", external_traffic_policy="local").field == "external_traffic_policy"
    assert error_of(profile="nlb", load_balancer_source_ranges=["10.0.0.0"]).field == "load_balancer_source_ranges[0]"
