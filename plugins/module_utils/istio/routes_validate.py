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

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
HOST = re.compile(r"^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$")
DURATION = re.compile(r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$")
PROTOCOLS = ("HTTP", "HTTPS", "HTTP2", "GRPC", "TCP", "TLS", "MONGO")
HTTP_PROTOCOLS = ("HTTP", "HTTPS", "HTTP2", "GRPC")
TLS_MODES = ("SIMPLE", "MUTUAL", "PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL")
MATCH_KINDS = ("prefix", "exact", "regex")

APP_KEYS = ("name", "namespace", "hosts", "sidecar_injection", "access_log", "gateway", "use_gateway", "http",
            "tcp", "destination_rules")
GATEWAY_KEYS = ("name", "namespace", "selector", "servers")
SERVER_KEYS = ("port", "protocol", "name", "hosts", "https_redirect", "credential_name", "tls_mode")
HTTP_KEYS = ("name", "match", "rewrite", "route", "retries", "timeout", "fault")
MATCH_KEYS = MATCH_KINDS + ("headers", "ignore_uri_case")
DEST_KEYS = ("host", "port", "weight", "subset")
RETRY_KEYS = ("attempts", "per_try_timeout", "retry_on")
TCP_KEYS = ("port", "route")
DR_KEYS = ("name", "host", "subsets", "traffic_policy")
SUBSET_KEYS = ("name", "labels", "traffic_policy")


def _err(path, problem, fix):
    return EdgeError("%s: %s." % (path, problem.rstrip(".")), field=path, hint=fix)


def _mapping(value, path, keys, required=()):
    if not isinstance(value, dict):
        raise _err(path, "must be a mapping, got %s" % type(value).__name__, "Write it as key: value pairs.")
    unknown = sorted(k for k in value if k not in keys)
    if unknown:
        raise _err(path, "unknown key(s) %s" % ", ".join(unknown), "Known keys: %s." % ", ".join(keys))
    for key in required:
        if value.get(key) in (None, "", [], {}):
            raise _err("%s.%s" % (path, key), "is required", "Set %s." % key)
    return value


def _list(value, path, allow_none=True):
    if value is None and allow_none:
        return []
    if not isinstance(value, list):
        raise _err(path, "must be a list, got %s" % type(value).__name__, "Write it as a YAML list (- item).")
    return value


def _int(value, path, low=None, high=None):
    if isinstance(value, bool):
        raise _err(path, "must be a number, got %r" % value, "Give a whole number.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _err(path, "must be a whole number, got %r" % (value,), "Give a whole number.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _err(path, "%d is out of range %s-%s" % (number, low, high), "Give a number within %s-%s." % (low, high))
    return number


def _bool(value, path, default=False):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise _err(path, "must be true or false, got %r" % (value,), "Use true or false.")


def _str(value, path, pattern=None, what=None):
    if not isinstance(value, str) or not value:
        raise _err(path, "must be a non-empty string", "Give %s." % (what or "a string"))
    if pattern is not None and not pattern.match(value):
        raise _err(path, "%r is not %s" % (value, what or "valid"), "Give %s." % (what or "a valid value"))
    return value


def _duration(value, path):
    value = str(value).strip() if value is not None else value
    return _str(value, path, DURATION, "a duration such as 500ms, 10s or 1m")


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


def _destination(raw, path, tcp=False):
    _mapping(raw, path, ("host", "port", "weight") if tcp else DEST_KEYS, required=("host",))
    dest = dict(host=_str(raw["host"], path + ".host", HOST, "a Service name or FQDN").lower(), port=None,
                weight=None, subset=None)
    if raw.get("port") is not None:
        dest["port"] = _int(raw["port"], path + ".port", 1, 65535)
    if raw.get("weight") is not None:
        dest["weight"] = _int(raw["weight"], path + ".weight", 0, 100)
    if raw.get("subset") is not None:
        dest["subset"] = _str(raw["subset"], path + ".subset", DNS_NAME, "a subset name")
    return dest


def _route(raw, path, tcp=False):
    items = _list(raw, path)
    if not items:
        raise _err(path, "is required (at least one destination)", "Add route: [{host: <service>, port: <port>}].")
    dests = [_destination(d, "%s[%d]" % (path, i), tcp) for i, d in enumerate(items)]
    if len(dests) > 1:
        if any(d["weight"] is None for d in dests):
            raise _err(path, "has %d destinations but not every one has a weight" % len(dests),
                       "Set weight on each destination; the weights must add up to 100.")
        total = sum(d["weight"] for d in dests)
        if total != 100:
            raise _err(path, "weights add up to %d" % total, "Make the weights add up to 100.")
    elif dests[0]["weight"] not in (None, 100):
        raise _err(path + "[0].weight", "a single destination receives all traffic",
                   "Remove weight or set it to 100 (add a second destination for a canary).")
    return dests


def _match(raw, path):
    _mapping(raw, path, MATCH_KEYS)
    kinds = [k for k in MATCH_KINDS if raw.get(k) is not None]
    if len(kinds) > 1:
        raise _err(path, "sets %s together" % " and ".join(kinds), "Use one of prefix, exact or regex per match.")
    match = {"uri": None, "headers": None, "ignore_uri_case": _bool(raw.get("ignore_uri_case"), path + ".ignore_uri_case")}
    if kinds:
        value = _str(raw[kinds[0]], "%s.%s" % (path, kinds[0]), what="a path")
        if kinds[0] != "regex" and not value.startswith("/"):
            raise _err("%s.%s" % (path, kinds[0]), "%r does not start with /" % value, "Write the path from its /.")
        if kinds[0] == "regex":
            try:
                re.compile(value)
            except re.error as exc:
                raise _err(path + ".regex", "is not a valid regular expression (%s)" % exc, "Fix the RE2 expression.")
        match["uri"] = {kinds[0]: value}
    headers = raw.get("headers")
    if headers is not None:
        if not isinstance(headers, dict) or not headers:
            raise _err(path + ".headers", "must map header names to a value or {exact|prefix|regex: value}",
                       "e.g. headers: {cookie: {regex: '^(.*?;)?(user=jason)(;.*)?$'}}.")
        match["headers"] = {}
        for name, spec in headers.items():
            hpath = "%s.headers.%s" % (path, name)
            if isinstance(spec, dict):
                _mapping(spec, hpath, MATCH_KINDS)
                if len(spec) != 1:
                    raise _err(hpath, "needs exactly one of exact, prefix, regex", "Pick one.")
                key = list(spec)[0]
                match["headers"][str(name).lower()] = {key: _str(spec[key], "%s.%s" % (hpath, key))}
            else:
                match["headers"][str(name).lower()] = {"exact": _str(str(spec), hpath)}
    if match["uri"] is None and match["headers"] is None:
        raise _err(path, "matches nothing", "Give prefix, exact, regex or headers (omit match to catch all).")
    return match


def _fault(raw, path):
    _mapping(raw, path, ("abort", "delay"))
    fault = {}
    if raw.get("abort") is not None:
        abort = _mapping(raw["abort"], path + ".abort", ("percentage", "http_status"), required=("http_status",))
        fault["abort"] = dict(http_status=_int(abort["http_status"], path + ".abort.http_status", 200, 599),
                              percentage=_percent(abort.get("percentage"), path + ".abort.percentage"))
    if raw.get("delay") is not None:
        delay = _mapping(raw["delay"], path + ".delay", ("percentage", "fixed_delay"), required=("fixed_delay",))
        fault["delay"] = dict(fixed_delay=_duration(delay["fixed_delay"], path + ".delay.fixed_delay"),
                              percentage=_percent(delay.get("percentage"), path + ".delay.percentage"))
    if not fault:
        raise _err(path, "is empty", "Give abort: {percentage, http_status} and/or delay: {percentage, fixed_delay}.")
    return fault


def _percent(value, path):
    if value is None:
        return 100.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _err(path, "must be a number, got %r" % (value,), "Give a percentage between 0 and 100.")
    if not 0 <= number <= 100:
        raise _err(path, "%s is not within 0-100" % value, "Give a percentage between 0 and 100.")
    return number


def _http(raw, path):
    _mapping(raw, path, HTTP_KEYS, required=("route",))
    rule = dict(name=raw.get("name"), match=[], rewrite=None, route=_route(raw["route"], path + ".route"),
                retries=None, timeout=None, fault=None)
    if rule["name"] is not None:
        _str(rule["name"], path + ".name", DNS_NAME, "a route name (lower-case letters, digits, -, .)")
    rule["match"] = [_match(m, "%s.match[%d]" % (path, i)) for i, m in enumerate(_list(raw.get("match"), path + ".match"))]
    rewrite = raw.get("rewrite")
    if rewrite is not None:
        if isinstance(rewrite, str):
            rewrite = {"uri": rewrite}
        _mapping(rewrite, path + ".rewrite", ("uri", "authority"))
        if not rewrite:
            raise _err(path + ".rewrite", "is empty", "Give the new path (rewrite: /) or {uri, authority}.")
        rule["rewrite"] = dict((k, _str(v, "%s.rewrite.%s" % (path, k))) for k, v in rewrite.items() if v is not None)
    if raw.get("retries") is not None:
        retries = _mapping(raw["retries"], path + ".retries", RETRY_KEYS, required=("attempts",))
        rule["retries"] = dict(attempts=_int(retries["attempts"], path + ".retries.attempts", 0, 100),
                               per_try_timeout=None, retry_on=None)
        if retries.get("per_try_timeout") is not None:
            rule["retries"]["per_try_timeout"] = _duration(retries["per_try_timeout"], path + ".retries.per_try_timeout")
        if retries.get("retry_on") is not None:
            rule["retries"]["retry_on"] = _str(str(retries["retry_on"]), path + ".retries.retry_on")
    if raw.get("timeout") is not None:
        rule["timeout"] = _duration(raw["timeout"], path + ".timeout")
    if raw.get("fault") is not None:
        rule["fault"] = _fault(raw["fault"], path + ".fault")
    return rule


def _tcp(raw, path):
    _mapping(raw, path, TCP_KEYS, required=("port", "route"))
    return dict(port=_int(raw["port"], path + ".port", 1, 65535), route=_route(raw["route"], path + ".route", tcp=True))


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
