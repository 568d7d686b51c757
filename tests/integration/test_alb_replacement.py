# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alb_ingress when the AWS Load Balancer Controller replaces the ALB (real kube-apiserver, moto's server, the
stand-in controller of aws_controller.py).

The controller names an ALB after the cluster, the stack and the scheme: a new scheme makes a new ALB, which
provisions for a while (``replace_seconds`` in the stand-in) before the Ingress address moves to it and the old
ALB is deleted. Until then the Ingress shows the old address; the module must wait for the ALB that was asked
for, not verify the one on its way out.
"""

import time

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    alb_args, alb_gateway, aws, lb_controller, read_ingress, request_cert, unique)


def _names(aws):
    return sorted(lb["LoadBalancerName"] for lb in aws["elbv2"].describe_load_balancers()["LoadBalancers"])


def _until(check, timeout=15):
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.5)
    return check()


def test_scheme_change_is_verified_on_the_new_alb_in_the_first_run(ansible, kube, namespace, alb_gateway, aws,
                                                                   lb_controller):
    arn = request_cert(aws, "shop.example.com")
    args = alb_args(namespace, certificate_arn=[arn], wait=True, verify="strict")
    with lb_controller.running():
        public = ansible.module("alb_ingress", args)
        assert not public["failed"], public.get("msg")
        internal = ansible.module("alb_ingress", dict(args, scheme="internal"))
        assert not internal["failed"], internal.get("msg")
        assert internal["changed"] is True
        assert internal["load_balancer"]["scheme"] == "internal"
        assert internal["verification"]["status"] == "ok"
        assert internal["load_balancer"]["name"] != public["load_balancer"]["name"]
        assert internal["address"] == internal["load_balancer"]["dns_name"] != public["address"]
        assert read_ingress(kube, namespace)["status"]["loadBalancer"]["ingress"][0]["hostname"] == internal["address"]
        # the replaced ALB goes once the address moved
        assert _until(lambda: _names(aws) == [internal["load_balancer"]["name"]]), _names(aws)
        again = ansible.module("alb_ingress", dict(args, scheme="internal"))
    assert again["changed"] is False and again["load_balancer"]["arn"] == internal["load_balancer"]["arn"]


def test_group_change_waits_for_the_group_alb(ansible, kube, namespace, alb_gateway, aws, lb_controller, unique):
    """Joining an IngressGroup moves the Ingress to the group's ALB (stack tag = the group name)."""
    arn = request_cert(aws, "*.example.com")
    args = alb_args(namespace, certificate_arn=[arn], wait=True, verify="strict")
    with lb_controller.running():
        alone = ansible.module("alb_ingress", args)
        assert not alone["failed"], alone.get("msg")
        grouped = ansible.module("alb_ingress", dict(args, group_name=unique))
    assert not grouped["failed"], grouped.get("msg")
    assert grouped["stack"] == unique
    assert grouped["load_balancer"]["arn"] != alone["load_balancer"]["arn"]
    assert grouped["address"] == grouped["load_balancer"]["dns_name"]


def test_check_mode_of_a_scheme_change_does_not_verify_the_alb_it_replaces(ansible, namespace, alb_gateway, aws,
                                                                           lb_controller):
    arn = request_cert(aws, "shop.example.com")
    args = alb_args(namespace, certificate_arn=[arn], wait=True, verify="strict")
    with lb_controller.running():
        assert not ansible.module("alb_ingress", args)["failed"]
    predicted = ansible.module("alb_ingress", dict(args, scheme="internal"), check=True)
    assert not predicted["failed"], predicted.get("msg")
    assert predicted["changed"] is True and predicted["verification"]["status"] == "pending"
    assert any("check mode" in w for w in predicted.get("warnings") or [])
