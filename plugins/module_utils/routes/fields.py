# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field checks of the app schema (pure, private): each raises an EdgeError naming the option's path.

Types, required keys and unknown keys are the argument spec's job (``routes/args.py``); what is here are the
formats and ranges Istio and Envoy impose that an argument spec cannot express. ``None`` always means "not set"
(Ansible fills every missing suboption with None).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from fractions import Fraction

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.regex import regex_problem

PROTOCOLS = ("HTTP", "HTTPS", "HTTP2", "GRPC", "TCP", "TLS", "MONGO")
HTTP_PROTOCOLS = ("HTTP", "HTTPS", "HTTP2", "GRPC")
TLS_MODES = ("SIMPLE", "MUTUAL", "PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL")
MATCH_KINDS = ("prefix", "exact", "regex")

# Istio durations (protobuf Duration as Istio's CRDs take it): a number and a unit, at least 1ms, in whole ms.
_DURATION = re.compile(r"([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60 * 1000, "h": 3600 * 1000}
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Control characters and white space: never part of a request path or header value that can match.
_BLANK = re.compile(r"[\x00-\x20\x7f]")

# Envoy's retry policies (x-envoy-retry-on and x-envoy-retry-grpc-on, as Istio's validation lists them).
RETRY_ON = ("5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
            "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable")
# ...and HTTP status codes (Istio adds them to retriable_status_codes): the registered ones.
HTTP_STATUS_CODES = frozenset([100, 101, 102, 103] + list(range(200, 209)) + [226] + list(range(300, 309))
                              + list(range(400, 419)) + [421, 422, 423, 424, 425, 426, 428, 429, 431, 451]
                              + list(range(500, 509)) + [510, 511])
# HTTP header names (RFC 7230 tokens), HTTP/2 pseudo-headers and Istio's JWT claim form, as Istio accepts them.
_HEADER_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")
PSEUDO_HEADERS = (":method", ":scheme", ":authority", ":path", ":status")
_JWT_CLAIM = re.compile(r"@request\.auth\.claims(\.[^.\s]+|\[[^\[\]\s]+\])+")


def _err(path, problem, fix):
    return field_error(path, problem, fix)


def _list(value):
    return [] if value is None else value


def _keys(value, path, keys, what="a mapping"):
    """A free-form mapping (raw/dict option) holding only ``keys``."""
    if not isinstance(value, dict):
        raise _err(path, "must be %s, got %s" % (what, type(value).__name__), "Write it as key: value pairs.")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise _err(path, "unknown key(s) %s" % ", ".join(unknown), "Known keys: %s." % ", ".join(keys))
    return value


def _int(value, path, low=None, high=None):
    """A whole number: an int, or a string of digits (``"8_0"``, ``"1e2"``, ``"80.0"`` and booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, str) and not _WHOLE.fullmatch(value)):
        raise _err(path, "must be a whole number, got %r" % (value,), "Give digits only, e.g. 8080.")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise _err(path, "%d is out of range %s-%s" % (number, low, high), "Give a number within %s-%s." % (low, high))
    return number


def _number(value, path, low, high):
    """A decimal number (percentages): an int, a float, or a string such as ``"12.5"``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (
            isinstance(value, str) and not _DECIMAL.fullmatch(value)):
        raise _err(path, "must be a number, got %r" % (value,), "Give a number such as 10 or 12.5.")
    number = float(value)
    if not low <= number <= high:
        raise _err(path, "%s is not within %s-%s" % (value, low, high), "Give a number between %s and %s." % (low, high))
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


def _str(value, path, what="a string"):
    if not isinstance(value, str) or not value:
        raise _err(path, "must be a non-empty string, got %r" % (value,), "Give %s." % what)
    return value


def _named(value, path, problem_of, what, fix):
    """``value`` checked by one of the ``common.names`` rules (``problem_of``)."""
    problem = problem_of(_str(value, path, what))
    if problem:
        raise _err(path, problem, fix)
    return value


def _label(value, path, what="a DNS label"):
    return _named(value, path, names.label_problem, what, "Give %s: %s." % (what, names.LABEL_RULE))


def _subdomain(value, path, what="a DNS name"):
    return _named(value, path, names.subdomain_problem, what, "Give %s: %s." % (what, names.SUBDOMAIN_RULE))


def _host(value, path, star=True, what="a host name"):
    """A host name (lower-cased): ``shop.example.com``, ``*.example.com``, and ``*`` when ``star``."""
    host = _str(value, path, what).lower()
    problem = names.hostname_problem(host, wildcard=True, star=star)
    if problem:
        raise _err(path, problem, "Give a DNS name, a wildcard such as *.example.com%s." % (", or *" if star else ""))
    return host


def _duration(value, path):
    """An Istio duration (``500ms``, ``10s``, ``1m``, ``1h``), at least 1ms and in whole milliseconds."""
    text = _str(value, path, "a duration such as 500ms, 10s or 1m")
    found = _DURATION.fullmatch(text)
    if not found:
        raise _err(path, "%r is not a duration such as 500ms, 10s or 1m" % (value,),
                   "Give a number and a unit (ms, s, m, h), e.g. 500ms, 10s or 1m.")
    whole, fraction, unit = found.groups()
    millis = Fraction("%s.%s" % (whole, fraction) if fraction else whole) * _UNIT_MS[unit]
    if millis < 1:
        raise _err(path, "%r is below 1ms" % (value,), "Istio refuses durations below 1ms; give 1ms or more.")
    if millis.denominator != 1:
        raise _err(path, "%r is not a whole number of milliseconds" % (value,),
                   "Istio takes durations to the millisecond; round it (e.g. 2ms, 1.5s).")
    return text


def _path(value, path):
    """A request path for prefix/exact matches and rewrites: starts with /, no white space or control characters."""
    text = _str(value, path, "a path such as /api")
    if not text.startswith("/"):
        raise _err(path, "%r does not start with /" % (value,), "Write the path from its /.")
    if _BLANK.search(text):
        raise _err(path, "%r holds white space or a control character (a line break?)" % (value,),
                   "A request path never does (a space is %20); remove it.")
    return text


def _value(value, path, what):
    """A string compared with a request's header value (exact/prefix): no control characters."""
    text = _str(value, path, what)
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", text):
        raise _err(path, "%r holds a control character (a line break?)" % (value,),
                   "Header values never do; remove it.")
    return text


def _regex(value, path):
    """A regular expression Envoy accepts (RE2 syntax; see routes/regex.py)."""
    text = _str(value, path, "an RE2 regular expression")
    problem, fix = regex_problem(text)
    if problem:
        raise _err(path, problem, fix)
    return text


def _header_name(name, path):
    """A header name in a match (lower-cased): an RFC 7230 token, an HTTP/2 pseudo-header or a JWT claim."""
    if not isinstance(name, str) or not name:
        raise _err(path, "%r is not a header name" % (name,), "Give the header's name, e.g. x-canary.")
    lowered = name.lower()
    if lowered in PSEUDO_HEADERS or _JWT_CLAIM.fullmatch(name) or _HEADER_TOKEN.fullmatch(lowered):
        return name if name.startswith("@") else lowered
    raise _err(path, "%r is not an HTTP header name" % (name,),
               "Header names are letters, digits and !#$%%&'*+-.^_`|~ only (no space, no ':' except the "
               "pseudo-headers %s)." % ", ".join(PSEUDO_HEADERS))


def _retry_on(value, path):
    """Envoy's retry conditions, comma-separated (HTTP status codes allowed); returned without spaces."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _str(value, path, "retry conditions such as 5xx,connect-failure")
    policies = [p.strip() for p in text.split(",")]
    for policy in policies:
        if policy in RETRY_ON or (policy.isdigit() and int(policy) in HTTP_STATUS_CODES):
            continue
        raise _err(path, "%r is not a retry condition Envoy knows" % (policy,),
                   "Use a comma-separated list of %s, or HTTP status codes such as 503." % ", ".join(RETRY_ON))
    return ",".join(policies)
