# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field checks shared by the app schema validators (pure, private): each raises an EdgeError naming the path."""

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
