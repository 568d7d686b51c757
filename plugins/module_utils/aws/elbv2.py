# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ELBv2 discovery (private, read-only): find the load balancer the AWS Load Balancer Controller made for
an Ingress or a Service by the controller's tags, and take a snapshot of it for the verification rules.

The controller tags what it creates with ``elbv2.k8s.aws/cluster`` and a stack id (``ingress.k8s.aws/stack``
= namespace/name or the IngressGroup name; ``service.k8s.aws/stack`` = namespace/name). DescribeTags takes at
most 20 ARNs per call, so tags are read in batches of 20.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import call, paginate

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
INGRESS_STACK_TAG = "ingress.k8s.aws/stack"
SERVICE_STACK_TAG = "service.k8s.aws/stack"
TAG_BATCH = 20


def batches(items, size=TAG_BATCH):
    return [items[i:i + size] for i in range(0, len(items), size)]


def describe_tags(elbv2, arns):
    """{arn: {key: value}} for any number of ARNs (DescribeTags is capped at 20 ARNs per call)."""
    out = {}
    for chunk in batches(list(arns)):
        resp = call(elbv2, "describe_tags", "read load balancer tags", ResourceArns=chunk)
        for desc in resp.get("TagDescriptions") or []:
            out[desc["ResourceArn"]] = dict((t["Key"], t.get("Value", "")) for t in desc.get("Tags") or [])
    return out


def norm_dns(name):
    name = (name or "").strip().rstrip(".").lower()
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def find_load_balancer(elbv2, stack_tag, stack, cluster_name=None, dns_name=None):
    """``(load_balancer, tags, notes)`` for the controller's load balancer of ``stack``, or ``(None, {}, notes)``.

    Load balancers whose DNS name is ``dns_name`` (the address in the Kubernetes status) are checked first;
    the tags decide. ``notes`` lists ambiguities (several load balancers with the same stack tag).
    """
    lbs = paginate(elbv2, "describe_load_balancers", "LoadBalancers", "list load balancers")
    first = [lb for lb in lbs if dns_name and norm_dns(lb.get("DNSName")) == norm_dns(dns_name)]
    rest = [lb for lb in lbs if lb not in first]
    notes = []
    for group in (first, rest):
        if not group:
            continue
        tags = describe_tags(elbv2, [lb["LoadBalancerArn"] for lb in group])
        found = []
        for lb in group:
            t = tags.get(lb["LoadBalancerArn"], {})
            if t.get(stack_tag) != stack:
                continue
            if cluster_name and t.get(CLUSTER_TAG) != cluster_name:
                notes.append("load balancer %s has %s=%s but %s=%r (not cluster %s)"
                             % (lb["LoadBalancerName"], stack_tag, stack, CLUSTER_TAG, t.get(CLUSTER_TAG),
                                cluster_name))
                continue
            found.append((lb, t))
        if found:
            found.sort(key=lambda item: str(item[0].get("CreatedTime")), reverse=True)
            if len(found) > 1:
                notes.append("%d load balancers carry %s=%s: %s (using the newest)" % (
                    len(found), stack_tag, stack, ", ".join(item[0]["LoadBalancerName"] for item in found)))
            return found[0][0], found[0][1], notes
    return None, {}, notes


def load_balancer_at(elbv2, dns_name):
    """``(load_balancer, tags)`` of the load balancer whose DNS name is ``dns_name``, or ``(None, {})``."""
    for lb in paginate(elbv2, "describe_load_balancers", "LoadBalancers", "list load balancers"):
        if norm_dns(lb.get("DNSName")) == norm_dns(dns_name):
            return lb, describe_tags(elbv2, [lb["LoadBalancerArn"]]).get(lb["LoadBalancerArn"], {})
    return None, {}


def _lb_summary(lb):
    return {
        "arn": lb.get("LoadBalancerArn"),
        "name": lb.get("LoadBalancerName"),
        "dns_name": lb.get("DNSName"),
        "canonical_hosted_zone_id": lb.get("CanonicalHostedZoneId"),
        "scheme": lb.get("Scheme"),
        "type": lb.get("Type"),
        "state": (lb.get("State") or {}).get("Code"),
        "vpc_id": lb.get("VpcId"),
        "ip_address_type": lb.get("IpAddressType"),
    }


def _forward_targets(actions):
    arns = []
    for action in actions or []:
        if action.get("TargetGroupArn"):
            arns.append(action["TargetGroupArn"])
        for tg in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if tg.get("TargetGroupArn") and tg["TargetGroupArn"] not in arns:
                arns.append(tg["TargetGroupArn"])
    return arns


def snapshot(elbv2, lb, tags=None, with_health=True):
    """A plain-dict picture of a load balancer: listeners (with certificates), target groups (with health
    checks, tags and target health)."""
    out = {"load_balancer": _lb_summary(lb), "tags": tags or {}, "listeners": [], "target_groups": []}
    arn = lb["LoadBalancerArn"]
    for listener in paginate(elbv2, "describe_listeners", "Listeners", "list listeners of %s" % lb["LoadBalancerName"],
                             LoadBalancerArn=arn):
        item = {
            "arn": listener["ListenerArn"], "port": listener.get("Port"), "protocol": listener.get("Protocol"),
            "ssl_policy": listener.get("SslPolicy"), "default_actions": listener.get("DefaultActions") or [],
            "forward_to": _forward_targets(listener.get("DefaultActions")),
            "default_certificate": None, "certificates": [],
        }
        defaults = [c["CertificateArn"] for c in listener.get("Certificates") or [] if c.get("CertificateArn")]
        if defaults:
            item["default_certificate"] = defaults[0]
        if item["protocol"] in ("HTTPS", "TLS"):
            certs = paginate(elbv2, "describe_listener_certificates", "Certificates",
                             "list certificates of listener %s" % item["port"], ListenerArn=item["arn"])
            for cert in certs:
                if cert.get("IsDefault"):
                    item["default_certificate"] = cert["CertificateArn"]
            item["certificates"] = sorted(set(defaults + [c["CertificateArn"] for c in certs]))
        out["listeners"].append(item)
    out["listeners"].sort(key=lambda x: (x["port"] or 0, x["protocol"] or ""))
    groups = paginate(elbv2, "describe_target_groups", "TargetGroups", "list target groups of %s"
                      % lb["LoadBalancerName"], LoadBalancerArn=arn)
    tg_tags = describe_tags(elbv2, [tg["TargetGroupArn"] for tg in groups]) if groups else {}
    for tg in groups:
        item = {
            "arn": tg["TargetGroupArn"], "name": tg.get("TargetGroupName"), "port": tg.get("Port"),
            "protocol": tg.get("Protocol"), "target_type": tg.get("TargetType"),
            "health_check": {
                "enabled": tg.get("HealthCheckEnabled"), "protocol": tg.get("HealthCheckProtocol"),
                "port": tg.get("HealthCheckPort"), "path": tg.get("HealthCheckPath"),
                "matcher": (tg.get("Matcher") or {}).get("HttpCode"),
                "interval_seconds": tg.get("HealthCheckIntervalSeconds"),
                "healthy_threshold": tg.get("HealthyThresholdCount"),
                "unhealthy_threshold": tg.get("UnhealthyThresholdCount"),
            },
            "tags": tg_tags.get(tg["TargetGroupArn"], {}),
            "targets": [],
        }
        if with_health:
            health = call(elbv2, "describe_target_health", "read target health of %s" % item["name"],
                          TargetGroupArn=item["arn"])
            for desc in health.get("TargetHealthDescriptions") or []:
                th = desc.get("TargetHealth") or {}
                item["targets"].append({
                    "id": desc["Target"]["Id"], "port": desc["Target"].get("Port"), "state": th.get("State"),
                    "reason": th.get("Reason"), "description": th.get("Description"),
                })
        out["target_groups"].append(item)
    out["target_groups"].sort(key=lambda x: x["name"] or "")
    return out


def require_load_balancer(lb, what, stack_tag, stack, notes):
    if lb is None:
        raise EdgeError(
            "No load balancer tagged %s=%s was found for %s.%s"
            % (stack_tag, stack, what, (" " + "; ".join(notes)) if notes else ""),
            code="LoadBalancerNotFound",
            hint="Check that the AWS Load Balancer Controller runs and reconciled it (kubectl describe), and that "
                 "region and cluster_name are right.")
    return lb
