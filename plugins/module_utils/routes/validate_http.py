# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the HTTP and TCP routes of an app (pure, private); see routes_validate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.fields import (
    DEST_KEYS, DNS_NAME, HOST, HTTP_KEYS, MATCH_KEYS, MATCH_KINDS, RETRY_KEYS, TCP_KEYS, _bool, _duration, _err,
    _int, _list, _mapping, _str)


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
