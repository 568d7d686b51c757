# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of Azure Front Door Premium over Private Link (private, pure).

``edge`` (from ``collect_azure``)::

    endpoint: {name, host_name, enabled_state, provisioning_state, deployment_status} | None
    origin_group: {name, health_probe: {path, protocol, request_type, interval}} | None
    origin: {name, host_name, origin_host_header, http_port, enabled_state,
             private_link: {id, location, request_message, status}} | None
    private_link_service: {id, name, connections: [{name, status, description, private_endpoint}]} | None
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import gateway_pod_labels


def check_frontdoor(hop, snap, edge):
    endpoint = edge.get("endpoint")
    hop.object = "Front Door %s" % (edge.get("profile") or "?")
    if endpoint is None:
        hop.broken("endpoint_missing", "The Front Door endpoint %s does not exist." % (edge.get("endpoint_name") or ""),
                   "Create it (module frontdoor_origin / role edge_frontdoor).")
    else:
        hop.see("endpoint %s host %s, %s, provisioning %s", endpoint.get("name"), endpoint.get("host_name"),
                endpoint.get("enabled_state"), endpoint.get("provisioning_state"))
        if (endpoint.get("enabled_state") or "Enabled") != "Enabled":
            hop.broken("endpoint_disabled", "The Front Door endpoint %s is %s." % (
                endpoint.get("name"), endpoint.get("enabled_state")), "Enable the endpoint.")
    group = edge.get("origin_group")
    if group is None:
        hop.broken("origin_group_missing",
                   "The origin group %s does not exist." % (edge.get("origin_group_name") or ""),
                   "Create it (module frontdoor_origin).")
    else:
        probe = group.get("health_probe") or {}
        hop.see("origin group %s probe %s %s %s every %ss", group.get("name"), probe.get("request_type"),
                probe.get("protocol"), probe.get("path"), probe.get("interval"))
        if probe.get("path"):
            _check_probe_route(hop, snap, probe, edge.get("origin") or {})
    origin = edge.get("origin")
    if origin is None:
        hop.broken("origin_missing", "The origin %s does not exist." % (edge.get("origin_name") or ""),
                   "Create it (module frontdoor_origin).")
        return
    private = origin.get("private_link") or {}
    hop.see("origin %s -> %s (host header %s), %s, private link %s (%s)", origin.get("name"), origin.get("host_name"),
            origin.get("origin_host_header"), origin.get("enabled_state"), private.get("id") or "none",
            private.get("status") or "-")
    if (origin.get("enabled_state") or "Enabled") != "Enabled":
        hop.broken("origin_disabled", "The origin %s is %s." % (origin.get("name"), origin.get("enabled_state")),
                   "Enable the origin.")
    ip = load_balancer_address(snap.get("gateway_service"), prefer="ip")
    if ip and origin.get("host_name") and origin["host_name"] != ip:
        hop.broken("origin_host_mismatch",
                   "The origin points at %s, but the gateway's internal load balancer IP is %s." % (
                       origin["host_name"], ip),
                   "Set the origin host name to %s (frontdoor_origin reads it from the gateway Service)." % ip)
    elif not ip:
        hop.see("the gateway Service has no internal load balancer IP yet: the origin host cannot be compared")
    if not private.get("id"):
        hop.broken("origin_not_private",
                   "The origin has no private link: Front Door cannot reach an internal load balancer without one.",
                   "Give the origin sharedPrivateLinkResource with the Private Link Service id (frontdoor_origin).")
        return
    _check_connections(hop, edge.get("private_link_service"), private)


def _check_connections(hop, pls, private):
    if pls is None:
        hop.broken("private_link_service_missing", "The Private Link Service %s does not exist." % private.get("id"),
                   "Check the gateway Service's azure-pls-* annotations: the cloud provider creates the PLS.")
        return
    connections = pls.get("connections") or []
    for conn in connections:
        hop.see("private endpoint connection %s: %s (%s)", conn.get("name"), conn.get("status"),
                conn.get("description") or "-")
    if not connections:
        hop.broken("no_private_endpoint_connection",
                   "Private Link Service %s has no private endpoint connection: Front Door's origin did not "
                   "request one." % pls.get("name"),
                   "Re-save the origin with its shared private link resource (frontdoor_origin).")
        return
    pending = [c for c in connections if c.get("status") == "Pending"]
    refused = [c for c in connections if c.get("status") in ("Rejected", "Disconnected", "Removed")]
    approved = [c for c in connections if c.get("status") == "Approved"]
    if pending and not approved:
        names = ", ".join(c.get("name") for c in pending)
        hop.broken(
            "private_endpoint_pending",
            "The private endpoint connection %s on Private Link Service %s is still Pending: Front Door cannot "
            "reach the origin until it is approved." % (names, pls.get("name")),
            "Approve the connection (by its name on the PLS, not the private endpoint id): module frontdoor_origin "
            "with approval, or az network private-link-service connection update --name %s --service-name %s "
            "--connection-status Approved." % (pending[0].get("name"), pls.get("name")))
    elif refused and not approved:
        hop.broken("private_endpoint_refused", "The private endpoint connection %s is %s." % (
            refused[0].get("name"), refused[0].get("status")),
            "Delete the origin's private link and re-create it, then approve the new connection.")


def _check_probe_route(hop, snap, probe, origin):
    """Front Door's probe reaches the gateway's port 80 with the origin host header; a VirtualService bound to a
    Gateway selecting the gateway pods must route the probe path (/probe rewritten to /healthz/ready on port
    15021). Uses frontdoor_origin's own finder (edge/frontdoor/health.find_probe_route)."""
    from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.health import find_probe_route
    if not (snap.get("istio") or {}).get("served"):
        return
    host = origin.get("origin_host_header") or origin.get("host_name")
    found = None
    for labels in gateway_pod_labels(snap) or [{}]:
        found = find_probe_route(probe["path"], snap.get("virtual_services") or [], snap.get("gateways") or [],
                                 labels, host=host, port=80)
        if found:
            break
    if found:
        hop.see("probe %s is routed by VirtualService %s/%s (route %s, rewrite %s)", probe["path"], found["namespace"],
                found["name"], found["route"], found.get("rewrite") or "-")
        return
    hop.warn("probe_path_not_routed",
             "No VirtualService bound to the gateway routes Front Door's probe %s (Host %s): Envoy answers 404 and "
             "the origin is marked unhealthy." % (probe["path"], host or "-"),
             "Route %s to the gateway's status port: role meshops.istio_edge.edge_frontdoor applies it (exact %s, "
             "rewrite /healthz/ready, destination <gateway Service> port 15021)." % (probe["path"], probe["path"]))
