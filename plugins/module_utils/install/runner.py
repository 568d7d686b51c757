# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runner of module istio_install: Helm releases base -> istiod -> gateways (private).

Phases: (1) validate the options (``install_plan``); (2) read the cluster and every release, decide what
to do, prove the charts exist at the pinned version - all before any write; (3) upgrade in order, waiting
for the CRDs after base and (optionally) for istiod and the gateways; a failed upgrade is rolled back and
a failed first install is uninstalled; (4) report releases and the gateways' live selector labels.
Check mode stops after (2) and predicts; ``state: absent`` uninstalls in reverse order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, nested_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.applier import check_node_ports
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.cli import HelmCli
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.errors import classify
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.local_charts import scan_local_charts
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.manifest import parse_manifest
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.release import HelmReleases
from ansible_collections.meshops.istio_edge.plugins.module_utils.install import report
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.gateways import (
    gateway_info, pick_gateway_objects, release_objects, shape_info)
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.plan import (
    build_plan, server_side_args)
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.source import (
    LOCAL, chart_reference, pick_local_chart)
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.values import (
    INSTALL, NONE, UNINSTALL, UPGRADE, decide)
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.wait import (
    ISTIO_CRDS, wait_crds, wait_workloads)
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier


def run_install(params, check_mode=False, diff=False):
    """The module's runner: returns the result dict or raises EdgeError."""
    plan = build_plan(params)
    kube = KubeApplier(params, check_mode=check_mode)
    kube.get("v1", "Namespace", plan["istio_namespace"])  # unreachable cluster / bad credentials: fail now
    with HelmCli(params.get("helm_binary"), params, timeout=plan["timeout"]) as cli:
        helm = HelmReleases(cli, server_side_args(plan["server_side"], cli.version[0]), plan["extra_args"],
                            plan["create_namespace"])
        run = _Run(plan, kube, helm, check_mode, diff)
        result = run.present() if plan["state"] == "present" else run.absent()
        result["helm_version"] = cli.version_text
    return result


class _Run:
    def __init__(self, plan, kube, helm, check_mode, diff):
        self.plan = plan
        self.kube = kube
        self.helm = helm
        self.check_mode = check_mode
        self.diff = diff
        self.items = []          # per release: {spec, before, values, decision, entry}
        self.entries = []        # the ``releases`` result, filled as releases are handled
        self.diffs = []
        self._refs = {}
        self._inventory = None
        self._manifests = {}     # the stored manifest per (namespace, name), from the last read of the release
        self.warnings = []

    # -- reading (no writes) ----------------------------------------------------------------------------
    def _fetch(self, spec, field=None, missing_ok=True):
        """The release as helm stores it, in one helm call (``HelmReleases.read``); its manifest is kept for
        the waits, the gateways and the diffs. None when the release does not exist."""
        release = self.helm.read(spec["name"], spec["namespace"], field=field, missing_ok=missing_ok)
        if release is not None:
            self._manifests[(spec["namespace"], spec["name"])] = release["manifest"]
        return release

    def _read(self):
        # one helm process per release, independent of each other: started together, their start-ups (the binary,
        # its kubeconfig, the API discovery) overlap; a failed read is raised in release order
        specs = self.plan["releases"]
        with ThreadPoolExecutor(max_workers=max(1, min(4, len(specs)))) as pool:
            reads = [pool.submit(self._fetch, spec, spec["field"]) for spec in specs]
        for spec, read in zip(specs, reads):
            before = read.result()
            values = None
            if before is not None and before.get("status") != "uninstalled":
                values = before["values"]
            state = dict(before, values=values) if before is not None else None
            decision = decide(spec, state, self.plan["state"])
            self.items.append({"spec": spec, "before": before, "values": values, "decision": decision})

    def _check_namespaces(self):
        if self.plan["create_namespace"]:
            return
        seen = set()
        for item in self.items:
            spec = item["spec"]
            if item["decision"]["action"] != INSTALL or spec["namespace"] in seen:
                continue
            seen.add(spec["namespace"])
            if self.kube.get("v1", "Namespace", spec["namespace"]) is None:
                field = "istio_namespace" if spec["component"] != "gateway" else "%s.namespace" % spec["field"]
                raise EdgeError("%s: namespace %s does not exist and create_namespace is false." % (
                    field, spec["namespace"]), field=field,
                    hint="Create the namespace first, or set create_namespace: true (nothing was changed).")

    def _check_node_ports(self):
        """The nodePorts a shaped gateway pins must be free before its release is installed or upgraded; a
        release that does not change already holds them."""
        for item in self.items:
            shape = item["spec"].get("shape")
            if not shape:
                continue
            if not shape["check_node_ports"]:
                item["node_port_check"] = "disabled (check_node_ports=false)"
            elif item["decision"]["action"] not in (INSTALL, UPGRADE):
                item["node_port_check"] = "not needed (the release does not change)"
            else:
                try:
                    item["node_port_check"] = check_node_ports(self.kube, shape["plan"])
                except EdgeError as exc:
                    raise nested_error(exc, "%s.service" % item["spec"]["field"]) \
                        if exc.code == "NodePortTaken" else exc
                if item["node_port_check"].startswith("skipped"):
                    self.warnings.append("%s.service: nodePort collision check %s" % (
                        item["spec"]["field"], item["node_port_check"]))

    def _chart(self, spec):
        """The helm chart reference, proven to exist at the pinned version (cached per chart)."""
        chart = spec["chart"]
        if chart not in self._refs:
            source, version = self.plan["source"], self.plan["version"]
            if source["kind"] == LOCAL:
                if self._inventory is None:
                    self._inventory = scan_local_charts(source["location"])
                path = pick_local_chart(self._inventory, chart, version, source["location"])
                self._refs[chart] = chart_reference(source, chart, version, path)
            else:
                ref = chart_reference(source, chart, version)
                self.helm.show_chart(ref, field="chart_version")
                self._refs[chart] = ref
        return self._refs[chart]

    def _manifest(self, spec):
        key = (spec["namespace"], spec["name"])
        if key not in self._manifests:
            self._fetch(spec, missing_ok=False)
        return self._manifests[key]

    def _rendered(self, spec):
        """What ``helm upgrade`` would apply (``helm template``), rendered once per release."""
        key = ("rendered", spec["namespace"], spec["name"])
        if key not in self._manifests:
            self._manifests[key] = self.helm.template(spec["name"], spec["namespace"], self._chart(spec),
                                                      spec["values"], spec["field"], self._kube_version())
        return self._manifests[key]

    def _kube_version(self):
        try:
            return self.kube.client.version["kubernetes"]["gitVersion"]
        except (KeyError, TypeError, AttributeError):
            return None

    # -- writing ----------------------------------------------------------------------------------------
    def _apply(self, item):
        spec, decision, before = item["spec"], item["decision"], item["before"]
        if decision["action"] == NONE or self.check_mode:
            return before
        result = self.helm.upgrade(spec["name"], spec["namespace"], self._chart(spec), spec["values"])
        if result.rc != 0:
            error = classify(result.message, "upgrade --install", release="%s/%s" % (spec["namespace"], spec["name"]),
                             field_prefix=spec["field"])
            self._undo(item, error)
        return self._fetch(spec)

    # The collection waits and undoes a failed release itself instead of passing Helm's ``--wait`` with
    # ``--atomic`` (helm 3) / ``--rollback-on-failure`` (helm 4), because:
    # - the module must behave the same with both Helm majors, which spell the flag differently and whose
    #   ``--wait`` judge readiness differently (helm 4 with kstatus);
    # - the waits are per component and can be turned off one by one (wait_crds / wait_istiod / wait_gateways),
    #   and the CRD wait also runs when the base release is managed elsewhere (base.enabled=false): istiod's
    #   release must not start before Istio's CRDs are Established;
    # - the failure says what happened: the error names each workload that is not ready and why, and the
    #   result reports the revision rolled back to and the release's status afterwards (``releases``,
    #   ``rolled_back``), where Helm's own rollback reports a timeout of the release.
    def _undo(self, item, error):
        """Roll a failed upgrade back (or uninstall a failed first install), then raise ``error`` with what was done."""
        spec, before = item["spec"], item["before"]
        name, namespace = spec["name"], spec["namespace"]
        target = None
        if item["decision"]["action"] == UPGRADE and before is not None:
            target = before["revision"] if before.get("status") == "deployed" else \
                self.helm.last_good_revision(name, namespace)
        rolled_back = False
        if target is not None:
            done = self.helm.rollback(name, namespace, target)
            if done.rc == 0:
                rolled_back = True
                after = self.helm.read(name, namespace)
                now = after or {}
                outcome = "The release was rolled back to revision %s (now revision %s, %s)." % (
                    target, now.get("revision"), now.get("status"))
            else:
                outcome = "Rolling it back to revision %s failed too: %s" % (target, done.message)
                after = self.helm.read(name, namespace)
        else:
            after = self.helm.read(name, namespace)
            if after is None:
                outcome = "helm recorded no release, so nothing is left of it."
            else:
                done = self.helm.uninstall(name, namespace)
                outcome = "The failed release was uninstalled." if done.rc == 0 else \
                    "Uninstalling the failed release failed too: %s" % done.message
                after = self.helm.read(name, namespace)
        self.entries.append(report.release_entry(spec, item["decision"], after, before))
        raise EdgeError("%s %s" % (error.msg.rstrip(), outcome), field=error.field, hint=error.hint,
                        code=error.code, **dict(error.details, releases=self.entries, rolled_back=rolled_back))

    def _wait(self, item, kind):
        """The waits after a release: CRDs after base, workloads after istiod / gateways."""
        spec, waits, timeout = item["spec"], self.plan["waits"], self.plan["timeout"]
        if self.check_mode:
            return
        try:
            if kind == "crds" and waits["crds"]:
                names = release_objects(parse_manifest(self._manifest(spec)), spec["namespace"])["crds"] \
                    if spec else list(ISTIO_CRDS)
                wait_crds(self.kube, names, timeout, release=(spec["name"], spec["namespace"]) if spec else None)
            elif kind == "istiod" and waits["istiod"] or kind == "gateway" and waits["gateways"]:
                workloads = release_objects(parse_manifest(self._manifest(spec)), spec["namespace"])["workloads"]
                wait_workloads(self.kube, workloads, timeout,
                               "wait_istiod" if kind == "istiod" else "wait_gateways")
        except EdgeError as error:
            if spec and item["decision"]["action"] == UPGRADE:
                self._undo(item, error)
            if spec:
                after = self.helm.read(spec["name"], spec["namespace"])
                self.entries.append(report.release_entry(spec, item["decision"], after, item["before"]))
            error.details["releases"] = self.entries
            raise

    # -- results ----------------------------------------------------------------------------------------
    def _gateway(self, item):
        spec, action = item["spec"], item["decision"]["action"]
        if self.check_mode and action != NONE:
            objects = parse_manifest(self._rendered(spec))
            workload, service = pick_gateway_objects(objects, spec["name"], spec["namespace"])
            info = gateway_info(spec, workload and workload[3], service and service[3], "rendered")
        else:
            workload, service = pick_gateway_objects(parse_manifest(self._manifest(spec)), spec["name"],
                                                     spec["namespace"])
            live_workload = self.kube.get("apps/v1", workload[0], workload[1], workload[2]) if workload else None
            live_service = self.kube.get("v1", "Service", service[1], service[2]) if service else None
            info = gateway_info(spec, live_workload, live_service, "live")
        if spec.get("shape"):
            info.update(shape_info(spec["shape"], info, item.get("node_port_check")))
        return info

    def _diff(self, item):
        spec, action, before = item["spec"], item["decision"]["action"], item["before"]
        if not self.diff or action == NONE:
            return
        after_values = None if action == UNINSTALL else spec["values"]
        self.diffs.append(report.values_diff(spec, item["values"], after_values))
        after_version = None if action == UNINSTALL else spec["version"]
        if (before or {}).get("version") != after_version:
            self.diffs.append(report.version_diff(spec, (before or {}).get("version"), after_version))
        if self.plan["diff_manifests"]:
            if action == UNINSTALL:
                after, rendered = "", False
            elif self.check_mode:
                after, rendered = self._rendered(spec), True
            else:
                after, rendered = self._manifest(spec), False
            self.diffs.append(report.manifest_diff(spec, item.get("manifest_before", ""), after, rendered))

    # -- flows ------------------------------------------------------------------------------------------
    def present(self):
        self._read()
        self._check_namespaces()
        self._check_node_ports()
        for item in self.items:
            if item["decision"]["action"] in (INSTALL, UPGRADE):
                self._chart(item["spec"])
                if self.diff and self.plan["diff_manifests"] and item["before"] is not None:
                    item["manifest_before"] = self._manifest(item["spec"])
        base_seen = False
        gateways = []
        for item in self.items:
            spec = item["spec"]
            if spec["component"] != "base" and not base_seen:
                self._wait({"spec": None, "decision": {"action": NONE}}, "crds")
                base_seen = True
            after = self._apply(item)  # after a write: the release read back, with its new manifest
            if spec["component"] == "base":
                self._wait(item, "crds")
                base_seen = True
            else:
                self._wait(item, spec["component"])
            self._diff(item)
            entry = report.predicted_entry(spec, item["decision"], item["before"]) if self.check_mode else \
                report.release_entry(spec, item["decision"], after, item["before"])
            self.entries.append(entry)
            if spec["component"] == "gateway":
                gateways.append(self._gateway(item))
        result = {"changed": any(e["changed"] for e in self.entries), "releases": self.entries,
                  "gateways": gateways, "chart_source": self.plan["source"]["location"],
                  "chart_version": self.plan["version"]}
        if self.diffs:
            result["diff"] = self.diffs
        if self.warnings:
            result["warnings"] = self.warnings
        return result

    def absent(self):
        self._read()
        for item in self.items:
            spec, action = item["spec"], item["decision"]["action"]
            if self.diff and action == UNINSTALL and self.plan["diff_manifests"]:
                item["manifest_before"] = self._manifest(spec)
            if action == UNINSTALL and not self.check_mode:
                done = self.helm.uninstall(spec["name"], spec["namespace"])
                if done.rc != 0:
                    error = classify(done.message, "uninstall", release="%s/%s" % (spec["namespace"], spec["name"]),
                                     field_prefix=spec["field"])
                    raise EdgeError(error.msg, field=error.field, hint=error.hint, code=error.code,
                                    releases=self.entries)
            self._diff(item)
            entry = report.release_entry(spec, item["decision"], item["before"], item["before"])
            if action == UNINSTALL and not self.check_mode:
                entry.update(status="uninstalled", revision=None)
            self.entries.append(entry)
        result = {"changed": any(e["changed"] for e in self.entries), "releases": self.entries, "gateways": []}
        if self.diffs:
            result["diff"] = self.diffs
        return result
