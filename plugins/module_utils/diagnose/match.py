# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio's matching rules, as pure functions (private).

- hosts: exact, ``*.suffix`` wildcards (any depth, as Envoy's suffix domains), ``*``; Gateway server hosts may
  carry a ``namespace/`` prefix (``./`` = the Gateway's namespace, ``*/`` = any) restricting which
  VirtualServices can bind;
- gateway references of a VirtualService: ``ns/name``; a bare ``name`` resolves to the VirtualService's OWN
  namespace; ``name.ns.svc.cluster.local`` (deprecated form); ``mesh`` is the sidecars, not a gateway;
- destination hosts: ``svc`` -> the VirtualService's namespace, ``svc.ns``, ``svc.ns.svc[.cluster.local]``;
- HTTP route matches: ``uri.prefix|exact|regex`` (first matching route wins), ``ignoreUriCase``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def meta(obj):
    return (obj or {}).get("metadata") or {}


def ref(obj):
    """``namespace/name`` of a live object."""
    m = meta(obj)
    return "%s/%s" % (m.get("namespace"), m.get("name"))


# -- hosts ------------------------------------------------------------------------------------------------
def host_matches(pattern, host):
    """True when a (VirtualService or Gateway) host pattern covers ``host``."""
    pattern = (pattern or "").lower().strip()
    host = (host or "").lower().strip().split(":")[0]
    if not pattern:
        return False
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        if host.startswith("*."):
            return host.endswith(pattern[1:])
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def split_gateway_host(entry, gateway_namespace):
    """(namespace or '*', host) of a Gateway server host entry (``ns/host``, ``./host``, ``*/host``, ``host``)."""
    if "/" in entry:
        namespace, host = entry.split("/", 1)
        if namespace == ".":
            namespace = gateway_namespace
        return namespace or "*", host
    return "*", entry


def gateway_covers(gateway, host, vs_namespace=None):
    """The server entries of a Gateway whose hosts cover ``host`` (and admit a VirtualService of
    ``vs_namespace`` when given): list of ``(server, host_entry)``."""
    gw_ns = meta(gateway).get("namespace")
    found = []
    for server in (gateway.get("spec") or {}).get("servers") or []:
        for entry in server.get("hosts") or []:
            namespace, pattern = split_gateway_host(entry, gw_ns)
            if vs_namespace is not None and namespace not in ("*", vs_namespace):
                continue
            if host_matches(pattern, host):
                found.append((server, entry))
                break
    return found


def vs_hosts_match(vs, host):
    """The hosts of a VirtualService covering ``host``."""
    return [h for h in ((vs.get("spec") or {}).get("hosts") or []) if host_matches(h, host)]


# -- gateway references -----------------------------------------------------------------------------------
def resolve_gateway_ref(reference, vs_namespace):
    """``ns/name`` of a VirtualService gateway reference, or None for ``mesh``.

    Returns ``(resolved, form)`` with form ``qualified`` | ``bare`` | ``fqdn`` | ``mesh``.
    """
    reference = (reference or "").strip()
    if reference == "mesh":
        return None, "mesh"
    if "/" in reference:
        return reference, "qualified"
    parts = reference.split(".")
    if len(parts) >= 3 and parts[2] == "svc":
        return "%s/%s" % (parts[1], parts[0]), "fqdn"
    return "%s/%s" % (vs_namespace, reference), "bare"


def vs_gateway_refs(vs):
    """[(reference as written, resolved ns/name or None, form)] of a VirtualService's ``spec.gateways``.

    No ``gateways`` at all means ``mesh`` only: the VirtualService is invisible to every ingress gateway.
    """
    vs_ns = meta(vs).get("namespace")
    refs = (vs.get("spec") or {}).get("gateways")
    if not refs:
        return [("mesh (default: no gateways listed)", None, "mesh")]
    out = []
    for reference in refs:
        resolved, form = resolve_gateway_ref(reference, vs_ns)
        out.append((reference, resolved, form))
    return out


# -- labels -----------------------------------------------------------------------------------------------
def selector_matches(selector, labels):
    """A plain map selector (Gateway/Service) against labels; an empty selector matches nothing here."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def label_selector_matches(selector, labels):
    """A ``metav1.LabelSelector`` (matchLabels + matchExpressions) against labels."""
    if not selector:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def fmt_labels(labels):
    return ", ".join("%s=%s" % (k, v) for k, v in sorted((labels or {}).items())) or "(none)"


# -- destinations -----------------------------------------------------------------------------------------
def resolve_destination(host, vs_namespace):
    """(namespace, service name) of a destination host, or (None, None) for a non-cluster host."""
    host = (host or "").strip().rstrip(".")
    parts = host.split(".")
    if len(parts) == 1:
        return vs_namespace, parts[0]
    if len(parts) == 2:
        return parts[1], parts[0]
    if len(parts) >= 3 and parts[2] == "svc" and (len(parts) == 3 or ".".join(parts[3:]) == "cluster.local"):
        return parts[1], parts[0]
    return None, None


# -- HTTP routes ------------------------------------------------------------------------------------------
_PLAIN_MATCH_KEYS = ("uri", "ignoreUriCase", "name", "gateways", "port")


def uri_matches(uri, path, ignore_case=False):
    """True when an HTTPMatchRequest ``uri`` StringMatch matches ``path`` (None/empty matches all)."""
    if not uri:
        return True
    subject = path.lower() if ignore_case else path
    if "exact" in uri:
        return subject == (uri["exact"].lower() if ignore_case else uri["exact"])
    if "prefix" in uri:
        return subject.startswith(uri["prefix"].lower() if ignore_case else uri["prefix"])
    if "regex" in uri:
        try:
            return re.fullmatch(uri["regex"], path, re.IGNORECASE if ignore_case else 0) is not None
        except re.error:
            return False
    return True


def describe_match(match):
    if not match:
        return "any path"
    uri = match.get("uri") or {}
    for kind in ("exact", "prefix", "regex"):
        if kind in uri:
            text = "%s %s" % (kind, uri[kind])
            break
    else:
        text = "any path"
    extra = sorted(k for k in match if k not in _PLAIN_MATCH_KEYS)
    if extra:
        text += " (also requires %s)" % ", ".join(extra)
    return text


def route_for_path(vs, path, gateway_ref=None, port=None):
    """The first HTTP route of a VirtualService that a plain request for ``path`` takes.

    Returns ``(index, route, match, extra_conditions)`` or ``(None, None, None, [])``. A match with extra
    conditions (headers, method, query parameters, ...) is taken as matching, with the conditions reported,
    because the request may carry them.
    """
    for index, route in enumerate((vs.get("spec") or {}).get("http") or []):
        matches = route.get("match") or [None]
        for match in matches:
            if match is None:
                return index, route, None, []
            if gateway_ref and match.get("gateways"):
                resolved = [resolve_gateway_ref(g, meta(vs).get("namespace"))[0] for g in match["gateways"]]
                if gateway_ref not in resolved:
                    continue
            if port and match.get("port") and int(match["port"]) != int(port):
                continue
            if uri_matches(match.get("uri"), path, match.get("ignoreUriCase", False)):
                extra = sorted(k for k in match if k not in _PLAIN_MATCH_KEYS)
                return index, route, match, extra
    return None, None, None, []


def route_destinations(route):
    """[(host, port or None, subset, weight)] of an HTTP/TCP/TLS route."""
    out = []
    for dest in (route or {}).get("route") or []:
        d = dest.get("destination") or {}
        out.append((d.get("host"), (d.get("port") or {}).get("number"), d.get("subset"), dest.get("weight")))
    return out


def route_label(index, route):
    name = (route or {}).get("name")
    return "http[%d]%s" % (index, " '%s'" % name if name else "")
