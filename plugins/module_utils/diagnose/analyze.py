# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a snapshot of the live objects to the diagnosis (private, pure).

``snap`` keys (all live objects as plain dicts, ``None`` when absent)::

    target: {host, path, app, namespace, gateway_ref}
    options: {provider, gateway_name, gateway_namespace, node_ports, status_port, health_check_path}
    gateway_service, gateway_endpoints, gateway_deployment, gateway_pods (list), nodes (list of names)
    istio: {served, api_version, kinds, missing}
    gateways, virtual_services, destination_rules (lists)
    services, endpoints: {"ns/name": object or None};  secrets: {"ns/name": {exists, type, keys} | {error}}
    edge: provider-specific dict (see edge_checks / frontdoor_checks)
    envoy: None | {"parsed": parse_config_dump(...), "pod": name} | {"skip": (reason, message, warn)}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import (
    edge_checks, envoy as envoy_mod, istio_checks, k8s_checks, route_checks)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import (
    Hop, order_hops, overall, summarize)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render import mermaid
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.selection import select
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import covering_servers


def server_ports(snap, sel):
    """The Gateway server ports covering the host (what Envoy should listen on)."""
    gateway = sel.get("gateway")
    if gateway is None:
        return []
    covering = covering_servers(gateway, snap["target"]["host"])
    return sorted(set((s.get("port") or {}).get("number") for s, _entry in covering))


def analyze(snap):
    sel = select(snap) if (snap.get("istio") or {}).get("served") else {
        "vs": None, "gateway": None, "candidates": [], "pod_labels": []}
    hops = [
        edge_checks.check_edge(snap),
        k8s_checks.check_gateway_service(snap),
        k8s_checks.check_gateway_workload(snap),
        istio_checks.check_crds(snap),
        istio_checks.check_gateway(snap, sel),
        istio_checks.check_virtual_service(snap, sel),
    ]
    if (snap.get("istio") or {}).get("served"):
        hops.append(route_checks.check_endpoints(snap, sel))
    else:
        hops.append(Hop("endpoints", None).skip("istio_crds_missing", "Not checked: the Istio CRDs are missing."))
    envoy = snap.get("envoy")
    parsed = None
    if envoy:
        if envoy.get("parsed") is not None:
            parsed = envoy["parsed"]
            hops.append(envoy_mod.check_envoy(parsed, snap["target"]["host"], snap["target"]["path"],
                                              server_ports(snap, sel), envoy.get("pod")))
        elif envoy.get("skip"):
            hops.append(envoy_mod.not_read(*envoy["skip"], pod=envoy.get("pod")))
    hop_dicts = order_hops([h.to_dict() for h in hops])
    status, broken_hop, broken = overall(hop_dicts)
    result = {
        "target": dict(snap["target"]),
        "hops": hop_dicts,
        "status": status,
        "broken_hop": broken_hop,
        "broken_hops": broken,
        "summary": summarize(snap["target"], hop_dicts),
        "envoy": envoy_mod.summary_for_result(parsed) if parsed else None,
        "selected": {
            "virtual_service": _ref(sel.get("vs")),
            "gateway": _ref(sel.get("gateway")),
            "route": (sel.get("route") or (None,))[0],
        },
    }
    result["mermaid"] = mermaid(result)
    return result


def _ref(obj):
    if not obj:
        return None
    meta = obj.get("metadata") or {}
    return "%s/%s" % (meta.get("namespace"), meta.get("name"))
