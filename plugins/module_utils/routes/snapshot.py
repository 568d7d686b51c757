# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what ``app_route`` needs from the cluster up front: one LIST per kind (private).

``Snapshot`` holds namespaces, Services, the gateway workloads, and every Gateway, VirtualService,
DestinationRule and Telemetry, indexed by (namespace, name). Nothing is written here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import MANAGED_SELECTOR
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.api import (
    KINDS, NETWORKING_GROUP, TELEMETRY_GROUP)
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import destination_service, gateway_selects
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import selector_from_labels
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.ownership import owned_by
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.discovery import find_api, not_served_error

PER_NAMESPACE_LIMIT = 3


def crds_missing_error(kinds, group=NETWORKING_GROUP):
    return not_served_error(
        "Istio's CRDs are not installed: the cluster does not serve %s %s (no matches for kind %s)."
        % (group, "/".join(kinds), kinds[0]),
        hint="Install Istio first (playbooks/install-istio.yml or role meshops.istio_edge.istio: the base chart "
             "brings the CRDs), then re-run. Nothing was changed.")


def discover_api(applier, need_telemetry=False):
    """``{"networking": "networking.istio.io/<v>", "telemetry": ... or None}``.

    A NotServedError only when the API server says the CRDs are not there; any other discovery answer (429, 5xx,
    403, no connection) is raised as the error it is."""
    networking = find_api(applier.params, NETWORKING_GROUP, KINDS[NETWORKING_GROUP])
    if networking["missing"]:
        raise crds_missing_error(networking["missing"])
    telemetry = find_api(applier.params, TELEMETRY_GROUP, KINDS[TELEMETRY_GROUP])
    if need_telemetry and telemetry["missing"]:
        raise crds_missing_error(telemetry["missing"], TELEMETRY_GROUP)
    return {"networking": networking["api_version"], "telemetry": telemetry["api_version"]}


def _kept(read, namespaces, acted=()):
    """``read`` keeping the items of ``namespaces``, and those owned by an app of ``acted`` (to prune) anywhere."""
    def kept(*args):
        return [o for o in read(*args) if o["metadata"].get("namespace") in namespaces or
                (acted and owned_by(o) in acted)]
    return kept


def _slimmed(read, scope, acted):
    """``read`` without the managedFields (the write decision's input, most of an object's size) of objects the
    run cannot write: outside the namespaces of ``scope`` and owned by no app of ``acted``."""
    def slimmed(*args):
        items = read(*args)
        for obj in items:
            meta = obj["metadata"]
            if meta.get("namespace") not in scope and owned_by(obj) not in acted:
                meta.pop("managedFields", None)
        return items
    return slimmed


def _index(items):
    return dict(((o["metadata"].get("namespace"), o["metadata"]["name"]), o) for o in items)


class Snapshot:
    """What is live, read with one LIST per kind.

    ``any_version``: LIST from the API server's watch cache (``resourceVersion=0``, see ``k8s/bulk.py``) - for the
    first look of a run; the read that decides the writes, under the run's Leases, is a consistent one.
    """

    def __init__(self, bulk, api, gateway_name, gateway_namespace, any_version=False):
        self.any_version = any_version
        self.bulk = bulk
        self.api = api
        self.gateway_name = gateway_name
        self.gateway_namespace = gateway_namespace
        self._cluster_deployments = None
        self._owned_index = None

    def _list(self, api_version, kind, namespaces=None, label_selector=None):
        """Per namespace when there are few, else one cluster-wide LIST (falling back per namespace on 403)."""
        if namespaces is not None and len(namespaces) <= PER_NAMESPACE_LIMIT:
            items = []
            for ns in sorted(namespaces):
                items.extend(self.bulk.list_kind(api_version, kind, namespaces=[ns], label_selector=label_selector,
                                                 namespace=ns, any_version=self.any_version))
            return items
        return self.bulk.list_kind(api_version, kind, namespaces=namespaces, label_selector=label_selector,
                                   any_version=self.any_version)

    def _istio_list(self, api_version, kind, label_selector=None, namespaces=None):
        try:
            return self.bulk.list_kind(api_version, kind, label_selector=label_selector, namespaces=namespaces,
                                       any_version=self.any_version)
        except EdgeError as exc:
            if exc.code == 404:
                self.bulk.applier.client.resources.invalidate_cache()
                raise crds_missing_error([kind], api_version.split("/")[0])
            raise

    def read_owned(self, scope=None):
        """Only the collection's per-app objects (for state=absent); ``scope``: namespaces to fall back to."""
        selector = MANAGED_SELECTOR
        self.owned = []
        for kind in ("VirtualService", "DestinationRule", "Gateway"):
            self.owned += self._istio_list(self.api["networking"], kind, selector, scope)
        if self.api.get("telemetry"):
            self.owned += self._istio_list(self.api["telemetry"], "Telemetry", selector, scope)
        return self.owned

    def read(self, apps):
        """Everything the checks and the plan need for these apps."""
        app_namespaces = set(a["namespace"] for a in apps)
        service_namespaces = set(app_namespaces) | {self.gateway_namespace}
        for app in apps:
            for rule in app["http"] + app["tcp"]:
                for dest in rule["route"]:
                    ref = destination_service(dest["host"], app["namespace"])
                    if ref:
                        service_namespaces.add(ref[0])
        # namespace-scoped credentials: Istio objects are then read in the namespaces the apps touch only
        scope = set(app_namespaces) | {self.gateway_namespace}
        for app in apps:
            if app.get("gateway"):
                scope.add(app["gateway"]["namespace"])
            if app.get("use_gateway"):
                scope.add(app["use_gateway"].split("/")[0])
        self.namespaces = self._namespaces(service_namespaces | scope)
        existing = service_namespaces & self.namespaces
        scope &= self.namespaces
        net = self.api["networking"]
        # the remaining LISTs are independent: sent together, their round trips overlap
        # (a cluster-wide LIST brings every namespace's objects: each thread keeps what the run uses - the
        # Services and DestinationRules of the namespaces it reads, every Gateway and VirtualService for the
        # claims, with managedFields only where the run may write)
        acted = set(a["name"] for a in apps)
        reads = {
            "services": (_kept(self._list, existing), ("v1", "Service", existing)) if existing else None,
            "deployments": (self._list, ("apps/v1", "Deployment", {self.gateway_namespace}))
            if self.gateway_namespace in self.namespaces else None,
            "gateways": (_slimmed(self._istio_list, scope, acted), (net, "Gateway", None, scope)),
            "virtual_services": (_slimmed(self._istio_list, scope, acted), (net, "VirtualService", None, scope)),
            "destination_rules": (_kept(self._istio_list, existing | app_namespaces, acted),
                                  (net, "DestinationRule", None, existing | app_namespaces)),
            # every Telemetry of the apps' namespaces: one selecting the same pods as an app's would clash
            "telemetries": (self._istio_list, (self.api["telemetry"], "Telemetry", None, app_namespaces & scope))
            if self.api.get("telemetry") else None,
        }
        results = self._concurrently(reads)
        self.services = _index(results["services"])
        self.deployments = results["deployments"]
        for key in ("gateways", "virtual_services", "destination_rules", "telemetries"):
            setattr(self, key, _index(results[key]))
        return self

    def _concurrently(self, reads):
        """Run the reads (name -> (function, args) or None) with up to ``parallel`` threads; lists of items."""
        for func_args in reads.values():
            if func_args:
                self.bulk.applier.resource(*func_args[1][:2])  # discovery once, before the threads
        todo = dict((k, v) for k, v in reads.items() if v)
        out = dict((k, []) for k in reads)
        if self.bulk.parallel <= 1:
            for key, (func, args) in todo.items():
                out[key] = func(*args)
            return out
        with ThreadPoolExecutor(max_workers=min(self.bulk.parallel, len(todo) or 1)) as pool:
            futures = dict((key, pool.submit(func, *args)) for key, (func, args) in todo.items())
            for key, future in futures.items():
                out[key] = future.result()
        return out

    def narrowed_warning(self):
        if not self.bulk.narrowed:
            return None
        return ("The credentials may not list %s in all namespaces: they were read in the apps' and the gateway's "
                "namespaces only, so a host/path claimed by a VirtualService elsewhere was not checked."
                % ", ".join(sorted(set(self.bulk.narrowed))))

    def _namespaces(self, wanted):
        self._namespace_objects = {}
        try:
            items = self.bulk.list_kind("v1", "Namespace", any_version=self.any_version)
        except EdgeError as exc:
            if exc.code != 403:
                raise
            items = []
            for ns in sorted(wanted):
                self.bulk.requests["get"] += 1
                obj = self.bulk.applier.get("v1", "Namespace", ns)
                if obj is not None:
                    items.append(obj)
        # only the namespaces the run asks about are kept: a cluster may have thousands
        self._namespace_objects = dict((o["metadata"]["name"], o) for o in items if o["metadata"]["name"] in wanted)
        return set(self._namespace_objects)

    def namespace_object(self, name):
        obj = self._namespace_objects.get(name)
        if obj is not None:
            obj.setdefault("apiVersion", "v1")
            obj.setdefault("kind", "Namespace")
        return obj

    # -- derived --------------------------------------------------------------------------------------
    def by_kind(self, kind):
        return {"Gateway": self.gateways, "VirtualService": self.virtual_services,
                "DestinationRule": self.destination_rules, "Telemetry": self.telemetries}[kind]

    def owned_objects(self, app_names, namespaces=None):
        """Objects owned by these apps (within ``namespaces`` when given); indexed by app on first use."""
        if self._owned_index is None:
            self._owned_index = {}
            for kind in ("VirtualService", "DestinationRule", "Gateway", "Telemetry"):
                for obj in self.by_kind(kind).values():
                    owner = owned_by(obj)
                    if owner:
                        self._owned_index.setdefault(owner, []).append(obj)
        out = []
        for name in app_names:
            out += [o for o in self._owned_index.get(name, ())
                    if namespaces is None or o["metadata"].get("namespace") in namespaces]
        return out

    def gateway_deployment(self):
        for dep in self.deployments:
            meta = dep["metadata"]
            if meta["name"] == self.gateway_name and meta.get("namespace") == self.gateway_namespace:
                return dep
        return None

    def gateway_service(self):
        return self.services.get((self.gateway_namespace, self.gateway_name))

    def workloads(self, cluster_wide=False):
        """(description, pod template labels) of the gateway Deployments (gateway namespace or cluster)."""
        deployments = self.deployments
        if cluster_wide:
            if self._cluster_deployments is None:
                try:
                    self._cluster_deployments = self.bulk.list_kind("apps/v1", "Deployment",
                                                                    any_version=self.any_version)
                except EdgeError as exc:
                    if exc.code != 403:
                        raise
                    self._cluster_deployments = []  # may not list cluster-wide: the gateway namespace only
            deployments = self._cluster_deployments
        out = []
        for dep in deployments:
            meta = dep["metadata"]
            labels = (((dep.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            out.append(("Deployment %s/%s" % (meta.get("namespace"), meta["name"]), labels))
        return out

    def selector_has_workload(self, selector):
        if any(gateway_selects(selector, labels) for dummy, labels in self.workloads()):
            return True
        return any(gateway_selects(selector, labels) for dummy, labels in self.workloads(cluster_wide=True))

    def resolved_selector(self):
        """The Gateway selector read from the live gateway Deployment's pod template, or None."""
        dep = self.gateway_deployment()
        if dep is None:
            return None
        labels = (((dep.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
        return selector_from_labels(labels)

    def service_ports(self):
        service = self.gateway_service()
        if service is None:
            return []
        return [dict(name=p.get("name"), port=p.get("port"), target_port=p.get("targetPort"),
                     node_port=p.get("nodePort"), protocol=p.get("protocol", "TCP"))
                for p in (service.get("spec") or {}).get("ports") or []]
