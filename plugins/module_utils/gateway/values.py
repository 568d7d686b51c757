# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helm values for Istio's ``gateway`` chart and the Service they render (private, pure: no I/O).

The chart renders ``service.ports`` verbatim (``toYaml``), so a user list *replaces* the default list
(status-port 15021, http2 80, https 443): the values always carry the full list with the chart's names, ports
and targetPorts, plus ``nodePort`` where pinned. ``service.annotations`` are merged with the chart's top-level
``annotations`` onto the Service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import (
    CHART_STATUS_PORT, chart_ports, effective_target)


def service_ports(plan_ports, live_targets=None):
    """Kubernetes ServicePort dicts (camelCase) for the plan's ports."""
    result = []
    for port in plan_ports:
        item = {"name": port["name"], "port": port["port"], "protocol": port["protocol"],
                "targetPort": effective_target(port, plan_ports, live_targets)}
        if port["node_port"] is not None:
            item["nodePort"] = port["node_port"]
        if port["app_protocol"]:
            item["appProtocol"] = port["app_protocol"]
        result.append(item)
    return result


def check_chart_schema(plan):
    """The gateway chart's values schema wants numeric targetPorts: a named one is an error in values mode."""
    for port in plan["ports"]:
        if isinstance(port["target_port"], str):
            raise field_error("%s.target_port" % port["field"],
                              "%r is a named port, but the gateway chart's values schema only accepts numbers"
                              % port["target_port"],
                              "Give the container port number, or shape an existing Service with mode live.")


def helm_values(plan):
    """``{"service": {...}}`` to merge into the gateway release's values."""
    service = {
        "type": plan["type"],
        "ports": service_ports(plan["ports"]),
        "annotations": dict(plan["annotations"]),
    }
    if plan.get("external_traffic_policy"):
        service["externalTrafficPolicy"] = plan["external_traffic_policy"]
    if plan.get("load_balancer_ip"):
        service["loadBalancerIP"] = plan["load_balancer_ip"]
    if plan.get("load_balancer_source_ranges"):
        service["loadBalancerSourceRanges"] = list(plan["load_balancer_source_ranges"])
    return {"service": service}


def chart_default_values():
    """The chart's own ``service`` defaults (what ``state: absent`` returns in values mode)."""
    return {"service": {"type": "LoadBalancer", "ports": service_ports(chart_ports(CHART_STATUS_PORT)),
                        "annotations": {}}}


def values_manifest(values, name, namespace):
    """The Service the chart renders from ``values`` (without labels and selector, which the chart owns)."""
    service = values["service"]
    spec = {"type": service["type"], "ports": [dict(p) for p in service["ports"]]}
    for key in ("externalTrafficPolicy", "loadBalancerIP", "loadBalancerSourceRanges"):
        if service.get(key):
            spec[key] = service[key]
    metadata = {"name": name, "namespace": namespace}
    if service.get("annotations"):
        metadata["annotations"] = dict(service["annotations"])
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}
