# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NLB expectations from the gateway Service annotations and the verification rules (pure)."""

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.nlb.verify import nlb_expectations, verify_nlb

A = "service.beta.kubernetes.io/aws-load-balancer-"
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"


def service(**annotations):
    ann = {A + "type": "external", A + "nlb-target-type": "ip"}
    ann.update(dict((A + k.replace("_", "-"), v) for k, v in annotations.items()))
    return {"metadata": {"name": "istio-ingress", "namespace": "istio-ingress", "annotations": ann},
            "spec": {"type": "LoadBalancer", "ports": [
                {"name": "status-port", "port": 15021, "targetPort": 15021, "nodePort": 30021, "protocol": "TCP"},
                {"name": "http2", "port": 80, "targetPort": 80, "nodePort": 30080, "protocol": "TCP"},
                {"name": "https", "port": 443, "targetPort": 80, "nodePort": 30443, "protocol": "TCP"}]}}


def snapshot(exp, hc=None, scheme="internal", protocols=None, certs=None, target_type=None):
    listeners, groups = [], []
    for want in exp["listeners"]:
        arn = "tg-%s" % want["port"]
        listeners.append({"arn": "l-%s" % want["port"], "port": want["port"],
                          "protocol": (protocols or {}).get(want["port"], want["protocol"]),
                          "certificates": (certs if certs is not None else want["certificates"]), "forward_to": [arn]})
        groups.append({"arn": arn, "name": arn, "target_type": target_type or exp["target_type"],
                       "health_check": dict(hc or exp["health_check"], enabled=True),
                       "targets": [{"id": "10.0.0.1", "port": want["traffic_port"], "state": "healthy"}]})
    return {"load_balancer": {"arn": "lb", "name": "nlb", "type": "network", "scheme": scheme},
            "listeners": listeners, "target_groups": groups}


def test_status_port_variant_with_tls():
    svc = service(healthcheck_protocol="http", healthcheck_port="15021", healthcheck_path="/healthz/ready",
                  ssl_cert=CERT, ssl_ports="443", scheme="internet-facing")
    exp, notes = nlb_expectations(svc)
    assert notes == []
    assert exp["health_check"] == {"protocol": "HTTP", "port": "15021", "path": "/healthz/ready"}
    assert [(x["port"], x["protocol"], x["certificates"]) for x in exp["listeners"]] == [
        (15021, "TCP", []), (80, "TCP", []), (443, "TLS", [CERT])]
    assert exp["stack"] == "istio-ingress/istio-ingress"
    assert verify_nlb(snapshot(exp, scheme="internet-facing"), exp) == []
    same, notes = nlb_expectations(svc, "status_port")
    assert same["health_check"] == exp["health_check"]


def test_traffic_port_variant_and_defaults():
    exp, notes = nlb_expectations(service(nlb_target_type="instance"))
    assert exp["health_check"] == {"protocol": "TCP", "port": "traffic-port", "path": None}
    assert exp["target_type"] == "instance" and exp["scheme"] == "internal"
    assert [x["traffic_port"] for x in exp["listeners"]] == [30021, 30080, 30443]
    assert verify_nlb(snapshot(exp), exp) == []
    # expecting the status-port variant on it: three findings per target group
    strict, notes = nlb_expectations(service(nlb_target_type="instance"), "status_port")
    assert strict["health_check"] == {"protocol": "HTTP", "port": "30021", "path": "/healthz/ready"}
    findings = verify_nlb(snapshot(exp), strict)
    assert sorted(set(f["check"] for f in findings)) == ["health_check.path", "health_check.port",
                                                         "health_check.protocol"]


def test_ssl_ports_by_name_and_all_ports_when_unset():
    exp, notes = nlb_expectations(service(ssl_cert=CERT, ssl_ports="https"))
    assert [x["protocol"] for x in exp["listeners"]] == ["TCP", "TCP", "TLS"]
    exp, notes = nlb_expectations(service(ssl_cert=CERT))
    assert [x["protocol"] for x in exp["listeners"]] == ["TLS", "TLS", "TLS"]


def test_service_findings():
    _expected, notes = nlb_expectations(service(nlb_target_type="instance", healthcheck_protocol="http",
                                        healthcheck_port="15021", healthcheck_path="/healthz/ready"))
    assert [n["check"] for n in notes] == ["service.healthcheck_port"]
    assert notes[0]["expected"] == "30021"
    _expected, notes = nlb_expectations(service(healthcheck_protocol="http"))
    assert [n["check"] for n in notes] == ["service.healthcheck_path"]
    _expected, notes = nlb_expectations(service(healthcheck_port="nope"))
    assert [n["check"] for n in notes] == ["service.healthcheck_port"]


def test_named_health_check_port_resolves_like_the_controller():
    exp, notes = nlb_expectations(service(nlb_target_type="instance", healthcheck_protocol="http",
                                          healthcheck_port="status-port"))
    assert exp["health_check"]["port"] == "30021"
    exp, notes = nlb_expectations(service(healthcheck_protocol="http", healthcheck_port="status-port"))
    assert exp["health_check"]["port"] == "15021"


def test_external_traffic_policy_local_defaults():
    svc = service(nlb_target_type="instance")
    svc["spec"].update(externalTrafficPolicy="Local", healthCheckNodePort=32000)
    exp, notes = nlb_expectations(svc)
    assert exp["health_check"] == {"protocol": "HTTP", "port": "32000", "path": "/healthz"}


def test_mistakes_on_the_nlb():
    exp, notes = nlb_expectations(service(ssl_cert=CERT, ssl_ports="443"))

    def checks(snap):
        return sorted(f["check"] for f in verify_nlb(snap, exp))
    assert checks(snapshot(exp, scheme="internet-facing")) == ["load_balancer.scheme"]
    assert checks(snapshot(exp, protocols={443: "TCP"})) == ["listener.protocol"]
    assert checks(snapshot(exp, certs=[])) == ["listener.certificate"]
    assert checks(snapshot(exp, target_type="instance")) == ["target_group.target_type"] * 3
    snap = snapshot(exp)
    snap["listeners"].pop(0)
    snap["listeners"][0]["forward_to"] = []
    assert checks(snap) == ["listener.missing", "target_group.missing"]


@pytest.mark.parametrize("mutate", [
    lambda s: s["spec"].update(type="NodePort"),
    lambda s: s["metadata"]["annotations"].pop(A + "type"),
])
def test_not_an_nlb_service(mutate):
    svc = service()
    mutate(svc)
    with pytest.raises(EdgeError) as err:
        nlb_expectations(svc)
    assert err.value.field == "name" and "profile nlb" in str(err.value)
