# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the edge in front of the gateway: ALB / NLB (ELBv2 as read by boto3), Front Door (ARM),
a manual load balancer (pinned nodePorts) or a cloud LoadBalancer Service (private, pure).

``snap["edge"]`` is the collectors' plain-dict view of the edge, see ``collect_aws`` / ``collect_azure``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import ref
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import (
    service_ports, status_port_entry, target_port)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.service_checks import target_type
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import frontdoor_checks


def check_edge(snap):
    provider = snap["options"].get("provider")
    edge = snap.get("edge") or {}
    hop = Hop("edge", edge.get("object"))
    if not provider:
        return hop.skip("no_provider", "Not checked: no provider given (alb, nlb, frontdoor, nodeport, loadbalancer).")
    if edge.get("error"):
        hop.see("reading the edge failed: %s", edge["error"])
        return hop.warn("edge_unreadable", "The %s edge could not be read: %s" % (provider, edge["error"]),
                        edge.get("error_hint") or "Check the cloud credentials and options of the edge.")
    if provider in ("alb", "nlb"):
        _check_elbv2(hop, snap, edge, provider)
    elif provider == "frontdoor":
        frontdoor_checks.check_frontdoor(hop, snap, edge)
    elif provider == "nodeport":
        _check_manual(hop, snap)
    else:
        _check_cloud_lb(hop, snap)
    if not hop.findings:
        hop.ok("edge_ok", "The %s edge forwards to the gateway and its health checks point at the status port."
               % provider)
    return hop


def _check_manual(hop, snap):
    svc = snap.get("gateway_service")
    expected = snap["options"].get("node_ports") or {}
    nodes = snap.get("nodes") or []
    hop.object = "manual load balancer"
    if not expected:
        hop.warn("forwarding_unknown", "node_ports is not given: the ports the manual load balancer forwards to "
                 "cannot be compared with the gateway Service.",
                 "Pass node_ports (port name -> nodePort, the load balancer's forwarding table).")
        return
    by_name = dict((p.get("name") or str(p.get("port")), p) for p in service_ports(svc))
    for name, node_port in sorted(expected.items()):
        port = by_name.get(name)
        hop.see("%s: the load balancer forwards to <every node>:%s; the gateway Service %s", name, node_port,
                "has port %s with nodePort %s" % (port.get("port"), port.get("nodePort")) if port else
                "has no such port")
    if nodes:
        hop.see("nodes: %s", ", ".join(nodes[:20]))
    hop.ok("manual_forwarding", "The manual load balancer is outside the cluster and cannot be read from here; it "
           "must forward to the nodePorts of node_ports on every node (compared with the gateway Service in the "
           "next hop).")


def _check_cloud_lb(hop, snap):
    svc = snap.get("gateway_service")
    if svc is None:
        return hop.skip("service_missing", "Not checked: the gateway Service does not exist.")
    hop.object = "load balancer of Service %s" % ref(svc)
    address = load_balancer_address(svc)
    if address:
        hop.see("external address %s", address)
        hop.ok("external_address", "The cloud load balancer of the gateway Service has the address %s." % address)
        return
    hop.broken("no_external_address",
               "Service %s has no load balancer address (status.loadBalancer is empty): no cloud controller has "
               "provisioned it." % ref(svc),
               "Check the Service events (kubectl describe svc) and the cloud controller / load balancer controller.")


# -- ALB / NLB --------------------------------------------------------------------------------------------
def _expected_health_port(snap, mode):
    svc = snap.get("gateway_service")
    status = status_port_entry(svc, snap["options"]["status_port"])
    if status is None:
        return None
    if mode == "instance":
        return status.get("nodePort")
    return target_port(status, snap.get("gateway_deployment")) or snap["options"]["status_port"]


def _check_elbv2(hop, snap, edge, provider):
    mode = target_type(snap)
    if provider == "alb" and edge.get("ingress_ref"):
        hop.object = "ALB of Ingress %s" % edge["ingress_ref"]
        if edge.get("ingress") is None:
            return hop.broken(
                "ingress_missing", "Ingress %s does not exist." % edge["ingress_ref"],
                "Create the ALB Ingress (module alb_ingress / role edge_alb).")
        hop.see("Ingress %s address: %s", edge["ingress_ref"], edge.get("address") or "(none)")
        if not edge.get("address"):
            hop.broken(
                "alb_not_provisioned",
                "Ingress %s has no address: the AWS Load Balancer Controller has not created the ALB." % edge[
                    "ingress_ref"],
                "Read the Ingress events and the controller's logs (kubectl -n kube-system logs deploy/"
                "aws-load-balancer-controller); check ingressClassName alb and the subnets' tags.")
    elif provider == "nlb":
        hop.object = "NLB of Service %s" % ref(snap.get("gateway_service") or {"metadata": {}})
        hop.see("Service load balancer address: %s", edge.get("address") or "(none)")
    lb = edge.get("load_balancer")
    if lb is None:
        if not hop.findings:
            hop.broken(
                "load_balancer_missing", "No %s was found in AWS%s." % (
                    provider.upper(), " for %s" % edge["address"] if edge.get("address") else ""),
                "Check the region and that the AWS Load Balancer Controller created it (its logs, the events).")
        return
    hop.object = "%s %s" % (provider.upper(), lb.get("name"))
    hop.see("%s %s (%s, %s), DNS %s", provider.upper(), lb.get("name"), lb.get("scheme"), lb.get("state"),
            lb.get("dns_name"))
    if lb.get("state") not in (None, "active"):
        (hop.warn if lb.get("state") == "provisioning" else hop.broken)(
            "load_balancer_not_active", "The load balancer is %s." % lb.get("state"),
            "Wait for provisioning to finish, or read the state reason in the AWS console.")
    listeners = edge.get("listeners") or []
    for lst in listeners:
        hop.see("listener %s:%s%s", lst.get("protocol"), lst.get("port"),
                " cert %s" % ", ".join(lst["certificates"]) if lst.get("certificates") else "")
        if lst.get("protocol") in ("HTTPS", "TLS") and not lst.get("certificates"):
            hop.broken("listener_without_certificate", "Listener %s:%s has no certificate."
                       % (lst.get("protocol"), lst.get("port")),
                       "Give the Ingress alb.ingress.kubernetes.io/certificate-arn (alb_ingress looks it up in ACM).")
    if not listeners:
        hop.broken("no_listeners", "The load balancer has no listener.",
                   "Check listen-ports on the Ingress (ALB) or the Service ports (NLB).")
    groups = edge.get("target_groups") or []
    if not groups:
        hop.broken("no_target_groups", "The load balancer has no target group.",
                   "Check the Ingress backend (the gateway Service) and the controller's logs.")
    expected_hc = _expected_health_port(snap, mode)
    path_opt = snap["options"]["health_check_path"]
    for group in groups:
        _check_target_group(hop, group, expected_hc, path_opt, provider)


def _check_target_group(hop, group, expected_hc, path_opt, provider):
    hc = group.get("health_check") or {}
    name = group.get("name")
    hop.see("target group %s: %s:%s (%s), health check %s %s:%s%s", name, group.get("protocol"), group.get("port"),
            group.get("target_type"), hc.get("protocol"), hc.get("port"), hc.get("path") or "",
            " matcher %s" % hc["matcher"] if hc.get("matcher") else "")
    hc_port = str(hc.get("port") or "traffic-port")
    fix = ("Put the health check on the status port: Service annotations healthcheck-port: status-port and "
           "healthcheck-path: %s (module gateway_service, profile %s)." % (path_opt, provider))
    if hc_port == "traffic-port" and str(group.get("port")) != str(expected_hc):
        hop.broken("healthcheck_on_traffic_port",
                   "Target group %s health-checks the traffic port: Envoy answers 404 there (or nothing before a "
                   "Gateway binds it), so targets turn unhealthy." % name, fix)
    elif expected_hc is not None and hc_port not in ("traffic-port", str(expected_hc)):
        hop.broken("healthcheck_port_mismatch",
                   "Target group %s health-checks port %s, but the gateway's status port is %s." % (
                       name, hc_port, expected_hc), fix)
    if (hc.get("protocol") or "HTTP").upper() in ("HTTP", "HTTPS") and hc.get("path") not in (None, path_opt):
        hop.broken("healthcheck_path_wrong", "Target group %s health-checks path %s; Envoy's status port answers "
                   "200 only on %s." % (name, hc.get("path"), path_opt), fix)
    targets = group.get("targets")
    if targets is None:
        return
    states = {}
    for target in targets:
        states.setdefault(target.get("state") or "unknown", []).append(target)
    hop.see("target group %s targets: %s", name, ", ".join("%d %s" % (len(v), k) for k, v in sorted(states.items()))
            or "none registered")
    if not targets:
        hop.broken("no_targets", "Target group %s has no registered target." % name,
                   "In instance mode the nodes are registered by the controller: check the gateway Service type "
                   "(NodePort) and the controller's logs.")
        return
    bad = [t for t in targets if t.get("state") not in ("healthy", "initial", "draining")]
    if bad and len(bad) == len(targets):
        sample = bad[0]
        hop.broken("targets_unhealthy",
                   "Every target of %s is %s (%s: %s): the load balancer answers 502/503." % (
                       name, sample.get("state"), sample.get("reason") or "-", sample.get("description") or "-"),
                   fix if sample.get("reason") in ("Target.ResponseCodeMismatch", "Target.Timeout",
                                                   "Target.FailedHealthChecks") else
                   "Read the target health reason in AWS; check the nodes' security groups allow the nodePorts.")
    elif bad:
        hop.warn("some_targets_unhealthy", "%d of %d targets of %s are not healthy." % (len(bad), len(targets), name),
                 "Check the nodes without a ready gateway pod (externalTrafficPolicy Local) or their security groups.")
