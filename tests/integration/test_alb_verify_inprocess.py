# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unhealthy targets: moto's server always reports targets healthy, so this runs moto IN-PROCESS
(``mock_aws``) with ``FakeTargetGroup.health_for`` monkeypatched, and calls the collection's applier
functions (the alb_ingress / nlb_info runners and the ELBv2 snapshot + rules) directly in this process.

Kubernetes is still the real kube-apiserver of the test bed; the stand-in controller
(aws_controller.FakeLoadBalancerController) creates the load balancers in the in-process moto.
"""

import sys

import boto3
import moto
import pytest
from moto.elbv2 import models as elbv2_models

from ansible_runner import collections_path
from aws_controller import FakeLoadBalancerController, CLUSTER, REGION
from aws_support import gateway_service_manifest

sys.path.insert(0, collections_path())

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws import elbv2 as elb  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.runner import run_alb_ingress  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.nlb.runner import run_nlb_info  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.verify import verify_alb  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.modules import alb_ingress, nlb_info  # noqa: E402

ALB = "alb.ingress.kubernetes.io/"
NLB = "service.beta.kubernetes.io/aws-load-balancer-"


def _defaults(spec):
    return {k: v.get("default") for k, v in spec.items()}


def _unhealthy(self, target, ec2_backend):
    return elbv2_models.FakeHealthStatus(target["Id"], target.get("Port"), self.health_check_port, "unhealthy",
                                         "Target.FailedHealthChecks", "Health checks failed")


@pytest.fixture
def inprocess_aws(monkeypatch):
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", 0)     # requested certificates are ISSUED at once
    with moto.mock_aws():
        yield boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture
def controller(testbed, inprocess_aws):  # pylint: disable=redefined-outer-name
    """The stand-in controller on the in-process moto; its finalizers are dropped afterwards."""
    stand_in = FakeLoadBalancerController(testbed["kubeconfig"], None, REGION, CLUSTER, session=inprocess_aws)
    yield stand_in
    stand_in.release()


def _aws_params(testbed):
    return {"kubeconfig": testbed["kubeconfig"], "region": REGION, "access_key": "testing", "secret_key": "testing",
            "endpoint_url": None, "aws_max_attempts": 2}


def test_unhealthy_alb_targets(testbed, kube, namespace, inprocess_aws, controller, monkeypatch):
    svc = gateway_service_manifest(namespace, annotations={ALB + "healthcheck-port": "status-port",
                                                           ALB + "healthcheck-path": "/healthz/ready"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    arn = inprocess_aws.client("acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    params = _defaults(alb_ingress.argument_spec())
    params.update(_aws_params(testbed), name="edge", namespace=namespace, cluster_name=CLUSTER,
                  certificate_arn=[arn], hostnames=["shop.example.com"])
    assert run_alb_ingress(params)["verification"]["status"] == "pending"
    controller.reconcile()
    assert not controller.errors_in(namespace), controller.errors

    healthy = run_alb_ingress(params)
    assert healthy["changed"] is False
    assert healthy["verification"]["status"] == "ok", healthy["verification"]

    monkeypatch.setattr(elbv2_models.FakeTargetGroup, "health_for", _unhealthy)
    report = run_alb_ingress(params)
    [item] = report["verification"]["findings"]
    assert item["check"] == "targets.unhealthy"
    assert item["actual"] == ["unhealthy"]
    assert "Target.FailedHealthChecks" in item["message"] and "2 of 2" in item["message"]

    # the applier functions directly: discovery by tags, snapshot, rules
    client = inprocess_aws.client("elbv2")
    lb, tags, notes = elb.find_load_balancer(client, elb.INGRESS_STACK_TAG, "%s/edge" % namespace, CLUSTER,
                                             report["address"])
    assert lb is not None and tags[elb.CLUSTER_TAG] == CLUSTER and not notes
    snap = elb.snapshot(client, lb, tags)
    assert {t["state"] for t in snap["target_groups"][0]["targets"]} == {"unhealthy"}
    findings = verify_alb(snap, report["verification"]["expected"])
    assert [f["check"] for f in findings] == ["targets.unhealthy"]

    with pytest.raises(EdgeError) as err:
        run_alb_ingress(dict(params, verify="strict"))
    assert err.value.code == "VerificationFailed"
    assert err.value.details["findings"][0]["check"] == "targets.unhealthy"


def test_unhealthy_nlb_targets(testbed, kube, namespace, inprocess_aws, controller, monkeypatch):
    svc = gateway_service_manifest(namespace, svc_type="LoadBalancer", annotations={
        NLB + "type": "external", NLB + "nlb-target-type": "ip", NLB + "scheme": "internet-facing",
        NLB + "healthcheck-protocol": "http", NLB + "healthcheck-port": "15021",
        NLB + "healthcheck-path": "/healthz/ready"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    controller.reconcile()
    params = _defaults(nlb_info.argument_spec())
    params.update(_aws_params(testbed), name="istio-ingress", namespace=namespace, cluster_name=CLUSTER,
                  health_check="status_port")
    assert run_nlb_info(params)["verification"]["status"] == "ok"
    monkeypatch.setattr(elbv2_models.FakeTargetGroup, "health_for", _unhealthy)
    report = run_nlb_info(params)
    checks = [f["check"] for f in report["verification"]["findings"]]
    assert checks == ["targets.unhealthy"] * 3          # one target group per Service port
    with pytest.raises(EdgeError):
        run_nlb_info(dict(params, verify="strict"))


def test_wait_lets_targets_finish_their_first_health_checks(testbed, kube, namespace, inprocess_aws, controller,
                                                            monkeypatch):
    """With wait, targets still in 'initial' are polled until they settle, so strict does not fail early."""
    from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb import runner as alb_runner
    monkeypatch.setattr(alb_runner, "AWS_POLL_SECONDS", 0.1)
    svc = gateway_service_manifest(namespace, annotations={ALB + "healthcheck-port": "status-port",
                                                           ALB + "healthcheck-path": "/healthz/ready"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    arn = inprocess_aws.client("acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    params = _defaults(alb_ingress.argument_spec())
    params.update(_aws_params(testbed), name="edge", namespace=namespace, cluster_name=CLUSTER,
                  certificate_arn=[arn], wait_timeout=30)
    run_alb_ingress(params)
    controller.reconcile()
    calls = []
    original = elbv2_models.FakeTargetGroup.health_for

    def settling(self, target, ec2_backend):
        calls.append(target["Id"])
        if len(calls) <= 4:          # two polls with two targets each
            return elbv2_models.FakeHealthStatus(target["Id"], target.get("Port"), self.health_check_port, "initial",
                                                 "Elb.RegistrationInProgress", "Target registration is in progress")
        return original(self, target, ec2_backend)
    monkeypatch.setattr(elbv2_models.FakeTargetGroup, "health_for", settling)
    without_wait = run_alb_ingress(dict(params, verify="report"))
    assert [f["check"] for f in without_wait["verification"]["findings"]] == ["targets.unhealthy"]
    assert "initial" in without_wait["verification"]["findings"][0]["message"]
    calls.clear()
    result = run_alb_ingress(dict(params, wait=True, verify="strict"))
    assert result["verification"]["status"] == "ok"
    assert len(calls) >= 6
