# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a VirtualService's gateway binding and destinations, and of the destinations' endpoints
(private, pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import events
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import (
    fmt_labels, meta, ref, route_destinations)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import ready_addresses
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    BARE, DOTTED, RELATIVE, destination_service, meant_service, same_destination, service_fqdn)


def check_binding(hop, snap, sel, vs, gateway):
    """The VirtualService must reference the Gateway that serves the host, with the right namespace."""
    vs_ns = meta(vs).get("namespace")
    written, resolved, form = sel["ref_written"], sel["ref_resolved"], sel["ref_form"]
    if resolved is None:
        hop.broken(
            "not_bound_to_gateway",
            "VirtualService %s lists no gateway (only 'mesh'): it applies to sidecars, never to the ingress "
            "gateway." % ref(vs),
            "Add the Gateway to spec.gateways as <namespace>/<name>%s." % (
                " (%s)" % ref(gateway) if gateway is not None else ""))
        return
    hop.see("gateway reference '%s' resolves to %s%s", written, resolved,
            " (no namespace: the VirtualService's own namespace %s)" % vs_ns if form in (BARE, RELATIVE) else "")
    if form == DOTTED:
        hop.warn("gateway_ref_legacy_form", "The gateway reference '%s' uses the deprecated <name>.<namespace> form "
                 "(Istio reads it as %s)." % (written, resolved), "Write it as %s." % resolved)
    if gateway is None or sel["gateway_is_referenced"]:
        if gateway is None:
            hop.broken("gateway_ref_not_found", "The VirtualService references Gateway %s, which does not exist."
                       % resolved, "Create the Gateway, or reference an existing one as <namespace>/<name>.")
        return
    if form in (BARE, RELATIVE) and resolved.split("/", 1)[1] == meta(gateway).get("name"):
        hop.broken(
            "gateway_ref_wrong_namespace",
            "gateways: ['%s'] resolves to %s (a reference without 'namespace/' means the VirtualService's own "
            "namespace), but the Gateway is %s: the VirtualService is bound to nothing and Envoy answers 404."
            % (written, resolved, ref(gateway)),
            "Write the reference with its namespace: gateways: ['%s']." % ref(gateway))
    else:
        hop.broken(
            "gateway_ref_not_found",
            "The VirtualService references %s, which does not exist; the Gateway serving the host is %s."
            % (resolved, ref(gateway)),
            "Reference the Gateway as '%s' in spec.gateways." % ref(gateway))


def check_export(hop, snap, vs):
    export = (vs.get("spec") or {}).get("exportTo")
    if not export or "*" in export:
        return
    vs_ns = meta(vs).get("namespace")
    visible = set(vs_ns if e == "." else e for e in export)
    gw_ns = snap["options"]["gateway_namespace"]
    if gw_ns not in visible:
        hop.broken(
            "not_exported_to_gateway",
            "exportTo %s hides the VirtualService from the gateway proxies in namespace %s." % (export, gw_ns),
            "Add '%s' (or '*') to spec.exportTo, or remove exportTo." % gw_ns)


def _subset_known(snap, namespace, name, subset):
    for rule in snap.get("destination_rules") or []:
        rule_ns = meta(rule).get("namespace")
        rule_host = (rule.get("spec") or {}).get("host")
        if same_destination(rule_host, rule_ns, service_fqdn(namespace, name), namespace):
            if any(s.get("name") == subset for s in (rule.get("spec") or {}).get("subsets") or []):
                return True
    return False


def _not_a_service(hop, snap, host, vs_ns):
    """A destination host Istio does not read as a Kubernetes Service."""
    meant = meant_service(host, (snap.get("namespaces") or {}).get)
    if meant:
        fqdn = service_fqdn(meant[0], meant[1])
        hop.broken(
            "destination_not_expanded",
            "Destination %s does not name Service %s/%s for Istio: Istio expands only a name without a dot and "
            "takes every other host as written, finds no service %s and drops the traffic (Envoy 503, no cluster)."
            % (host, meant[0], meant[1], host),
            "Write %s%s." % (fqdn, " (or %s: the VirtualService's namespace)" % meant[1] if meant[0] == vs_ns else ""))
        return
    hop.warn("destination_not_a_service",
             "Destination %s is not a Kubernetes Service name (a ServiceEntry, if any, is not checked)." % host,
             "Use <service> (a Service of the VirtualService's namespace) or <service>.<namespace>.svc.cluster.local.")


def check_destinations(hop, snap, vs, route):
    """Destination Services and ports of the matched route exist; subsets are defined."""
    if route.get("redirect") or route.get("directResponse"):
        hop.see("the route answers itself (%s): no destination", "redirect" if route.get("redirect") else
                "directResponse %s" % (route.get("directResponse") or {}).get("status"))
        return
    if route.get("delegate"):
        hop.warn("route_delegated", "The route delegates to VirtualService %s, which is not followed here."
                 % (route["delegate"].get("name")), "Diagnose the delegate's host/path separately.")
        return
    vs_ns = meta(vs).get("namespace")
    services = snap.get("services") or {}
    dests = route_destinations(route)
    if not dests:
        hop.broken("no_destination", "The matched route has no destination.",
                   "Give the route a destination host and port.")
    for host, port, subset, weight in dests:
        service = destination_service(host, vs_ns)
        if service is None:
            _not_a_service(hop, snap, host, vs_ns)
            continue
        namespace, name = service
        key = "%s/%s" % (namespace, name)
        svc = services.get(key)
        if svc is None:
            hop.broken(
                "destination_service_missing",
                "Destination %s -> Service %s does not exist: Envoy has no cluster for it and answers 503 (NR)."
                % (host, key),
                "Create Service %s, or fix the destination host (short names resolve in the VirtualService's "
                "namespace %s)." % (key, vs_ns))
            continue
        ports = [p.get("port") for p in (svc.get("spec") or {}).get("ports") or []]
        hop.see("destination %s -> Service %s ports %s%s", host, key, ", ".join(str(p) for p in ports),
                " weight %s" % weight if weight is not None else "")
        if port is not None and port not in ports:
            hop.broken("destination_port_missing",
                       "Destination %s port %s is not a port of Service %s (%s)." % (
                           host, port, key, ", ".join(str(p) for p in ports)),
                       "Use one of the Service's ports in destination.port.number.")
        elif port is None and len(ports) > 1:
            hop.warn("destination_port_ambiguous",
                     "Destination %s names no port and Service %s has several (%s)." % (
                         host, key, ", ".join(str(p) for p in ports)),
                     "Set destination.port.number.")
        if subset and not _subset_known(snap, namespace, name, subset):
            hop.broken("subset_missing", "Subset %s of %s is defined by no DestinationRule: Envoy answers 503."
                       % (subset, host), "Define the subset in a DestinationRule for %s (app destination_rules)."
                       % host)


def _service_port_name(svc, port):
    ports = (svc.get("spec") or {}).get("ports") or []
    if port is None and len(ports) == 1:
        return ports[0].get("name") or ""
    for entry in ports:
        if entry.get("port") == port:
            return entry.get("name") or ""
    return None


def check_endpoints(snap, sel):
    """The destination Services of the matched route have ready endpoints."""
    hop = Hop("endpoints", None)
    vs, route = sel.get("vs"), (sel.get("route") or (None, None, None))[1]
    if vs is None or route is None:
        return hop.skip("no_route", "Not checked: no route reaches a destination.")
    if route.get("redirect") or route.get("directResponse") or route.get("delegate"):
        return hop.skip("no_destination", "Not checked: the route has no Service destination.")
    vs_ns = meta(vs).get("namespace")
    checked, seen = [], set()
    for host, port, _subset, weight in route_destinations(route):
        service = destination_service(host, vs_ns)
        key = "%s/%s" % service if service else None
        svc = (snap.get("services") or {}).get(key) if service else None
        if svc is None or (key, port) in seen:
            continue
        seen.add((key, port))
        if key not in checked:
            checked.append(key)
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            hop.see("Service %s is ExternalName %s (no endpoints)", key, spec.get("externalName"))
            continue
        ep = (snap.get("endpoints") or {}).get(key)
        ready, not_ready = ready_addresses(ep, _service_port_name(svc, port))
        hop.see("Endpoints %s: %d ready, %d not ready address(es) (Service selector %s)", key, ready, not_ready,
                fmt_labels(spec.get("selector")))
        hop.details[key] = {"ready": ready, "not_ready": not_ready}
        if ready:
            continue
        share = " (weight %s)" % weight if weight is not None else ""
        if ep is None:
            why = "nothing publishes its endpoints (no EndpointSlice or Endpoints)"
        elif not_ready:
            why = "%d address(es) are not ready" % not_ready
        elif not spec.get("selector"):
            why = "the Service has no selector and nobody filled its Endpoints"
        else:
            why = "no Ready pod matches selector %s" % fmt_labels(spec.get("selector"))
        said, quotes = events.explain_pods((snap.get("endpoint_pods") or {}).get(key))
        for line in quotes:
            hop.see("%s", line)
        hop.broken(
            "no_ready_endpoints",
            "Service %s%s has no ready endpoint (%s): Envoy answers 503 (no healthy upstream).%s"
            % (key, share, why, said),
            "Make the app's pods Ready and matching the Service selector (kubectl -n %s get pods -l %s)."
            % (service[0], ",".join("%s=%s" % kv for kv in sorted((spec.get("selector") or {}).items()))))
    if not checked:
        return hop.skip("no_service", "Not checked: no destination Service exists.")
    hop.object = ", ".join("Endpoints %s" % k for k in checked)
    if not hop.findings:
        hop.ok("endpoints_ready", "Every destination Service has ready endpoints.")
    return hop
