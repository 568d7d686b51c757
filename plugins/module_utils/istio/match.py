# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Istio matches an HTTP request path (pure, private).

StringMatch of ``http[].match[].uri``, as istiod translates it for Envoy:

- ``exact``: the path (without its ``?query``) equals the value;
- ``prefix``: the path starts with the value;
- ``regex``: RE2 syntax, the WHOLE path (without its ``?query``) must match;
- ``ignoreUriCase: true`` makes ``exact`` and ``prefix`` case-insensitive; a ``regex`` stays case-sensitive
  (Istio's API: "the case will be ignored only in the case of exact and prefix URI matches"; Envoy ignores
  ``case_sensitive`` for regex matches) - write ``(?i)`` in the regex instead;
- no ``uri``, an empty StringMatch or one of no known kind: istiod emits Envoy's default ``prefix: /``, so
  the match takes EVERY path (the API server also prunes unknown keys, leaving ``uri: {}``);
- a regex Istio cannot compile (not RE2: look-arounds, back-references) is refused by Istio's validation,
  and is taken as matching nothing here.

HTTP routes are tried in order; the first route with a match that takes the request wins. A route without
``match`` takes everything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import match_applies_to_gateway

KINDS = ("exact", "prefix", "regex")

# HTTPMatchRequest keys that do not restrict a plain request (uri and port are evaluated; name is a label)
PLAIN_MATCH_KEYS = frozenset(["uri", "ignoreUriCase", "name", "gateways", "port"])

# conditions a request without headers, query or special source still meets
_MET_WITHOUT_HEADERS = frozenset(["withoutHeaders"])

ASSUME = "assume"   # conditions beyond the path are taken as met (and reported)
ABSENT = "absent"   # the request carries none: a match needing them does not take it

# constructs Python's re accepts and RE2 refuses, on the pattern with its escapes folded to one token each
_NOT_RE2 = re.compile(r"\(\?(?:=|!|<=|<!|>|P=)|[*+?}]\+")
_NOT_RE2_ESCAPES = frozenset(["\\%d" % i for i in range(1, 10)] + ["\\Z"])


def string_match_kind(string_match):
    """``exact`` | ``prefix`` | ``regex``, or None for None, an empty StringMatch or one of no known kind."""
    for kind in KINDS:
        if isinstance(string_match, dict) and kind in string_match and string_match[kind] is not None:
            return kind
    return None


def compile_re2(pattern):
    """The compiled pattern, or None when Istio (RE2) would refuse it."""
    if not isinstance(pattern, str):
        return None
    tokens = re.findall(r"\\.|.", pattern, re.S)
    if any(t in _NOT_RE2_ESCAPES for t in tokens):
        return None
    if _NOT_RE2.search("".join("e" if len(t) == 2 else t for t in tokens)):
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def string_matches(string_match, value, ignore_case=False):
    """An Istio StringMatch against a whole string (a header value, or a path without its query)."""
    kind = string_match_kind(string_match)
    if kind is None:
        return True
    expected = str(string_match[kind])
    value = value or ""
    if kind == "regex":
        compiled = compile_re2(expected)
        return compiled is not None and compiled.fullmatch(value) is not None
    if ignore_case:
        expected, value = expected.lower(), value.lower()
    return value == expected if kind == "exact" else value.startswith(expected)


def uri_matches(string_match, path, ignore_case=False):
    """An ``http[].match[].uri`` StringMatch against a request path (``?query`` counts for ``prefix`` only)."""
    path = path or "/"
    if string_match_kind(string_match) == "prefix":
        return string_matches(string_match, path, ignore_case)
    return string_matches(string_match, path.split("?", 1)[0], ignore_case)


def match_conditions(match):
    """The keys of an HTTPMatchRequest that restrict more than the path and port (headers, method, ...)."""
    return sorted(k for k in (match or {}) if k not in PLAIN_MATCH_KEYS)


def _ports(port):
    if port is None:
        return None
    return set(int(p) for p in port) if isinstance(port, (list, tuple, set, frozenset)) else {int(port)}


def match_takes(match, path, port=None):
    """Whether an HTTPMatchRequest's path and port take a request (other conditions are not looked at).

    ``port``: the gateway port the request arrives on, a collection of the ports it may arrive on, or None (any).
    """
    match = match or {}
    ports = _ports(port)
    if ports is not None and match.get("port") not in (None, "", 0) and int(match["port"]) not in ports:
        return False
    return uri_matches(match.get("uri"), path, bool(match.get("ignoreUriCase")))


def first_http_route(vs, path, gateway_ref=None, port=None, conditions=ASSUME):
    """The HTTP route of a VirtualService that a request for ``path`` takes on Gateway ``gateway_ref``
    (``ns/name``; None: any) and gateway port ``port`` (a port, several, or None: any).

    Returns ``(index, route, match, extra)``, or ``(None, None, None, [])`` when no route takes it. ``match``
    is None for a route without ``match``; ``extra`` lists the match's conditions beyond path and port.
    ``conditions``: ``assume`` takes such a match and reports the conditions (the request may carry them);
    ``absent`` skips it, as for a request without headers, query or special source (a health probe) - only
    ``withoutHeaders`` is met by such a request.
    """
    for index, route in enumerate(((vs or {}).get("spec") or {}).get("http") or []):
        for match in route.get("match") or [None]:
            if match is None:
                return index, route, None, []
            if match.get("gateways") and not match_applies_to_gateway(match, vs, gateway_ref):
                continue
            if not match_takes(match, path, port):
                continue
            extra = match_conditions(match)
            if conditions == ABSENT and set(extra) - _MET_WITHOUT_HEADERS:
                continue
            return index, route, match, extra
    return None, None, None, []
