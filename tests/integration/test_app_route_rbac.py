# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_route with a least-privilege ServiceAccount (namespace-scoped Roles only), on the test bed's real RBAC:
cluster-wide LISTs are forbidden, so it reads per namespace, says so, and still routes, idempotently; a missing
permission is reported with the API's 403 and nothing else is written. The ServiceAccount's token comes from the
TokenRequest API, as on any Kubernetes from 1.20 up."""

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, delete_owned, get, gw_ns, istio_crds, list_owned, make_workload)
from token_support import service_account_token

NET_RESOURCES = ["gateways", "virtualservices", "destinationrules"]


def role(namespace, rules):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "app-router", "namespace": namespace}, "rules": rules}


def binding(namespace, sa_namespace):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "app-router", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "app-router"},
            "subjects": [{"kind": "ServiceAccount", "name": "app-router", "namespace": sa_namespace}]}


def test_namespace_scoped_credentials(ansible, kube, testbed, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    apply(kube, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app-router", "namespace": namespace}})
    app_rules = [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["list"]},
        {"apiGroups": ["networking.istio.io"], "resources": NET_RESOURCES, "verbs": ["list", "get", "create", "patch", "delete"]},
        {"apiGroups": ["telemetry.istio.io"], "resources": ["telemetries"], "verbs": ["list", "get", "create", "patch", "delete"]},
    ]
    gw_rules = [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["list"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]},
        {"apiGroups": ["networking.istio.io"], "resources": NET_RESOURCES, "verbs": ["list"]},
        # the Leases that serialize runs writing the same claims (deploy/rbac/26a-role-app-leases.yaml)
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
    ]
    apply(kube, role(namespace, app_rules))
    apply(kube, binding(namespace, namespace))
    apply(kube, role(gw_ns, gw_rules))
    apply(kube, binding(gw_ns, namespace))
    # a TokenRequest token: no token Secret is made for a ServiceAccount from Kubernetes 1.24 on
    token = service_account_token(kube, namespace, "app-router")
    auth = {"host": testbed["api_server"], "api_key": token, "ca_cert": testbed["ca_cert"]}
    app = {"name": "shop", "namespace": namespace, "hosts": ["shop.%s.example.com" % namespace],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    args = dict(auth, apps=[app], gateway_namespace=gw_ns)
    env = {"K8S_AUTH_KUBECONFIG": ""}  # only the ServiceAccount's token, not the test bed's admin kubeconfig
    try:
        first = ansible.module("app_route", args, env=env)
        assert not first["failed"], first["msg"]
        assert first["summary"]["created"] == 2
        assert any("may not list" in w for w in first.get("warnings", [])), first.get("warnings")
        assert list_owned(kube, "VirtualService", namespace) == ["shop"]
        again = ansible.module("app_route", args, env=env)
        assert again["changed"] is False and again["api_requests"]["write"] == 0

        # sidecar injection needs patch on the namespace, which this identity lacks: a 403 naming it, nothing written
        denied = ansible.module("app_route", dict(args, apps=[dict(app, sidecar_injection=True, access_log=True)]),
                                env=env)
        assert denied["failed"] and denied["code"] == 403
        assert "namespaces" in denied["msg"] and "Forbidden" in denied["msg"]
        assert get(kube, "telemetry.istio.io/v1", "Telemetry", "shop-access-log", namespace) is None

        removed = ansible.module("app_route", dict(args, state="absent"), env=env)
        assert not removed["failed"], removed["msg"]
        assert removed["summary"]["deleted"] == 2 and list_owned(kube, "VirtualService", namespace) == []
    finally:
        delete_owned(kube, namespace)
