# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ALB expectations from the gateway Service and the verification rules on a snapshot (pure)."""

import copy

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.verify import (
    alb_expectations, strict_error, verification_result, verify_alb)

ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"


def service(svc_type="NodePort", target_port=80):
    return {"metadata": {"name": "istio-ingress", "namespace": "istio-ingress"},
            "spec": {"type": svc_type, "ports": [
                {"name": "status-port", "port": 15021, "targetPort": 15021, "nodePort": 30021},
                {"name": "http2", "port": 80, "targetPort": target_port, "nodePort": 30080},
                {"name": "https", "port": 443, "targetPort": 443, "nodePort": 30443}]}}


def params(**extra):
    p = {"name": "edge", "namespace": "istio-ingress", "gateway_service": "istio-ingress", "backend_port": 80,
         "status_port_name": "status-port", "health_check_path": "/healthz/ready", "scheme": "internet-facing",
         "target_type": "instance", "https_redirect": True,
         "listen_ports": [{"protocol": "HTTP", "port": 80}, {"protocol": "HTTPS", "port": 443}]}
    p.update(extra)
    return p


def snapshot(hc_port="30021", hc_path="/healthz/ready", target_port=30080, states=("healthy", "healthy"),
             redirect=True, certs=(ARN,), scheme="internet-facing", target_type="instance"):
    http_action = ({"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443"}} if redirect
                   else {"Type": "forward", "TargetGroupArn": "tg"})
    return {
        "load_balancer": {"arn": "lb", "name": "k8s-edge", "scheme": scheme, "type": "application", "state": "active"},
        "listeners": [
            {"arn": "l80", "port": 80, "protocol": "HTTP", "default_actions": [http_action], "certificates": []},
            {"arn": "l443", "port": 443, "protocol": "HTTPS", "default_actions": [], "certificates": list(certs)}],
        "target_groups": [{
            "arn": "tg", "name": "k8s-tg", "target_type": target_type,
            "tags": {"ingress.k8s.aws/resource": "istio-ingress/edge-istio-ingress:80"},
            "health_check": {"enabled": True, "protocol": "HTTP", "port": hc_port, "path": hc_path},
            "targets": [{"id": "i-%d" % i, "port": target_port, "state": s, "reason": None if s == "healthy" else
                         "Target.FailedHealthChecks"} for i, s in enumerate(states)]}],
    }


def expect(**extra):
    exp = alb_expectations(service(), params(**extra))
    exp["certificate_arns"] = [ARN]
    return exp


def checks(findings):
    return sorted(f["check"] for f in findings)


def test_expectations_instance_and_ip():
    exp = expect()
    assert exp["health_check"] == {"protocol": "HTTP", "port": "30021", "path": "/healthz/ready"}
    assert exp["traffic_port"] == 30080
    assert exp["backend"]["resource"] == "istio-ingress/edge-istio-ingress:80"
    ip = alb_expectations(service("ClusterIP", target_port=8080), params(target_type="ip"))
    assert ip["health_check"]["port"] == "15021" and ip["traffic_port"] == 8080


def test_all_good():
    assert verify_alb(snapshot(), expect()) == []
    assert verification_result([]) == {"status": "ok", "findings": [], "errors": 0}


@pytest.mark.parametrize("snap_args, expected_checks", [
    ({"hc_port": "traffic-port"}, ["health_check.port"]),
    ({"hc_port": "31999"}, ["health_check.port"]),
    ({"hc_path": "/"}, ["health_check.path"]),
    ({"states": ("healthy", "unhealthy")}, ["targets.unhealthy"]),
    ({"states": ()}, ["targets.none"]),
    ({"target_port": 31080}, ["targets.port"]),
    ({"redirect": False}, ["listener.redirect"]),
    ({"certs": ()}, ["listener.certificate"]),
    ({"scheme": "internal"}, ["load_balancer.scheme"]),
    ({"target_type": "ip"}, ["target_group.target_type"]),
])
def test_each_mistake_is_one_finding(snap_args, expected_checks):
    findings = verify_alb(snapshot(**snap_args), expect())
    assert checks(findings) == expected_checks
    assert all(f["severity"] == "error" and f["message"] for f in findings)


def test_health_check_port_finding_explains_and_fixes():
    [f] = verify_alb(snapshot(hc_port="traffic-port"), expect())
    assert f["expected"] == "30021" and f["actual"] == "traffic-port"
    assert "502" in f["message"] and "status-port" in f["fix"] and "30021" in f["fix"]


def test_missing_listener_and_target_group():
    snap = snapshot()
    snap["listeners"] = snap["listeners"][:1]
    snap["target_groups"].append(dict(copy.deepcopy(snap["target_groups"][0]), arn="tg2", tags={}))
    snap["target_groups"][0]["tags"] = {"ingress.k8s.aws/resource": "other/x-y:80"}
    assert checks(verify_alb(snap, expect())) == ["listener.missing", "target_group.missing"]


def test_single_untagged_target_group_is_used():
    snap = snapshot(hc_path="/")
    snap["target_groups"][0]["tags"] = {}
    assert checks(verify_alb(snap, expect())) == ["health_check.path"]


def test_no_redirect_expected():
    assert verify_alb(snapshot(redirect=False), expect(https_redirect=False)) == []


@pytest.mark.parametrize("svc, extra, field", [
    (service("ClusterIP"), {}, "target_type"),
    (service("LoadBalancer"), {}, "target_type"),
    (service(), {"backend_port": 8080}, "backend_port"),
    (service(), {"backend_port": "http"}, "backend_port"),
    (service(), {"status_port_name": "status"}, "status_port_name"),
])
def test_gateway_service_problems(svc, extra, field):
    with pytest.raises(EdgeError) as err:
        alb_expectations(svc, params(**extra))
    assert err.value.field == field and "Nothing was changed" in str(err.value)


def test_instance_needs_node_ports():
    svc = service()
    del svc["spec"]["ports"][0]["nodePort"]
    with pytest.raises(EdgeError) as err:
        alb_expectations(svc, params())
    assert "nodePort" in str(err.value)


def test_strict_error_lists_every_finding():
    findings = verify_alb(snapshot(hc_port="1", hc_path="/"), expect())
    err = strict_error("the ALB", findings)
    assert err.code == "VerificationFailed" and err.field == "verify"
    assert "health_check.port" in str(err) and "health_check.path" in str(err)
    assert err.to_result()["findings"] == findings
