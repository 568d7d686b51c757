# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Helm applier: read releases, fetch/render charts, upgrade, roll back, uninstall (private).

Reads: ``helm get metadata|values|manifest -o json`` (no helm-diff plugin needed). Writes:
``helm upgrade --install --reset-values -f <values>``, ``helm rollback``, ``helm uninstall``. Works with
helm 3 and helm 4 (``--server-side`` is only given to helm 4, and only when asked for).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.errors import classify, is_release_not_found


class HelmReleases:
    """Release operations through a ``HelmCli``."""

    def __init__(self, cli, server_side_args=(), extra_args=(), create_namespace=True):
        self.cli = cli
        self.server_side_args = list(server_side_args)
        self.extra_args = list(extra_args)
        self.create_namespace = create_namespace

    # -- reads ----------------------------------------------------------------------------------------
    def metadata(self, name, namespace, field=None):
        """``{name, chart, version, appVersion, revision, status, ...}`` of the last revision, or None."""
        result = self.cli.run(["get", "metadata", name, "-n", namespace, "-o", "json"])
        if result.rc != 0:
            if is_release_not_found(result.message):
                return None
            raise classify(result.message, "get metadata", release="%s/%s" % (namespace, name),
                           field_prefix=field)
        return result.json()

    def values(self, name, namespace):
        """The user-supplied values of the last revision ({} when none)."""
        result = self.cli.check(["get", "values", name, "-n", namespace, "-o", "json"], "get values",
                                release="%s/%s" % (namespace, name))
        return result.json() or {}

    def manifest(self, name, namespace):
        result = self.cli.check(["get", "manifest", name, "-n", namespace], "get manifest",
                                release="%s/%s" % (namespace, name))
        return result.stdout

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
