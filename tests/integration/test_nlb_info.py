# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nlb_info against the test bed: the gateway Service on the real kube-apiserver (shaped by gateway_service
profile nlb, the module that owns that contract), the NLB in moto's server.

The AWS Load Balancer Controller does not run here: aws_controller.FakeLoadBalancerController creates the NLB,
its target groups (health check derived from the Service annotations as the controller documents it) and
listeners with the controller's tags in moto, and writes the Service status address. Unhealthy targets are
covered in-process in test_alb_verify_inprocess.py (moto's server always says healthy).
"""

import pytest
import yaml

from aws_support import aws, gateway_service_manifest, lb_controller, CLUSTER  # noqa: F401  # pylint: disable=unused-import

NLB = "service.beta.kubernetes.io/aws-load-balancer-"


@pytest.fixture
def gateway(kube, namespace):
    """The gateway Service before shaping; returns its nodePorts (allocated by the API server)."""
    svc = gateway_service_manifest(namespace, svc_type="NodePort")
    created = kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace).to_dict()
    return {p["name"]: p["nodePort"] for p in created["spec"]["ports"]}


def _shape(ansible, namespace, **nlb):
    result = ansible.module("gateway_service", {"profile": "nlb", "mode": "live", "name": "istio-ingress",
                                                "namespace": namespace, "nlb": nlb})
    assert not result["failed"], result.get("msg")
    return result


def _info(ansible, namespace, check=False, env=None, **extra):
    args = {"name": "istio-ingress", "namespace": namespace, "cluster_name": CLUSTER, "wait": True,
            "wait_timeout": 60}
    args.update(extra)
    return ansible.module("nlb_info", args, check=check, env=env)


def test_status_port_http_variant_with_tls(ansible, namespace, gateway, aws, lb_controller):
    cert = aws["acm"].request_certificate(DomainName="shop.example.com")["CertificateArn"]
    shaped = _shape(ansible, namespace, scheme="internet-facing", target_type="ip", health_check="http",
                    certificate_arn=[cert])
    assert shaped["annotations"][NLB + "healthcheck-port"] == "15021"
    with lb_controller.running():
        result = _info(ansible, namespace, health_check="status_port", verify="strict", check=True)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False
    assert result["verification"]["status"] == "ok", result["verification"]
    assert result["load_balancer"]["type"] == "network" and result["load_balancer"]["scheme"] == "internet-facing"
    listeners = {x["port"]: x for x in result["listeners"]}
    assert listeners[443]["protocol"] == "TLS" and listeners[443]["certificates"] == [cert]
    assert listeners[80]["protocol"] == "TCP"
    for tg in result["target_groups"]:
        assert tg["target_type"] == "ip"
        assert (tg["health_check"]["protocol"], tg["health_check"]["port"], tg["health_check"]["path"]) == \
            ("HTTP", "15021", "/healthz/ready")
    # the default expectation (from the Service annotations) agrees
    assert _info(ansible, namespace)["verification"]["status"] == "ok"


def test_traffic_port_tcp_variant(ansible, namespace, gateway, aws, lb_controller):
    _shape(ansible, namespace, target_type="instance", health_check="tcp")
    with lb_controller.running():
        ok = _info(ansible, namespace, health_check="traffic_port", verify="strict")
        wrong = _info(ansible, namespace, health_check="status_port")
        strict = _info(ansible, namespace, health_check="status_port", verify="strict")
    assert not ok["failed"], ok.get("msg")
    assert ok["verification"]["status"] == "ok"
    assert {tg["health_check"]["port"] for tg in ok["target_groups"]} == {"traffic-port"}
    # instance targets: traffic goes to the nodePorts
    assert sorted(t["port"] for tg in ok["target_groups"] for t in tg["targets"][:1]) == sorted(gateway.values())
    checks = sorted(set(f["check"] for f in wrong["verification"]["findings"]))
    assert checks == ["health_check.path", "health_check.port", "health_check.protocol"]
    port_finding = [f for f in wrong["verification"]["findings"] if f["check"] == "health_check.port"][0]
    assert port_finding["expected"] == str(gateway["status-port"]) and port_finding["actual"] == "traffic-port"
    assert strict["failed"] is True and strict["code"] == "VerificationFailed"


def test_instance_targets_probing_15021_is_reported(ansible, kube, namespace, aws, lb_controller):
    """A hand-written Service (seed 003's SET 1) with instance targets: port 15021 on the nodes is not the
    gateway, the status port's nodePort is."""
    svc = gateway_service_manifest(namespace, svc_type="LoadBalancer",
                                   annotations={NLB + "type": "external", NLB + "nlb-target-type": "instance",
                                                NLB + "healthcheck-protocol": "http", NLB + "healthcheck-port": "15021",
                                                NLB + "healthcheck-path": "/healthz/ready"})
    created = kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace).to_dict()
    status_node_port = [p["nodePort"] for p in created["spec"]["ports"] if p["name"] == "status-port"][0]
    with lb_controller.running():
        result = _info(ansible, namespace)
    [finding] = [f for f in result["verification"]["findings"] if f["check"] == "service.healthcheck_port"]
    assert finding["expected"] == str(status_node_port) and finding["actual"] == "15021"
    assert result["verification"]["status"] == "failed"


def test_bad_inputs(ansible, kube, namespace, aws):
    missing = _info(ansible, namespace, wait=False)
    assert missing["failed"] and missing["field"] == "name"
    kube.resources.get(api_version="v1", kind="Service").create(body=gateway_service_manifest(namespace),
                                                                namespace=namespace)
    not_nlb = _info(ansible, namespace, wait=False)
    assert not_nlb["failed"] and not_nlb["field"] == "name" and "profile nlb" in not_nlb["msg"]
    _shape(ansible, namespace)
    pending = _info(ansible, namespace, wait=False)
    assert not pending["failed"] and pending["verification"]["status"] == "pending"
    strict = _info(ansible, namespace, wait=False, verify="strict")
    assert strict["failed"] and strict["code"] == "Pending"
    no_region = _info(ansible, namespace, wait=False, env={"AWS_DEFAULT_REGION": "", "AWS_REGION": "",
                                                           "AWS_CONFIG_FILE": "/nonexistent"})
    assert no_region["failed"] and no_region["field"] == "region"


def test_role_edge_nlb(ansible, namespace, gateway, aws, lb_controller, tmp_path):
    """Role edge_nlb as expose-app.yml includes it, with the fact role istio sets."""
    _shape(ansible, namespace, target_type="ip", health_check="http")
    playbook = tmp_path / "edge-nlb.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "edge_nlb", "hosts": "localhost", "gather_facts": False, "connection": "local",
        "vars": {"istio_edge_gateway": {"name": "istio-ingress", "namespace": namespace, "service": "istio-ingress",
                                        "profile": "nlb"},
                 "edge_nlb_cluster_name": CLUSTER, "edge_nlb_wait_timeout": 60, "edge_nlb_health_check": "status_port"},
        "roles": [{"role": "meshops.istio_edge.edge_nlb"}]}]))
    with lb_controller.running():
        rc, out, results = ansible.playbook(str(playbook))
    assert rc == 0, out[-4000:]
    [fact] = [r["ansible_facts"]["edge_nlb_info"] for r in results if "edge_nlb_info" in r.get("ansible_facts", {})]
    assert fact["verification"]["status"] == "ok" and sorted(fact["listeners"]) == [80, 443, 15021]
    assert fact["address"] == fact["load_balancer"]["dns_name"]
    [stats] = [r["ansible_stats"]["data"]["istio_edge_nlb"] for r in results if "ansible_stats" in r]
    assert stats["service"] == "%s/istio-ingress" % namespace

    wrong = playbook.read_text().replace("profile: nlb", "profile: alb")
    playbook.write_text(wrong)
    rc, out, results = ansible.playbook(str(playbook))
    assert rc != 0 and "not nlb" in out
