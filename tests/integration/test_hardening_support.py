# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the hardening tests (test_hardening_*.py): the shipped RBAC applied as a cluster admin, the
ServiceAccount's token, ansible-playbook running as that ServiceAccount, and "nothing changed" snapshots of
the cluster (what a writer controls), helm releases, moto and the fake ARM. No test lives here."""

import base64
import glob
import json
import os
import time
import urllib.request

import yaml

from ansible_runner import REPO, Ansible
from snapshot_support import controller_made, fingerprint
from test_istio_install_support import helm_json, uninstall

RBAC_DIR = os.path.join(REPO, "deploy", "rbac")
SA_NAMESPACE = "meshops-istio-edge"
SA_NAME = "istio-edge"
SA_TOKEN_SECRET = "istio-edge-token"
SA_USER = "system:serviceaccount:%s:%s" % (SA_NAMESPACE, SA_NAME)
ISTIO_RELEASES = (("istio-ingress", "istio-ingress"), ("istiod", "istio-system"), ("istio-base", "istio-system"))


# -- the shipped RBAC -----------------------------------------------------------------------------------
def rbac_documents():
    """Every object of deploy/rbac/*.yaml, in file order (what `kubectl apply -f deploy/rbac/` applies)."""
    docs = []
    for path in sorted(glob.glob(os.path.join(RBAC_DIR, "*.yaml"))):
        with open(path) as handle:
            docs.extend(d for d in yaml.safe_load_all(handle) if d)
    return docs


def find_document(kind, name, namespace=None):
    for doc in rbac_documents():
        meta = doc["metadata"]
        if doc["kind"] == kind and meta["name"] == name and meta.get("namespace") == namespace:
            return doc
    raise AssertionError("no %s %s/%s in deploy/rbac" % (kind, namespace, name))


def apply_object(kube, obj, manager="hardening-tests"):
    res = kube.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    meta = obj["metadata"]
    kwargs = dict(body=obj, name=meta["name"], field_manager=manager, force_conflicts=True)
    if res.namespaced:
        kwargs["namespace"] = meta["namespace"]
    return res.server_side_apply(**kwargs).to_dict()


def replace_rules(kube, doc, rules):
    """Replace the rules of a (Cluster)Role of the manifests (as the cluster admin)."""
    obj = json.loads(json.dumps(doc))
    obj["rules"] = rules
    return apply_object(kube, obj)


def service_account_token(kube, timeout=60, name=SA_TOKEN_SECRET, namespace=SA_NAMESPACE):
    """The token kube-controller-manager's token controller wrote into a token Secret (the shipped one)."""
    res = kube.resources.get(api_version="v1", kind="Secret")
    deadline = time.monotonic() + timeout
    while True:
        secret = res.get(name=name, namespace=namespace).to_dict()
        token = (secret.get("data") or {}).get("token")
        if token:
            return base64.b64decode(token).decode()
        assert time.monotonic() < deadline, "no token in Secret %s/%s" % (namespace, name)
        time.sleep(0.3)


def access_allowed(kube, verb, resource, group="", namespace=None, user=SA_USER):
    """A SubjectAccessReview for the ServiceAccount (as the API server's RBAC authorizer decides it)."""
    attrs = {"verb": verb, "resource": resource, "group": group}
    if namespace:
        attrs["namespace"] = namespace
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": ["system:serviceaccounts", "system:serviceaccounts:%s" % SA_NAMESPACE,
                                              "system:authenticated"], "resourceAttributes": attrs}}
    res = kube.resources.get(api_version="authorization.k8s.io/v1", kind="SubjectAccessReview")
    return bool(res.create(body=body).to_dict()["status"].get("allowed"))


def wait_access(kube, allowed, verb, resource, group="", namespace=None, timeout=20):
    """Wait until the RBAC authorizer's cache agrees with a rule change."""
    deadline = time.monotonic() + timeout
    while access_allowed(kube, verb, resource, group, namespace) != allowed:
        assert time.monotonic() < deadline, "RBAC did not settle: %s %s.%s allowed=%s" % (verb, resource, group,
                                                                                          not allowed)
        time.sleep(0.2)


def token_ansible(workdir, testbed, token):
    """ansible-playbook running as the ServiceAccount: K8S_AUTH_HOST + K8S_AUTH_API_KEY + K8S_AUTH_SSL_CA_CERT,
    no kubeconfig anywhere in the environment (the admin's client certificate cannot leak in)."""
    runner = Ansible(workdir)
    for name in ("K8S_AUTH_KUBECONFIG", "KUBECONFIG", "K8S_AUTH_CONTEXT", "K8S_AUTH_CERT_FILE", "K8S_AUTH_KEY_FILE"):
        runner.env.pop(name, None)
    runner.env.update({"K8S_AUTH_HOST": testbed["api_server"], "K8S_AUTH_API_KEY": token,
                       "K8S_AUTH_SSL_CA_CERT": testbed["ca_cert"], "MESHOPS_HELM4": testbed["helm4"],
                       "HOME": workdir})  # no ~/.kube/config either
    return runner


def uninstall_istio(testbed):
    for name, namespace in ISTIO_RELEASES:
        uninstall(testbed, name, namespace)


def helm_revisions(testbed, releases=ISTIO_RELEASES):
    out = {}
    for name, namespace in releases:
        meta = helm_json(testbed, ["get", "metadata", name, "-n", namespace])
        out["%s/%s" % (namespace, name)] = meta and (meta.get("revision"), meta.get("status"))
    return out


def free_node_ports(kube, count):
    used = set()
    for svc in kube.resources.get(api_version="v1", kind="Service").get().to_dict()["items"]:
        for port in (svc.get("spec") or {}).get("ports") or []:
            if port.get("nodePort"):
                used.add(port["nodePort"])
    ports = [p for p in range(31200, 32700, 7) if p not in used]
    return ports[:count]


# -- "nothing changed" ---------------------------------------------------------------------------------
NAMESPACED_KINDS = (("v1", "Service"), ("v1", "ConfigMap"), ("v1", "Secret"), ("apps/v1", "Deployment"),
                    ("networking.k8s.io/v1", "Ingress"), ("networking.istio.io/v1beta1", "Gateway"),
                    ("networking.istio.io/v1beta1", "VirtualService"),
                    ("networking.istio.io/v1beta1", "DestinationRule"), ("telemetry.istio.io/v1alpha1", "Telemetry"))


def cluster_snapshot(kube, namespaces):
    """``{(kind, namespace, name): fingerprint}`` of the usual kinds in ``namespaces`` and the namespaces
    themselves: equal before and after = nothing was created, changed or deleted there."""
    snap = {}
    for namespace in namespaces:
        ns = kube.resources.get(api_version="v1", kind="Namespace")
        try:
            snap[("Namespace", "", namespace)] = fingerprint(ns.get(name=namespace).to_dict())
        except Exception:  # noqa: BLE001 - NotFound
            snap[("Namespace", "", namespace)] = None
        for api_version, kind in NAMESPACED_KINDS:
            try:
                items = kube.resources.get(api_version=api_version, kind=kind).get(namespace=namespace).items
            except Exception:  # noqa: BLE001 - kind not served (CRDs missing)
                continue
            for item in items:
                obj = item.to_dict()
                if controller_made(kind, obj):
                    continue
                snap[(kind, namespace, obj["metadata"]["name"])] = fingerprint(obj)
    return snap


def moto_snapshot(endpoint):
    """What moto's server holds that the collection could write: Route53 record sets (the only AWS writes)."""
    import boto3
    r53 = boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    out = {}
    for zone in r53.list_hosted_zones()["HostedZones"]:
        sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        out[zone["Id"]] = sorted(json.dumps(s, sort_keys=True, default=str) for s in sets)
    return out


def fake_arm_writes(arm):
    """The write requests (PUT/PATCH/DELETE/POST) the fake ARM received since the last clear_requests()."""
    return list(arm.writes())


def http_json(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None
