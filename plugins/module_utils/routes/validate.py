# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate and normalise the app schema of ``app_route`` / ``istio_edge_apps`` (pure, private).

``normalize_apps(apps, state)`` returns a list of normalised apps (every default filled in) or raises an
:class:`EdgeError` naming the option by its path, e.g. ``apps[shop].http[0].route[1].weight``, and the fix.
No I/O: this runs before anything is read from or written to the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.fields import (
    PROTOCOLS, TLS_MODES, _bool, _err, _host, _int, _label, _list, _str, _subdomain)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.traffic_policy import check_traffic_policy
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate_http import _http, _tcp


def _hosts(value, path):
    hosts = _list(value)
    if not hosts:
        raise _err(path, "is required", "Set hosts, e.g. hosts: [shop.example.com].")
    out = [_host(host, "%s[%d]" % (path, i)) for i, host in enumerate(hosts)]
    if len(set(out)) != len(out):
        raise _err(path, "lists a host twice", "Remove the duplicate.")
    return out


def _server_host(entry, path):
    """``host``, ``*/host``, ``./host`` or ``<namespace>/host`` (host may be ``*.domain`` or ``*``)."""
    entry = _str(entry, path, "a host, optionally namespace/host")
    fix = "Give host, */host, ./host or namespace/host (host may be *.domain or *)."
    namespace, slash, host = entry.rpartition("/")
    if slash and namespace not in ("*", "."):
        problem = names.label_problem(namespace)
        if problem:
            raise _err(path, "the namespace part of %r: %s" % (entry, problem), fix)
    problem = names.hostname_problem(host.lower(), wildcard=True, star=True)
    if problem:
        raise _err(path, "the host part of %r: %s" % (entry, problem) if slash else problem, fix)
    return "%s/%s" % (namespace, host.lower()) if slash else host.lower()


def _server_hosts(value, path, default):
    if value is None:
        return list(default)
    out = [_server_host(entry, "%s[%d]" % (path, i)) for i, entry in enumerate(_list(value))]
    if not out:
        raise _err(path, "is empty", "List at least one host (or drop the key to use the app's hosts).")
    return out


def _server(raw, path, app_hosts):
    port = _int(raw.get("port"), path + ".port", 1, 65535)
    protocol = str(raw.get("protocol") or ("HTTPS" if port == 443 else "HTTP")).upper()
    if protocol not in PROTOCOLS:
        raise _err(path + ".protocol", "%r is not a Gateway protocol" % protocol, "Use one of %s." % ", ".join(PROTOCOLS))
    server = dict(port=port, protocol=protocol, name=raw.get("name") or "%s-%d" % (protocol.lower(), port),
                  hosts=_server_hosts(raw.get("hosts"), path + ".hosts", app_hosts),
                  https_redirect=_bool(raw.get("https_redirect"), path + ".https_redirect"),
                  credential_name=raw.get("credential_name"), tls_mode=None)
    _label(server["name"], path + ".name", "a port name")
    if server["https_redirect"] and protocol != "HTTP":
        raise _err(path + ".https_redirect", "only applies to an HTTP server, this one is %s" % protocol,
                   "Remove https_redirect or set protocol: HTTP.")
    if protocol in ("HTTPS", "TLS"):
        mode = str(raw.get("tls_mode") or ("SIMPLE" if protocol == "HTTPS" else "PASSTHROUGH")).upper()
        if mode not in TLS_MODES:
            raise _err(path + ".tls_mode", "%r is not a TLS mode" % mode, "Use one of %s." % ", ".join(TLS_MODES))
        if mode in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL") and not server["credential_name"]:
            raise _err(path + ".credential_name", "is required for a %s server in TLS mode %s" % (protocol, mode),
                       "Name the kubernetes.io/tls Secret in the gateway's namespace (the gateway_namespace option).")
        server["tls_mode"] = mode
    elif raw.get("tls_mode") or raw.get("credential_name"):
        raise _err(path, "tls_mode/credential_name only apply to HTTPS or TLS servers", "Set protocol: HTTPS.")
    if server["credential_name"] is not None:
        _subdomain(server["credential_name"], path + ".credential_name", "a Secret name")
    return server


def _labels(value, path, what):
    """A mapping of Kubernetes labels (values as strings)."""
    if not isinstance(value, dict) or not value:
        raise _err(path, "must be a non-empty mapping of %s" % what, "e.g. {version: v1}.")
    out = {}
    for key, item in value.items():
        if item is None or isinstance(item, (dict, list)):
            raise _err("%s.%s" % (path, key), "must be a label value, got %r" % (item,), "Give a string, e.g. v1.")
        out[str(key)] = ("true" if item else "false") if isinstance(item, bool) else str(item)
    return out


def _gateway(raw, path, app):
    raw = raw if raw is not None else {}
    servers_raw = _list(raw.get("servers")) or [{"port": 80, "protocol": "HTTP"}]
    servers = [_server(s, "%s.servers[%d]" % (path, i), app["hosts"]) for i, s in enumerate(servers_raw)]
    ports = [s["port"] for s in servers]
    if len(set(ports)) != len(ports):
        raise _err(path + ".servers", "declares a port twice", "Give each server its own port.")
    names_ = [s["name"] for s in servers]
    if len(set(names_)) != len(names_):
        raise _err(path + ".servers", "declares a port name twice", "Give each server a distinct name.")
    selector = raw.get("selector")
    if selector is not None:
        if not selector:
            raise _err(path + ".selector", "must be a non-empty mapping of labels",
                       "Remove it: the selector is read from the live gateway Deployment.")
        selector = _labels(selector, path + ".selector", "pod labels")
    gw = dict(name=raw.get("name") or "%s-gateway" % app["name"], namespace=raw.get("namespace") or app["namespace"],
              selector=selector, servers=servers)
    _label(gw["name"], path + ".name", "a Gateway name (Istio takes a DNS label, no dots)")
    _label(gw["namespace"], path + ".namespace", "a namespace name")
    return gw


def default_rule_name(app_name, host):
    """``<app>-<first label of host>``; a wildcard host ``*.rt.svc.cluster.local`` gives ``<app>-wildcard-rt``."""
    labels = host.split(".")
    if labels[0] == "*":
        return "-".join([app_name, "wildcard"] + labels[1:2])
    return "%s-%s" % (app_name, labels[0])


def _destination_rule(raw, path, app):
    host = _host(raw.get("host"), path + ".host", what="a Service name or FQDN")
    name = _subdomain(raw.get("name") or default_rule_name(app["name"], host), path + ".name", "a DestinationRule name")
    subsets = []
    for i, sub in enumerate(_list(raw.get("subsets"))):
        spath = "%s.subsets[%d]" % (path, i)
        subsets.append(dict(name=_label(sub.get("name"), spath + ".name", "a subset name"),
                            labels=_labels(sub.get("labels"), spath + ".labels", "pod labels"),
                            traffic_policy=check_traffic_policy(sub.get("traffic_policy"), spath + ".traffic_policy")))
    if len(set(s["name"] for s in subsets)) != len(subsets):
        raise _err(path + ".subsets", "declares a subset twice", "Give each subset a distinct name.")
    policy = check_traffic_policy(raw.get("traffic_policy"), path + ".traffic_policy")
    return dict(name=name, host=host, subsets=subsets, traffic_policy=policy)


def _gateway_ref(value, path):
    value = _str(value, path, "namespace/name of a Gateway")
    parts = value.split("/")
    if len(parts) != 2 or not names.is_label(parts[0]) or not names.is_label(parts[1]):
        raise _err(path, "%r is not namespace/name" % value,
                   "Write the shared Gateway as namespace/name, e.g. istio-ingress/edge (both DNS labels; Envoy "
                   "ignores a bare name from another namespace).")
    return value


def _absent_scope(raw):
    """Namespaces holding the app's objects when it is declared with a namespace (None: anywhere)."""
    if not raw.get("namespace"):
        return None
    scope = {str(raw["namespace"])}
    gateway = raw.get("gateway")
    if isinstance(gateway, dict) and gateway.get("namespace"):
        scope.add(str(gateway["namespace"]))
    return scope


def app_scope(app):
    """Namespaces where the app's objects live (pruning never looks elsewhere)."""
    if "scope" in app:
        return app["scope"]
    scope = {app["namespace"]}
    if app.get("gateway"):
        scope.add(app["gateway"]["namespace"])
    return scope


def normalize_app(raw, index, state="present"):
    """One app, validated, with defaults filled in (``None`` values are "not set")."""
    path = "apps[%d]" % index
    if not isinstance(raw, dict):
        raise _err(path, "must be a mapping", "Each app is a mapping with at least name (and namespace, hosts).")
    raw = dict((k, v) for k, v in raw.items() if v is not None)
    name = _label(raw.get("name"), path + ".name", "an app name (a DNS label)")
    path = "apps[%s]" % name
    if state == "absent":
        return dict(name=name, namespace=raw.get("namespace"), scope=_absent_scope(raw))
    if not raw.get("namespace"):
        raise _err(path + ".namespace", "is required", "Set namespace (the app's namespace, with its Services).")
    app = dict(name=name, namespace=_label(raw["namespace"], path + ".namespace", "a namespace name"),
               hosts=_hosts(raw.get("hosts"), path + ".hosts"),
               sidecar_injection=_bool(raw.get("sidecar_injection"), path + ".sidecar_injection"),
               access_log=_bool(raw.get("access_log"), path + ".access_log"),
               adopt=_bool(raw.get("adopt"), path + ".adopt"), gateway=None, use_gateway=None)
    if raw.get("use_gateway") is not None:
        if raw.get("gateway") is not None:
            raise _err(path + ".use_gateway", "is set together with gateway",
                       "Either bind to a shared Gateway (use_gateway) or let the app own one (gateway), not both.")
        app["use_gateway"] = _gateway_ref(raw["use_gateway"], path + ".use_gateway")
    else:
        app["gateway"] = _gateway(raw.get("gateway"), path + ".gateway", app)
    app["http"] = [_http(r, "%s.http[%d]" % (path, i)) for i, r in enumerate(_list(raw.get("http")))]
    app["tcp"] = [_tcp(r, "%s.tcp[%d]" % (path, i)) for i, r in enumerate(_list(raw.get("tcp")))]
    if not app["http"] and not app["tcp"]:
        raise _err(path, "routes nothing", "Add http: [{match: [{prefix: /}], route: [{host: <service>, port: <port>}]}] "
                   "or tcp: [{port: <gateway port>, route: [...]}].")
    tcp_ports = [r["port"] for r in app["tcp"]]
    if len(set(tcp_ports)) != len(tcp_ports):
        raise _err(path + ".tcp", "routes a port twice", "Give each gateway port one tcp entry (several destinations "
                   "go in its route list).")
    app["destination_rules"] = [_destination_rule(d, "%s.destination_rules[%d]" % (path, i), app)
                                for i, d in enumerate(_list(raw.get("destination_rules")))]
    rule_names = [d["name"] for d in app["destination_rules"]]
    if len(set(rule_names)) != len(rule_names):
        raise _err(path + ".destination_rules", "two DestinationRules get the same name", "Set distinct name keys.")
    return app


def normalize_apps(apps, state="present", only=None):
    """All apps, validated; ``only`` keeps one app (by name) and fails when it is not declared."""
    apps = _list(apps)
    out = [normalize_app(raw, i, state) for i, raw in enumerate(apps)]
    seen = {}
    for app in out:
        if app["name"] in seen:
            raise _err("apps[%s].name" % app["name"], "is declared twice", "App names are unique; rename one.")
        seen[app["name"]] = app
    if only:
        if only not in seen and state == "absent":
            return [dict(name=_label(only, "only", "an app name"), namespace=None, scope=None)]
        if only not in seen:
            raise _err("only", "app %r is not among the declared apps (%s)" % (only, ", ".join(sorted(seen)) or "none"),
                       "Set only (or istio_edge_app) to one of the apps' names.")
        out = [seen[only]]
    return out
