# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWS Load Balancer Controller does on its own, played by the stand-in (aws_controller.py), and what
alb_ingress says about it: the controller's IngressClass, its finalizer, a certificate it cannot use, subnets it
cannot find and IngressGroup members that contradict each other - the last three leave the Ingress without an
address and say why only in a Warning event, which a timeout of the module quotes with the likely causes.
"""

import time

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    ALB, alb_args, alb_gateway, aws, ingress_events, lb_controller, read_ingress, request_cert, self_signed_pem,
    unique)

LOGS = "kubectl logs -n kube-system deployment/aws-load-balancer-controller"


def _ingress(kube, namespace, name, annotations, ingress_class="alb"):
    """An Ingress written as someone would with kubectl (not through the module)."""
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
            "spec": {"ingressClassName": ingress_class, "rules": [{"http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "istio-ingress", "port": {"number": 80}}}}]}}]}}
    kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress").create(body=body, namespace=namespace)


def _address(kube, namespace, name):
    ing = read_ingress(kube, namespace, name) or {}
    return [i.get("hostname") for i in ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []]


def test_finalizer_holds_the_ingress_until_the_alb_is_deleted(ansible, kube, namespace, alb_gateway, aws,
                                                              lb_controller):
    arn = request_cert(aws, "shop.example.com")
    args = alb_args(namespace, certificate_arn=[arn], wait=True)
    with lb_controller.running():
        created = ansible.module("alb_ingress", args)
        assert not created["failed"], created.get("msg")
        assert read_ingress(kube, namespace)["metadata"]["finalizers"] == ["ingress.k8s.aws/resources"]
        gone = ansible.module("alb_ingress", dict(args, state="absent"))
        assert not gone["failed"], gone.get("msg")
        assert read_ingress(kube, namespace) is None
        assert aws["elbv2"].describe_load_balancers()["LoadBalancers"] == []    # deleted before the finalizer went


def test_only_ingresses_of_the_controllers_class_are_served(kube, namespace, alb_gateway, aws, lb_controller):
    """An IngressClass of controller ingress.k8s.aws/alb (any name), or the legacy annotation; nothing else."""
    classes = kube.resources.get(api_version="networking.k8s.io/v1", kind="IngressClass")
    internal = "alb-" + namespace
    classes.create(body={"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": internal},
                         "spec": {"controller": "ingress.k8s.aws/alb"}})
    try:
        _ingress(kube, namespace, "nginx", {}, ingress_class="nginx")
        _ingress(kube, namespace, "gone", {}, ingress_class="alb-gone")       # no such IngressClass
        _ingress(kube, namespace, "internal", {ALB + "scheme": "internal"}, ingress_class=internal)
        _ingress(kube, namespace, "legacy", {ALB + "scheme": "internet-facing"}, ingress_class=None)
        kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress").patch(
            name="legacy", namespace=namespace, content_type="application/merge-patch+json",
            body={"metadata": {"annotations": {"kubernetes.io/ingress.class": "alb"}}})
        lb_controller.reconcile()
        for name in ("nginx", "gone"):
            assert _address(kube, namespace, name) == [] and ingress_events(kube, namespace, name) == []
            assert not read_ingress(kube, namespace, name)["metadata"].get("finalizers")
        assert len(_address(kube, namespace, "internal")) == 1 and len(_address(kube, namespace, "legacy")) == 1
    finally:
        classes.delete(name=internal)


def test_certificate_not_issued_leaves_no_address_and_an_event(kube, namespace, alb_gateway, aws, lb_controller):
    pem, key = self_signed_pem("shop.example.com", valid_seconds=3)
    arn = aws["acm"].import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    time.sleep(4)
    _ingress(kube, namespace, "edge", {ALB + "listen-ports": '[{"HTTPS":443}]', ALB + "certificate-arn": arn})
    lb_controller.reconcile()
    assert _address(kube, namespace, "edge") == []
    [(reason, message)] = ingress_events(kube, namespace, "edge")
    assert reason == "FailedDeployModel" and "EXPIRED" in message and arn in message


def test_timeout_without_tagged_subnets_names_the_causes_and_the_event(ansible, kube, namespace, alb_gateway, aws,
                                                                       lb_controller):
    """No subnet tagged kubernetes.io/role/internal-elb: an internal ALB cannot be made."""
    subnets = lb_controller.network()["subnets"]
    aws["ec2"].delete_tags(Resources=subnets, Tags=[{"Key": "kubernetes.io/role/internal-elb"}])
    arn = request_cert(aws, "shop.example.com")
    with lb_controller.running():
        result = ansible.module("alb_ingress", alb_args(namespace, certificate_arn=[arn], scheme="internal",
                                                        wait=True, wait_timeout=8))
    assert result["failed"] is True and result["code"] == "Timeout" and result["field"] == "wait_timeout"
    assert result["changed"] is True                                   # the Ingress was written
    msg = result["msg"]
    assert "timed out after 8s waiting for the ALB asked for (internal, stack %s/edge)" % namespace in msg
    assert "event FailedBuildModel: Failed build model due to couldn't auto-discover subnets" in msg
    order = [msg.index(text) for text in ("(1) the HTTPS listener's certificate", "(2) IngressClass alb",
                                          "(3) no subnet", "kubernetes.io/role/internal-elb=1", "(4) the controller",
                                          LOGS)]
    assert order == sorted(order), msg
    assert [c["look"] for c in result["likely_causes"]][3].startswith(LOGS)


def test_group_conflict_between_other_members_is_quoted_from_the_events(ansible, kube, namespace, alb_gateway, aws,
                                                                        lb_controller, unique):
    """Two members written with kubectl redirect HTTP to different ports: the controller stops the whole group."""
    arn = request_cert(aws, "*.example.com")
    _ingress(kube, namespace, "a", {ALB + "group.name": unique, ALB + "ssl-redirect": "443",
                                    ALB + "scheme": "internet-facing"})
    _ingress(kube, namespace, "b", {ALB + "group.name": unique, ALB + "ssl-redirect": "8443",
                                    ALB + "scheme": "internet-facing"})
    with lb_controller.running():
        result = ansible.module("alb_ingress", alb_args(namespace, name="c", group_name=unique, https_redirect=False,
                                                        certificate_arn=[arn], wait=True, wait_timeout=6))
    assert result["failed"] is True and result["code"] == "Timeout"
    assert "event FailedBuildModel: Failed build model due to conflicting ssl-redirect" in result["msg"]
    assert _address(kube, namespace, "c") == []
    for name in ("a", "b", "c"):
        assert [r for r, _m in ingress_events(kube, namespace, name)] == ["FailedBuildModel"]
