# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a gateway release deployed: workload, Service, selector labels (private, pure).

The selector that Istio ``Gateway`` resources must use is read from the gateway workload's pod template
labels (``app`` and ``istio``), never assumed: Istio's chart derives ``istio`` from the release name
(``istio-ingress`` -> ``istio=ingress``, ``istio-ingressgateway`` -> ``istio=ingressgateway``) and users can
override it with ``labels.istio``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_ingress
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.manifest import objects_of_kind

WORKLOAD_KINDS = ("Deployment", "DaemonSet")
SELECTOR_KEYS = ("app", "istio")


def release_objects(objects, namespace):
    """``{"workloads": [(kind, name, ns)], "services": [(name, ns)], "crds": [names]}`` of a manifest."""
    return {
        "workloads": [item[:3] for item in objects_of_kind(objects, WORKLOAD_KINDS, namespace)],
        "services": [item[1:3] for item in objects_of_kind(objects, ("Service",), namespace)],
        "crds": [item[1] for item in objects_of_kind(objects, ("CustomResourceDefinition",))],
    }


def pick_gateway_objects(objects, release_name, namespace):
    """The gateway's workload and Service among a release's objects: the one named like the release first."""
    workloads = objects_of_kind(objects, WORKLOAD_KINDS, namespace)
    services = objects_of_kind(objects, ("Service",), namespace)

    def first(items):
        if not items:
            return None
        named = [item for item in items if item[1] == release_name]
        return (named or items)[0]

    return first(workloads), first(services)


def selector_of(workload):
    """``{"app": .., "istio": ..}`` from a workload's pod template labels (keys absent when unset)."""
    labels = (((workload or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    return dict((key, labels[key]) for key in SELECTOR_KEYS if key in labels)


def service_ports(service):
    ports = []
    for port in ((service or {}).get("spec") or {}).get("ports") or []:
        entry = {"name": port.get("name"), "port": port.get("port"),
                 "target_port": port.get("targetPort", port.get("port")),
                 "protocol": port.get("protocol", "TCP")}
        if port.get("nodePort"):
            entry["node_port"] = port["nodePort"]
        ports.append(entry)
    return ports


def gateway_info(spec, workload, service, source):
    """One entry of the ``gateways`` result.

    ``workload`` / ``service``: the live objects (``source="live"``) or, in check mode before the release
    exists, the rendered ones (``source="rendered"``); None when the release has no such object.
    """
    meta = (workload or {}).get("metadata") or {}
    svc_meta = (service or {}).get("metadata") or {}
    svc_spec = (service or {}).get("spec") or {}
    ports = service_ports(service)
    ingress = load_balancer_ingress(service)
    return {
        "release": spec["name"],
        "name": meta.get("name") or spec["name"],
        "namespace": meta.get("namespace") or spec["namespace"],
        "workload_kind": (workload or {}).get("kind"),
        "service": svc_meta.get("name"),
        "service_type": svc_spec.get("type", "ClusterIP") if service else None,
        "selector": selector_of(workload),
        "pod_labels": (((workload or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels")
        or {},
        "ports": ports,
        "node_ports": dict((p["name"], p["node_port"]) for p in ports if p.get("name") and p.get("node_port")),
        "status_port": next((p["port"] for p in ports if p.get("name") == "status-port"), None),
        "load_balancer": [dict((k, v) for k, v in item.items() if v) for item in ingress if isinstance(item, dict)],
        "source": source,
    }


def shape_info(shape, info, node_port_check):
    """What a gateway's ``service`` shape adds to its ``gateways`` entry: the edge's health check (with the
    nodePort of the status port once it is assigned), the Service annotations the shape set, and the outcome of the
    nodePort collision check."""
    plan = shape["plan"]
    health_check = dict(plan["health_check"])
    health_check["node_port"] = info["node_ports"].get(health_check["port_name"], health_check["node_port"])
    return {"profile": plan["profile"], "health_check": health_check, "annotations": dict(plan["annotations"]),
            "node_port_check": node_port_check or "not needed"}
