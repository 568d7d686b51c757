# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the Kubernetes side of the path through :class:`KubeApplier` (private; reads only).

Core reads (the gateway Service/Deployment/pods, Gateways, VirtualServices) fail the module with an
actionable error when the API refuses them; optional reads (Nodes, Secrets, DestinationRules) degrade into
evidence. Secrets are read for their key names and type only: their data never leaves this module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import collect_workload
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.envoy import parse_config_dump
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import (
    meta, ref, route_destinations, vs_hosts_match)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import pod_ready, ready_addresses
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.api import NETWORKING_GROUP
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import covering_servers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    destination_service, unexpanded_service, vs_gateway_refs)
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.discovery import find_api

ENVOY_ADMIN_PATH = "/api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/config_dump"


def _selector_string(labels):
    return ",".join("%s=%s" % (k, v) for k, v in sorted((labels or {}).items()))


def _optional(func, *args, **kwargs):
    """(value, error message) of a read that must not abort the diagnosis."""
    try:
        return func(*args, **kwargs), None
    except EdgeError as exc:
        return None, str(exc)


def istio_api(applier):
    """``{served, api_version, kinds, missing}`` of networking.istio.io on this cluster (a discovery error -
    429, 5xx, 403, no connection - fails the diagnosis instead of reading as "Istio is not installed")."""
    found = find_api(applier.params, NETWORKING_GROUP, ("Gateway", "VirtualService", "DestinationRule"))
    missing = [k for k in ("Gateway", "VirtualService") if k not in found["kinds"]]
    return {"served": not missing, "api_version": found["api_version"], "kinds": found["kinds"], "missing": missing}


def collect_gateway(applier, opts):
    ns, name = opts["gateway_namespace"], opts["gateway_name"]
    snap = {
        "gateway_service": applier.get("v1", "Service", name, ns),
        "gateway_endpoints": collect_workload.read_endpoints(applier, name, ns),
        "gateway_deployment": applier.get("apps/v1", "Deployment", name, ns),
        "gateway_pods": [],
    }
    selector = ((snap["gateway_service"] or {}).get("spec") or {}).get("selector")
    if not selector and snap["gateway_deployment"]:
        selector = (((snap["gateway_deployment"].get("spec") or {}).get("selector") or {}).get("matchLabels"))
    if selector:
        pods = applier.list("v1", "Pod", ns, label_selector=_selector_string(selector))
        snap["gateway_pods"] = [_slim_pod(p) for p in pods]
    snap["gateway_why"] = collect_workload.gateway_why(applier, snap["gateway_deployment"], snap["gateway_pods"])
    if opts.get("provider") == "nodeport":
        nodes, _error = _optional(applier.list, "v1", "Node")
        snap["nodes"] = [_node_label(n) for n in nodes or []]
    return snap


def _slim_pod(pod):
    spec = pod.get("spec") or {}
    return {"metadata": {"name": meta(pod).get("name"), "namespace": meta(pod).get("namespace"),
                         "labels": meta(pod).get("labels") or {}},
            "spec": {"nodeName": spec.get("nodeName"),
                     "containers": [{"name": c.get("name"), "image": c.get("image")}
                                    for c in spec.get("containers") or []]},
            "status": pod.get("status") or {}}


def _node_label(node):
    addresses = [a.get("address") for a in (node.get("status") or {}).get("addresses") or []
                 if a.get("type") == "InternalIP"]
    return "%s (%s)" % (meta(node).get("name"), ", ".join(addresses) or "no InternalIP")


def _list_in(applier, api, kind, namespaces):
    if namespaces is None:
        return applier.list(api, kind)
    items = []
    for namespace in sorted(namespaces):
        items.extend(applier.list(api, kind, namespace))
    return items


def collect_istio(applier, target, opts):
    """Gateways, VirtualServices, DestinationRules, destination Services/Endpoints and TLS Secret summaries."""
    istio = istio_api(applier)
    snap = {"istio": istio, "gateways": [], "virtual_services": [], "destination_rules": [], "services": {},
            "namespaces": {}, "endpoints": {}, "endpoint_pods": {}, "secrets": {}}
    if not istio["served"]:
        return snap
    api = istio["api_version"]
    scope = None
    if target.get("namespace"):
        scope = set([target["namespace"], opts["gateway_namespace"]])
        if target.get("gateway_ref"):
            scope.add(target["gateway_ref"].split("/", 1)[0])
    snap["virtual_services"] = _list_in(applier, api, "VirtualService", scope)
    gateways = dict((ref(g), g) for g in _list_in(applier, api, "Gateway", scope))
    candidates = [vs for vs in snap["virtual_services"] if vs_hosts_match(vs, target["host"])]
    for vs in candidates:
        for _written, resolved, _form in vs_gateway_refs(vs):
            if resolved and resolved not in gateways:
                namespace, name = resolved.split("/", 1)
                found = applier.get(api, "Gateway", name, namespace)
                if found:
                    gateways[resolved] = found
    snap["gateways"] = list(gateways.values())
    destinations = set()
    for vs in candidates:
        vs_ns = meta(vs).get("namespace")
        for route in (vs.get("spec") or {}).get("http") or []:
            for host, _port, _subset, _weight in route_destinations(route):
                service = destination_service(host, vs_ns)
                meant = None if service else unexpanded_service(host)
                if service:
                    destinations.add(service)
                elif meant and meant[0] not in snap["namespaces"]:
                    found, _error = _optional(applier.get, "v1", "Namespace", meant[0])
                    snap["namespaces"][meant[0]] = found is not None
    slices = collect_workload.slice_api(applier)
    for namespace, name in sorted(destinations):
        key = "%s/%s" % (namespace, name)
        snap["services"][key] = applier.get("v1", "Service", name, namespace)
        snap["endpoints"][key] = collect_workload.read_endpoints(applier, name, namespace, slices) \
            if snap["services"][key] else None
        if snap["endpoints"][key] is not None and not ready_addresses(snap["endpoints"][key])[0]:
            snap["endpoint_pods"][key] = collect_workload.destination_why(
                applier, snap["services"][key], snap["endpoints"][key])
    if "DestinationRule" in istio["kinds"]:
        for namespace in sorted(set(ns for ns, _name in destinations)):
            rules, _error = _optional(applier.list, api, "DestinationRule", namespace)
            snap["destination_rules"].extend(rules or [])
    for gateway in snap["gateways"]:
        for server, _entry in covering_servers(gateway, target["host"]):
            name = (server.get("tls") or {}).get("credentialName")
            if name:
                key = "%s/%s" % (opts["gateway_namespace"], name)
                if key not in snap["secrets"]:
                    snap["secrets"][key] = secret_summary(applier, opts["gateway_namespace"], name)
    return snap


def secret_summary(applier, namespace, name):
    """``{exists, type, keys}`` of a Secret: its data is dropped here and never returned."""
    secret, error = _optional(applier.get, "v1", "Secret", name, namespace)
    if error:
        return {"error": error}
    if secret is None:
        return {"exists": False}
    keys = sorted(set(list((secret.get("data") or {}).keys()) + list((secret.get("stringData") or {}).keys())))
    return {"exists": True, "type": secret.get("type"), "keys": keys}


def collect_envoy(params, opts, pods, mode, port, timeout):
    """Envoy's config_dump of one Running + Ready gateway pod through the API server's pod proxy.

    Returns ``{"parsed", "pod"}`` or ``{"skip": (reason, message, fix, warn)}``.
    """
    if mode == "never":
        return None
    running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running" and pod_ready(p)]
    if not running:
        return {"skip": (
            "no_running_gateway_pod",
            "Envoy's configuration was not read: no gateway pod is Running and Ready, so there is no Envoy admin "
            "endpoint to ask (the API server proxies to the pod's port %d)." % port,
            "Make a gateway pod Ready first (see the gateway pods hop).", mode == "always")}
    pod = meta(running[0]).get("name")
    path = ENVOY_ADMIN_PATH.format(ns=opts["gateway_namespace"], pod=pod, port=port)
    api = get_api_client(params)
    try:
        response = api.call_api(path, "GET", auth_settings=["BearerToken"], _preload_content=False,
                                _request_timeout=timeout, query_params=[("include_eds", "false")])
        data = response[0].data if isinstance(response, tuple) else response.data
        dump = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except Exception as exc:  # noqa: BLE001 - any failure of the proxy becomes evidence, never a crash
        status = getattr(exc, "status", None)
        text = getattr(exc, "body", None) or str(exc)
        try:
            text = json.loads(text).get("message") or text
        except (ValueError, TypeError, AttributeError):
            pass
        return {"pod": pod, "skip": (
            "envoy_unreadable",
            "Envoy's configuration of pod %s could not be read through the API server (%s%s)." % (
                pod, "HTTP %s: " % status if status else "", str(text).strip()[:300]),
            "Check that the API server can reach pod IPs (pods/proxy; get on pods/proxy in RBAC), or run "
            "istioctl proxy-config listeners/routes %s -n %s." % (pod, opts["gateway_namespace"]), True)}
    parsed = parse_config_dump(dump)
    parsed["pod"] = parsed.get("pod") or pod
    return {"parsed": parsed, "pod": pod}
