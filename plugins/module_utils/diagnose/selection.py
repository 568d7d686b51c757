# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which VirtualService and which Gateway serve the app's host (private, pure).

Several VirtualServices may list the host and a VirtualService may reference several Gateways. The pair
(VirtualService, gateway reference) that gets furthest along the path wins: the referenced Gateway exists,
selects the gateway pods, covers the host, and a route takes the path. When the reference dangles, the
Gateway the user most likely meant (same name in another namespace, the app's declared Gateway, or one that
covers the host and selects the gateway pods) is checked instead, so the report can say what to write.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import app_of
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta, ref, vs_hosts_match
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import gateway_pod_labels
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import covering_servers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import first_http_route
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    gateway_selects_workload, vs_gateway_refs)


def selects_pods(gateway, pod_labels):
    return any(gateway_selects_workload(gateway, labels) for labels in pod_labels)


def _in_scope(obj, namespace):
    return not namespace or meta(obj).get("namespace") == namespace


def select(snap):
    """The objects the path goes through; see the module docstring."""
    target = snap["target"]
    host, path = target["host"], target["path"]
    pod_labels = gateway_pod_labels(snap)
    gateways = dict((ref(g), g) for g in snap.get("gateways") or [])
    candidates = [vs for vs in snap.get("virtual_services") or []
                  if _in_scope(vs, target.get("namespace")) and vs_hosts_match(vs, host)]
    expected = target.get("gateway_ref")
    best = None
    for vs in candidates:
        vs_ns = meta(vs).get("namespace")
        app_bonus = 16 if target.get("app") and app_of(vs) == target["app"] else 0
        for written, resolved, form in vs_gateway_refs(vs):
            if resolved is None:
                score = app_bonus
                gateway = None
            else:
                gateway = gateways.get(resolved)
                score = app_bonus + (2 if resolved == expected else 0)
                if gateway is not None:
                    score += 8
                    if selects_pods(gateway, pod_labels):
                        score += 4
                    if covering_servers(gateway, host, vs_ns):
                        score += 2
                if first_http_route(vs, path, resolved)[1] is not None:
                    score += 1
            if best is None or score > best[0]:
                best = (score, vs, written, resolved, form, gateway)
    sel = {"pod_labels": pod_labels, "candidates": candidates, "vs": None, "ref_written": None,
           "ref_resolved": None, "ref_form": None, "gateway": None, "gateway_is_referenced": False,
           "gateways": gateways}
    if best is not None:
        vs, written, resolved, form, gateway = best[1:]
        sel.update(vs=vs, ref_written=written, ref_resolved=resolved, ref_form=form)
        if gateway is not None:
            sel.update(gateway=gateway, gateway_is_referenced=True)
            return sel
    sel["gateway"] = _intended_gateway(snap, sel, gateways, pod_labels)
    return sel


def _intended_gateway(snap, sel, gateways, pod_labels):
    """The Gateway a dangling reference (or a missing VirtualService) most likely meant."""
    opts = snap["options"]
    host = snap["target"]["host"]
    if sel["ref_resolved"]:
        name = sel["ref_resolved"].split("/", 1)[1]
        same_name = [g for key, g in gateways.items() if key.split("/", 1)[1] == name]
        same_name.sort(key=lambda g: meta(g).get("namespace") != opts["gateway_namespace"])
        if same_name:
            return same_name[0]
    expected = snap["target"].get("gateway_ref")
    if expected and expected in gateways:
        return gateways[expected]
    covering = [g for g in gateways.values() if covering_servers(g, host)]
    covering.sort(key=lambda g: (not selects_pods(g, pod_labels),
                                 meta(g).get("namespace") != opts["gateway_namespace"]))
    return covering[0] if covering else None
