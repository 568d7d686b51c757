# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whose is an object with an app's name, and when ``app_route`` may take it (pure, private).

An object is the app's when it carries both ownership labels, ``app.kubernetes.io/managed-by=meshops.istio_edge``
and ``istio-edge.meshops.io/app=<app>``. With the app's name but another app's labels it is refused; without
them it was made by someone else (by hand, by another tool) and is refused too - naming it and its field
managers - unless the app sets ``adopt: true``. Then it is taken over (``k8s/adopt.py``): it becomes exactly
the app's object, nothing of what the others set is kept. An object of the app that still carries other
field managers (a take-over cut short, or an edit by hand) is taken over again while ``adopt`` is set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import (
    APP_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, app_of, is_managed)
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.adopt import foreign_managers, managers
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import Problem


def owned_by(obj, app_names=None):
    """The app owning ``obj`` by its labels, or None (``app_names``: only these apps count)."""
    app = app_of(obj) if is_managed(obj) else None
    if app is None or (app_names is not None and app not in app_names):
        return None
    return app


def _managers_text(live):
    found = managers(live)
    return ", ".join(found) if found else "none recorded (no managedFields)"


def check_names(app, objects, by_kind, path):
    """Problems for the app's objects whose names are taken: by another app, or by an object the collection
    does not manage (unless the app adopts it). ``by_kind(kind)``: live objects by (namespace, name)."""
    problems = []
    for obj in objects:
        if obj["kind"] == "Namespace":
            continue
        live = by_kind(obj["kind"]).get((obj["metadata"]["namespace"], obj["metadata"]["name"]))
        if live is None:
            continue
        owner = owned_by(live)
        if owner == app["name"]:
            continue
        if owner:
            problems.append(Problem(path, "%s is owned by app %s" % (describe(obj), owner),
                                    "Rename one of the apps' objects (e.g. gateway.name / destination_rules[].name), "
                                    "or remove app %s first." % owner, code="OwnedByAnotherApp"))
        elif not app.get("adopt"):
            problems.append(Problem(
                path, "%s exists and is not managed by meshops.istio_edge (it lacks the labels %s=%s and %s=%s); its "
                "field managers: %s" % (describe(live), MANAGED_BY_LABEL, MANAGED_BY_VALUE, APP_LABEL, app["name"],
                                        _managers_text(live)),
                "Leave it to its owners and give the app's object another name (the app's name for the "
                "VirtualService, gateway.name, destination_rules[].name), or delete it, or set adopt: true on the "
                "app to take it over - it then becomes exactly the app's object, and what it routes that the app "
                "does not declare (other hosts, routes, exportTo) is removed.", code="NotOwned"))
    return problems


def takes_over(app, live, manager):
    """True when the app's object ``live`` is to be taken over (the app adopts, and others made or edited it)."""
    if live is None or not app.get("adopt"):
        return False
    return owned_by(live) is None or bool(foreign_managers(live, manager))


def take_over_warning(app, desired, live, check_mode):
    """What taking ``live`` over changes, for the run's warnings."""
    spec, live_spec = desired.get("spec") or {}, live.get("spec") or {}
    removed = sorted("spec.%s" % k for k in live_spec if k not in spec)
    replaced = sorted("spec.%s" % k for k in spec if k in live_spec and live_spec[k] != spec[k])
    parts = []
    if desired["kind"] == "VirtualService":
        hosts = sorted(set(live_spec.get("hosts") or []) - set(spec.get("hosts") or []))
        if hosts:
            parts.append("it no longer routes %s" % ", ".join(hosts))
    if removed:
        parts.append("removed %s" % ", ".join(removed))
    if replaced:
        parts.append("replaced %s" % ", ".join(replaced))
    return "apps[%s].adopt: %s %s (field managers: %s); it is now exactly the app's%s." % (
        app["name"], "would take over" if check_mode else "took over", describe(live), _managers_text(live),
        ": " + "; ".join(parts) if parts else "")
