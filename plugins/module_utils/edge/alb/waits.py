# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWS edges wait for and what a timeout says (private): the address the AWS Load Balancer Controller
writes into an Ingress / Service status, an Ingress's finalizer, a load balancer settling.

Kubernetes objects are polled with GET (:func:`common.wait.wait_until`) rather than watched: a watch needs the
``watch`` verb, which the collection's RBAC tiers do not grant, and one GET a second is cheap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import poll_until

AWS_POLL_SECONDS = 5.0
SETTLING_TARGET_STATES = ("initial",)


def ingress_state(ingress):
    """What an Ingress shows while the controller works on it: no object, finalizers, status."""
    if ingress is None:
        return "the Ingress does not exist"
    meta = ingress.get("metadata") or {}
    parts = ["no load balancer address (status.loadBalancer: %s)" % ((ingress.get("status") or {}).get(
        "loadBalancer") or {})]
    if meta.get("deletionTimestamp"):
        parts = ["deleting since %s" % meta["deletionTimestamp"]]
    if meta.get("finalizers"):
        parts.append("finalizers %s" % ", ".join(meta["finalizers"]))
    return "; ".join(parts)


CONTROLLER_LOGS = "kubectl logs -n kube-system deployment/aws-load-balancer-controller"


def alb_causes(p):
    """The likely causes of an Ingress without the ALB asked for, most likely first, with where to look."""
    ns, name, cls = p["namespace"], p["name"], p.get("ingress_class") or "alb"
    role = "kubernetes.io/role/internal-elb" if p.get("scheme") == "internal" else "kubernetes.io/role/elb"
    certs = ",".join(p.get("certificate_arn") or []) or "<certificate ARN>"
    return [
        ("the HTTPS listener's certificate: not ISSUED, expired or of another region (checked before writing for "
         "this Ingress; the other members of an IngressGroup add theirs)",
         "aws acm describe-certificate --certificate-arn %s --query Certificate.Status" % certs),
        ("IngressClass %s is not served by a running AWS Load Balancer Controller (controller ingress.k8s.aws/alb)"
         % cls, "kubectl get ingressclass %s -o jsonpath='{.spec.controller}'; kubectl get deployment -n kube-system "
                "aws-load-balancer-controller" % cls),
        ("no subnet of the cluster's VPC is tagged %s=1 for a %s ALB (the controller's subnet discovery)"
         % (role, p.get("scheme") or "internet-facing"),
         "aws ec2 describe-subnets --filters Name=tag:%s,Values=1 --query Subnets[].SubnetId" % role),
        ("the controller refused or failed otherwise (IAM permissions, an IngressGroup conflict, a replacement ALB "
         "still provisioning): its logs and the Ingress's events say why",
         "%s; kubectl describe ingress -n %s %s" % (CONTROLLER_LOGS, ns, name)),
    ]


def events_state(events):
    """The Ingress's Warning events (the controller's FailedBuildModel / FailedDeployModel), newest first, as one
    line for the wait's "last seen"; '' when there are none."""
    def when(event):
        return str(event.get("lastTimestamp") or event.get("eventTime")
                   or (event.get("metadata") or {}).get("creationTimestamp") or "")

    def text(event):
        count = event.get("count") or 1
        return "event %s: %s%s" % (event.get("reason"), event.get("message"), " (x%s)" % count if count > 1 else "")

    warnings = sorted((e for e in events or [] if e.get("type") == "Warning"), key=when, reverse=True)
    return "; ".join(text(e) for e in warnings[:3])


def alb_delete_causes(p):
    ns, name = p["namespace"], p["name"]
    return [
        ("the AWS Load Balancer Controller is not running, so nobody removes its finalizer",
         "kubectl -n kube-system get deployment aws-load-balancer-controller"),
        ("the controller cannot delete the ALB or its target groups (IAM permissions, a resource still in use)",
         "kubectl describe ingress -n %s %s; %s" % (ns, name, CONTROLLER_LOGS)),
    ]


def settled_snapshot(take, timeout, interval=AWS_POLL_SECONDS, clock=None, sleep=None):
    """A load balancer snapshot once it is active and no target is still in its first health checks
    (``initial``), or the last one when ``timeout`` runs out (its findings then say what is still settling).

    Not boto3's waiters: ``target_in_service`` waits for *healthy* targets, while an unhealthy target is a
    finding to report at once, not something to wait out; one snapshot per poll also gives the findings."""
    def poll():
        snap = take()
        settling = (snap["load_balancer"].get("state") == "provisioning" or any(
            t.get("state") in SETTLING_TARGET_STATES for tg in snap["target_groups"] for t in tg["targets"]))
        return not settling, snap
    return poll_until(poll, timeout, interval, clock=clock, sleep=sleep)[1]


def service_state(service):
    """What a LoadBalancer Service shows while it has no address."""
    if service is None:
        return "the Service does not exist"
    spec = service.get("spec") or {}
    return "type %s, no load balancer address (status.loadBalancer: %s)" % (
        spec.get("type"), (service.get("status") or {}).get("loadBalancer") or {})


def nlb_causes(namespace, name):
    """The likely causes of a gateway Service without an NLB address, most likely first, with where to look."""
    return [
        ("the Service is not of type LoadBalancer, or no controller provisions it (AWS Load Balancer Controller "
         "for aws-load-balancer-type external, else the cloud provider)",
         "kubectl -n %s get service %s -o jsonpath='{.spec.type} {.spec.loadBalancerClass}'; kubectl -n "
         "kube-system get deployment aws-load-balancer-controller" % (namespace, name)),
        ("the controller refused the Service (subnets not tagged, IAM permissions, annotations): its events say why",
         "kubectl -n %s describe service %s; kubectl -n kube-system logs deployment/aws-load-balancer-controller"
         % (namespace, name)),
        ("the NLB is still provisioning", "aws elbv2 describe-load-balancers --query "
         "\"LoadBalancers[?Type=='network'].[LoadBalancerName,State.Code]\""),
    ]
