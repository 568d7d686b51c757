# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access-log Telemetry of apps: which workloads to log, and the checks Istio's rules need (pure, private).

A Telemetry with a workload selector applies to the pods it selects in its own namespace; Istio allows one
such Telemetry per workload. An app's access log therefore selects the pods behind the app's destination
Services in the app's namespace, and two Telemetry objects may not select the same pods.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import destination_service
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import Problem


def _own_service_refs(app):
    refs = set()
    for rule in app["http"] + app["tcp"]:
        for dest in rule["route"]:
            ref = destination_service(dest["host"], app["namespace"])
            if ref is not None and ref[0] == app["namespace"]:
                refs.add(ref)
    return refs


def access_log_targets(app, services):
    """``[(Service name, pod selector)]`` of the app's destination Services in its own namespace that select
    pods (Services without a selector - ExternalName, hand-made Endpoints - have no workload to select)."""
    found = {}
    for ref in _own_service_refs(app):
        selector = ((services.get(ref) or {}).get("spec") or {}).get("selector")
        if selector:
            found[ref[1]] = dict(selector)
    return sorted(found.items())


def _selector_key(obj):
    labels = (((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")) or {}
    return tuple(sorted(labels.items())) if labels else None


def check_access_log(apps, desired, live, owned_by, services):
    """Problems with the apps' Telemetry: an app with ``access_log`` but no Service of its namespace to log,
    and two Telemetry selecting the same pods (this run's, other apps', or ones not managed here).

    ``desired``: app name -> objects; ``live``: (namespace, name) -> live Telemetry; ``owned_by``: obj -> app;
    ``services``: (namespace, name) -> live Service (a missing one is reported by the destination checks)."""
    problems = []
    acted = set(a["name"] for a in apps)
    holders = {}
    for key, obj in sorted(live.items()):
        owner = owned_by(obj)
        selector = _selector_key(obj)
        if selector is None or owner in acted:
            continue
        holders[(key[0], selector)] = "%s/%s (%s)" % (key[0], key[1], "app %s" % owner if owner
                                                      else "not managed by meshops.istio_edge")
    for app in apps:
        if not app.get("access_log"):
            continue
        path = "apps[%s].access_log" % app["name"]
        mine = [o for o in desired[app["name"]] if o["kind"] == "Telemetry"]
        if not mine and all(ref in services for ref in _own_service_refs(app)):
            problems.append(Problem(path, "none of the app's destinations is a Service of its namespace %s that "
                                    "selects pods, so there is no workload for an access-log Telemetry to select"
                                    % app["namespace"],
                                    "Route to a Service in %s, or set access_log to false and turn logging on in "
                                    "the namespace where the workloads run." % app["namespace"]))
        for obj in mine:
            meta = obj["metadata"]
            key = (meta["namespace"], _selector_key(obj))
            if key in holders:
                problems.append(Problem(path, "Telemetry %s/%s would select the same pods (%s) as Telemetry %s, and "
                                        "Istio allows one Telemetry per workload"
                                        % (meta["namespace"], meta["name"],
                                           ", ".join("%s=%s" % kv for kv in key[1]), holders[key]),
                                        "Turn access_log on for one of the apps only (its Telemetry logs that "
                                        "workload for both), or add accessLogging to the existing Telemetry."))
            else:
                holders[key] = "%s/%s (app %s)" % (meta["namespace"], meta["name"], app["name"])
    return problems
