# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Helm applier: read releases, fetch/render charts, upgrade, roll back, uninstall (private).

Read: one ``helm get all NAME --template`` per release prints everything a run needs - the metadata, the
user-supplied values and the manifest (no helm-diff plugin needed). Writes: ``helm upgrade --install
--reset-values -f <values>``, ``helm rollback``, ``helm uninstall``. Works with helm 3 and helm 4 (``--server-side``
is only given to helm 4, and only when asked for).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.errors import classify, is_release_not_found

# ``helm get all --template`` offers Go's text/template without Helm's chart functions (no toJson), so the
# template writes the JSON itself: line 1 is one JSON object - the fields of ``helm get metadata -o json`` and
# ``values``, the user-supplied values (``.Release.Config``) encoded by the recursive template "v" - and the rest
# of the output is the manifest as stored. Every string (and map key) is printed as the hex of its bytes, so no
# character of a value or an appVersion can break the JSON line; ``parse_release`` decodes them. The chart's
# templates and files are never printed. ``.Release.ApplyMethod`` exists in helm 4 only.
_VALUE_TEMPLATE = (
    '{{- define "v" -}}{{- $t := printf "%T" . -}}'
    '{{- if eq $t "map[string]interface {}" -}}{{ "{" }}{{- $sep := "" -}}'
    '{{- range $key, $item := . -}}{{ $sep }}"{{ printf "%x" $key }}":{{ template "v" $item }}{{ $sep = "," }}'
    '{{- end -}}{{ "}" }}'
    '{{- else if eq $t "[]interface {}" -}}[{{- range $i, $item := . -}}{{ if $i }},{{ end }}{{ template "v" $item }}'
    '{{- end -}}]'
    '{{- else if eq $t "string" -}}"{{ printf "%x" . }}"'
    '{{- else if eq $t "<nil>" -}}null'
    '{{- else if or (eq $t "float64") (eq $t "bool") -}}{{ printf "%v" . }}'
    '{{- else -}}"!{{ $t }}"{{- end -}}{{- end -}}'
)
_RELEASE_HEAD = (
    '{"name":"{{ printf "%x" .Release.Name }}","namespace":"{{ printf "%x" .Release.Namespace }}",'
    '"revision":{{ .Release.Version }},"status":"{{ printf "%x" (printf "%s" .Release.Info.Status) }}",'
    '"chart":"{{ printf "%x" .Release.Chart.Metadata.Name }}",'
    '"version":"{{ printf "%x" .Release.Chart.Metadata.Version }}",'
    '"appVersion":"{{ printf "%x" .Release.Chart.Metadata.AppVersion }}"'
)
_RELEASE_TAIL = ',"values":{{ template "v" .Release.Config }}}\n{{ .Release.Manifest }}'
_APPLY_METHOD = '{{ with .Release.ApplyMethod }},"applyMethod":"{{ printf "%x" . }}"{{ end }}'
RELEASE_TEMPLATE = {
    3: _VALUE_TEMPLATE + _RELEASE_HEAD + _RELEASE_TAIL,
    4: _VALUE_TEMPLATE + _RELEASE_HEAD + _APPLY_METHOD + _RELEASE_TAIL,
}


def _text(hexed):
    return bytes.fromhex(hexed).decode("utf-8", "replace")


def _value(node):
    """A value of the template's JSON: hex strings and keys decoded; numbers as ``helm get values -o json`` gives
    them (Go prints a float64 as ``1e+06`` where helm's JSON says ``1000000``)."""
    if isinstance(node, dict):
        return dict((_text(key), _value(item)) for key, item in node.items())
    if isinstance(node, list):
        return [_value(item) for item in node]
    if isinstance(node, str):
        if node.startswith("!"):
            raise ValueError("a value of type %s" % node[1:])
        return _text(node)
    if isinstance(node, float) and node.is_integer() and abs(node) < 1e21:
        return int(node)
    return node


def parse_release(text):
    """The release printed by ``helm get all --template RELEASE_TEMPLATE[major]``: the fields of ``helm get
    metadata -o json`` (name, namespace, chart, version, appVersion, revision, status, applyMethod with helm 4)
    plus ``values`` (the user-supplied values, ``{}`` when none) and ``manifest`` (as ``helm get manifest``
    prints it). Raises ValueError when the text is not such a release."""
    header, newline, manifest = (text or "").partition("\n")
    if not newline:
        raise ValueError("no manifest after the release line")
    data = json.loads(header)
    if not isinstance(data, dict) or not isinstance(data.get("revision"), int):
        raise ValueError("not a release: %s" % header[:200])
    release = dict((key, _text(item) if isinstance(item, str) else item)
                   for key, item in data.items() if key != "values")
    release["values"] = _value(data.get("values")) or {}
    release["manifest"] = manifest + "\n"  # helm get manifest ends the stored manifest with a newline
    return release


class HelmReleases:
    """Release operations through a ``HelmCli``."""

    def __init__(self, cli, server_side_args=(), extra_args=(), create_namespace=True):
        self.cli = cli
        self.server_side_args = list(server_side_args)
        self.extra_args = list(extra_args)
        self.create_namespace = create_namespace

    # -- reads ----------------------------------------------------------------------------------------
    def read(self, name, namespace, field=None, missing_ok=True):
        """The last revision of a release in one helm call (see ``parse_release``); None when no release of
        that name exists (unless ``missing_ok`` is false). A failed read (unreachable cluster, forbidden,
        timeout) raises the classified EdgeError with helm's message."""
        where = "%s/%s" % (namespace, name)
        args = ["get", "all", name, "-n", namespace, "--template", RELEASE_TEMPLATE[self.cli.version[0]]]
        result = self.cli.run(args)
        if result.rc != 0:
            if missing_ok and is_release_not_found(result.message):
                return None
            raise classify(result.message, "get all", release=where, field_prefix=field)
        try:
            return parse_release(result.stdout)
        except ValueError as exc:
            raise EdgeError("helm get all of release %s printed what is not a release (%s): %s"
                            % (where, exc, (result.stdout or "").strip()[:300]), code="helm_error",
                            hint="Use a helm 3.x or 4.x binary (helm_binary).")

    def history(self, name, namespace):
        result = self.cli.check(["history", name, "-n", namespace, "-o", "json", "--max", "256"], "history",
                                release="%s/%s" % (namespace, name))
        return result.json() or []

    def last_good_revision(self, name, namespace):
        """The revision to roll back to: the one still ``deployed``, else the newest ``superseded``."""
        history = self.history(name, namespace)
        for status in ("deployed", "superseded"):
            revisions = [int(item["revision"]) for item in history if item.get("status") == status]
            if revisions:
                return max(revisions)
        return None

    # -- charts (no cluster writes) -------------------------------------------------------------------
    def show_chart(self, chart_ref, field):
        """Fetch the chart's metadata: proves the chart and version exist before anything is written."""
        result = self.cli.run(["show", "chart", chart_ref["ref"]] + chart_ref["args"], cluster=False)
        if result.rc != 0:
            raise classify(result.message, "show chart %s" % chart_ref["display"], field_prefix=field, fetching=True)
        return result.stdout

    def template(self, name, namespace, chart_ref, values, field, kube_version=None):
        """The manifest ``helm upgrade`` would apply (client-side render, nothing sent to the cluster)."""
        values_file = self.cli.write_values("%s-%s-render" % (namespace, name), values)
        args = ["template", name, chart_ref["ref"], "-n", namespace, "-f", values_file, "--skip-tests"]
        args += chart_ref["args"]
        if kube_version:
            args += ["--kube-version", kube_version]
        result = self.cli.run(args, cluster=False)
        if result.rc != 0:
            raise classify(result.message, "template", release="%s/%s" % (namespace, name), field_prefix=field)
        return result.stdout

    # -- writes ---------------------------------------------------------------------------------------
    def upgrade(self, name, namespace, chart_ref, values):
        """``helm upgrade --install``; returns the HelmResult (the caller handles a failure)."""
        values_file = self.cli.write_values("%s-%s" % (namespace, name), values)
        args = ["upgrade", name, chart_ref["ref"], "--install", "-n", namespace, "-f", values_file,
                "--reset-values", "--timeout", "%ds" % self.cli.timeout]
        args += chart_ref["args"]
        if self.create_namespace:
            args.append("--create-namespace")
        args += self.server_side_args + self.extra_args
        return self.cli.run(args)

    def rollback(self, name, namespace, revision):
        args = ["rollback", name, str(revision), "-n", namespace, "--timeout", "%ds" % self.cli.timeout]
        args += self.server_side_args
        return self.cli.run(args)

    def uninstall(self, name, namespace):
        return self.cli.run(["uninstall", name, "-n", namespace, "--timeout", "%ds" % self.cli.timeout])
