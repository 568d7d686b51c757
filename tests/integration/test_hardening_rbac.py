# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Least privilege on the test bed (RBAC on): the shipped deploy/rbac/ applied as is by a cluster admin, then
playbooks/expose-app.yml (role istio installing Istio with helm, the edge, the apps' routes),
diagnose.yml and unexpose-app.yml run with nothing but the ServiceAccount's token (K8S_AUTH_HOST +
K8S_AUTH_API_KEY + K8S_AUTH_SSL_CA_CERT; the token read from the token Secret kube-controller-manager fills).
Then one rule is taken away at a time and the run fails with a message naming the verb and the resource.

The IAM policy (deploy/iam-policy.json) and the Azure role (deploy/azure-role.json) are checked against the
code: every boto3 operation the collection calls must be in the policy (the source is parsed), and every
ARM request frontdoor_origin sends to the fake ARM must be covered by the role's actions.

What the test bed cannot show: Istio's real charts (ClusterRoles, webhooks - the fixture charts render
CRDs, ServiceAccounts, a ConfigMap, Deployments, Services, a Role/RoleBinding), pods/proxy (no pod runs).
"""

import glob
import json
import os
import uuid

import pytest
import yaml

from ansible_runner import REPO
from app_route_support import delete_namespace, get, make_workload, new_namespace
from test_hardening_support import (
    SA_USER, access_allowed, apply_object, cluster_snapshot, find_document, free_node_ports, helm_revisions,
    rbac_documents, replace_rules, token_ansible, uninstall_istio, wait_access, service_account_token)

LOCAL = os.path.join(REPO, "inventories", "local")
PLAYBOOKS = os.path.join(REPO, "playbooks")
NET = "networking.istio.io/v1beta1"
RBAC_GROUP = "rbac.authorization.k8s.io"
WEBHOOKS = "admissionregistration.k8s.io"
CRDS = "apiextensions.k8s.io"
APP_NS = "<app namespace>"  # a Role of deploy/rbac/app-namespace/, applied in the app's namespace


def app_namespace_documents(namespace):
    """deploy/rbac/app-namespace/*.yaml as `kubectl apply -n <namespace> -f` applies them."""
    docs = []
    for path in sorted(glob.glob(os.path.join(REPO, "deploy", "rbac", "app-namespace", "*.yaml"))):
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    doc["metadata"]["namespace"] = namespace
                    docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def rbac(kube, testbed):
    """deploy/rbac/ applied as the cluster admin; yields the ServiceAccount's token."""
    uninstall_istio(testbed)
    for doc in rbac_documents():
        apply_object(kube, doc)
    token = service_account_token(kube)
    yield token
    uninstall_istio(testbed)
    for doc in reversed(rbac_documents()):
        if doc["kind"] != "Namespace":
            res = kube.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
            try:
                res.delete(name=doc["metadata"]["name"], namespace=doc["metadata"].get("namespace"))
            except Exception:  # noqa: BLE001 - best effort
                pass
    delete_namespace(kube, "meshops-istio-edge")


@pytest.fixture(scope="module")
def app(kube):
    """An app whose destination Service exists (made by the admin: workloads are not the collection's job)."""
    ns = new_namespace(kube, "hz-rbac")
    make_workload(kube, ns, "web", {"http": 80})
    for doc in app_namespace_documents(ns):      # sidecar_injection: the platform team grants this namespace
        apply_object(kube, doc)
    name = "rb" + uuid.uuid4().hex[:6]
    yield {"name": name, "namespace": ns, "hosts": ["%s.example.com" % name], "sidecar_injection": True,
           "access_log": True, "http": [{"name": "main", "match": [{"prefix": "/"}], "route": [{"host": "web",
                                                                                               "port": 80}]}]}
    delete_namespace(kube, ns)


@pytest.fixture(scope="module")
def sa(rbac, testbed, tmp_path_factory):
    return token_ansible(str(tmp_path_factory.mktemp("sa-ansible")), testbed, rbac)


@pytest.fixture(scope="module")
def play_vars(kube, app):
    http2, https, status = free_node_ports(kube, 3)
    return {"istio_edge_apps": [app],
            "istio_gateway_node_ports": {"http2": http2, "https": https, "status-port": status},
            "edge_nodeport_listeners": [{"lb_port": 80, "service_port": "http2", "node_port": http2},
                                        {"lb_port": 443, "service_port": "https", "node_port": https}]}


def _run(sa, playbook, extra):
    return sa.playbook(os.path.join(PLAYBOOKS, playbook), inventory=LOCAL, extra_vars=extra)


def _task(results, prefix):
    found = [r for r in results if r["_task"].split(" : ", 1)[-1].startswith(prefix)]
    assert found, [r["_task"] for r in results]
    return found[-1]


@pytest.fixture(scope="module")
def exposed(sa, play_vars, testbed):
    """expose-app as the ServiceAccount: Istio installed by helm, the app routed. Returns the results."""
    rc, out, results = _run(sa, "expose-app.yml", play_vars)
    assert rc == 0, out[-6000:]
    return results


def test_expose_app_installs_istio_and_routes_with_the_token_only(exposed, sa, kube, testbed, app, play_vars):
    assert all(rev and rev[1] == "deployed" for rev in helm_revisions(testbed).values()), helm_revisions(testbed)
    assert get(kube, NET, "Gateway", "%s-gateway" % app["name"], app["namespace"]) is not None
    assert get(kube, NET, "VirtualService", app["name"], app["namespace"])["spec"]["hosts"] == app["hosts"]
    ns = get(kube, "v1", "Namespace", app["namespace"])
    assert ns["metadata"]["labels"]["istio-injection"] == "enabled"
    assert get(kube, "telemetry.istio.io/v1alpha1", "Telemetry", "%s-access-log" % app["name"], app["namespace"])
    # the helm release Secrets and the routes were written by the ServiceAccount, not by an admin identity
    managers = [m["manager"] for m in get(kube, NET, "VirtualService", app["name"], app["namespace"])
                ["metadata"]["managedFields"]]
    assert managers == ["meshops.istio_edge"]

    rc, out, results = _run(sa, "expose-app.yml", play_vars)
    assert rc == 0, out[-6000:]
    assert [r["_task"] for r in results if r.get("changed")] == []


def test_diagnose_with_the_token_only(exposed, sa, tmp_path, play_vars):
    extra = dict(play_vars, istio_edge_diagnose_fail_on_broken=False, istio_edge_diagnose_report_dir=str(tmp_path))
    rc, out, results = _run(sa, "diagnose.yml", extra)
    assert rc == 0, out[-6000:]
    diagnosis = _task(results, "Diagnose each path")["results"][0]
    # no pod runs on the test bed, so the path is broken at the gateway pods - but every read was allowed, and
    # the hops the ServiceAccount had to read (Service, Gateway, VirtualService) check out
    assert diagnosis["broken_hop"] == "gateway_workload", diagnosis["summary"]
    statuses = dict((h["name"], h["status"]) for h in diagnosis["hops"])
    assert sorted(name for name, status in statuses.items() if status == "broken") == \
        ["endpoints", "gateway_workload"], statuses
    text = json.dumps(results) + out
    assert "forbidden" not in text.lower() and " 403" not in text


def _without(rules, group, resource, verb):
    """The rules minus one verb on one resource (a rule naming several resources is split)."""
    out = []
    for rule in rules:
        if group in rule.get("apiGroups", []) and resource in rule.get("resources", []):
            others = [r for r in rule["resources"] if r != resource]
            if others:
                out.append(dict(rule, resources=others))
            rule = dict(rule, resources=[resource], verbs=[v for v in rule["verbs"] if v != verb])
        if rule["verbs"]:
            out.append(rule)
    return out


# (role kind, name, namespace) from the manifests, the rule taken away, the playbook, the 403 words expected
CASES = {
    "list-gateways": (("ClusterRole", "meshops-istio-edge-apps", None), ("networking.istio.io", "gateways", "list"),
                      "expose-app.yml", ['cannot list resource "gateways" in API group "networking.istio.io"']),
    "create-virtualservices": (("ClusterRole", "meshops-istio-edge-apps", None),
                               ("networking.istio.io", "virtualservices", "create"), "expose-app.yml",
                               ["apply VirtualService", "grant patch and create on resource "
                                "virtualservices.networking.istio.io"]),
    "delete-virtualservices": (("ClusterRole", "meshops-istio-edge-apps", None),
                               ("networking.istio.io", "virtualservices", "delete"), "unexpose-app.yml",
                               ['cannot delete resource "virtualservices" in API group "networking.istio.io"']),
    "helm-release-secrets": (("Role", "meshops-istio-edge-istio", "istio-system"), ("", "secrets", "list"),
                             "expose-app.yml", ['cannot list resource "secrets" in API group "" in the namespace '
                                                '"istio-system"', "helm"]),
    "patch-app-namespace": (("Role", "meshops-istio-edge-app-namespace", APP_NS), ("", "namespaces", "patch"),
                            "expose-app.yml", ['cannot patch resource "namespaces" in API group "" in the namespace']),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_missing_verb_fails_naming_it(exposed, sa, kube, testbed, app, play_vars, case):
    (kind, name, namespace), (group, resource, verb), playbook, expected = CASES[case]
    if namespace == APP_NS:
        namespace = app["namespace"]
        doc = [d for d in app_namespace_documents(namespace) if d["kind"] == kind and d["metadata"]["name"] == name][0]
        # the label is there since the first run: take it away (as the admin) so the run has to write it again
        unlabel = {"metadata": {"labels": {"istio-injection": None}}}
        kube.resources.get(api_version="v1", kind="Namespace").patch(
            name=namespace, body=unlabel, content_type="application/merge-patch+json")
    else:
        doc = find_document(kind, name, namespace)
    extra = dict(play_vars)
    if case == "create-virtualservices":
        # a second app: its VirtualService does not exist yet, so the server-side apply needs create
        other = dict(app, name=app["name"] + "b", hosts=["b-" + app["hosts"][0]], sidecar_injection=False,
                     access_log=False)
        extra["istio_edge_apps"] = [app, other]
    if playbook == "unexpose-app.yml":
        extra["istio_edge_unexpose_all"] = True
    before = cluster_snapshot(kube, [app["namespace"]])
    revisions = helm_revisions(testbed)
    replace_rules(kube, doc, _without(doc["rules"], group, resource, verb))
    try:
        wait_access(kube, False, verb, resource, group, namespace or app["namespace"])
        rc, out, results = _run(sa, playbook, extra)
    finally:
        apply_object(kube, doc)
        wait_access(kube, True, verb, resource, group, namespace or app["namespace"])
    assert rc != 0
    failed = [r for r in results if r.get("_status") == "failed"]
    assert failed, out[-4000:]
    message = failed[-1]["msg"]
    for words in expected:
        assert words in message, message
    if "cannot" in expected[0]:
        assert SA_USER in message
    assert helm_revisions(testbed) == revisions
    after = cluster_snapshot(kube, [app["namespace"]])
    if case == "create-virtualservices":
        # the objects that did not need create (the new app's DestinationRule/Gateway may be written first) are
        # reported; the existing app's objects are untouched
        # the module's own failure (the fleet summary's failure that ends the run carries its message, not its code)
        coded = [r for r in failed if "code" in r]
        assert coded and coded[-1]["code"] == 403, failed
        assert dict((k, v) for k, v in after.items() if app["name"] + "b" not in k[2]) == \
            dict((k, v) for k, v in before.items() if app["name"] + "b" not in k[2])
    else:
        assert after == before
    if case == "patch-app-namespace":
        # put the label back as the collection's own field manager wrote it
        apply_object(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": namespace, "labels": {"istio-injection": "enabled"}}}, manager="meshops.istio_edge")


def test_rbac_rules_are_documented():
    """Every (apiGroup, resource, verb) granted by deploy/rbac is explained in docs/permissions.md."""
    with open(os.path.join(REPO, "docs", "permissions.md")) as handle:
        doc = handle.read()
    missing = []
    for obj in rbac_documents() + app_namespace_documents(None):
        for rule in obj.get("rules") or []:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    for verb in rule["verbs"]:
                        row = "| `%s` | `%s` |" % (group or "core", resource)
                        line = [ln for ln in doc.splitlines() if row in ln and "`%s`" % verb in ln]
                        if not line:
                            missing.append("%s %s %s (%s)" % (group or "core", resource, verb, obj["metadata"]["name"]))
    assert missing == []


def test_the_service_account_cannot_read_secrets_outside_istio(rbac, kube, app):
    """Least privilege, checked by the API server's authorizer: no Secret reads in the apps' namespaces, no
    cluster-wide Secret list, no Pods exec, no RBAC outside Istio's names."""
    assert not access_allowed(kube, "get", "secrets", namespace=app["namespace"])
    assert not access_allowed(kube, "list", "secrets")
    assert not access_allowed(kube, "create", "pods/exec", namespace="istio-ingress")
    assert not access_allowed(kube, "escalate", "clusterroles", "rbac.authorization.k8s.io")
    assert not access_allowed(kube, "create", "deployments", "apps", namespace=app["namespace"])
    assert access_allowed(kube, "list", "secrets", namespace="istio-system")   # helm's release storage


def _allowed(kube, verb, resource, group="", name=None, namespace=None):
    """A SubjectAccessReview for the ServiceAccount on one named object."""
    attrs = {"verb": verb, "resource": resource, "group": group}
    if name:
        attrs["name"] = name
    if namespace:
        attrs["namespace"] = namespace
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": SA_USER, "groups": ["system:serviceaccounts", "system:authenticated"],
                     "resourceAttributes": attrs}}
    res = kube.resources.get(api_version="authorization.k8s.io/v1", kind="SubjectAccessReview")
    return bool(res.create(body=body).to_dict()["status"].get("allowed"))


def test_the_installer_may_change_istios_cluster_objects_only(rbac, kube, app):
    """Every verb Kubernetes limits by name is limited to Istio's objects: no other ClusterRole, binding, webhook
    configuration or CRD can be read, changed or deleted; create stays open (RBAC cannot limit it by name)."""
    refused = [("delete", "clusterrolebindings", RBAC_GROUP, "cluster-admin"),
               ("patch", "clusterrolebindings", RBAC_GROUP, "system:node-proxier"),
               ("patch", "clusterroles", RBAC_GROUP, "admin"),
               ("delete", "clusterroles", RBAC_GROUP, "edit"),
               ("get", "clusterroles", RBAC_GROUP, "cluster-admin"),
               ("escalate", "clusterroles", RBAC_GROUP, "cluster-admin"),
               ("bind", "clusterroles", RBAC_GROUP, "cluster-admin"),
               ("delete", "validatingwebhookconfigurations", WEBHOOKS, "gatekeeper-validating-webhook-configuration"),
               ("patch", "validatingwebhookconfigurations", WEBHOOKS, "kyverno-resource-validating-webhook-cfg"),
               ("patch", "mutatingwebhookconfigurations", WEBHOOKS, "vpa-webhook-config"),
               ("patch", "customresourcedefinitions", CRDS, "certificates.cert-manager.io"),
               ("delete", "customresourcedefinitions", CRDS, "virtualservices.networking.istio.io")]
    assert [r for r in refused if _allowed(kube, *r)] == []
    allowed = [("patch", "clusterroles", RBAC_GROUP, "istiod-clusterrole-istio-system"),
               ("delete", "clusterrolebindings", RBAC_GROUP, "istio-reader-clusterrole-istio-system"),
               ("bind", "clusterroles", RBAC_GROUP, "istiod-gateway-controller-istio-system"),
               ("patch", "mutatingwebhookconfigurations", WEBHOOKS, "istio-sidecar-injector"),
               ("delete", "validatingwebhookconfigurations", WEBHOOKS, "istio-validator-istio-system"),
               ("patch", "customresourcedefinitions", CRDS, "virtualservices.networking.istio.io"),
               ("create", "clusterrolebindings", RBAC_GROUP, None),
               ("list", "customresourcedefinitions", CRDS, None)]
    assert [r for r in allowed if not _allowed(kube, *r)] == []


def test_the_app_tier_may_label_the_app_namespaces_only(rbac, kube, app):
    ns = app["namespace"]
    assert _allowed(kube, "patch", "namespaces", name=ns, namespace=ns)
    for other in ("kube-system", "default", "meshops-istio-edge"):
        assert not _allowed(kube, "patch", "namespaces", name=other, namespace=other), other
    assert not _allowed(kube, "patch", "namespaces", name=ns)       # cluster-wide: no


def _token_client(testbed, token):
    from kubernetes import client
    from kubernetes.dynamic import DynamicClient
    config = client.Configuration()
    config.host = testbed["api_server"]
    config.ssl_ca_cert = testbed["ca_cert"]
    config.api_key = {"authorization": "Bearer " + token}
    return DynamicClient(client.ApiClient(config))


def _refused(call):
    from kubernetes.client.exceptions import ApiException
    with pytest.raises(ApiException) as err:
        call()
    assert err.value.status == 403, err.value.body
    return json.loads(err.value.body)["message"]


def test_escalation_with_the_token_is_refused(rbac, kube, testbed, app):
    """The requests an attacker holding the installer's token would send first, sent with the token: each is
    refused, and what they aimed at is unchanged."""
    sa_kube = _token_client(testbed, rbac)
    probe = "meshops-escalation-probe-" + uuid.uuid4().hex[:6]
    crb = sa_kube.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRoleBinding")
    cr = sa_kube.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRole")
    webhooks = kube.resources.get(api_version="admissionregistration.k8s.io/v1", kind="ValidatingWebhookConfiguration")
    foreign = webhooks.create(body={
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": probe}, "webhooks": [{
            "name": "policy.example.com", "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "failurePolicy": "Fail", "clientConfig": {"url": "https://policy.example.com/validate"},
            "rules": [{"operations": ["CREATE"], "apiGroups": ["example.com"], "apiVersions": ["v1"],
                       "resources": ["nothings"]}]}]}).to_dict()
    try:
        # bind the token to cluster-admin: Kubernetes' escalation check (no bind on cluster-admin)
        msg = _refused(lambda: crb.create(body={
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": probe},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "istio-edge", "namespace": "meshops-istio-edge"}]}))
        assert "attempting to grant RBAC permissions not currently held" in msg, msg
        # a new ClusterRole granting everything: no escalate outside Istio's names
        _refused(lambda: cr.create(body={
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": probe},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}))
        # switch off another team's admission policy: neither patch nor delete
        sa_webhooks = sa_kube.resources.get(api_version="admissionregistration.k8s.io/v1",
                                            kind="ValidatingWebhookConfiguration")
        _refused(lambda: sa_webhooks.patch(name=probe, body={"webhooks": [{"name": "policy.example.com",
                                                                           "failurePolicy": "Ignore"}]},
                                           content_type="application/strategic-merge-patch+json"))
        _refused(lambda: sa_webhooks.delete(name=probe))
        # take the cluster-admin binding away from the admins (denial of service)
        _refused(lambda: crb.delete(name="cluster-admin"))
        # relabel a namespace that is not an app's (e.g. its Pod Security level)
        sa_ns = sa_kube.resources.get(api_version="v1", kind="Namespace")
        _refused(lambda: sa_ns.patch(name="default", body={"metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": "privileged"}}}, content_type="application/merge-patch+json"))
        after = webhooks.get(name=probe).to_dict()
        assert after["webhooks"][0]["failurePolicy"] == "Fail"
        assert after["metadata"]["resourceVersion"] == foreign["metadata"]["resourceVersion"]
        admin_crb = kube.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRoleBinding")
        assert admin_crb.get(name="cluster-admin") is not None
        assert "pod-security.kubernetes.io/enforce" not in (
            kube.resources.get(api_version="v1", kind="Namespace").get(name="default").to_dict()["metadata"]
            .get("labels") or {})
        assert [i.metadata.name for i in admin_crb.get().items if i.metadata.name == probe] == []
    finally:
        webhooks.delete(name=probe)


# -- AWS: every boto3 operation the code calls is in deploy/iam-policy.json, and nothing else ----------------
def _python_sources():
    for root, _dirs, files in os.walk(os.path.join(REPO, "plugins")):
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(root, name)


def _boto_usage():
    """(services, {method: [where]}, {attribute called: [where]}) from the collection's source (AST)."""
    import ast
    services, wrapped, attributes = set(), {}, {}
    for path in _python_sources():
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            where = "%s:%d" % (os.path.relpath(path, REPO), node.lineno)
            literal = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if isinstance(func, ast.Name) and func.id in ("call", "paginate"):
                # aws.client.call(client, "operation", ...) / paginate(client, "operation", key, ...)
                operation = node.args[1] if len(node.args) > 1 else None
                assert isinstance(operation, ast.Constant) and isinstance(operation.value, str), \
                    "%s: the boto3 operation must be a string literal (so this test and the IAM policy see it)" % where
                wrapped.setdefault(operation.value, []).append(where)
            elif isinstance(func, ast.Attribute):
                if func.attr == "client" and literal:
                    services.add(literal[0])
                attributes.setdefault(func.attr, []).append(where)
    return services, wrapped, attributes


def test_iam_policy_has_exactly_the_boto3_operations_the_code_calls():
    import boto3
    services, wrapped, attributes = _boto_usage()
    assert services == {"elbv2", "acm", "route53"}, services
    needed = {}
    for service in sorted(services):
        client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        prefix = client.meta.service_model.signing_name
        for method, operation in client.meta.method_to_api_mapping.items():
            where = wrapped.get(method, []) + attributes.get(method, [])
            if where:
                needed["%s:%s" % (prefix, operation)] = where
    unknown = sorted(m for m in wrapped if not any(m in boto3.client(s, region_name="us-east-1", aws_access_key_id="x",
                                                                     aws_secret_access_key="x").meta.method_to_api_mapping
                                                   for s in services))
    assert unknown == [], "operations called on no known client: %s" % unknown
    with open(os.path.join(REPO, "deploy", "iam-policy.json")) as handle:
        policy = json.load(handle)
    granted = set(a for s in policy["Statement"] if s["Effect"] == "Allow" for a in s["Action"])
    missing = dict((a, w) for a, w in needed.items() if a not in granted)
    assert missing == {}, "add to deploy/iam-policy.json and docs/permissions.md: %s" % missing
    assert sorted(granted - set(needed)) == [], "granted but never called"
    with open(os.path.join(REPO, "docs", "permissions.md")) as handle:
        doc = handle.read()
    assert [a for a in sorted(needed) if "`%s`" % a not in doc] == []


# -- Azure: every ARM request of frontdoor_origin and edge_path_info is covered by deploy/azure-role.json -----
_ARM_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


def arm_action(method, path):
    """The RBAC action of an ARM request: ``PUT .../providers/Microsoft.Cdn/profiles/p/afdEndpoints/e`` ->
    ``Microsoft.Cdn/profiles/afdEndpoints/write`` (a collection GET reads its type; POST is ``<name>/action``)."""
    segments = [s for s in path.split("?")[0].split("/") if s]
    lower = [s.lower() for s in segments]
    if "providers" in lower:
        at = len(lower) - 1 - lower[::-1].index("providers")
        provider, rest = segments[at + 1], segments[at + 2:]
    else:  # /subscriptions/<id>/resourceGroups/<name>
        provider, rest = "Microsoft.Resources", ["subscriptions"] + segments[2:]
    if method == "POST":
        return "/".join([provider] + rest[:-1][0::2] + [rest[-1], "action"])
    return "/".join([provider] + rest[0::2] + [_ARM_VERBS[method]])


def _covered(action, patterns):
    import fnmatch
    return any(fnmatch.fnmatch(action.lower(), p.lower()) for p in patterns)


def test_azure_role_covers_every_arm_request(ansible, azure_arm, frontdoor_gateway):
    from conftest_azure import FD_RG, PLS_RG, azure_args
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    waf = arm.seed_waf_policy(FD_RG, "shopwaf")
    args = azure_args(arm, resource_group=FD_RG, profile_name="fd-hz", endpoint_name="hz",
                      private_link={"resource_group": PLS_RG}, waf_policy={"id": waf["id"]},
                      custom_domains=[{"name": "hz-example-com", "host_name": "hz.example.com"}])
    args.update(frontdoor_gateway.args())
    env = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
    arm.clear_requests()
    runs = [args, dict(args, origin_group={"probe_interval": 120})]
    for run in runs:
        result = ansible.module("frontdoor_origin", run, env=env)
        assert not result["failed"], result.get("msg")
    diag = dict(azure_args(arm), hostname="hz.example.com", provider="frontdoor",
                frontdoor={"resource_group": FD_RG, "profile_name": "fd-hz", "endpoint_name": "hz",
                           "private_link": {"resource_group": PLS_RG, "name": "pls-istio"}})
    diag.update(frontdoor_gateway.args())
    diag.pop("polling_interval", None)
    assert "edge" in json.dumps(ansible.module("edge_path_info", diag, env=env).get("hops"))
    gone = ansible.module("frontdoor_origin", dict(args, state="absent"), env=env)
    assert not gone["failed"], gone.get("msg")
    log = arm.requests()["log"]
    actions = sorted(set(arm_action(e["method"], e["path"]) for e in log))
    assert any(a.lower() == "microsoft.network/privatelinkservices/privateendpointconnections/write" for a in actions)
    with open(os.path.join(REPO, "deploy", "azure-role.json")) as handle:
        role = json.load(handle)["Actions"]
    assert [a for a in actions if not _covered(a, role)] == [], actions
    # granted, never requested here: ARM's linked-access check on the WAF policy a security policy names
    # (Azure's side of ARM; the fake ARM does not perform it)
    assert [p for p in role if not any(_covered(a, [p]) for a in actions)] == \
        ["Microsoft.Network/frontDoorWebApplicationFirewallPolicies/join/action"]
