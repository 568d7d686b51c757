# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the HTTP and TCP routes of an app (pure, private); see routes/validate.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.fields import (
    MATCH_KINDS, _bool, _duration, _err, _header_name, _host, _int, _keys, _label, _list, _number, _path, _regex,
    _retry_on, _str, _subdomain, _value)


def _destination(raw, path):
    dest = dict(host=_host(raw.get("host"), path + ".host", star=False, what="a Service name or FQDN"), port=None,
                weight=None, subset=None)
    if raw.get("port") is not None:
        dest["port"] = _int(raw["port"], path + ".port", 1, 65535)
    if raw.get("weight") is not None:
        dest["weight"] = _int(raw["weight"], path + ".weight", 0, 100)
    if raw.get("subset") is not None:
        dest["subset"] = _label(raw["subset"], path + ".subset", "a subset name")
    return dest


def _route(raw, path):
    items = _list(raw)
    if not items:
        raise _err(path, "is required (at least one destination)", "Add route: [{host: <service>, port: <port>}].")
    dests = [_destination(d, "%s[%d]" % (path, i)) for i, d in enumerate(items)]
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


def _string_match(kind, value, path, uri):
    """One StringMatch: a URI (prefix/exact: a path) or a header value."""
    if kind == "regex":
        return _regex(value, path)
    if uri:
        return _path(value, path)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return _value(str(value) if isinstance(value, (int, float)) else value, path, "a header value")


def _headers(headers, path):
    if not isinstance(headers, dict) or not headers:
        raise _err(path, "must map header names to a value or {exact|prefix|regex: value}",
                   "e.g. headers: {cookie: {regex: '^(.*?;)?(user=jason)(;.*)?$'}}.")
    out = {}
    for name, spec in headers.items():
        hpath = "%s.%s" % (path, name)
        key = _header_name(name, hpath)
        if isinstance(spec, dict):
            _keys(spec, hpath, MATCH_KINDS)
            kinds = [k for k in MATCH_KINDS if spec.get(k) is not None]
            if len(kinds) != 1:
                raise _err(hpath, "needs exactly one of exact, prefix, regex", "Pick one.")
            out[key] = {kinds[0]: _string_match(kinds[0], spec[kinds[0]], "%s.%s" % (hpath, kinds[0]), False)}
        elif spec is None:
            raise _err(hpath, "has no value", "Give the value to match, or {exact|prefix|regex: value}.")
        else:
            out[key] = {"exact": _string_match("exact", spec, hpath, False)}
    return out


def _match(raw, path):
    kinds = [k for k in MATCH_KINDS if raw.get(k) is not None]
    if len(kinds) > 1:
        raise _err(path, "sets %s together" % " and ".join(kinds), "Use one of prefix, exact or regex per match.")
    match = {"uri": None, "headers": None, "ignore_uri_case": _bool(raw.get("ignore_uri_case"), path + ".ignore_uri_case")}
    if kinds:
        kind = kinds[0]
        match["uri"] = {kind: _string_match(kind, raw[kind], "%s.%s" % (path, kind), True)}
    if raw.get("headers") is not None:
        match["headers"] = _headers(raw["headers"], path + ".headers")
    if match["uri"] is None and match["headers"] is None:
        raise _err(path, "matches nothing", "Give prefix, exact, regex or headers (omit match to catch all).")
    return match


def _fault(raw, path):
    fault = {}
    abort, delay = raw.get("abort"), raw.get("delay")
    if abort is not None:
        fault["abort"] = dict(http_status=_int(abort["http_status"], path + ".abort.http_status", 200, 599),
                              percentage=_percent(abort.get("percentage"), path + ".abort.percentage"))
    if delay is not None:
        fault["delay"] = dict(fixed_delay=_duration(delay["fixed_delay"], path + ".delay.fixed_delay"),
                              percentage=_percent(delay.get("percentage"), path + ".delay.percentage"))
    if not fault:
        raise _err(path, "is empty", "Give abort: {percentage, http_status} and/or delay: {percentage, fixed_delay}.")
    return fault


def _percent(value, path):
    if value is None:
        return 100.0
    number = _number(value, path, 0, 100)
    if 0 < number < 0.0001:
        raise _err(path, "%s is neither 0 nor at least 0.0001" % value, "Istio takes 0, or 0.0001 to 100.")
    return number


def _rewrite(rewrite, path):
    if isinstance(rewrite, str):
        rewrite = {"uri": rewrite}
    _keys(rewrite, path, ("uri", "authority"), "a path or a mapping {uri, authority}")
    out = {}
    if rewrite.get("uri") is not None:
        out["uri"] = _path(rewrite["uri"], path + ".uri")
    if rewrite.get("authority") is not None:
        apath = path + ".authority"
        host, _sep, port = _str(rewrite["authority"], apath, "a host name[:port]").lower().partition(":")
        _host(host, apath, star=False)
        out["authority"] = host if not port else "%s:%d" % (host, _int(port, apath, 1, 65535))
    if not out:
        raise _err(path, "is empty", "Give the new path (rewrite: /) or {uri, authority}.")
    return out


def _retries(raw, path):
    retries = dict(attempts=_int(raw["attempts"], path + ".attempts", 0, 100), per_try_timeout=None, retry_on=None)
    if raw.get("per_try_timeout") is not None:
        retries["per_try_timeout"] = _duration(raw["per_try_timeout"], path + ".per_try_timeout")
    if raw.get("retry_on") is not None:
        retries["retry_on"] = _retry_on(raw["retry_on"], path + ".retry_on")
    if retries["attempts"] == 0 and (retries["per_try_timeout"] or retries["retry_on"]):
        raise _err(path + ".attempts", "is 0 (retries off) while per_try_timeout or retry_on is set",
                   "Istio refuses that: set attempts to 1 or more, or remove per_try_timeout and retry_on.")
    return retries


def _http(raw, path):
    rule = dict(name=None, match=[], rewrite=None, route=_route(raw.get("route"), path + ".route"),
                retries=None, timeout=None, fault=None)
    if raw.get("name") is not None:
        rule["name"] = _subdomain(raw["name"], path + ".name", "a route name")
    rule["match"] = [_match(m, "%s.match[%d]" % (path, i)) for i, m in enumerate(_list(raw.get("match")))]
    if raw.get("rewrite") is not None:
        rule["rewrite"] = _rewrite(raw["rewrite"], path + ".rewrite")
    if raw.get("retries") is not None:
        rule["retries"] = _retries(raw["retries"], path + ".retries")
    if raw.get("timeout") is not None:
        rule["timeout"] = _duration(raw["timeout"], path + ".timeout")
    if raw.get("fault") is not None:
        rule["fault"] = _fault(raw["fault"], path + ".fault")
    return rule


def _tcp(raw, path):
    return dict(port=_int(raw.get("port"), path + ".port", 1, 65535), route=_route(raw.get("route"), path + ".route"))
