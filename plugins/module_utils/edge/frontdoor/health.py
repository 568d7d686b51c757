# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Front Door health probe route on the edge gateway (pure, private).

Front Door probes the origin (the gateway's internal load balancer, port 80) on the origin group's probe path,
``/probe`` by default. Envoy answers readiness on ``/healthz/ready`` on port 15021 only, so a VirtualService
bound to the edge Gateway rewrites the probe path to ``/healthz/ready`` and routes it to the gateway Service's
``status-port`` (15021) - seed 004. Without it every probe gets Envoy's 404 and Front Door marks the origin
unhealthy.

- ``health_app()``: that route as an app of the ``app_route`` module (how role ``edge_frontdoor`` applies it);
- ``health_virtual_service()``: the same as a VirtualService manifest (for tools without ``app_route``);
- ``find_probe_route()``: the live route that would answer the probe, used to refuse an origin group whose
  probe path nothing routes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

DEFAULT_PROBE_PATH = "/probe"
READY_PATH = "/healthz/ready"
STATUS_PORT = 15021
HEALTH_APP_NAME = "frontdoor-health"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "meshops.istio_edge"
APP_LABEL = "istio-edge.meshops.io/app"


def gateway_service_host(gateway_name, gateway_namespace):
    return "%s.%s.svc.cluster.local" % (gateway_name, gateway_namespace)


def health_app(gateway_name="istio-ingress", gateway_namespace="istio-ingress", probe_path=DEFAULT_PROBE_PATH,
               status_port=STATUS_PORT, name=HEALTH_APP_NAME, hosts=("*",), use_gateway=None):
    """The probe route as an ``app_route`` app (exact match, rewrite, route to the gateway's status port)."""
    app = {
        "name": name,
        "namespace": gateway_namespace,
        "hosts": list(hosts),
        "http": [{
            "name": "frontdoor-probe",
            "match": [{"exact": probe_path}],
            "rewrite": READY_PATH,
            "route": [{"host": gateway_service_host(gateway_name, gateway_namespace), "port": status_port}],
        }],
    }
    if use_gateway:
        app["use_gateway"] = use_gateway
    return app


def health_virtual_service(gateway_ref, gateway_name="istio-ingress", gateway_namespace="istio-ingress",
                           probe_path=DEFAULT_PROBE_PATH, status_port=STATUS_PORT, name=HEALTH_APP_NAME,
                           api_version="networking.istio.io/v1beta1"):
    """The probe route as a VirtualService bound to ``gateway_ref`` (``namespace/name`` of the edge Gateway)."""
    return {
        "apiVersion": api_version, "kind": "VirtualService",
        "metadata": {"name": name, "namespace": gateway_namespace,
                     "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE, APP_LABEL: name}},
        "spec": {
            "hosts": ["*"],
            "gateways": [gateway_ref],
            "http": [{
                "name": "frontdoor-probe",
                "match": [{"uri": {"exact": probe_path}}],
                "rewrite": {"uri": READY_PATH},
                "route": [{"destination": {"host": gateway_service_host(gateway_name, gateway_namespace),
                                           "port": {"number": status_port}}}],
            }],
        },
    }


def uri_matches(uri, path):
    """Does an Istio ``StringMatch`` (exact / prefix / regex) match ``path``?"""
    if not uri:
        return True
    if "exact" in uri:
        return uri["exact"] == path
    if "prefix" in uri:
        return path.startswith(uri["prefix"])
    if "regex" in uri:
        try:
            return re.match("(?:%s)\\Z" % uri["regex"], path) is not None
        except re.error:
            return False
    return False


def _host_matches(hosts, host):
    for pattern in hosts or []:
        if pattern == "*" or (host and pattern.lower() == host.lower()):
            return True
        if host and pattern.startswith("*.") and host.lower().endswith(pattern[1:].lower()):
            return True
    return False


def _selects(gateway, workload_labels):
    selector = (gateway.get("spec") or {}).get("selector") or {}
    return bool(selector) and all(workload_labels.get(k) == v for k, v in selector.items())


_PROBE_KEYS = frozenset(["uri", "port", "name", "ignoreUriCase"])


def find_probe_route(probe_path, virtual_services, gateways, workload_labels, host=None, port=80):
    """The first live HTTP route (bound to a Gateway selecting the gateway workload) that matches a probe.

    ``workload_labels``: the gateway pods' labels (the gateway Service's selector is enough). ``host``: the Host
    header Front Door sends (the origin host header). Returns ``dict(namespace, name, route, destination,
    rewrite)`` or None.
    """
    bound = set()
    for gw in gateways:
        if _selects(gw, workload_labels):
            meta = gw.get("metadata") or {}
            bound.add((meta.get("namespace"), meta.get("name")))
    for vs in sorted(virtual_services, key=lambda v: ((v.get("metadata") or {}).get("namespace") or "",
                                                      (v.get("metadata") or {}).get("name") or "")):
        meta, spec = vs.get("metadata") or {}, vs.get("spec") or {}
        refs = set()
        for ref in spec.get("gateways") or []:
            ns, name = ref.rpartition("/")[::2]
            refs.add((ns or meta.get("namespace"), name))
        if not refs & bound or not _host_matches(spec.get("hosts"), host):
            continue
        for index, route in enumerate(spec.get("http") or []):
            for match in route.get("match") or [{}]:
                if set(match) - _PROBE_KEYS:
                    continue
                if match.get("port") not in (None, port):
                    continue
                if match.get("ignoreUriCase"):
                    hit = uri_matches(dict((k, v.lower()) for k, v in (match.get("uri") or {}).items()),
                                      probe_path.lower())
                else:
                    hit = uri_matches(match.get("uri"), probe_path)
                if hit:
                    destinations = [r.get("destination") for r in route.get("route") or []]
                    return {"namespace": meta.get("namespace"), "name": meta.get("name"),
                            "route": route.get("name") or index, "rewrite": (route.get("rewrite") or {}).get("uri"),
                            "destination": destinations[0] if destinations else None}
    return None
