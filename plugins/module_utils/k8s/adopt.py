# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Taking over an object someone else made, so that it becomes exactly ours (private).

A server-side apply with ``force`` takes the fields we set, but leaves the fields only others set (another
team's ``tcp`` route, an ``exportTo``): they would stay merged into "our" object for good, owned by a manager
that will never remove them. Taking over is therefore two requests:

1. a server-side apply (``force``) of the desired object: our field manager owns every field we set, as in any
   later run;
2. a JSON patch, guarded by the resourceVersion the apply returned (409 when anyone changed the object in
   between), that makes the rest exactly ours: ``spec`` becomes the desired one, the labels ours, foreign
   annotations and ownerReferences go, and ``managedFields`` keeps only our apply entry - the other managers'
   entries would otherwise keep fields alive that a later run stops setting. The patch removes fields and sets
   none anew, so the API server records no further manager.

Finalizers are left alone (a controller may be waiting to clean up). In check mode the JSON patch alone is a
server dry-run of the final object. When step 2 fails, the object carries our labels with foreign managers left
in ``managedFields``: :func:`foreign_managers` finds them, and the next run with the adoption option repeats
the take-over.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import (
    APPLY, field_managers, managed_entries)


def managers(obj):
    """``name (operation)`` of each field manager of ``obj`` (status writers aside), sorted; [] without any."""
    return ["%s (%s)" % pair for pair in field_managers(obj)]


def foreign_managers(obj, manager):
    """The managers other than ``manager``'s apply that own fields of ``obj`` (status writers aside)."""
    return [m for m in managers(obj) if m != "%s (%s)" % (manager, APPLY)]


def our_entries(obj, manager):
    return managed_entries(obj, manager, APPLY)


def exact_patch(desired, live, entries=None):
    """JSON patch ops making ``live`` exactly ``desired`` (``entries``: the managedFields to keep)."""
    meta = live.get("metadata") or {}
    ops = [{"op": "test", "path": "/metadata/resourceVersion", "value": meta.get("resourceVersion")},
           {"op": "replace" if "labels" in meta else "add", "path": "/metadata/labels",
            "value": dict(desired["metadata"].get("labels") or {})}]
    if desired["metadata"].get("annotations"):
        ops.append({"op": "replace" if "annotations" in meta else "add", "path": "/metadata/annotations",
                    "value": dict(desired["metadata"]["annotations"])})
    elif "annotations" in meta:
        ops.append({"op": "remove", "path": "/metadata/annotations"})
    if "ownerReferences" in meta:
        ops.append({"op": "remove", "path": "/metadata/ownerReferences"})
    for key in sorted(set(desired) | set(live)):
        if key in ("apiVersion", "kind", "metadata", "status"):
            continue
        if key in desired:
            ops.append({"op": "replace" if key in live else "add", "path": "/" + key, "value": desired[key]})
        else:
            ops.append({"op": "remove", "path": "/" + key})
    if entries is not None:
        ops.append({"op": "replace", "path": "/metadata/managedFields", "value": entries})
    return ops


def _patch(applier, desired, ops):
    try:
        return applier.json_patch(desired, ops, "apply %s (taking it over)" % describe(desired))
    except EdgeError as exc:
        if exc.code in (409, 422) and "test" in exc.msg.lower():
            exc.hint = "The object changed while it was taken over; re-run to finish the take-over."
        raise


def take_over(applier, desired, live, record=None):
    """Make ``live`` exactly ``desired``, owned by our field manager alone; returns the resulting object.

    ``record(what)`` is called after each accepted write (for the run's list of writes)."""
    if applier.check_mode:
        return _patch(applier, desired, exact_patch(desired, live))
    applied = applier.apply(desired, force=True)
    if record:
        record("took over fields of %s" % describe(desired))
    result = _patch(applier, desired, exact_patch(desired, applied, our_entries(applied, applier.field_manager)))
    if record:
        record("removed foreign fields and managers of %s" % describe(desired))
    return result
