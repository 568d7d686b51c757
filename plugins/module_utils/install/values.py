# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a release's wanted chart version and values with what is deployed (private, pure).

Idempotence without the helm-diff plugin: a release is left alone when its chart version and its
user-supplied values (``helm get values -o json``) equal the wanted ones after normalisation, and its last
revision is ``deployed``. Helm stores values as JSON, so numbers come back as floats where Ansible passed
integers (``30080`` vs ``30080.0``) and an empty values set comes back as ``null``; both are normalised.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

INSTALL = "install"
UPGRADE = "upgrade"
NONE = "none"
UNINSTALL = "uninstall"

PENDING_STATES = ("pending-install", "pending-upgrade", "pending-rollback", "uninstalling")


def normalize_values(values):
    """A canonical copy: integral floats become ints, tuples lists, ``None`` at the top becomes ``{}``."""
    if values is None:
        return {}
    return _norm(values)


def _norm(value):
    if isinstance(value, dict):
        return dict((str(key), _norm(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_norm(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _same(left, right):
    """Equality as helm sees it: ``true`` is not ``1`` (Python's ``True == 1`` is not used)."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def changed_paths(wanted, deployed):
    """Dotted paths whose values differ (``service.type``, ``service.ports``), sorted."""
    return _changed(normalize_values(wanted), normalize_values(deployed), "")


def _changed(wanted, deployed, prefix):
    if isinstance(wanted, dict) and isinstance(deployed, dict):
        paths = []
        for key in sorted(set(wanted) | set(deployed)):
            path = "%s.%s" % (prefix, key) if prefix else key
            if key not in wanted or key not in deployed:
                paths.append(path)
            elif not _same(wanted[key], deployed[key]):
                paths.extend(_changed(wanted[key], deployed[key], path))
        return paths
    if not _same(wanted, deployed):
        return [prefix or "(values)"]
    return []


def decide(spec, deployed, state="present"):
    """What to do with one release: ``{"action", "reasons"}``.

    ``spec``: ``{"name", "namespace", "version", "values", "field"}``; ``deployed``: None when no release
    exists, else ``{"status", "version", "revision", "values"}`` (values may be None when not read).
    """
    where = "%s/%s" % (spec["namespace"], spec["name"])
    if state == "absent":
        # helm uninstall also removes releases left pending by an interrupted operation
        if deployed is None or deployed.get("status") == "uninstalled":
            return {"action": NONE, "reasons": []}
        return {"action": UNINSTALL, "reasons": ["state is absent"]}
    if deployed is not None and deployed.get("status") in PENDING_STATES:
        raise EdgeError(
            "%s: release %s is %s at revision %s: an earlier helm operation was interrupted, so helm refuses "
            "to change it." % (spec["field"], where, deployed["status"], deployed.get("revision")),
            field=spec["field"], code="release_pending",
            hint="Roll it back to its last deployed revision (helm rollback %s -n %s) or, if it never deployed, "
                 "uninstall it (helm uninstall %s -n %s); then run again (nothing was changed)."
                 % (spec["name"], spec["namespace"], spec["name"], spec["namespace"]))
    if deployed is None or deployed.get("status") == "uninstalled":
        return {"action": INSTALL, "reasons": ["release %s is not installed" % where]}
    reasons = []
    if str(deployed.get("version", "")).lstrip("v") != str(spec["version"]).lstrip("v"):
        reasons.append("chart version %s -> %s" % (deployed.get("version"), spec["version"]))
    paths = changed_paths(spec["values"], deployed.get("values"))
    if paths:
        reasons.append("values changed: %s" % ", ".join(paths[:20]))
    if deployed.get("status") != "deployed":
        reasons.append("last revision %s is %s" % (deployed.get("revision"), deployed.get("status")))
    return {"action": UPGRADE if reasons else NONE, "reasons": reasons}
