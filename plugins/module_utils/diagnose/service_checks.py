# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the gateway Service against its edge: type, pinned nodePorts, health-check annotations
(private, pure). Each function adds findings to the ``gateway_service`` hop."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import (
    node_port_owners, status_port_entry, target_port, traffic_ports)

ALB = "alb.ingress.kubernetes.io/"
NLB = "service.beta.kubernetes.io/aws-load-balancer-"
AZURE = "service.beta.kubernetes.io/"

_TYPES = {
    "nlb": ("LoadBalancer",),
    "frontdoor": ("LoadBalancer",),
    "loadbalancer": ("LoadBalancer",),
    "nodeport": ("NodePort", "LoadBalancer"),
}


def target_type(snap):
    """``instance`` or ``ip``: how the AWS load balancer reaches the gateway (instance = through nodePorts)."""
    edge = snap.get("edge") or {}
    if edge.get("target_type"):
        return edge["target_type"]
    svc_ann = meta(snap.get("gateway_service")).get("annotations") or {}
    if snap["options"].get("provider") == "nlb":
        return svc_ann.get(NLB + "nlb-target-type", "instance")
    return svc_ann.get(ALB + "target-type", "instance")


def uses_node_ports(snap):
    provider = snap["options"].get("provider")
    if provider == "nodeport":
        return True
    return provider in ("alb", "nlb") and target_type(snap) == "instance"


def check_type(hop, snap, svc):
    provider = snap["options"].get("provider")
    kind = (svc.get("spec") or {}).get("type", "ClusterIP")
    wanted = _TYPES.get(provider)
    if provider == "alb":
        wanted = ("NodePort", "LoadBalancer") if target_type(snap) == "instance" else None
    if wanted and kind not in wanted:
        hop.broken(
            "service_type",
            "The gateway Service is %s; the %s edge needs %s." % (kind, provider, " or ".join(wanted)),
            "Shape the Service for the edge: module gateway_service with profile %s (or the gateway chart values "
            "it returns)." % {"frontdoor": "azure_private_link"}.get(provider, provider))


def _port_label(port):
    return port.get("name") or str(port.get("port"))


def check_node_ports(hop, snap, svc):
    if not uses_node_ports(snap):
        return
    expected = snap["options"].get("node_ports") or {}
    owners = node_port_owners(svc)
    ports = list(traffic_ports(svc, snap["options"]["status_port"]))
    status = status_port_entry(svc, snap["options"]["status_port"])
    if status is not None:
        ports.append(status)
    live = dict((_port_label(p), p.get("nodePort")) for p in ports)
    for port in ports:
        label = _port_label(port)
        node_port = port.get("nodePort")
        if not node_port:
            continue
        if label in expected:
            if int(expected[label]) != node_port:
                hop.broken(
                    "node_port_mismatch",
                    "Port %s has nodePort %s, but node_ports.%s says %s (what the load balancer forwards to)."
                    % (label, node_port, label, expected[label]),
                    "Pin it back: gateway_service with node_ports.%s=%s (mode live), or update the load balancer."
                    % (label, expected[label]))
            continue
        if owners is not None and not owners.get(port.get("port")):
            hop.warn(
                "node_port_not_pinned",
                "nodePort %s of port %s was allocated by the API server (no field manager set it): it changes "
                "whenever the Service is re-created and the load balancer then forwards to a dead port."
                % (node_port, label),
                "Pin the nodePorts: gateway_service node_ports (e.g. {%s: %s}) or the gateway chart's service.ports."
                % (label, node_port))
    for port in expected:
        if port not in live:
            hop.broken("node_port_missing",
                       "node_ports.%s names a port the gateway Service does not have (ports: %s)."
                       % (port, ", ".join(sorted(live)) or "none"),
                       "Use the Service's port names in node_ports, or add the port (gateway_service extra_ports).")
    _check_target_group_ports(hop, snap, svc, live)


def _check_target_group_ports(hop, snap, svc, live):
    """The AWS target groups (instance mode) must forward to the Service's nodePorts."""
    groups = (snap.get("edge") or {}).get("target_groups") or []
    node_ports = set(v for v in live.values() if v)
    for group in groups:
        port = group.get("port")
        if port is None or group.get("target_type", "instance") != "instance":
            continue
        if port not in node_ports:
            hop.broken(
                "target_port_mismatch",
                "Target group %s forwards to port %s, but the gateway Service's nodePorts are %s: every target "
                "is a dead port (ALB 502 / NLB timeouts)." % (
                    group.get("name"), port, ", ".join("%s=%s" % kv for kv in sorted(live.items()) if kv[1])),
                "Pin the nodePort the load balancer uses (gateway_service node_ports, e.g. http2: %s), or let the "
                "AWS Load Balancer Controller reconcile the target group (check its logs)." % port)


# -- health checks ----------------------------------------------------------------------------------------
def _status_values(snap, svc, mode):
    """Values of a health-check port annotation that point at the status port."""
    status = status_port_entry(svc, snap["options"]["status_port"])
    if status is None:
        return set()
    values = {"status-port", str(status.get("name") or "")}
    if mode == "instance" and status.get("nodePort"):
        values.add(str(status["nodePort"]))
    if mode != "instance":
        values.add(str(target_port(status, snap.get("gateway_deployment")) or snap["options"]["status_port"]))
    values.discard("")
    return values


def check_health_annotations(hop, snap, svc):
    provider = snap["options"].get("provider")
    if provider == "alb":
        _check_alb(hop, snap, svc)
    elif provider == "nlb":
        _check_nlb(hop, snap, svc)
    elif provider == "frontdoor":
        _check_azure(hop, snap, svc)


def _check_alb(hop, snap, svc):
    svc_ann = meta(svc).get("annotations") or {}
    ing_ann = meta((snap.get("edge") or {}).get("ingress")).get("annotations") or {}
    path_opt = snap["options"]["health_check_path"]
    mode = target_type(snap)
    good = _status_values(snap, svc, mode)
    port = svc_ann.get(ALB + "healthcheck-port")
    path = svc_ann.get(ALB + "healthcheck-path")
    hop.see("ALB health check (Service annotations): port %s, path %s", port or "(unset)", path or "(unset)")
    example = "alb.ingress.kubernetes.io/healthcheck-port: status-port, healthcheck-path: %s" % path_opt
    fix = ("Put the health check on the gateway Service (Service annotations override the Ingress): %s "
           "(module gateway_service, profile alb)." % example)
    if port is None:
        if ing_ann.get(ALB + "healthcheck-port") in good:
            hop.warn("healthcheck_on_ingress",
                     "The health-check port is only set on the Ingress; the Service is where it belongs "
                     "(an Ingress-level healthcheck-port has been seen ignored).", fix)
        else:
            hop.broken(
                "healthcheck_annotation_missing",
                "The gateway Service has no %shealthcheck-port annotation: the ALB probes the traffic port, where "
                "Envoy answers 404 (or nothing before a Gateway exists), so every target is unhealthy and the ALB "
                "answers 502." % ALB, fix)
    elif port == "traffic-port":
        hop.broken("healthcheck_on_traffic_port",
                   "healthcheck-port is traffic-port: the ALB probes Envoy's traffic port, not its readiness port.",
                   fix)
    elif port not in good:
        hop.broken("healthcheck_port_wrong",
                   "healthcheck-port is %s, not the status port (%s)." % (port, " or ".join(sorted(good))), fix)
    if port is not None and path != path_opt:
        hop.broken(
            "healthcheck_path_wrong" if path else "healthcheck_path_missing",
            "healthcheck-path is %s; the status port answers 200 only on %s." % (path or "unset (/)", path_opt), fix)
    protocol = svc_ann.get(ALB + "healthcheck-protocol")
    if protocol and protocol.upper() != "HTTP":
        hop.broken("healthcheck_protocol_wrong", "healthcheck-protocol is %s; the status port speaks plain HTTP."
                   % protocol, "Set alb.ingress.kubernetes.io/healthcheck-protocol: HTTP (or remove it).")


def _check_nlb(hop, snap, svc):
    ann = meta(svc).get("annotations") or {}
    spec = svc.get("spec") or {}
    lb_type = ann.get(NLB + "type")
    if lb_type not in ("external", "nlb", "nlb-ip") and spec.get("loadBalancerClass") != "service.k8s.aws/nlb":
        hop.broken("nlb_annotation_missing",
                   "The Service has no %stype: external annotation (nor loadBalancerClass service.k8s.aws/nlb): "
                   "the legacy cloud provider makes a Classic LB, not an NLB." % NLB,
                   "Shape the Service with module gateway_service, profile nlb.")
    good = _status_values(snap, svc, target_type(snap))
    port = ann.get(NLB + "healthcheck-port")
    path = ann.get(NLB + "healthcheck-path")
    protocol = (ann.get(NLB + "healthcheck-protocol") or "tcp").lower()
    hop.see("NLB health check (Service annotations): %s port %s path %s", protocol, port or "(traffic-port)",
            path or "-")
    fix = ("Annotate the Service: %shealthcheck-protocol: http, -healthcheck-port: <status-port nodePort (instance) "
           "or 15021 (ip)>, -healthcheck-path: %s (module gateway_service, profile nlb)."
           % (NLB, snap["options"]["health_check_path"]))
    if port is None or port == "traffic-port":
        hop.warn("healthcheck_annotation_missing" if port is None else "healthcheck_on_traffic_port",
                 "The NLB checks the traffic port%s: targets pass as soon as Envoy listens, even when the proxy is "
                 "not ready, and fail until a Gateway binds the port." % (" over TCP" if protocol == "tcp" else ""),
                 fix)
    elif port not in good:
        hop.broken("healthcheck_port_wrong", "%shealthcheck-port is %s, not the status port (%s)."
                   % (NLB, port, " or ".join(sorted(good))), fix)
    if protocol in ("http", "https") and path != snap["options"]["health_check_path"]:
        hop.broken("healthcheck_path_wrong", "The NLB HTTP health check uses path %s; the status port answers 200 "
                   "only on %s." % (path or "/", snap["options"]["health_check_path"]), fix)


def _check_azure(hop, snap, svc):
    ann = meta(svc).get("annotations") or {}
    if str(ann.get(AZURE + "azure-load-balancer-internal", "")).lower() != "true":
        hop.broken("not_internal",
                   "The Service is not on an internal load balancer (%sazure-load-balancer-internal is not \"true\"); "
                   "Front Door reaches the gateway through a Private Link Service on the internal LB." % AZURE,
                   "Shape the Service with module gateway_service, profile azure_private_link.")
    if str(ann.get(AZURE + "azure-pls-create", "")).lower() != "true":
        hop.broken("pls_annotation_missing",
                   "The Service does not ask for a Private Link Service (%sazure-pls-create is not \"true\")." % AZURE,
                   "Shape the Service with module gateway_service, profile azure_private_link.")
    good = _status_values(snap, svc, "ip") | _status_values(snap, svc, "instance")
    path_opt = snap["options"]["health_check_path"]
    for port in traffic_ports(svc, snap["options"]["status_port"]):
        number = port.get("port")
        prefix = "%sport_%s_health-probe_" % (AZURE, number)
        probe_port = ann.get(prefix + "port")
        probe_path = ann.get(prefix + "request-path")
        hop.see("Azure LB probe for port %s: %s port %s path %s", number, ann.get(prefix + "protocol") or "default",
                probe_port or "(same)", probe_path or "(default)")
        fix = ("Annotate the Service: %sprotocol: http, %sport: status-port, %srequest-path: %s "
               "(module gateway_service, profile azure_private_link)." % (prefix, prefix, prefix, path_opt))
        http_app = (port.get("appProtocol") or "").lower() in ("http", "https")
        if probe_path is None:
            if http_app:
                hop.broken("healthcheck_annotation_missing",
                           "Port %s has appProtocol %s and no probe annotations: the Azure LB probes GET / and "
                           "Istio answers 404, so the backend is marked down." % (number, port.get("appProtocol")),
                           fix)
            else:
                hop.warn("healthcheck_annotation_missing",
                         "Port %s has no probe annotations: the Azure LB only checks that the port accepts TCP."
                         % number, fix)
        elif probe_path != path_opt or (probe_port and probe_port not in good):
            hop.broken("healthcheck_port_wrong",
                       "The probe of port %s goes to port %s path %s, not the status port %s."
                       % (number, probe_port or number, probe_path, path_opt), fix)
