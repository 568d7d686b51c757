# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result entries and diffs of module istio_install (private, pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.manifest import normalize_manifest, to_yaml
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.values import NONE, normalize_values


def release_entry(spec, decision, metadata, before=None):
    """One item of the ``releases`` result.

    ``metadata``: the release after the run (``HelmReleases.read``; None if the release does not exist);
    ``before``: the metadata before the run, used to report what changed.
    """
    metadata = metadata or {}
    entry = {
        "name": spec["name"],
        "namespace": spec["namespace"],
        "component": spec["component"],
        "chart": metadata.get("chart") or spec["chart"],
        "chart_version": metadata.get("version"),
        "app_version": metadata.get("appVersion"),
        "revision": metadata.get("revision"),
        "status": metadata.get("status") or "not-installed",
        "changed": decision["action"] != NONE,
        "action": decision["action"],
        "reasons": list(decision.get("reasons") or []),
    }
    if metadata.get("applyMethod"):
        entry["apply_method"] = metadata["applyMethod"]
    if before and decision["action"] != NONE:
        entry["previous"] = {"chart_version": before.get("version"), "revision": before.get("revision"),
                             "status": before.get("status")}
    return entry


def predicted_entry(spec, decision, before):
    """A ``releases`` item in check mode: the current state plus what would be done (nothing is invented)."""
    entry = release_entry(spec, decision, before, before)
    if decision["action"] != NONE:
        entry["chart_version_after"] = spec.get("version")
    return entry


def values_diff(spec, before_values, after_values):
    where = "%s/%s" % (spec["namespace"], spec["name"])
    return {
        "before_header": "%s values (deployed)" % where,
        "after_header": "%s values (%s)" % (where, "wanted"),
        "before": to_yaml(normalize_values(before_values)) if before_values is not None else "",
        "after": to_yaml(normalize_values(after_values)) if after_values is not None else "",
    }


def version_diff(spec, before_version, after_version):
    where = "%s/%s" % (spec["namespace"], spec["name"])
    return {
        "before_header": "%s chart" % where,
        "after_header": "%s chart" % where,
        "before": "%s %s\n" % (spec["chart"], before_version) if before_version else "",
        "after": "%s %s\n" % (spec["chart"], after_version) if after_version else "",
    }


def manifest_diff(spec, before_manifest, after_manifest, rendered):
    where = "%s/%s" % (spec["namespace"], spec["name"])
    return {
        "before_header": "%s manifest (helm get manifest)" % where,
        "after_header": "%s manifest (%s)" % (where, "helm template" if rendered else "helm get manifest"),
        "before": normalize_manifest(before_manifest),
        "after": normalize_manifest(after_manifest),
    }
