# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""edge_path_info in the cluster's own words, on current APIs, on the test bed's real API server:

* a gateway whose ReplicaSet cannot create pods (a ResourceQuota of 0 pods: the real ReplicaSet controller of
  kube-controller-manager records ``FailedCreate`` events) is reported with those events quoted;
* the endpoints come from EndpointSlices: a ServiceAccount that may read everything the diagnosis needs except
  v1 Endpoints (deprecated from Kubernetes 1.33) gets a full diagnosis, no request refused;
* a Warning header of the API server (here: an Istio API version its CRD marks deprecated, on a bare API server
  of this module's own, since CRDs are cluster-wide) reaches the user as an Ansible warning, once.

What the test bed cannot do is said in test_edge_path_info_support.py (no kubelet: Ready pods are made by hand).
"""

import time
import uuid

import pytest

from app_route_support import apply, bare_cluster, bare_kube, delete_namespace  # noqa: F401  # pylint: disable=unused-import
from test_edge_path_info_support import HOST, fake_node, hop, path, statuses  # noqa: F401  # pylint: disable=unused-import
from token_support import service_account_token

pytestmark = pytest.mark.usefixtures("fake_node")


def run(ansible, args, **kwargs):
    result = ansible.module("edge_path_info", args, **kwargs)
    assert not result["failed"], result.get("msg")
    return result


def _wait(what, probe, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.3)


def test_gateway_refused_by_a_quota_quotes_the_replicaset_events(ansible, kube, path):
    apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": path.gw}})
    apply(kube, {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "no-pods", "namespace": path.gw},
                 "spec": {"hard": {"pods": "0"}}})
    quotas = kube.resources.get(api_version="v1", kind="ResourceQuota")
    # the quota controller must have counted the namespace first, or admission says "status unknown"
    _wait("the quota's status", lambda: (quotas.get(name="no-pods", namespace=path.gw).to_dict().get("status") or {})
          .get("hard"))
    path.build(ready_gateway=False)
    events = kube.resources.get(api_version="v1", kind="Event")
    _wait("a FailedCreate event", lambda: [
        e for e in events.get(namespace=path.gw, field_selector="involvedObject.kind=ReplicaSet").to_dict()["items"]
        if e["reason"] == "FailedCreate"])

    result = run(ansible, path.args())
    workload = hop(result, "gateway_workload")
    assert result["broken_hop"] == "gateway_workload"
    assert workload["reason"] == "no_pods"
    replica_sets = kube.resources.get(api_version="apps/v1", kind="ReplicaSet").get(namespace=path.gw).to_dict()
    rs = "%s/%s" % (path.gw, replica_sets["items"][0]["metadata"]["name"])
    assert "ReplicaSet %s cannot create them" % rs in workload["message"], workload["message"]
    assert 'FailedCreate (' in workload["message"] and "exceeded quota: no-pods" in workload["message"]
    assert "ResourceQuota" in workload["fix"] and path.gw in workload["fix"]
    assert any(line.startswith("ReplicaSet %s: FailedCreate" % rs) for line in workload["evidence"])


def _cluster_role(name, rules):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name},
            "rules": rules}


def _cluster_binding(name, namespace):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": "diagnose", "namespace": namespace}]}


def test_endpoints_come_from_endpointslices_not_v1_endpoints(ansible, kube, testbed, path):
    path.build()
    name = "edge-path-no-endpoints-%s" % uuid.uuid4().hex[:6]
    reads = ["get", "list"]
    rules = [
        {"apiGroups": [""], "resources": ["services", "pods", "events", "namespaces"], "verbs": reads},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": reads},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": reads},
        {"apiGroups": ["networking.istio.io"], "resources": ["gateways", "virtualservices", "destinationrules"],
         "verbs": reads},
    ]
    apply(kube, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "diagnose", "namespace": path.app}})
    apply(kube, _cluster_role(name, rules))
    apply(kube, _cluster_binding(name, path.app))
    try:
        auth = {"host": testbed["api_server"], "ca_cert": testbed["ca_cert"],
                "api_key": service_account_token(kube, path.app, "diagnose")}
        # the API server's RBAC authorizer: v1 Endpoints is refused to this identity
        review = kube.resources.get(api_version="authorization.k8s.io/v1", kind="SubjectAccessReview").create(body={
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": "system:serviceaccount:%s:diagnose" % path.app,
                     "groups": ["system:serviceaccounts", "system:authenticated"],
                     "resourceAttributes": {"verb": "get", "resource": "endpoints", "namespace": path.app}}})
        assert not review.to_dict()["status"].get("allowed")
        result = run(ansible, dict(path.args(), **auth), env={"K8S_AUTH_KUBECONFIG": ""})
        assert statuses(result)["gateway_workload"] == "ok", result["summary"]
        assert statuses(result)["endpoints"] == "ok", result["summary"]
        assert "forbidden" not in str(result).lower()
        assert "Endpoints %s/istio-ingress: 1 ready" % path.gw in " ".join(hop(result, "gateway_workload")["evidence"])

        # a destination whose only endpoint is not ready: said from the slice
        apply(kube, path.endpoints(ready=False))
        broken = run(ansible, dict(path.args(), **auth), env={"K8S_AUTH_KUBECONFIG": ""})
        assert hop(broken, "endpoints")["reason"] == "no_ready_endpoints"
        assert "1 address(es) are not ready" in hop(broken, "endpoints")["message"]
        assert "forbidden" not in str(broken).lower()
    finally:
        for kind in ("ClusterRoleBinding", "ClusterRole"):
            kube.resources.get(api_version="rbac.authorization.k8s.io/v1", kind=kind).delete(name=name)


DEPRECATION = "networking.istio.io/v1beta1 is deprecated here: use networking.istio.io/v1"


def _deprecated_crd(kind, plural):
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "%s.networking.istio.io" % plural},
            "spec": {"group": "networking.istio.io", "scope": "Namespaced",
                     "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": kind + "List"},
                     "versions": [{"name": "v1beta1", "served": True, "storage": True, "deprecated": True,
                                   "deprecationWarning": DEPRECATION,
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


def test_api_server_warnings_reach_the_user_once(ansible, bare_cluster, bare_kube):
    kube = bare_kube
    crds = kube.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    for kind, plural in (("Gateway", "gateways"), ("VirtualService", "virtualservices")):
        crds.create(body=_deprecated_crd(kind, plural))
        _wait("CRD %s Established" % plural, lambda p=plural: any(
            c["type"] == "Established" and c["status"] == "True"
            for c in (crds.get(name="%s.networking.istio.io" % p).to_dict().get("status") or {}).get("conditions")
            or []))
    kube.resources.invalidate_cache()
    for ns in ("istio-ingress", "shop"):
        apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    result = run(ansible, {"hostname": HOST, "namespace": "shop", "envoy_config": "never",
                           "kubeconfig": bare_cluster["kubeconfig"]})
    assert hop(result, "istio_crds")["status"] == "ok"  # v1beta1 is served: the diagnosis reads it
    warned = [w for w in result.get("warnings") or [] if DEPRECATION in w]
    assert warned == ["Kubernetes API server: %s" % DEPRECATION], result.get("warnings")
