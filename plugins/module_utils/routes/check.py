# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consistency checks of apps' routes against what is live (pure, private).

Every function takes plain dicts (the desired objects and snapshots of live objects) and returns a list of
:class:`Problem` - the option path, what is wrong, and how to fix it - so that ``app_route`` can refuse
before it writes anything and report every problem at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import APP_LABEL
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import gateway_ref
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import covering_servers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    destination_service, gateway_selects, meant_service, same_destination, service_fqdn)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.fields import HTTP_PROTOCOLS


class Problem:
    def __init__(self, path, problem, fix, code=None):
        self.path, self.problem, self.fix, self.code = path, problem.rstrip("."), fix, code

    def text(self):
        return "%s: %s. %s" % (self.path, self.problem, self.fix)

    def __repr__(self):
        return "Problem(%r)" % self.text()


def refusal(problems):
    """One EdgeError for all problems; nothing has been written when it is raised."""
    if len(problems) == 1:
        p = problems[0]
        return EdgeError("%s: %s. Nothing was changed." % (p.path, p.problem), field=p.path, hint=p.fix, code=p.code,
                         problems=[p.text()])
    text = "; ".join("(%d) %s" % (i + 1, p.text()) for i, p in enumerate(problems))
    return EdgeError("app_route found %d problems and changed nothing: %s" % (len(problems), text),
                     field=problems[0].path, code=problems[0].code, problems=[p.text() for p in problems])


# -- hosts --------------------------------------------------------------------------------------------
def _servers_text(gateway):
    parts = []
    for server in (gateway.get("spec") or {}).get("servers") or []:
        port = server.get("port") or {}
        parts.append("%s/%s %s" % (port.get("number"), port.get("protocol"), ",".join(server.get("hosts") or [])))
    return "; ".join(parts) or "no servers"


def check_gateway_binding(app, vs, gateway, path):
    """Hosts, HTTP servers and TCP ports of the app's VirtualService against the Gateway it binds to."""
    problems = []
    ref = gateway_ref(app)
    http_seen, tcp_ports = False, set()
    for host in vs["spec"]["hosts"]:
        servers = [server for server, _entry in covering_servers(gateway, host, vs["metadata"]["namespace"])]
        if not servers:
            problems.append(Problem(
                path + ".hosts", "host %s is not among the hosts of Gateway %s (%s), so Envoy would answer 404 "
                "route_not_found" % (host, ref, _servers_text(gateway)),
                "Add the host to the Gateway's server hosts (gateway.servers[].hosts, wildcards like *.example.com "
                "allowed) or correct the app's hosts."))
        for server in servers:
            proto = (server.get("port") or {}).get("protocol", "").upper()
            http_seen = http_seen or proto in HTTP_PROTOCOLS
            if proto in ("TCP", "TLS", "MONGO"):
                tcp_ports.add((server.get("port") or {}).get("number"))
    if app["http"] and not http_seen and not problems:
        problems.append(Problem(path + ".http", "Gateway %s has no HTTP/HTTPS server for the app's hosts (%s)"
                                % (ref, _servers_text(gateway)),
                                "Add a server {port: 80, protocol: HTTP} (or HTTPS) to the Gateway."))
    for i, rule in enumerate(app["tcp"]):
        if rule["port"] not in tcp_ports and not problems:
            problems.append(Problem("%s.tcp[%d].port" % (path, i), "Gateway %s has no TCP server on port %d for the "
                                    "app's hosts (%s)" % (ref, rule["port"], _servers_text(gateway)),
                                    "Add {port: %d, protocol: TCP} to the Gateway's servers." % rule["port"]))
    return problems


# -- selectors ----------------------------------------------------------------------------------------
def selector_from_labels(labels):
    """The Gateway selector for a gateway workload: its ``istio`` label (as Istio's charts set it), else ``app``."""
    labels = labels or {}
    for key in ("istio", "app", "app.kubernetes.io/name"):
        if labels.get(key):
            return {key: labels[key]}
    return dict(labels)


def check_selector(selector, workloads, path, what):
    """``workloads``: list of (description, labels). A selector that matches none is a problem."""
    if any(gateway_selects(selector, labels) for dummy, labels in workloads):
        return []
    seen = "; ".join("%s has %s" % (desc, _labels_text(labels)) for desc, labels in workloads[:5])
    seen = seen or "no gateway Deployment or pod was found"
    return [Problem(path, "%s selector %s matches no gateway workload (%s), so no Envoy would serve it"
                    % (what, _labels_text(selector), seen),
                    "Use a selector made of the gateway pods' labels (drop gateway.selector to have it read from the "
                    "live gateway Deployment), or set gateway_name/gateway_namespace to the gateway in use.")]


def _labels_text(labels):
    return "{%s}" % ", ".join("%s: %s" % (k, v) for k, v in sorted((labels or {}).items()))


# -- destinations -------------------------------------------------------------------------------------
def _ports_text(service):
    ports = (service.get("spec") or {}).get("ports") or []
    return ", ".join("%s%s" % (p.get("port"), "/" + p["name"] if p.get("name") else "") for p in ports) or "none"


def _not_a_service_name(host, app_ns, namespaces, path):
    """``name.ns.svc``, or ``name.ns`` where ``ns`` is a namespace of the cluster: the writer meant a Service,
    but Istio expands only a name without a dot and takes every other host as written."""
    ref = meant_service(host, lambda namespace: namespace in namespaces)
    if ref is None:
        return []
    ns, name = ref
    fqdn = service_fqdn(ns, name)
    return [Problem(path + ".host", "%s does not name Service %s/%s for Istio: Istio expands only a name without a "
                    "dot and takes every other host as written, so it finds no service %s and drops the traffic"
                    % (host, ns, name, host),
                    "Write %s%s." % (fqdn, " (or %s: a Service of the app's namespace)" % name
                                     if ns == app_ns else ""))]


def check_destination(dest, app_ns, services, namespaces, path):
    """The Service a destination (or DestinationRule) host names exists and has the port. A host Istio does not
    read as a Kubernetes Service (an external name, a ServiceEntry host) is not checked."""
    ref = destination_service(dest["host"], app_ns)
    if ref is None:
        return _not_a_service_name(dest["host"], app_ns, namespaces, path)
    ns, name = ref
    if ns not in namespaces:
        return [Problem(path + ".host", "namespace %s of destination %s does not exist" % (ns, dest["host"]),
                        "Deploy the app (namespace and Service) first, or correct host.")]
    service = services.get((ns, name))
    if service is None:
        return [Problem(path + ".host", "Service %s/%s does not exist" % (ns, name),
                        "Deploy the app's Service first, or correct host (a Service name in the app's namespace, or "
                        "<service>.<namespace>.svc.cluster.local).")]
    ports = [p.get("port") for p in (service.get("spec") or {}).get("ports") or []]
    if dest.get("port") is None:
        if len(ports) > 1:
            return [Problem(path + ".port", "Service %s/%s has several ports (%s)" % (ns, name, _ports_text(service)),
                            "Set port to one of them.")]
        return []
    if dest["port"] not in ports:
        return [Problem(path + ".port", "Service %s/%s has no port %d (ports: %s)"
                        % (ns, name, dest["port"], _ports_text(service)),
                        "Set port to a port of the Service (its port, not its targetPort).")]
    return []


def check_subset(dest, app, live_rules, path):
    """A route's subset must be declared by a DestinationRule for its host (the app's own or a live one)."""
    if not dest.get("subset"):
        return []
    for rule in app["destination_rules"]:
        if same_destination(rule["host"], app["namespace"], dest["host"], app["namespace"]):
            if dest["subset"] in [s["name"] for s in rule["subsets"]]:
                return []
    for rule in live_rules:
        meta, spec = rule["metadata"], rule.get("spec") or {}
        if meta.get("labels", {}).get(APP_LABEL) == app["name"]:
            continue
        if same_destination(spec.get("host", ""), meta.get("namespace"), dest["host"], app["namespace"]):
            if dest["subset"] in [s.get("name") for s in spec.get("subsets") or []]:
                return []
    return [Problem(path + ".subset", "no DestinationRule declares subset %s for host %s" % (dest["subset"], dest["host"]),
                    "Add destination_rules: [{host: %s, subsets: [{name: %s, labels: {version: ...}}]}] to the app "
                    "(Envoy answers 503 for an unknown subset)." % (dest["host"], dest["subset"]))]


def check_destinations(app, services, namespaces, live_rules, path):
    problems = []
    for i, rule in enumerate(app["http"]):
        for j, dest in enumerate(rule["route"]):
            dpath = "%s.http[%d].route[%d]" % (path, i, j)
            problems += check_destination(dest, app["namespace"], services, namespaces, dpath)
            problems += check_subset(dest, app, live_rules, dpath)
    for i, rule in enumerate(app["tcp"]):
        for j, dest in enumerate(rule["route"]):
            problems += check_destination(dest, app["namespace"], services, namespaces,
                                          "%s.tcp[%d].route[%d]" % (path, i, j))
    for i, rule in enumerate(app["destination_rules"]):
        dest = {"host": rule["host"], "port": None}
        found = check_destination(dest, app["namespace"], services, namespaces,
                                  "%s.destination_rules[%d]" % (path, i))
        problems += [p for p in found if not p.path.endswith(".port")]
    return problems
