# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""edge_path_info with an ALB edge: the ALB, its listeners and target groups live in moto, made by the stand-in
for the AWS Load Balancer Controller (aws_controller.py) from a real Ingress and gateway Service on the test
bed - exactly as the controller derives them (health check from the Service annotations, target group port =
the gateway Service's nodePort in instance mode).

moto reports every target healthy (server mode cannot fake health), so target health is unit-tested instead.
"""

import pytest

from app_route_support import apply
from aws_support import aws, lb_controller  # noqa: F401  # pylint: disable=unused-import
from test_edge_path_info_support import fake_node, path  # noqa: F401  # pylint: disable=unused-import
from test_edge_path_info_support import gateway_service, hop, live_node_ports

pytestmark = pytest.mark.usefixtures("fake_node")

INGRESS = "edge"


def ingress(namespace):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": INGRESS, "namespace": namespace, "annotations": {
                "alb.ingress.kubernetes.io/scheme": "internet-facing",
                "alb.ingress.kubernetes.io/target-type": "instance",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}]'}},
            "spec": {"ingressClassName": "alb", "rules": [{"http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "istio-ingress", "port": {"number": 80}}}}]}}]}}


def alb_args(path, **extra):
    return path.args(provider="alb", alb={"ingress_name": INGRESS, "cluster_name": "testbed"}, **extra)


def run(ansible, args):
    result = ansible.module("edge_path_info", args)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False
    return result


def test_healthy_alb_path(ansible, path, lb_controller):  # noqa: F811
    path.build()
    apply(path.kube, ingress(path.gw))
    lb_controller.reconcile()
    assert not lb_controller.errors_in(path.gw), lb_controller.errors
    result = run(ansible, alb_args(path))
    edge = hop(result, "edge")
    assert edge["status"] == "ok", edge
    assert edge["object"].startswith("ALB k8s-")
    evidence = " ".join(edge["evidence"])
    assert "target group" in evidence and "HTTP:%d" % path.node_ports["http2"] in evidence
    assert "health check HTTP %d:/healthz/ready" % path.node_ports["status-port"] in evidence
    assert result["status"] == "ok", result["summary"]


def test_node_port_differs_from_the_target_group_port(ansible, path, lb_controller, kube):  # noqa: F811
    """The gateway Service was re-created with other nodePorts; the ALB still forwards to the old one."""
    path.build()
    apply(kube, ingress(path.gw))
    lb_controller.reconcile()
    old = path.node_ports["http2"]
    for candidate in range(old + 1, old + 40):
        ports = dict(path.node_ports, http2=candidate if candidate <= 32767 else candidate - 2767)
        try:
            apply(kube, gateway_service(path.gw, annotations={
                "alb.ingress.kubernetes.io/healthcheck-port": "status-port",
                "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready"}, node_ports=ports))
            break
        except Exception:  # noqa: BLE001 - port taken by another test: try the next one
            continue
    new = live_node_ports(kube, path.gw)["http2"]
    assert new != old
    result = run(ansible, alb_args(path))
    assert result["broken_hop"] == "gateway_service"
    svc = hop(result, "gateway_service")
    assert svc["reason"] == "target_port_mismatch"
    assert "forwards to port %d" % old in svc["message"] and "http2=%d" % new in svc["message"]


def test_health_check_annotation_missing(ansible, path, lb_controller):  # noqa: F811
    """Without the annotations the controller health-checks the traffic port with path / (Envoy: 404)."""
    path.build(service_annotations={})
    apply(path.kube, ingress(path.gw))
    lb_controller.reconcile()
    result = run(ansible, alb_args(path))
    svc = hop(result, "gateway_service")
    assert svc["status"] == "broken" and svc["reason"] == "healthcheck_annotation_missing"
    assert "healthcheck-port: status-port" in svc["fix"]
    edge = hop(result, "edge")
    assert edge["reason"] == "healthcheck_on_traffic_port"
    assert result["broken_hops"][:2] == ["edge", "gateway_service"]


def test_alb_not_provisioned_yet(ansible, path, aws):  # noqa: F811
    """No controller run: the Ingress has no address."""
    path.build()
    apply(path.kube, ingress(path.gw))
    result = run(ansible, alb_args(path))
    assert result["broken_hop"] == "edge"
    assert hop(result, "edge")["reason"] == "alb_not_provisioned"


def test_aws_unreachable_is_reported_not_fatal(ansible, path):
    """Bad AWS credentials: the edge hop says so, the Kubernetes hops are still diagnosed."""
    path.build()
    apply(path.kube, ingress(path.gw))
    from kubernetes import client
    client.NetworkingV1Api(path.kube.client).patch_namespaced_ingress_status(INGRESS, path.gw, {
        "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-x.us-east-1.elb.amazonaws.com"}]}}})
    result = run(ansible, alb_args(path, endpoint_url="http://127.0.0.1:9", aws_max_attempts=1))
    edge = hop(result, "edge")
    assert edge["status"] == "warning" and edge["reason"] == "edge_unreadable"
    assert "127.0.0.1:9" in edge["message"] or "EndpointConnectionError" in edge["message"]
    assert hop(result, "gateway")["status"] == "ok"


NLB = "service.beta.kubernetes.io/aws-load-balancer-"


def _nlb_annotations(health_port):
    return {NLB + "type": "external", NLB + "nlb-target-type": "instance", NLB + "scheme": "internet-facing",
            NLB + "healthcheck-protocol": "http", NLB + "healthcheck-port": str(health_port),
            NLB + "healthcheck-path": "/healthz/ready"}


def test_nlb_path_and_a_health_check_on_the_wrong_port(ansible, path, lb_controller, kube):  # noqa: F811
    """The NLB is made from the gateway Service (type LoadBalancer) by the stand-in controller."""
    path.build(service_annotations={}, svc_type="LoadBalancer")
    status = path.node_ports["status-port"]
    apply(kube, gateway_service(path.gw, "LoadBalancer", annotations=_nlb_annotations(status),
                                node_ports=path.node_ports))
    lb_controller.reconcile()
    assert not lb_controller.errors_in(path.gw), lb_controller.errors
    args = path.args(provider="nlb", nlb={"cluster_name": "testbed"})
    result = run(ansible, args)
    edge = hop(result, "edge")
    assert edge["status"] == "ok", edge
    assert edge["object"].startswith("NLB ")
    assert len([e for e in edge["evidence"] if e.startswith("target group ") and "health check" in e]) == 3
    assert hop(result, "gateway_service")["status"] == "ok", hop(result, "gateway_service")

    wrong = path.node_ports["http2"]          # probing the traffic nodePort instead of the status nodePort
    apply(kube, gateway_service(path.gw, "LoadBalancer", annotations=_nlb_annotations(wrong),
                                node_ports=path.node_ports))
    lb_controller.reconcile()
    result = run(ansible, args)
    assert result["broken_hop"] == "edge"
    assert hop(result, "edge")["reason"] == "healthcheck_port_mismatch"
    svc = hop(result, "gateway_service")
    assert svc["reason"] == "healthcheck_port_wrong" and str(wrong) in svc["message"]
