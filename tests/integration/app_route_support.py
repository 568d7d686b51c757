# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-bed setup shared by the app_route / expose_app integration tests.

* Istio's CRDs: taken from the fixture base chart (tests/fixtures/charts/base/files/crd-all.gen.yaml, Istio's
  own schemas) and created directly - no Helm needed; minimal CRDs when that file is absent.
* A gateway workload: a Deployment + Service labelled like Istio's gateway chart (app=istio-ingress,
  istio=ingress). No pod ever runs on the test bed (no kubelet), so Envoy's behaviour itself cannot be
  observed here: the tests assert what is written to the API server.
* App workloads: a Deployment + Service per destination.
* Fixtures for the app_route test modules (import them: ``from app_route_support import istio_crds, ...``):
  ``istio_crds`` (module-wide, autouse), ``no_leftover_claims`` (autouse), ``gw_ns`` (a gateway namespace), and
  ``bare_cluster`` / ``bare_kube``: a small API server of the module's own (no controller manager), for a cluster
  where Istio's CRDs never existed (they are cluster-wide and the session's test bed needs them).
"""

import os
import time
import uuid

import pytest
import yaml

from ansible_runner import REPO
from testbed import TestBed as _Bed  # aliased: pytest would try to collect Test* classes

CRD_FILE = os.path.join(REPO, "tests", "fixtures", "charts", "base", "files", "crd-all.gen.yaml")
ISTIO_CRDS = ("destinationrules.networking.istio.io", "gateways.networking.istio.io",
              "virtualservices.networking.istio.io", "telemetries.telemetry.istio.io")
GATEWAY_LABELS = {"app": "istio-ingress", "istio": "ingress"}
OWNED = "app.kubernetes.io/managed-by=meshops.istio_edge"


def _minimal_crd(group, kind, plural, versions):
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "%s.%s" % (plural, group)},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": kind + "List"},
                 "versions": [{"name": v, "served": True, "storage": i == 0, "schema": {"openAPIV3Schema": {
                     "type": "object", "properties": {
                         "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                         "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}
                     for i, v in enumerate(versions)]},
    }


def crd_documents():
    if os.path.exists(CRD_FILE):
        with open(CRD_FILE) as handle:
            docs = yaml.safe_load(handle)  # one document: the list of CRDs
            return [d for d in docs if d and d.get("kind") == "CustomResourceDefinition"]
    net = ("v1beta1", "v1alpha3", "v1")
    return [_minimal_crd("networking.istio.io", "DestinationRule", "destinationrules", net),
            _minimal_crd("networking.istio.io", "Gateway", "gateways", net),
            _minimal_crd("networking.istio.io", "VirtualService", "virtualservices", net),
            _minimal_crd("telemetry.istio.io", "Telemetry", "telemetries", ("v1alpha1", "v1"))]


def ensure_istio_crds(kube):
    """Create Istio's CRDs if missing and wait until they are Established and served.

    They are created with the ownership metadata of the base chart's release (istio-system/istio-base), as if
    that release had installed them and been uninstalled (the chart keeps its CRDs): a later `helm install` of
    istio-base on the same test bed (the istio_install tests) adopts them instead of failing.
    """
    crds = kube.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    for doc in crd_documents():
        if _exists(crds, doc["metadata"]["name"]):
            continue
        meta = doc["metadata"]
        meta.setdefault("labels", {})["app.kubernetes.io/managed-by"] = "Helm"
        meta.setdefault("annotations", {}).update({"meta.helm.sh/release-name": "istio-base",
                                                   "meta.helm.sh/release-namespace": "istio-system",
                                                   "helm.sh/resource-policy": "keep"})
        crds.create(body=doc)
    deadline = time.monotonic() + 30
    for name in ISTIO_CRDS:
        while True:
            obj = crds.get(name=name).to_dict()
            conds = {c["type"]: c["status"] for c in (obj.get("status") or {}).get("conditions") or []}
            if conds.get("Established") == "True":
                break
            assert time.monotonic() < deadline, "CRD %s not Established" % name
            time.sleep(0.2)
    kube.resources.invalidate_cache()


def _exists(res, name, namespace=None):
    try:
        res.get(name=name, namespace=namespace)
        return True
    except Exception:  # noqa: BLE001 - NotFound
        return False


def apply(kube, obj):
    res = kube.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    meta = obj["metadata"]
    kwargs = dict(body=obj, name=meta["name"], field_manager="tests", force_conflicts=True)
    if res.namespaced:
        kwargs["namespace"] = meta["namespace"]
    return res.server_side_apply(**kwargs).to_dict()


def new_namespace(kube, prefix="t"):
    name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
    apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def delete_namespace(kube, name):
    try:
        kube.resources.get(api_version="v1", kind="Namespace").delete(name=name)
    except Exception:  # noqa: BLE001 - best effort
        pass


def make_workload(kube, namespace, name, ports, labels=None, service_type="ClusterIP", node_ports=None):
    """A Deployment (its pods never run here) and a Service with ``ports`` ({name: port})."""
    labels = dict(labels or {"app": name})
    apply(kube, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "main", "image": "registry.invalid/%s:1" % name}]}}}})
    svc_ports = []
    for port_name, port in ports.items():
        item = {"name": port_name, "port": port, "targetPort": port, "protocol": "TCP"}
        if node_ports and port_name in node_ports:
            item["nodePort"] = node_ports[port_name]
        svc_ports.append(item)
    apply(kube, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
                 "spec": {"type": service_type, "selector": labels, "ports": svc_ports}})


def make_gateway(kube, namespace, name="istio-ingress", labels=None, ports=None):
    """The ingress gateway as Istio's gateway chart makes it (Deployment + Service)."""
    make_workload(kube, namespace, name, ports or {"status-port": 15021, "http2": 80, "https": 443},
                  labels=labels or GATEWAY_LABELS)


def get(kube, api_version, kind, name, namespace=None):
    res = kube.resources.get(api_version=api_version, kind=kind)
    try:
        return res.get(name=name, namespace=namespace).to_dict()
    except Exception:  # noqa: BLE001 - NotFound
        return None


def list_owned(kube, kind, namespace=None, app=None, api_version="networking.istio.io/v1beta1"):
    selector = OWNED + (",istio-edge.meshops.io/app=%s" % app if app else "")
    res = kube.resources.get(api_version=api_version, kind=kind)
    return sorted(o["metadata"]["name"] for o in res.get(namespace=namespace, label_selector=selector).to_dict()["items"])


def delete_owned(kube, namespace, api_version="networking.istio.io/v1beta1"):
    """Delete the app_route-owned objects of a namespace now (namespace deletion is asynchronous, and a
    terminating namespace's VirtualServices still claim their hosts)."""
    kinds = [(api_version, k) for k in ("VirtualService", "Gateway", "DestinationRule")]
    kinds.append(("telemetry.istio.io/v1alpha1", "Telemetry"))
    for version, kind in kinds:
        res = kube.resources.get(api_version=version, kind=kind)
        for item in res.get(namespace=namespace, label_selector=OWNED).to_dict()["items"]:
            try:
                res.delete(name=item["metadata"]["name"], namespace=namespace)
            except Exception:  # noqa: BLE001 - already gone
                pass


def wait_namespace_gone(kube, name, timeout=90):
    res = kube.resources.get(api_version="v1", kind="Namespace")
    deadline = time.monotonic() + timeout
    while _exists(res, name):
        assert time.monotonic() < deadline, "namespace %s was not deleted" % name
        time.sleep(0.5)


def remove_app_namespaces(kube, namespaces, wait=False):
    """Delete the apps' namespaces (their app_route objects first: a terminating namespace's VirtualServices
    still claim their hosts); ``wait``: until they are gone, so a playbook can create them afresh."""
    for ns in namespaces:
        delete_owned(kube, ns)
        delete_namespace(kube, ns)
        if wait:
            wait_namespace_gone(kube, ns)


def run_app_route(ansible, gw_ns, apps, check=False, diff=False, **extra):
    """Run app_route for ``apps`` against the gateway of ``gw_ns`` (``extra``: more module options)."""
    args = dict(apps=apps, gateway_namespace=gw_ns)
    args.update(extra)
    return ansible.module("app_route", args, check=check, diff=diff)


@pytest.fixture(scope="module", autouse=True)
def istio_crds(kube):
    ensure_istio_crds(kube)


@pytest.fixture(autouse=True)
def no_leftover_claims(kube, namespace):
    """The app namespace goes away asynchronously: remove the routes now so no later test sees their claims."""
    yield
    delete_owned(kube, namespace)


@pytest.fixture
def gw_ns(kube):
    name = new_namespace(kube, "gw")
    make_gateway(kube, name)
    yield name
    delete_namespace(kube, name)


@pytest.fixture(scope="module")
def bare_cluster(tmp_path_factory):
    """The testbed info of an API server of this module's own (no controller manager), stopped at its end."""
    bed = _Bed(str(tmp_path_factory.mktemp("bare")))
    try:
        yield bed.up(kcm=False)
    finally:
        bed.down()


@pytest.fixture(scope="module")
def bare_kube(bare_cluster):
    """A kubernetes DynamicClient on ``bare_cluster``."""
    from kubernetes import config
    from kubernetes.dynamic import DynamicClient
    return DynamicClient(config.new_client_from_config(config_file=bare_cluster["kubeconfig"]))
