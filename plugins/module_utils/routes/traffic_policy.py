# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of Istio's DestinationRule ``TrafficPolicy`` (pure, private).

``traffic_policy`` is passed to the DestinationRule as written, in Istio's camelCase. Before anything is sent, its
keys are checked against the fields of Istio's TrafficPolicy (networking.istio.io/v1), so a typo is refused
with its path instead of reaching the API server (which drops it, or fails the whole apply with a 500 that
names no field). Values are Istio's to check; keys set to null are dropped (not set).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error

MAP = "map"  # a free-form map (keys are data, e.g. locality names)


def _keys(*names):
    return dict((name, None) for name in names)


_TLS = _keys("mode", "clientCertificate", "privateKey", "caCertificates", "credentialName", "subjectAltNames",
             "sni", "insecureSkipVerify", "caCrl")
_LOAD_BALANCER = dict(
    _keys("simple", "warmupDurationSecs"),
    consistentHash=dict(
        _keys("httpHeaderName", "useSourceIp", "httpQueryParameterName", "minimumRingSize"),
        httpCookie=dict(_keys("name", "path", "ttl"), attributes=[_keys("name", "value")]),
        ringHash=_keys("minimumRingSize"), maglev=_keys("tableSize")),
    localityLbSetting=dict(_keys("failoverPriority", "enabled"), distribute=[dict(_keys("from"), to=MAP)],
                           failover=[_keys("from", "to")]),
    warmup=_keys("duration", "minimumPercent", "aggression"))
_CONNECTION_POOL = dict(
    tcp=dict(_keys("maxConnections", "connectTimeout", "maxConnectionDuration", "idleTimeout"),
             tcpKeepalive=_keys("probes", "time", "interval")),
    http=_keys("http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries",
               "idleTimeout", "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams"))
_OUTLIER_DETECTION = _keys("splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures",
                           "consecutiveGatewayErrors", "consecutive5xxErrors", "interval", "baseEjectionTime",
                           "maxEjectionPercent", "minHealthPercent", "consecutiveErrors")
TRAFFIC_POLICY = dict(
    loadBalancer=_LOAD_BALANCER, connectionPool=_CONNECTION_POOL, outlierDetection=_OUTLIER_DETECTION, tls=_TLS,
    portLevelSettings=[dict(port=_keys("number"), loadBalancer=_LOAD_BALANCER, connectionPool=_CONNECTION_POOL,
                            outlierDetection=_OUTLIER_DETECTION, tls=_TLS)],
    tunnel=_keys("protocol", "targetHost", "targetPort"), proxyProtocol=_keys("version"),
    retryBudget=_keys("percent", "minRetryConcurrency"))


def _camel(key):
    head, _sep, rest = str(key).partition("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest.split("_")) if rest else head


def _check(value, schema, path):
    if schema is None or schema == MAP:
        if schema == MAP and not isinstance(value, dict):
            raise field_error(path, "must be a mapping, got %s" % type(value).__name__, "See Istio's TrafficPolicy.")
        return value
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise field_error(path, "must be a list, got %s" % type(value).__name__, "Write it as a YAML list.")
        return [_check(item, schema[0], "%s[%d]" % (path, i)) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        raise field_error(path, "must be a mapping, got %s" % type(value).__name__, "Write it as key: value pairs.")
    out = {}
    for key in value:
        if key not in schema:
            known = ", ".join(sorted(schema))
            hint = ("Istio's fields are camelCase: %s." % _camel(key)) if _camel(key) in schema else (
                "Known keys here: %s (Istio's TrafficPolicy, camelCase)." % known)
            raise field_error("%s.%s" % (path, key), "is not a field of Istio's TrafficPolicy", hint)
        if value[key] is not None:
            out[key] = _check(value[key], schema[key], "%s.%s" % (path, key))
    return out


def check_traffic_policy(value, path):
    """``value`` (a TrafficPolicy mapping) with its keys checked and null keys dropped; None when empty."""
    if value is None:
        return None
    return _check(value, TRAFFIC_POLICY, path) or None
