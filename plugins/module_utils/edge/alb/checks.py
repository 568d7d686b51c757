# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure rules of the ALB edge about what the AWS Load Balancer Controller needs and makes (private).

* The IngressClass: the controller reconciles only Ingresses whose class names its controller
  ``ingress.k8s.aws/alb``; any other class (or none) leaves the Ingress without an address forever.
* The ALB behind an Ingress address: the controller names an ALB after the cluster, the stack (the Ingress or its
  IngressGroup) and the scheme, so a scheme or group change makes a **new** ALB and deletes the old one; for a
  while the Ingress still shows the old address. The ALB at the address is the one asked for only when its
  scheme and the controller's tags (``ingress.k8s.aws/stack``, ``elbv2.k8s.aws/cluster``) say so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

ALB_CONTROLLER = "ingress.k8s.aws/alb"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
INGRESS_STACK_TAG = "ingress.k8s.aws/stack"


def class_controller(ingress_class):
    return ((ingress_class or {}).get("spec") or {}).get("controller")


def ingress_class_error(name, live, classes=None):
    """EdgeError when IngressClass ``name`` is missing or not the ALB controller's, else None.

    ``classes``: every IngressClass of the cluster when they could be listed (to name the right one), or None.
    """
    alb_classes = sorted(c["metadata"]["name"] for c in classes or [] if class_controller(c) == ALB_CONTROLLER)
    if alb_classes:
        fix = "Use ingress_class: %s (IngressClass of controller %s)" % (" or ".join(alb_classes), ALB_CONTROLLER)
    else:
        fix = ("Install the AWS Load Balancer Controller (its Helm chart creates IngressClass alb with controller "
               "%s), or create that IngressClass; kubectl get ingressclass shows what the cluster has" % ALB_CONTROLLER)
    if live is None:
        return EdgeError(
            "ingress_class: IngressClass %r does not exist: no controller would reconcile the Ingress, and it would "
            "never get an ALB." % name, field="ingress_class", code="IngressClassNotFound",
            hint="%s. Nothing was changed." % fix)
    controller = class_controller(live)
    if controller != ALB_CONTROLLER:
        return EdgeError(
            "ingress_class: IngressClass %r belongs to controller %r, not to the AWS Load Balancer Controller (%s): "
            "the Ingress would never get an ALB." % (name, controller, ALB_CONTROLLER), field="ingress_class",
            code="IngressClassNotAlb", hint="%s. Nothing was changed." % fix)
    return None


def alb_mismatches(lb, tags, scheme, stack, cluster_name=None):
    """Why the load balancer at the Ingress address is not (yet) the ALB asked for; ``[]`` when it is.

    ``lb`` is a DescribeLoadBalancers entry (or None when no load balancer has that DNS name), ``tags`` its tags.
    """
    if lb is None:
        return ["no load balancer has this DNS name (yet)"]
    out = []
    if lb.get("Type") and lb["Type"] != "application":
        out.append("it is a %s load balancer, not an ALB" % lb["Type"])
    if lb.get("Scheme") != scheme:
        out.append("scheme %s, asked %s (the controller makes a new ALB for a new scheme)" % (lb.get("Scheme"), scheme))
    if (tags or {}).get(INGRESS_STACK_TAG) != stack:
        out.append("%s=%s, expected %s (a group change moves the Ingress to another ALB)"
                   % (INGRESS_STACK_TAG, (tags or {}).get(INGRESS_STACK_TAG), stack))
    if cluster_name and (tags or {}).get(CLUSTER_TAG) != cluster_name:
        out.append("%s=%s, expected %s" % (CLUSTER_TAG, (tags or {}).get(CLUSTER_TAG), cluster_name))
    return out


def address_state(address, lb, mismatches):
    """One line for the wait's "last seen": the address and why its ALB is not the one asked for."""
    name = (lb or {}).get("LoadBalancerName")
    return "address %s%s: %s" % (address, " (ALB %s)" % name if name else "", "; ".join(mismatches))
