# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who routes which host + path (and TCP port) on a gateway workload, and what a run claims (pure, private).

Istio builds one Envoy virtual host per host name and gateway port. When several VirtualServices bound to the
same gateway workload name the same host, istiod merges their HTTP routes into that virtual host: each
VirtualService keeps the order of its own routes, the VirtualServices follow each other in the order istiod
sorts them (creation time, then name), and *catch-all* routes (``prefix: /``, or no match, with no other
condition) are moved after all the others. Different host names (``shop.example.com`` and ``*.example.com``)
are different virtual hosts: Envoy picks the most specific one, so they never compete.

So, for two routes of different VirtualServices on the same host and gateway workload:

* the same match - refused (one of them is never used, and which one depends on creation time);
* matches that can take the same request (``/api`` and ``/api/``, ``/api`` and exact ``/api/v1``,
  ``ignoreUriCase`` ``/API`` and ``/api``, two catch-alls) - refused, for the same reason;
* one catch-all and one specific route - accepted with a warning: Istio defines the order (the catch-all
  last), so the specific route wins its paths and the catch-all takes the rest;
* a regex against a prefix that cannot be shown to meet or not - accepted with a warning;
* matches that cannot take the same request (``/api`` and ``/web``, the same path with ``x-env: blue`` and
  ``x-env: green``) - nothing to say.

TCP routes collide on a gateway port when their hosts overlap (wildcards included).

:func:`claim_keys` names what a run checks and writes (hosts, TCP ports, object names), the keys of the Leases
that serialize concurrent runs (``k8s/lease.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import hosts_overlap, normalize_host
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import compile_re2, string_match_kind
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import is_bound_to_gateway
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import Problem

SAME, OVERLAP, UNKNOWN, DISJOINT = "same", "overlap", "unknown", "disjoint"
CATCH_ALL = {"uri": {"prefix": "/"}}
# HTTPMatchRequest keys that hold one StringMatch, or a map of name -> StringMatch
_STRING_CONDITIONS = ("method", "scheme", "authority")
_MAP_CONDITIONS = ("headers", "queryParams")
_NOT_CONDITIONS = frozenset(["uri", "ignoreUriCase", "name"])


# -- one match against another ------------------------------------------------------------------------------
def normalize_match(match):
    """The match as istiod reads it: no match, or no ``uri`` of a known kind, is ``prefix: /``, which
    ``ignoreUriCase`` does not change; ``name`` is a label."""
    match = dict((k, v) for k, v in (match or {}).items() if k != "name" and v not in (None, {}, [], False))
    kind = string_match_kind(match.get("uri"))
    if kind is None:
        match["uri"] = dict(CATCH_ALL["uri"])
    else:
        match["uri"] = {kind: match["uri"][kind]}
    if match["uri"] == CATCH_ALL["uri"]:
        match.pop("ignoreUriCase", None)
    return match


def is_catch_all(match):
    """Istio's catch-all route: ``prefix: /`` (or regex ``*``) and no other condition; it is merged last."""
    match = normalize_match(match)
    if set(match) - _NOT_CONDITIONS:
        return False
    uri = match["uri"]
    return uri.get("prefix") == "/" or uri.get("regex") == "*"


def _uri(match):
    uri = match["uri"]
    kind = string_match_kind(uri)
    return kind, str(uri[kind]), bool(match.get("ignoreUriCase")) and kind != "regex"


def _regex_takes(pattern, samples):
    compiled = compile_re2(pattern)
    if compiled is None:
        return None
    return any(compiled.fullmatch(s) is not None for s in samples)


def string_relation(a, b, fold=False):
    """SAME / OVERLAP / DISJOINT / UNKNOWN for two (kind, value) StringMatches: can one string satisfy both?"""
    (ka, va), (kb, vb) = a, b
    if (ka, va) == (kb, vb):
        return SAME
    if fold and ka != "regex" and kb != "regex":
        va, vb = va.lower(), vb.lower()
    if ka == "regex" or kb == "regex":
        if ka == kb:
            return UNKNOWN
        regex, (kind, value) = (va, (kb, vb)) if ka == "regex" else (vb, (ka, va))
        samples = [value] if kind == "exact" else [value, value + "x", value.rstrip("/") + "/x"]
        if fold:
            samples += [s.upper() for s in samples] + [s.lower() for s in samples]
        takes = _regex_takes(regex, samples)
        if takes:
            return OVERLAP
        if kind == "prefix" and value == "/":
            return OVERLAP    # a prefix / takes whatever the regex takes
        return DISJOINT if takes is False and kind == "exact" and not fold else UNKNOWN
    if ka == "exact" and kb == "exact":
        return OVERLAP if va == vb else DISJOINT
    if ka == "prefix" and kb == "prefix":
        return OVERLAP if va.startswith(vb) or vb.startswith(va) else DISJOINT
    exact, prefix = (va, vb) if ka == "exact" else (vb, va)
    return OVERLAP if exact.startswith(prefix) else DISJOINT


def _conditions(match):
    """{condition name: (kind, value)} of the StringMatch conditions beyond the path."""
    out = {}
    for key in _STRING_CONDITIONS:
        kind = string_match_kind(match.get(key))
        if kind:
            out[key] = (kind, str(match[key][kind]))
    for key in _MAP_CONDITIONS:
        for name, value in (match.get(key) or {}).items():
            kind = string_match_kind(value)
            if kind:
                out["%s %s" % (key, name.lower() if key == "headers" else name)] = (kind, str(value[kind]))
    return out


def match_relation(a, b):
    """SAME / OVERLAP / DISJOINT / UNKNOWN: can one request be taken by both HTTP matches?"""
    a, b = normalize_match(a), normalize_match(b)
    if a == b:
        return SAME
    (ka, va, ca), (kb, vb, cb) = _uri(a), _uri(b)
    relation = string_relation((ka, va), (kb, vb), fold=ca or cb)
    if relation == SAME and ca != cb:
        relation = OVERLAP
    if relation == DISJOINT:
        return DISJOINT
    cond_a, cond_b = _conditions(a), _conditions(b)
    for name in set(cond_a) & set(cond_b):
        if string_relation(cond_a[name], cond_b[name]) == DISJOINT:
            return DISJOINT
    return UNKNOWN if relation == UNKNOWN else OVERLAP


def describe_match(match):
    """``prefix /api``, ``exact /`` (ignoring case), with the other conditions named."""
    match = normalize_match(match)
    kind, value, fold = _uri(match)
    text = "%s %s%s" % (kind, value, " (ignoring case)" if fold else "")
    others = _NOT_CONDITIONS | set(_STRING_CONDITIONS + _MAP_CONDITIONS)
    extra = sorted(_conditions(match)) + sorted(k for k in match if k not in others)
    if extra:
        text += " with %s" % ", ".join(extra)
    return text


# -- the claims of VirtualServices ----------------------------------------------------------------------------
def vs_claims(vs):
    """(http claims [(host, match)], tcp claims {(host, port)}) of a VirtualService manifest."""
    spec = vs.get("spec") or {}
    hosts = [normalize_host(h) for h in spec.get("hosts") or []]
    http, tcp = [], set()
    for rule in spec.get("http") or []:
        for match in rule.get("match") or [None]:
            for host in hosts:
                http.append((host, normalize_match(match)))
    for rule in spec.get("tcp") or []:
        for match in rule.get("match") or []:
            if match.get("port"):
                for host in hosts:
                    tcp.add((host, match["port"]))
    return http, tcp


def _vs_key(vs):
    return (vs["metadata"].get("namespace"), vs["metadata"]["name"])


def _vs_text(vs, owner):
    return "VirtualService %s/%s (%s)" % (_vs_key(vs) + (owner,))


class Finding:
    """A problem (refused: ``fix`` set) or a warning about two routes; ``path`` is the app's option path."""

    def __init__(self, path, text, fix=None, pair=None):
        self.path, self.text, self.fix, self.pair = path, text, fix, pair

    def problem(self):
        return Problem(self.path, self.text, self.fix)

    def warning(self):
        return "%s: %s." % (self.path, self.text)


class ClaimIndex:
    """Who routes which host + path (and TCP port) on which gateway workload, built once for a whole run.

    ``workload_of(vs)`` returns the set of gateway workloads (selectors) the VirtualService's gateways select;
    two routes meet only when both VirtualServices reach the same gateway workload. Routes are indexed by host,
    so a lookup compares a route with the routes of the same host only.
    """

    def __init__(self, workload_of):
        self.workload_of = workload_of
        self.http = {}
        self.tcp = {}

    def add(self, owner, vs):
        """Index a VirtualService (desired or live) routed by ``owner`` (a description for messages)."""
        if not is_bound_to_gateway(vs):
            return
        workloads = self.workload_of(vs)
        http, tcp = vs_claims(vs)
        for host, match in http:
            self.http.setdefault(host, []).append((match, owner, vs, workloads))
        for host, port in tcp:
            self.tcp.setdefault(port, []).append((host, owner, vs, workloads))

    def review(self, vs, path):
        """(problems, warnings) for ``vs`` against the other indexed VirtualServices on the same workload:
        :class:`Problem` s, and warning texts."""
        mine, key = self.workload_of(vs), _vs_key(vs)
        http, tcp = vs_claims(vs)
        problems, warnings, seen = [], [], set()
        for host, match in http:
            for other_match, owner, other, workloads in self.http.get(host, ()):
                other_key = _vs_key(other)
                if other_key == key or not mine & workloads:
                    continue
                finding = _http_finding(path, host, match, other_match, other, owner)
                if finding is None or (finding.pair, other_key) in seen:
                    continue
                seen.add((finding.pair, other_key))
                if finding.fix:
                    problems.append(finding.problem())
                else:
                    warnings.append(finding.warning())
        for host, port in sorted(tcp):
            for other_host, owner, other, workloads in self.tcp.get(port, ()):
                other_key = ("tcp",) + _vs_key(other)
                if other_key[1:] == key or other_key in seen or not mine & workloads:
                    continue
                if not hosts_overlap(host, other_host):
                    continue
                seen.add(other_key)
                problems.append(Problem(
                    path + ".tcp", "gateway port %s is already routed by %s" % (port, _vs_text(other, owner)),
                    "Use another gateway port for this app, or remove the other VirtualService's tcp route first."))
        return problems, warnings


_UNDEFINED = ("Istio merges the routes of VirtualServices for one host in their creation order, so which app gets "
              "these requests is not defined")
_FIX = ("Route the host from one app only (several paths in its http list, most specific first), use paths that "
        "do not nest (/api and /api/ do; /api and /web do not), or give the app another host.")


def _http_finding(path, host, match, other_match, other, owner):
    relation = match_relation(match, other_match)
    if relation == DISJOINT:
        return None
    mine_text, other_text = describe_match(match), describe_match(other_match)
    pair = (host, json.dumps(match, sort_keys=True), json.dumps(other_match, sort_keys=True))
    where = _vs_text(other, owner)
    if relation == SAME:
        return Finding(path + ".http", "%s %s is already routed by %s" % (host, mine_text, where), _FIX, pair)
    mine_all, other_all = is_catch_all(match), is_catch_all(other_match)
    if relation == OVERLAP and mine_all == other_all:
        return Finding(path + ".http", "%s %s overlaps %s of %s: a request can match both, and %s"
                       % (host, mine_text, other_text, where, _UNDEFINED), _FIX, pair)
    if relation == OVERLAP:
        specific, catch_all = ((mine_text, "this app"), (other_text, where)) if other_all else \
            ((other_text, where), (mine_text, "this app"))
        return Finding(path + ".http", "%s: the catch-all route %s of %s also takes the paths of %s of %s; Istio "
                       "moves catch-all routes after all others, so those paths go to %s and every other path to %s"
                       % (host, catch_all[0], catch_all[1], specific[0], specific[1], specific[1], catch_all[1]),
                       pair=pair)
    return Finding(path + ".http", "%s %s may take the same requests as %s of %s (a regex cannot be compared with "
                   "a path here); if it does, %s" % (host, mine_text, other_text, where, _UNDEFINED), pair=pair)


# -- what a run claims (the Lease keys) --------------------------------------------------------------------
def claim_keys(apps, desired):
    """The keys of what a run checks and writes: its hosts and TCP ports (the claims), the names of its objects
    and of the shared Gateways it binds to, and the namespaces where it turns on access logs.

    ``desired``: app name -> the app's objects (manifests)."""
    keys = set()
    for app in apps:
        keys.add("app %s" % app["name"])
        if app.get("use_gateway"):
            keys.add("object Gateway %s" % app["use_gateway"])
        if app.get("access_log"):
            keys.add("telemetry %s" % app["namespace"])
        for obj in desired.get(app["name"]) or ():
            meta = obj["metadata"]
            if obj["kind"] == "Namespace":
                continue
            keys.add("object %s %s/%s" % (obj["kind"], meta.get("namespace"), meta["name"]))
            if obj["kind"] == "VirtualService":
                http, tcp = vs_claims(obj)
                keys.update("host %s" % host for host, _match in http)
                keys.update("tcp %s" % port for _host, port in tcp)
    return sorted(keys)
