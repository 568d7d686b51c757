# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the Istio CRDs, the Gateway and the VirtualService (private, pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import (
    describe_match, fmt_labels, meta, ref, route_label)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import (
    service_ports, status_port_entry, target_port)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.selection import selects_pods
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import route_checks
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import covering_servers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import first_http_route

TLS_KEYS = (("tls.crt", "tls.key"), ("cert", "key"))
_GENERATED_LABELS = ("pod-template-hash", "controller-revision-hash", "security.istio.io/tlsMode",
                     "service.istio.io/canonical-name", "service.istio.io/canonical-revision")


def check_crds(snap):
    istio = snap.get("istio") or {}
    hop = Hop("istio_crds", "networking.istio.io")
    if istio.get("served"):
        hop.see("served: %s", ", ".join(istio.get("kinds") or []))
        return hop.ok("crds_served", "The cluster serves the Istio networking API (%s)." % istio.get("api_version"))
    hop.see("missing kinds: %s", ", ".join(istio.get("missing") or ["Gateway", "VirtualService"]))
    return hop.broken(
        "istio_crds_missing",
        "The cluster does not serve networking.istio.io (no matches for kind Gateway/VirtualService): Istio's "
        "base chart (the CRDs) is not installed, so no Gateway or VirtualService can exist.",
        "Install Istio's base chart first (role meshops.istio_edge.istio / module istio_install), then the apps.")


def _skipped(name, obj, message):
    return Hop(name, obj).skip("istio_crds_missing", message)


def _service_target_ports(snap):
    svc = snap.get("gateway_service")
    status = status_port_entry(svc, snap["options"]["status_port"])
    ports = {}
    for port in service_ports(svc):
        number = target_port(port, snap.get("gateway_deployment"))
        if number is not None and port is not status:
            ports[number] = port.get("name") or str(port.get("port"))
    return ports


def check_gateway(snap, sel):
    if not (snap.get("istio") or {}).get("served"):
        return _skipped("gateway", None, "Not checked: the Istio CRDs are missing.")
    host = snap["target"]["host"]
    gateway = sel["gateway"]
    if gateway is None:
        hop = Hop("gateway", None)
        listed = ["%s (hosts %s)" % (ref(g), ", ".join(
            h for s in (g.get("spec") or {}).get("servers") or [] for h in s.get("hosts") or []))
            for g in sel["gateways"].values()]
        hop.see("Gateways in scope: %s", "; ".join(listed[:10]) or "none")
        if sel["ref_resolved"]:
            hop.see("the VirtualService references %s, which does not exist", sel["ref_resolved"])
        return hop.broken(
            "gateway_missing", "No Gateway serves %s." % host,
            "Create the app's Gateway (module app_route / role expose_app), with a server whose hosts list %s."
            % host)
    hop = Hop("gateway", "Gateway %s" % ref(gateway))
    spec = gateway.get("spec") or {}
    selector = spec.get("selector") or {}
    hop.see("selector %s", fmt_labels(selector))
    for server in spec.get("servers") or []:
        port = server.get("port") or {}
        hop.see("server %s %s/%s hosts %s%s", port.get("name") or "-", port.get("number"), port.get("protocol"),
                ", ".join(server.get("hosts") or []),
                " tls %s" % ((server.get("tls") or {}).get("mode") or
                             ("httpsRedirect" if (server.get("tls") or {}).get("httpsRedirect") else "?"))
                if server.get("tls") else "")
    if not sel["gateway_is_referenced"] and sel["vs"] is not None:
        hop.see("not referenced by the VirtualService; checked as the Gateway it most likely meant")
    pod_labels = sel["pod_labels"]
    if not pod_labels:
        hop.warn("selector_unverified", "No gateway pod or Deployment was found to compare the selector with.",
                 "Check gateway_name / gateway_namespace.")
    elif not selects_pods(gateway, pod_labels):
        labels = dict((k, v) for k, v in pod_labels[0].items() if k not in _GENERATED_LABELS)
        suggestion = {"istio": labels["istio"]} if "istio" in labels else dict(
            (k, v) for k, v in labels.items() if k == "app")
        hop.broken(
            "selector_mismatch",
            "Gateway %s selects %s, but the gateway pods are labelled %s: no Envoy gets this Gateway, so nothing "
            "listens for %s (ALB 502, or Envoy 404)." % (ref(gateway), fmt_labels(selector), fmt_labels(labels), host),
            "Set spec.selector of Gateway %s to %s (the gateway pods' labels; app_route reads them from the live "
            "gateway)." % (ref(gateway), fmt_labels(suggestion) if suggestion else fmt_labels(labels)))
    vs_ns = meta(sel["vs"]).get("namespace") if sel["vs"] is not None else None
    covering = covering_servers(gateway, host, vs_ns)
    if not covering:
        if covering_servers(gateway, host):
            hop.broken(
                "host_namespace_restricted",
                "Gateway %s lists %s only for VirtualServices of other namespaces (namespace/host form), not %s."
                % (ref(gateway), host, vs_ns),
                "Use */%s or %s/%s in the Gateway's hosts." % (host, vs_ns, host))
        else:
            hop.broken(
                "host_not_in_gateway",
                "Gateway %s does not list %s in any server's hosts: Envoy has no virtual host for it (404 "
                "route_not_found)." % (ref(gateway), host),
                "Add %s to the hosts of Gateway %s (or bind the VirtualService to a Gateway that lists it)."
                % (host, ref(gateway)))
    hop.details["servers"] = [s.get("port", {}).get("number") for s, _entry in covering]
    _check_server_ports(hop, snap, gateway, covering)
    _check_tls(hop, snap, gateway, covering)
    if not hop.findings:
        hop.ok("gateway_ok", "Gateway %s selects the gateway pods and serves %s on port(s) %s." % (
            ref(gateway), host, ", ".join(str(s.get("port", {}).get("number")) for s, _entry in covering)))
    return hop


def _check_server_ports(hop, snap, gateway, covering):
    if snap.get("gateway_service") is None:
        return
    targets = _service_target_ports(snap)
    hop.see("gateway Service targetPorts: %s", ", ".join("%s=%s" % (v, k) for k, v in sorted(targets.items())))
    for server, _entry in covering:
        number = (server.get("port") or {}).get("number")
        if number not in targets:
            hop.broken(
                "server_port_not_on_service",
                "Gateway %s has its server on port %s, but the gateway Service sends traffic to targetPorts %s: "
                "Envoy listens where no traffic arrives." % (ref(gateway), number,
                                                             ", ".join(str(t) for t in sorted(targets)) or "none"),
                "Use the Service's targetPort as the server port (the gateway chart maps 80->80 and 443->443; the "
                "legacy istioctl gateway maps 80->8080 and 443->8443).")


def _check_tls(hop, snap, gateway, covering):
    gw_ns = snap["options"]["gateway_namespace"]
    for server, _entry in covering:
        protocol = ((server.get("port") or {}).get("protocol") or "").upper()
        tls = server.get("tls") or {}
        mode = (tls.get("mode") or "").upper()
        if protocol in ("HTTPS", "TLS") and not mode:
            hop.broken("tls_missing", "Server port %s is %s but has no tls block." % (
                server.get("port", {}).get("number"), protocol),
                "Give the server tls: {mode: SIMPLE, credentialName: <secret in %s>}." % gw_ns)
            continue
        if mode not in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"):
            continue
        name = tls.get("credentialName")
        if not name:
            if tls.get("serverCertificate"):
                hop.warn("tls_files_unverified", "Server port %s reads its certificate from files mounted in the "
                         "gateway pods (%s); they cannot be checked from the API." % (
                             server.get("port", {}).get("number"), tls["serverCertificate"]),
                         "Prefer tls.credentialName with a Secret in %s." % gw_ns)
            continue
        key = "%s/%s" % (gw_ns, name)
        secret = (snap.get("secrets") or {}).get(key) or {}
        if secret.get("error"):
            hop.warn("tls_secret_unverified", "Cannot read Secret %s: %s" % (key, secret["error"]),
                     "Grant get on secrets in %s to the identity running the diagnosis." % gw_ns)
        elif not secret.get("exists"):
            hop.broken(
                "tls_secret_missing",
                "Secret %s (tls.credentialName of server port %s) does not exist: the HTTPS listener has no "
                "certificate and TLS handshakes fail." % (key, server.get("port", {}).get("number")),
                "Create the TLS Secret %s in the gateway's namespace %s (credentialName secrets are read from the "
                "gateway workload's namespace)." % (name, gw_ns))
        else:
            keys = set(secret.get("keys") or [])
            hop.see("Secret %s: type %s, keys %s", key, secret.get("type"), ", ".join(sorted(keys)))
            if not any(set(pair) <= keys for pair in TLS_KEYS):
                hop.broken("tls_secret_invalid", "Secret %s has no tls.crt/tls.key (or cert/key) pair." % key,
                           "Recreate it: kubectl -n %s create secret tls %s --cert=... --key=..." % (gw_ns, name))


def check_virtual_service(snap, sel):
    if not (snap.get("istio") or {}).get("served"):
        return _skipped("virtual_service", None, "Not checked: the Istio CRDs are missing.")
    target = snap["target"]
    host, path = target["host"], target["path"]
    vs = sel["vs"]
    if vs is None:
        hop = Hop("virtual_service", None)
        scope = target.get("namespace") or "all namespaces"
        listed = ["%s (hosts %s)" % (ref(v), ", ".join((v.get("spec") or {}).get("hosts") or []))
                  for v in snap.get("virtual_services") or []
                  if not target.get("namespace") or meta(v).get("namespace") == target["namespace"]]
        hop.see("VirtualServices in %s: %s", scope, "; ".join(listed[:10]) or "none")
        return hop.broken(
            "no_virtual_service", "No VirtualService in %s lists host %s." % (scope, host),
            "Create the app's VirtualService with hosts [%s] bound to the gateway (module app_route)." % host)
    hop = Hop("virtual_service", "VirtualService %s" % ref(vs))
    spec = vs.get("spec") or {}
    hop.see("hosts %s; gateways %s", ", ".join(spec.get("hosts") or []),
            ", ".join(spec.get("gateways") or ["(none: mesh only)"]))
    if len(sel["candidates"]) > 1:
        hop.see("other VirtualServices listing %s: %s", host,
                ", ".join(ref(v) for v in sel["candidates"] if v is not vs))
    gateway = sel["gateway"]
    route_checks.check_binding(hop, snap, sel, vs, gateway)
    route_checks.check_export(hop, snap, vs)
    gateway_ref = ref(gateway) if gateway is not None else sel["ref_resolved"]
    # the request arrives on a port of a Gateway server taking the host; a match restricted to another port is skipped
    covering = covering_servers(gateway, host, meta(vs).get("namespace")) if gateway is not None else []
    ports = [(s.get("port") or {}).get("number") for s, _entry in covering]
    index, route, match, extra = first_http_route(vs, path, gateway_ref, [p for p in ports if p] or None)
    if route is None:
        matches = ["%s: %s" % (route_label(i, r), " | ".join(describe_match(m) for m in (r.get("match") or [None])))
                   for i, r in enumerate(spec.get("http") or [])]
        hop.see("HTTP routes: %s", "; ".join(matches) or "none")
        if not spec.get("http") and (spec.get("tcp") or spec.get("tls")):
            hop.warn("no_http_routes", "The VirtualService has only %s routes; the path cannot be checked."
                     % ("tcp" if spec.get("tcp") else "tls"), "Diagnose with the HTTP host, or check the TCP port.")
        else:
            hop.broken("no_route_for_path", "No HTTP route of %s matches %s: Envoy answers 404." % (ref(vs), path),
                       "Add a route whose match covers %s (e.g. prefix: /) to the VirtualService." % path)
    else:
        sel["route"] = (index, route, match)
        hop.see("%s takes %s (%s)", route_label(index, route), path, describe_match(match))
        if extra:
            hop.warn("route_needs_conditions", "The route for %s also requires %s; a plain request falls through."
                     % (path, ", ".join(extra)), "Send the required %s, or add a route without them." % extra[0])
        route_checks.check_destinations(hop, snap, vs, route)
    if not hop.findings:
        hop.ok("virtual_service_ok", "%s binds %s to %s and routes %s." % (
            ref(vs), host, ref(gateway) if gateway else "?", path))
    return hop
