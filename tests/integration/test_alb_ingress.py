# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alb_ingress against the test bed: the real kube-apiserver for the Ingress and the gateway Service, moto's
server for ACM, ELBv2 and Route53.

The AWS Load Balancer Controller does not run here: ``aws_controller.FakeLoadBalancerController`` plays its
part (creates the ALB, target groups with the health check it derives from the annotations, listeners, with
the controller's tags, in moto, and writes the Ingress status address through the API server). Target health
is always "healthy" in moto's server mode; unhealthy targets are covered in-process in
test_alb_verify_inprocess.py.
"""

import time

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    ALB, alb_args as _args, alb_gateway, aws, gateway_service_manifest, lb_controller, read_ingress as _ingress,
    request_cert as _cert, unique)


def test_create_wait_verify_then_idempotent(ansible, kube, namespace, alb_gateway, aws, lb_controller):
    arn = _cert(aws, "*.example.com", ["example.com", "*.example.com"])
    args = _args(namespace, certificate_domain="shop.example.com", wait=True, verify="strict",
                 tags={"team": "platform"})
    with lb_controller.running():
        first = ansible.module("alb_ingress", args, diff=True)
        assert not first["failed"], first.get("msg")
        assert first["changed"] is True
        assert first["diff"]["before"] == {} and first["diff"]["after"]["kind"] == "Ingress"
        second = ansible.module("alb_ingress", args)
    assert not second["failed"], second.get("msg")
    assert second["changed"] is False
    # the Ingress the controller sees
    ing = _ingress(kube, namespace)
    ann = ing["metadata"]["annotations"]
    assert ing["spec"]["ingressClassName"] == "alb"
    assert ann[ALB + "certificate-arn"] == arn
    assert ann[ALB + "listen-ports"] == '[{"HTTP":80},{"HTTPS":443}]'
    assert ann[ALB + "ssl-redirect"] == "443"
    assert ann[ALB + "target-type"] == "instance" and ann[ALB + "scheme"] == "internet-facing"
    assert ann["external-dns.alpha.kubernetes.io/hostname"] == "shop.example.com"
    assert ann[ALB + "tags"] == "team=platform"
    assert ing["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "meshops.istio_edge"
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "istio-ingress", "port": {"number": 80}}
    # what the module found and verified
    status_node_port = [p for p in alb_gateway["spec"]["ports"] if p["name"] == "status-port"][0]["nodePort"]
    assert second["verification"]["status"] == "ok", second["verification"]
    assert second["verification"]["expected"]["health_check"]["port"] == str(status_node_port)
    assert second["address"] == second["load_balancer"]["dns_name"]
    assert second["certificate"]["arn"] == arn
    [tg] = second["target_groups"]
    assert tg["health_check"]["port"] == str(status_node_port)
    assert tg["health_check"]["path"] == "/healthz/ready"
    assert {(x["protocol"], x["port"]) for x in second["listeners"]} == {("HTTP", 80), ("HTTPS", 443)}


def test_check_mode_writes_nothing_and_predicts(ansible, kube, namespace, alb_gateway, aws):
    arn = _cert(aws, "shop.example.com")
    args = _args(namespace, certificate_arn=[arn], verify="none")
    result = ansible.module("alb_ingress", args, check=True, diff=True)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is True
    assert result["diff"]["after"]["metadata"]["annotations"][ALB + "certificate-arn"] == arn
    assert _ingress(kube, namespace) is None
    # real run, then a check-mode change is predicted but not made
    assert ansible.module("alb_ingress", args)["changed"] is True
    before = _ingress(kube, namespace)
    changed = ansible.module("alb_ingress", dict(args, scheme="internal"), check=True, diff=True)
    assert changed["changed"] is True
    assert changed["diff"]["after"]["metadata"]["annotations"][ALB + "scheme"] == "internal"
    after = _ingress(kube, namespace)
    assert after["metadata"]["annotations"] == before["metadata"]["annotations"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_dropped_option_removes_its_annotation(ansible, kube, namespace, alb_gateway, aws):
    arn = _cert(aws, "shop.example.com")
    args = _args(namespace, certificate_arn=[arn], verify="none")
    assert ansible.module("alb_ingress", dict(args, tags={"a": "b"}, labels={"team": "edge"}, waf_acl_arn=(
        "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/1234")))["changed"]
    # someone else's annotation on the same Ingress is not ours to remove
    kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress").patch(
        name="edge", namespace=namespace, body={"metadata": {"annotations": {"example.com/owner": "sre"}}},
        content_type="application/merge-patch+json")
    result = ansible.module("alb_ingress", args)
    assert result["changed"] is True
    meta = _ingress(kube, namespace)["metadata"]
    assert ALB + "tags" not in meta["annotations"] and ALB + "wafv2-acl-arn" not in meta["annotations"]
    assert "team" not in meta["labels"]
    assert meta["annotations"]["example.com/owner"] == "sre"
    assert ansible.module("alb_ingress", args)["changed"] is False


def test_state_absent(ansible, kube, namespace, alb_gateway, aws):
    arn = _cert(aws, "shop.example.com")
    args = _args(namespace, certificate_arn=[arn], verify="none")
    assert ansible.module("alb_ingress", args)["changed"]
    check = ansible.module("alb_ingress", dict(args, state="absent"), check=True, diff=True)
    assert check["changed"] is True and check["diff"]["after"] == {}
    assert _ingress(kube, namespace) is not None
    gone = ansible.module("alb_ingress", dict(args, state="absent", wait=True))
    assert gone["changed"] is True
    assert _ingress(kube, namespace) is None
    again = ansible.module("alb_ingress", dict(args, state="absent"))
    assert again["changed"] is False and not again["failed"]


def test_wrong_health_check_port_is_found(ansible, kube, namespace, aws, lb_controller):
    """The gateway Service still carries a nodePort from an earlier install: Service annotations override the
    Ingress, so the target group probes a dead port."""
    svc = gateway_service_manifest(namespace, annotations={ALB + "healthcheck-port": "31999"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    arn = _cert(aws, "shop.example.com")
    args = _args(namespace, certificate_arn=[arn], wait=True)
    with lb_controller.running():
        report = ansible.module("alb_ingress", args)
        assert not report["failed"], report.get("msg")
        strict = ansible.module("alb_ingress", dict(args, verify="strict"))
    checks = {f["check"]: f for f in report["verification"]["findings"]}
    assert report["verification"]["status"] == "failed"
    assert set(checks) == {"health_check.port"}
    assert checks["health_check.port"]["actual"] == "31999"
    assert "status-port" in checks["health_check.port"]["fix"]
    assert strict["failed"] is True
    assert strict["code"] == "VerificationFailed" and strict["field"] == "verify"
    assert "health_check.port" in strict["msg"]
    assert strict["findings"][0]["check"] == "health_check.port"


def test_traffic_port_and_default_path_are_found(ansible, kube, namespace, aws, lb_controller):
    """A gateway Service that overrides the Ingress with the controller defaults (traffic port, /)."""
    svc = gateway_service_manifest(namespace, annotations={ALB + "healthcheck-port": "traffic-port",
                                                           ALB + "healthcheck-path": "/"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    arn = _cert(aws, "shop.example.com")
    with lb_controller.running():
        report = ansible.module("alb_ingress", _args(namespace, certificate_arn=[arn], wait=True))
    checks = {f["check"]: f for f in report["verification"]["findings"]}
    assert set(checks) == {"health_check.port", "health_check.path"}
    assert checks["health_check.path"]["actual"] == "/" and checks["health_check.path"]["expected"] == "/healthz/ready"
    assert "502" in checks["health_check.port"]["message"]


def test_ip_targets_use_pod_ports(ansible, kube, namespace, aws, lb_controller):
    svc = gateway_service_manifest(namespace, svc_type="ClusterIP", annotations={
        ALB + "healthcheck-port": "status-port", ALB + "target-type": "ip"})
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    arn = _cert(aws, "shop.example.com")
    with lb_controller.running():
        result = ansible.module("alb_ingress", _args(namespace, certificate_arn=[arn], target_type="ip", wait=True,
                                                     verify="strict"))
    assert not result["failed"], result.get("msg")
    assert result["verification"]["expected"]["health_check"]["port"] == "15021"
    assert result["target_groups"][0]["target_type"] == "ip"


def test_ingress_group_shares_one_alb(ansible, kube, namespace, alb_gateway, aws, lb_controller, unique):
    arn = _cert(aws, "*.example.com")
    with lb_controller.running():
        one = ansible.module("alb_ingress", _args(namespace, name="one", certificate_arn=[arn], group_name=unique,
                                                  wait=True, verify="strict"))
        two = ansible.module("alb_ingress", _args(namespace, name="two", group_name=unique, https_redirect=False,
                                                  hostnames=["api.example.com"], wait=True, verify="strict"))
    assert not one["failed"], one.get("msg")
    assert not two["failed"], two.get("msg")
    assert one["stack"] == two["stack"] == unique
    assert one["load_balancer"]["arn"] == two["load_balancer"]["arn"]
    assert two["group_members"] == ["%s/one" % namespace]


def test_route53_alias_record(ansible, kube, namespace, alb_gateway, aws, lb_controller):
    zone = aws["route53"].create_hosted_zone(Name="example.com", CallerReference=str(time.time()))["HostedZone"]
    arn = _cert(aws, "shop.example.com")
    args = _args(namespace, certificate_arn=[arn], wait=True, route53={"zone_name": "example.com"})
    with lb_controller.running():
        first = ansible.module("alb_ingress", args, diff=True)
        assert not first["failed"], first.get("msg")
        second = ansible.module("alb_ingress", args)
        assert first["changed"] is True and first["route53"]["changes"] == 1
        assert second["changed"] is False and second["route53"]["changes"] == 0
        records = aws["route53"].list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        [alias] = [r for r in records if r["Name"] == "shop.example.com." and r["Type"] == "A"]
        assert alias["AliasTarget"]["DNSName"].rstrip(".") == first["load_balancer"]["dns_name"]
        # the controller's finalizer holds the Ingress until the ALB is deleted: wait needs the controller running
        gone = ansible.module("alb_ingress", dict(args, state="absent"))
    assert not gone["failed"], gone.get("msg")
    assert gone["changed"] is True and gone["route53"]["changes"] == 1
    records = aws["route53"].list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    assert not [r for r in records if r["Name"] == "shop.example.com."]
    assert _ingress(kube, namespace) is None
    assert aws["elbv2"].describe_load_balancers()["LoadBalancers"] == []
