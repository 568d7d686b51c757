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

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.fields import (
    APP_KEYS, DNS_LABEL, DNS_NAME, DR_KEYS, GATEWAY_KEYS, HOST, PROTOCOLS, SERVER_KEYS, SUBSET_KEYS, TLS_MODES,
    _bool, _err, _int, _list, _mapping, _str)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate_http import _http, _tcp


def _hosts(value, path):
    hosts = _list(value, path)
    out = []
    for i, host in enumerate(hosts):
        host = _str(host, "%s[%d]" % (path, i), what="a host name").lower()
        if not HOST.match(host):
            raise _err("%s[%d]" % (path, i), "%r is not a host name" % host,
                       "Give a DNS name, a wildcard such as *.example.com, or *.")
        out.append(host)
    if len(set(out)) != len(out):
        raise _err(path, "lists a host twice", "Remove the duplicate.")
    return out


def _server_hosts(value, path, default):
    if value is None:
        return list(default)
    hosts = _list(value, path)
    out = []
    for i, entry in enumerate(hosts):
        entry = _str(entry, "%s[%d]" % (path, i), what="a host, optionally namespace/host").lower()
        host = entry.split("/", 1)[-1]
        if not HOST.match(host):
            raise _err("%s[%d]" % (path, i), "%r is not a host name" % entry,
                       "Give host, */host, ./host or namespace/host (host may be *.domain or *).")
        out.append(entry)
    if not out:
        raise _err(path, "is empty", "List at least one host (or drop the key to use the app's hosts).")
    return out


def _server(raw, path, app_hosts):
    _mapping(raw, path, SERVER_KEYS, required=("port",))
    port = _int(raw["port"], path + ".port", 1, 65535)
    protocol = str(raw.get("protocol") or ("HTTPS" if port == 443 else "HTTP")).upper()
    if protocol not in PROTOCOLS:
        raise _err(path + ".protocol", "%r is not a Gateway protocol" % protocol, "Use one of %s." % ", ".join(PROTOCOLS))
    server = dict(port=port, protocol=protocol, name=raw.get("name") or "%s-%d" % (protocol.lower(), port),
                  hosts=_server_hosts(raw.get("hosts"), path + ".hosts", app_hosts),
                  https_redirect=_bool(raw.get("https_redirect"), path + ".https_redirect"),
                  credential_name=raw.get("credential_name"), tls_mode=None)
    _str(server["name"], path + ".name", DNS_LABEL, "a port name (lower-case letters, digits, -)")
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
        _str(server["credential_name"], path + ".credential_name", DNS_NAME, "a Secret name")
    return server


def _gateway(raw, path, app):
    raw = _mapping(raw if raw is not None else {}, path, GATEWAY_KEYS)
    servers_raw = _list(raw.get("servers"), path + ".servers") or [{"port": 80, "protocol": "HTTP"}]
    servers = [_server(s, "%s.servers[%d]" % (path, i), app["hosts"]) for i, s in enumerate(servers_raw)]
    ports = [s["port"] for s in servers]
    if len(set(ports)) != len(ports):
        raise _err(path + ".servers", "declares a port twice", "Give each server its own port.")
    names = [s["name"] for s in servers]
    if len(set(names)) != len(names):
        raise _err(path + ".servers", "declares a port name twice", "Give each server a distinct name.")
    selector = raw.get("selector")
    if selector is not None:
        if not isinstance(selector, dict) or not selector:
            raise _err(path + ".selector", "must be a non-empty mapping of labels",
                       "Remove it: the selector is read from the live gateway Deployment.")
        selector = dict((str(k), str(v)) for k, v in selector.items())
    gw = dict(name=raw.get("name") or "%s-gateway" % app["name"], namespace=raw.get("namespace") or app["namespace"],
              selector=selector, servers=servers)
    _str(gw["name"], path + ".name", DNS_NAME, "a DNS name")
    _str(gw["namespace"], path + ".namespace", DNS_LABEL, "a namespace name")
    return gw


def _destination_rule(raw, path, app):
    _mapping(raw, path, DR_KEYS, required=("host",))
    host = _str(raw["host"], path + ".host", HOST, "a Service name or FQDN").lower()
    name = raw.get("name") or "%s-%s" % (app["name"], host.split(".")[0])
    _str(name, path + ".name", DNS_NAME, "a DNS name")
    subsets = []
    for i, sub in enumerate(_list(raw.get("subsets"), path + ".subsets")):
        spath = "%s.subsets[%d]" % (path, i)
        _mapping(sub, spath, SUBSET_KEYS, required=("name", "labels"))
        if not isinstance(sub["labels"], dict):
            raise _err(spath + ".labels", "must be a mapping of pod labels", "e.g. labels: {version: v1}.")
        policy = sub.get("traffic_policy")
        if policy is not None and not isinstance(policy, dict):
            raise _err(spath + ".traffic_policy", "must be a mapping (Istio TrafficPolicy)", "See the DestinationRule reference.")
        subsets.append(dict(name=_str(sub["name"], spath + ".name", DNS_NAME, "a subset name"),
                            labels=dict((str(k), str(v)) for k, v in sub["labels"].items()), traffic_policy=policy))
    if len(set(s["name"] for s in subsets)) != len(subsets):
        raise _err(path + ".subsets", "declares a subset twice", "Give each subset a distinct name.")
    policy = raw.get("traffic_policy")
    if policy is not None and not isinstance(policy, dict):
        raise _err(path + ".traffic_policy", "must be a mapping (Istio TrafficPolicy)", "See the DestinationRule reference.")
    return dict(name=name, host=host, subsets=subsets, traffic_policy=policy or None)


def _gateway_ref(value, path):
    value = _str(value, path, what="namespace/name of a Gateway")
    parts = value.split("/")
    if len(parts) != 2 or not DNS_LABEL.match(parts[0]) or not DNS_NAME.match(parts[1]):
        raise _err(path, "%r is not namespace/name" % value,
                   "Write the shared Gateway as namespace/name, e.g. istio-ingress/edge (Envoy ignores a bare name "
                   "from another namespace).")
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
    """One app, validated, with defaults filled in."""
    path = "apps[%d]" % index
    if not isinstance(raw, dict):
        raise _err(path, "must be a mapping", "Each app is a mapping with at least name (and namespace, hosts).")
    raw = dict((k, v) for k, v in raw.items() if v is not None)
    _mapping(raw, path, APP_KEYS, required=("name",))
    name = _str(raw["name"], path + ".name", DNS_LABEL, "a DNS label (lower-case letters, digits, -; max 63)")
    path = "apps[%s]" % name
    if state == "absent":
        return dict(name=name, namespace=raw.get("namespace"), scope=_absent_scope(raw))
    _mapping(raw, path, APP_KEYS, required=("namespace", "hosts"))
    app = dict(name=name, namespace=_str(raw["namespace"], path + ".namespace", DNS_LABEL, "a namespace name"),
               hosts=_hosts(raw["hosts"], path + ".hosts"),
               sidecar_injection=_bool(raw.get("sidecar_injection"), path + ".sidecar_injection"),
               access_log=_bool(raw.get("access_log"), path + ".access_log"), gateway=None, use_gateway=None)
    if raw.get("use_gateway") is not None:
        if raw.get("gateway") is not None:
            raise _err(path + ".use_gateway", "is set together with gateway",
                       "Either bind to a shared Gateway (use_gateway) or let the app own one (gateway), not both.")
        app["use_gateway"] = _gateway_ref(raw["use_gateway"], path + ".use_gateway")
    else:
        app["gateway"] = _gateway(raw.get("gateway"), path + ".gateway", app)
    app["http"] = [_http(r, "%s.http[%d]" % (path, i)) for i, r in enumerate(_list(raw.get("http"), path + ".http"))]
    app["tcp"] = [_tcp(r, "%s.tcp[%d]" % (path, i)) for i, r in enumerate(_list(raw.get("tcp"), path + ".tcp"))]
    if not app["http"] and not app["tcp"]:
        raise _err(path, "routes nothing", "Add http: [{match: [{prefix: /}], route: [{host: <service>, port: <port>}]}] "
                   "or tcp: [{port: <gateway port>, route: [...]}].")
    tcp_ports = [r["port"] for r in app["tcp"]]
    if len(set(tcp_ports)) != len(tcp_ports):
        raise _err(path + ".tcp", "routes a port twice", "Give each gateway port one tcp entry (several destinations "
                   "go in its route list).")
    app["destination_rules"] = [_destination_rule(d, "%s.destination_rules[%d]" % (path, i), app)
                                for i, d in enumerate(_list(raw.get("destination_rules"), path + ".destination_rules"))]
    names = [d["name"] for d in app["destination_rules"]]
    if len(set(names)) != len(names):
        raise _err(path + ".destination_rules", "two DestinationRules get the same name", "Set distinct name keys.")
    return app


def normalize_apps(apps, state="present", only=None):
    """All apps, validated; ``only`` keeps one app (by name) and fails when it is not declared."""
    apps = _list(apps, "apps")
    out = [normalize_app(raw, i, state) for i, raw in enumerate(apps)]
    seen = {}
    for app in out:
        if app["name"] in seen:
            raise _err("apps[%s].name" % app["name"], "is declared twice", "App names are unique; rename one.")
        seen[app["name"]] = app
    if only:
        if only not in seen and state == "absent":
            return [dict(name=_str(only, "only", DNS_LABEL, "an app name"), namespace=None, scope=None)]
        if only not in seen:
            raise _err("only", "app %r is not among the declared apps (%s)" % (only, ", ".join(sorted(seen)) or "none"),
                       "Set only (or istio_edge_app) to one of the apps' names.")
        out = [seen[only]]
    return out
