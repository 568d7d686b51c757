# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the gateway's Envoy really has: a parser of its admin ``/config_dump`` (the JSON that
``istioctl proxy-config`` reads) and the check of the app's host/path against it (private, pure).

The dump is read through the API server's pod proxy
(``/api/v1/namespaces/<ns>/pods/<pod>:15000/proxy/config_dump``) by ``collect_k8s``; it is large and may
contain certificates, so only the summary below leaves this module (no secrets: the SecretsConfigDump is
never looked at).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import compile_re2

HCM = "envoy.filters.network.http_connection_manager"
TCP_PROXY = "envoy.filters.network.tcp_proxy"
_ISTIO_CONFIG = re.compile(r"/namespaces/([^/]+)/virtual-service/([^/]+)$")


def _kind(config):
    return (config.get("@type") or "").rsplit(".", 1)[-1]


def _sections(dump):
    return dict((_kind(c), c) for c in (dump or {}).get("configs") or [])


def _listener_summary(listener):
    sock = ((listener.get("address") or {}).get("socket_address") or {})
    name = listener.get("name") or "%s_%s" % (sock.get("address"), sock.get("port_value"))
    out = {"name": name, "address": sock.get("address"), "port": sock.get("port_value"),
           "routes": [], "tcp_clusters": [], "filter_chains": len(listener.get("filter_chains") or [])}
    for chain in listener.get("filter_chains") or []:
        for flt in chain.get("filters") or []:
            typed = flt.get("typed_config") or {}
            if flt.get("name") == HCM or typed.get("@type", "").endswith("HttpConnectionManager"):
                rds = (typed.get("rds") or {}).get("route_config_name")
                if rds and rds not in out["routes"]:
                    out["routes"].append(rds)
                if typed.get("route_config"):
                    out["routes"].append("(inline) %s" % typed["route_config"].get("name", ""))
            elif flt.get("name") == TCP_PROXY or typed.get("@type", "").endswith("TcpProxy"):
                if typed.get("cluster"):
                    out["tcp_clusters"].append(typed["cluster"])
    return out


def _route_match(match):
    for key in ("prefix", "path", "path_separated_prefix"):
        if key in match:
            return key, match[key]
    if "safe_regex" in match:
        return "regex", (match["safe_regex"] or {}).get("regex")
    return "prefix", "/"


def _route_summary(config_name, vhost, route):
    kind, value = _route_match(route.get("match") or {})
    action = route.get("route") or {}
    meta = ((route.get("metadata") or {}).get("filter_metadata") or {}).get("istio") or {}
    vs = _ISTIO_CONFIG.search(meta.get("config") or "")
    clusters = [action["cluster"]] if action.get("cluster") else [
        w.get("name") for w in (action.get("weighted_clusters") or {}).get("clusters") or []]
    return {"route_config": config_name, "virtual_host": vhost.get("name"), "domains": vhost.get("domains") or [],
            "match": "%s %s" % (kind, value), "match_kind": kind, "match_value": value,
            "case_sensitive": (route.get("match") or {}).get("case_sensitive", True),
            "clusters": clusters,
            "direct_response": (route.get("direct_response") or {}).get("status"),
            "redirect": bool(route.get("redirect")),
            "virtual_service": "%s/%s" % (vs.group(1), vs.group(2)) if vs else None}


def _cluster_summary(cluster):
    name = cluster.get("name") or ""
    parts = name.split("|")
    out = {"name": name, "type": cluster.get("type")}
    if len(parts) == 4:
        out.update(direction=parts[0], port=int(parts[1]) if parts[1].isdigit() else parts[1],
                   subset=parts[2] or None, fqdn=parts[3])
    return out


def parse_config_dump(dump):
    """``{listeners, routes, clusters, version}`` in the spirit of istioctl proxy-config listeners/routes/clusters."""
    sections = _sections(dump)
    listeners = []
    lcd = sections.get("ListenersConfigDump") or {}
    for item in lcd.get("static_listeners") or []:
        listeners.append(dict(_listener_summary(item.get("listener") or {}), static=True))
    for item in lcd.get("dynamic_listeners") or []:
        active = (item.get("active_state") or {}).get("listener")
        if active:
            listeners.append(dict(_listener_summary(active), static=False))
    routes = []
    rcd = sections.get("RoutesConfigDump") or {}
    configs = [i.get("route_config") or {} for i in (rcd.get("static_route_configs") or [])]
    configs += [i.get("route_config") or {} for i in (rcd.get("dynamic_route_configs") or [])]
    for config in configs:
        for vhost in config.get("virtual_hosts") or []:
            for route in vhost.get("routes") or []:
                routes.append(_route_summary(config.get("name"), vhost, route))
    clusters = []
    ccd = sections.get("ClustersConfigDump") or {}
    for key in ("static_clusters", "dynamic_active_clusters"):
        for item in ccd.get(key) or []:
            clusters.append(_cluster_summary(item.get("cluster") or {}))
    bootstrap = (sections.get("BootstrapConfigDump") or {}).get("bootstrap") or {}
    meta = ((bootstrap.get("node") or {}).get("metadata") or {})
    return {"listeners": listeners, "routes": routes, "clusters": clusters,
            "istio_version": meta.get("ISTIO_VERSION"), "pod": meta.get("NAME")}


def summary_for_result(parsed, limit=300):
    """The parsed dump for the module result: long route and cluster lists cut to ``limit`` (with totals)."""
    out = dict(parsed)
    for key in ("routes", "clusters"):
        out["%s_total" % key] = len(parsed[key])
        out[key] = parsed[key][:limit]
    return out


def domain_matches(domain, host):
    domain, host = domain.lower(), host.lower()
    if domain == "*":
        return True
    if domain.endswith(":*"):
        domain = domain[:-2]
    if domain.startswith("*"):
        return host.endswith(domain[1:]) and len(host) > len(domain) - 1
    return domain == host


def _path_matches(route, path):
    kind, value = route["match_kind"], route["match_value"] or ""
    subject, value_cmp = (path, value) if route["case_sensitive"] else (path.lower(), value.lower())
    if kind == "path":
        return subject == value_cmp
    if kind == "regex":  # Envoy's safe_regex (RE2): the whole path, case_sensitive does not apply
        compiled = compile_re2(value)
        return compiled is not None and compiled.fullmatch(path) is not None
    if kind == "path_separated_prefix":
        return subject == value_cmp or subject.startswith(value_cmp.rstrip("/") + "/")
    return subject.startswith(value_cmp)


def check_envoy(parsed, host, path, ports, pod):
    """The Envoy of ``pod`` has a listener on one of ``ports`` (the Gateway servers' ports), a virtual host
    for ``host``, a route for ``path`` and the route's cluster."""
    hop = Hop("envoy", "Envoy of pod %s" % pod)
    listeners = [lst for lst in parsed["listeners"] if not lst.get("static")]
    hop.see("listeners: %s", ", ".join("%s:%s" % (lst["address"], lst["port"])
                                       for lst in parsed["listeners"]) or "none")
    hop.details = {"listeners": len(parsed["listeners"]), "routes": len(parsed["routes"]),
                   "clusters": len(parsed["clusters"])}
    wanted = [lst for lst in listeners if lst["port"] in ports] if ports else listeners
    if not wanted:
        return hop.broken(
            "no_listener", "Envoy has no listener on port(s) %s: no Gateway selecting this pod has a server there "
            "(only the status/metrics ports listen)." % ", ".join(str(p) for p in ports or []) or "-",
            "Check the Gateway's selector and server ports (see the gateway hop).")
    names = set(r for lst in wanted for r in lst["routes"])
    routes = [r for r in parsed["routes"] if r["route_config"] in names]
    vhost_routes = [r for r in routes if any(domain_matches(d, host) for d in r["domains"])]
    if not vhost_routes:
        return hop.broken(
            "no_virtual_host", "Envoy's route config %s has no virtual host for %s: requests get 404 "
            "(route_not_found)." % (", ".join(sorted(names)) or "-", host),
            "Bind a VirtualService with host %s to the Gateway (see the virtual_service hop)." % host)
    chosen = next((r for r in vhost_routes if _path_matches(r, path)), None)
    if chosen is None:
        return hop.broken("no_route", "Envoy has a virtual host for %s but no route for %s." % (host, path),
                          "Add a route covering %s to the VirtualService." % path)
    hop.see("route %s vhost %s %s -> %s%s", chosen["route_config"], chosen["virtual_host"], chosen["match"],
            ", ".join(chosen["clusters"]) or (chosen["direct_response"] and "direct response %s"
                                              % chosen["direct_response"]) or "redirect",
            " (VirtualService %s)" % chosen["virtual_service"] if chosen["virtual_service"] else "")
    if chosen["direct_response"] and not chosen["virtual_service"]:
        return hop.broken("blackhole_route", "Envoy answers %s for %s%s: no VirtualService route is loaded."
                          % (chosen["direct_response"], host, path),
                          "Bind the VirtualService to this Gateway (see the virtual_service hop).")
    known = set(c["name"] for c in parsed["clusters"])
    for cluster in chosen["clusters"]:
        if cluster not in known:
            hop.broken("cluster_missing", "Route target cluster %s is not in Envoy's clusters (503 NC)." % cluster,
                       "Check the destination Service exists and istiod pushes (istioctl proxy-status).")
    if not hop.findings:
        hop.ok("envoy_ok", "Envoy routes %s%s to %s." % (host, path, ", ".join(chosen["clusters"]) or "itself"))
    return hop


def not_read(reason, message, fix=None, warn=False, pod=None):
    hop = Hop("envoy", "Envoy of pod %s" % pod if pod else None)
    if warn:
        return hop.warn(reason, message, fix)
    return hop.skip(reason, message)
