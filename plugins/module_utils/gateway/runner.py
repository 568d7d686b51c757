# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gateway_service module's runner: plan -> Helm values, or plan -> live Service (private)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import diff_dict, strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.applier import GatewayServiceApplier
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.live import node_ports_of
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import (
    build_plan, check_profile_options)
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import pinned_node_ports
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.values import (
    chart_default_values, check_chart_schema, helm_values, values_manifest)


def run(params, check_mode=False, diff=False):
    """Compute (and in live mode apply) the gateway Service for ``params['profile']``; warnings in ``warnings``."""
    warnings = []
    result = _run(params, check_mode, diff, warnings.append)
    if warnings:
        result["warnings"] = warnings
    return result


def _run(params, check_mode, diff, warn):
    mode = params.get("mode") or "values"
    name = params.get("name") or "istio-ingress"
    namespace = params.get("namespace") or "istio-ingress"
    base = {"changed": False, "mode": mode, "profile": params.get("profile"), "state": params.get("state") or "present"}
    if base["state"] == "absent":
        check_profile_options(params)
        if mode == "values":
            values = chart_default_values()
            base.update(helm_values=values, service=values_manifest(values, name, namespace), node_ports={},
                        annotations={}, health_check={}, node_port_check="not needed (state absent)")
            return base
        return _absent_live(base, params, name, namespace, check_mode, diff)

    plan = build_plan(params)
    if mode == "values":
        check_chart_schema(plan)
    values = helm_values(plan)
    base.update(helm_values=values, annotations=dict(plan["annotations"]), health_check=dict(plan["health_check"]))
    applier = GatewayServiceApplier(params, check_mode=check_mode)
    if params.get("check_node_ports", True) is False:
        base["node_port_check"] = "disabled (check_node_ports=false)"
    else:
        base["node_port_check"] = applier.check_node_ports(plan, offline_ok=(mode == "values"))
        if base["node_port_check"].startswith("skipped"):
            warn("nodePort collision check %s" % base["node_port_check"])
    if mode == "values":
        base.update(service=values_manifest(values, plan["name"], plan["namespace"]),
                    node_ports=pinned_node_ports(plan["ports"]))
        return base

    changed, before, after, config = applier.ensure_present(plan)
    release = helm_release_of(before)
    if release:
        warn("Service %s/%s belongs to Helm release %s: the next helm upgrade of that release puts the chart's "
             "Service back and undoes these changes. Give them to the release instead (mode values, as role "
             "meshops.istio_edge.istio does)." % (namespace, name, release))
    base.update(changed=changed, service=strip_noise(after), applied=config, node_ports=node_ports_of(after))
    base["health_check"]["node_port"] = base["node_ports"].get(plan["health_check"]["port_name"])
    if changed:
        base["diff"] = diff_dict(strip_noise(before), strip_noise(after),
                                 "Service %s/%s (live)" % (namespace, name),
                                 "Service %s/%s (%s)" % (namespace, name, "predicted" if check_mode else "applied"))
    return base


def helm_release_of(service):
    """``namespace/name`` of the Helm release that owns ``service`` (Helm 3/4 ownership metadata), or None."""
    meta = (service or {}).get("metadata") or {}
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    name = annotations.get("meta.helm.sh/release-name")
    if labels.get("app.kubernetes.io/managed-by") != "Helm" or not name:
        return None
    return "%s/%s" % (annotations.get("meta.helm.sh/release-namespace") or meta.get("namespace"), name)


def _absent_live(base, params, name, namespace, check_mode, diff):
    applier = GatewayServiceApplier(params, check_mode=check_mode)
    changed, before, after, config = applier.ensure_absent(name, namespace)
    base.update(changed=changed, helm_values=chart_default_values(), service=strip_noise(after) or {},
                applied=config or {}, node_ports=node_ports_of(after), annotations={}, health_check={},
                node_port_check="not needed (state absent)")
    if changed:
        base["diff"] = diff_dict(strip_noise(before), strip_noise(after),
                                 "Service %s/%s (live)" % (namespace, name),
                                 "Service %s/%s (%s)" % (namespace, name, "predicted" if check_mode else "released"))
    return base
