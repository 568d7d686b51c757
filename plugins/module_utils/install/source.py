# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the Istio charts come from: a Helm repository, an OCI registry or a local directory (private).

Pure functions: ``classify_source`` reads the ``chart_repo`` option; ``chart_reference`` turns a chart name
into the helm arguments that fetch it at the pinned version; ``pick_local_chart`` chooses among what a local
directory holds (listed by ``helm.local_charts.scan_local_charts``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

DEFAULT_REPO = "https://istio-release.storage.googleapis.com/charts"
REPO = "repo"
OCI = "oci"
LOCAL = "local"

_VERSION_RE = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def validate_version(version, field="chart_version"):
    """The pinned chart version (``1.30.0``, ``1.30.0-beta.1``); ranges and ``latest`` are refused."""
    if version is None or str(version).strip() == "":
        raise EdgeError("%s: a chart version is required (e.g. 1.30.0)." % field, field=field,
                        hint="Pin the Istio chart version to install.")
    text = str(version).strip()
    if not _VERSION_RE.match(text):
        raise EdgeError("%s: %r is not an exact chart version." % (field, text), field=field,
                        hint="Pin an exact version such as 1.30.0 (ranges like ~1.30 or 'latest' are not "
                             "accepted, so that runs are repeatable).")
    return text


def classify_source(chart_repo, field="chart_repo"):
    """``{"kind": repo|oci|local, "location": ...}`` for the ``chart_repo`` option."""
    value = (chart_repo or "").strip()
    if not value:
        raise EdgeError("%s: empty." % field, field=field,
                        hint="Use %s, an oci:// registry path or a local chart directory." % DEFAULT_REPO)
    lowered = value.lower()
    if lowered.startswith("oci://"):
        if len(value) <= len("oci://") or value.endswith("://"):
            raise EdgeError("%s: %r names no registry." % (field, value), field=field,
                            hint="Use e.g. oci://registry.istio.io/release/charts.")
        return {"kind": OCI, "location": value.rstrip("/")}
    if lowered.startswith("http://") or lowered.startswith("https://"):
        return {"kind": REPO, "location": value.rstrip("/")}
    if re.match(r"^[a-z][a-z0-9+.-]*://", lowered):
        raise EdgeError("%s: unsupported scheme in %r." % (field, value), field=field,
                        hint="Use an https:// Helm repository, an oci:// registry or a local directory.")
    path = os.path.expanduser(value)
    if not os.path.isabs(path):
        raise EdgeError("%s: the local chart directory %r is not an absolute path." % (field, value), field=field,
                        hint="Give an absolute path (e.g. \"{{ playbook_dir }}/../charts\"); a bare name such as "
                             "'istio' is not a helm repo alias here - use the repository URL.")
    return {"kind": LOCAL, "location": os.path.normpath(path)}


def pick_local_chart(inventory, chart, version, directory, field_repo="chart_repo", field_version="chart_version"):
    """The path of ``chart`` at ``version`` among a local directory's charts.

    Preference: ``<chart>-<version>.tgz`` (what ``helm pull`` writes), then a chart directory, then any other
    package of that chart and version.
    """
    same_name = [item for item in inventory if item["name"] == chart]
    matches = [item for item in same_name if item["version"].lstrip("v") == version.lstrip("v")]
    if not matches:
        if same_name:
            found = ", ".join(sorted(set(item["version"] for item in same_name)))
            raise EdgeError(
                "%s: chart %s version %s not found in %s (it holds %s %s)." % (field_version, chart, version,
                                                                               directory, chart, found),
                field=field_version, code="chart_not_found",
                hint="Add %s-%s.tgz to the directory (helm pull %s --version %s) or pin one of the versions "
                     "it holds." % (chart, version, chart, version))
        raise EdgeError(
            "%s: no chart named %s in %s." % (field_repo, chart, directory), field=field_repo,
            code="chart_not_found",
            hint="The directory must hold the base, istiod and gateway charts, as directories or as the .tgz "
                 "files helm pull writes (e.g. %s-%s.tgz)." % (chart, version))
    wanted = "%s-%s.tgz" % (chart, version)

    def rank(item):
        base = os.path.basename(item["path"])
        return (0 if base == wanted else 1 if not item["packaged"] else 2, base)

    return sorted(matches, key=rank)[0]["path"]


def chart_reference(source, chart, version, local_path=None):
    """``{"ref", "args", "display"}``: the chart argument and the helm flags that select it.

    ``args`` go after the chart argument of ``helm upgrade|template|show``.
    """
    kind, location = source["kind"], source["location"]
    if kind == LOCAL:
        return {"ref": local_path, "args": [], "display": local_path}
    if kind == OCI:
        ref = "%s/%s" % (location, chart)
        return {"ref": ref, "args": ["--version", version], "display": "%s:%s" % (ref, version)}
    return {"ref": chart, "args": ["--repo", location, "--version", version],
            "display": "%s/%s %s" % (location, chart, version)}
