# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live route that answers Front Door's health probe on the edge gateway (pure, private).

Front Door probes the origin (the gateway's internal load balancer, port 80) on the origin group's probe path,
``/probe`` by default. Envoy answers readiness on ``/healthz/ready`` on port 15021 only, so a VirtualService
bound to the edge Gateway rewrites the probe path to ``/healthz/ready`` and routes it to the gateway Service's
``status-port`` (15021); role ``edge_frontdoor`` applies it with ``app_route``. Without such a route every
probe gets Envoy's 404 and Front Door marks the origin unhealthy.

``find_probe_route()`` finds that route among live objects with Istio's own rules (``module_utils/istio``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import any_host_covers, covering_servers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import ABSENT, first_http_route
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    bound_gateways, gateway_selects_workload)

READY_PATH = "/healthz/ready"
STATUS_PORT = 15021


def _key(obj):
    meta = (obj or {}).get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def find_probe_route(probe_path, virtual_services, gateways, workload_labels, host=None, port=80):
    """The first live HTTP route that answers the probe on the gateway workload, or None.

    The route's VirtualService is bound to a Gateway that selects the workload (``workload_labels``: the gateway
    pods' labels - the gateway Service's selector is enough); the VirtualService and a server of that Gateway
    take the probe's Host (``host``: the origin host header Front Door sends; unknown when None, which only a
    ``*`` host takes); the route's match takes the probe path on ``port`` without headers or query.
    Returns ``dict(namespace, name, route, destination, rewrite)``.
    """
    selecting = dict(("%s/%s" % _key(gw), gw) for gw in gateways if gateway_selects_workload(gw, workload_labels))
    for vs in sorted(virtual_services, key=_key):
        hosts = (vs.get("spec") or {}).get("hosts") or []
        if not (any_host_covers(hosts, host) if host else "*" in hosts):
            continue
        for gateway_ref in bound_gateways(vs):
            gateway = selecting.get(gateway_ref)
            if gateway is None or not covering_servers(gateway, host or "*", _key(vs)[0]):
                continue
            index, route, _match, _extra = first_http_route(vs, probe_path, gateway_ref, port, conditions=ABSENT)
            if route is not None:
                destinations = [r.get("destination") for r in route.get("route") or []]
                namespace, name = _key(vs)
                return {"namespace": namespace, "name": name, "route": route.get("name") or index,
                        "rewrite": (route.get("rewrite") or {}).get("uri"),
                        "destination": destinations[0] if destinations else None}
    return None
