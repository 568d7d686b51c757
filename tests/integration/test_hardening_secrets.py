# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret is ever printed: every module runs through ansible-playbook with -vvv and --diff, given
recognizable credentials - a ServiceAccount token as ``api_key``, a kubeconfig passed as a dict with that token
embedded, an AWS secret key and session token, an Azure client secret - on success and on failure paths.
Neither the output, nor the results (what the result callback records), nor the files left in the temporary
directory hold any of them or any piece of the kubeconfig. Secrets taken from the environment (AWS_*, AZURE_*,
K8S_AUTH_*) are module options through env_fallback, so they are masked the same way.

Ansible's ``********`` (a value a module tried to print and Ansible starred out) must not appear either, except in
the runs given the kubeconfig as a dict: ``kubeconfig`` is no_log, and for a no_log dict Ansible masks every value
in it wherever it appears in the output - ``v1`` in an apiVersion, the server URL. The collection leaves Ansible's
masking alone (docs: prefer a file, or host with api_key).

Real servers: the test bed's kube-apiserver and helm, moto's server (it accepts any AWS key, so the secrets are
sent for real), the fake ARM (it checks the client secret)."""

import base64
import json
import os
import re
import uuid

import pytest

from ansible_runner import Ansible
from app_route_support import apply, delete_namespace, ensure_istio_crds, make_gateway, make_workload, new_namespace
from aws_support import aws, gateway_service_manifest, lb_controller, CLUSTER  # noqa: F401  # pylint: disable=unused-import
from conftest_azure import FD_RG, PLS_RG
from test_hardening_support import free_node_ports, service_account_token
from test_istio_install_support import uninstall

STARRED = re.compile(r"(?<!\*)\*{8}(?!\*)")


@pytest.fixture(scope="module")
def admin_token(kube):
    """A ServiceAccount bound to cluster-admin: its token is the recognizable secret (a JWT)."""
    ns = new_namespace(kube, "hz-sec")
    apply(kube, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "leak-check", "namespace": ns}})
    apply(kube, {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                 "metadata": {"name": "leak-check-token", "namespace": ns,
                              "annotations": {"kubernetes.io/service-account.name": "leak-check"}}})
    binding = "hz-leak-check-" + ns
    apply(kube, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                 "metadata": {"name": binding},
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                 "subjects": [{"kind": "ServiceAccount", "name": "leak-check", "namespace": ns}]})
    yield service_account_token(kube, name="leak-check-token", namespace=ns)
    kube.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRoleBinding").delete(name=binding)
    delete_namespace(kube, ns)


@pytest.fixture(scope="module")
def secrets(admin_token, testbed):
    with open(testbed["ca_cert"], "rb") as handle:
        ca_data = base64.b64encode(handle.read()).decode()
    marker = uuid.uuid4().hex[:10]
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "current-context": "hz-ctx-" + marker,
        "clusters": [{"name": "hz-cluster-" + marker, "cluster": {"server": testbed["api_server"],
                                                                  "certificate-authority-data": ca_data}}],
        "users": [{"name": "hz-user-" + marker, "user": {"token": admin_token}}],
        "contexts": [{"name": "hz-ctx-" + marker, "context": {"cluster": "hz-cluster-" + marker,
                                                              "user": "hz-user-" + marker}}]}
    return {
        "token": admin_token,
        "kubeconfig": kubeconfig,
        "aws_secret_key": "HZSECRETKEY" + uuid.uuid4().hex + "zz",
        "aws_session_token": "HZSESSIONTOKEN" + uuid.uuid4().hex + uuid.uuid4().hex,
        "bad_token": "HZBADTOKEN" + uuid.uuid4().hex,
        "bad_azure_secret": "HZBADSECRET" + uuid.uuid4().hex,
        "aws_env_secret_key": "HZENVSECRETKEY" + uuid.uuid4().hex,
        "aws_env_session_token": "HZENVSESSIONTOKEN" + uuid.uuid4().hex,
        # pieces of the kubeconfig that must not show either (the token's JWT parts, the CA data, the names)
        "pieces": [part for part in admin_token.split(".") if len(part) > 20] + [
            ca_data[:64], "hz-cluster-" + marker, "hz-user-" + marker, "hz-ctx-" + marker],
    }


class Runs:
    """Every run's stdout and results, with the connection given by options only (no K8S_AUTH_* variables)."""

    def __init__(self, workdir, testbed, secrets):
        self.tmp = os.path.join(workdir, "tmp")
        os.makedirs(self.tmp)
        self.runner = Ansible(workdir)
        for name in list(self.runner.env):
            if name.startswith(("K8S_AUTH_", "AWS_", "AZURE_")) or name == "KUBECONFIG":
                self.runner.env.pop(name)
        self.runner.env.update({"TMPDIR": self.tmp, "AWS_EC2_METADATA_DISABLED": "true",
                                "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
        self.k8s_token = {"host": testbed["api_server"], "api_key": secrets["token"], "ca_cert": testbed["ca_cert"]}
        self.k8s_dict = {"kubeconfig": secrets["kubeconfig"]}
        self.aws = {"access_key": "AKIAHZLEAKCHECK00001", "secret_key": secrets["aws_secret_key"],
                    "session_token": secrets["aws_session_token"], "region": "us-east-1",
                    "endpoint_url": testbed["aws_endpoint_url"]}
        self.texts = []
        self.starred_ok = []

    def module(self, name, args, check=False, env=None):
        result = self.runner.module(name, args, check=check, diff=True, verbosity=3, env=env)
        masked_dict = isinstance(args.get("kubeconfig"), dict)    # Ansible masks each value of a no_log dict
        self.texts.append(result.pop("_stdout"))
        self.texts.append(json.dumps(result, default=str))
        self.starred_ok.extend([masked_dict, masked_dict])
        return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory, testbed, secrets):
    return Runs(str(tmp_path_factory.mktemp("leak-check")), testbed, secrets)


def _ok(result):
    assert not result["failed"], result.get("msg")
    return result


def test_kubernetes_modules(runs, kube, testbed, charts, secrets):
    ensure_istio_crds(kube)
    gw_ns, app_ns = new_namespace(kube, "hz-gw"), new_namespace(kube, "hz-app")
    try:
        make_gateway(kube, gw_ns)
        make_workload(kube, app_ns, "web", {"http": 80})
        for auth in (runs.k8s_token, runs.k8s_dict):
            _ok(runs.module("gateway_service", dict(auth, profile="nodeport", check_node_ports=False)))
        ports = dict(zip(("status-port", "http2", "https"), free_node_ports(kube, 3)))
        for auth in (runs.k8s_token, runs.k8s_dict):   # the second run finds the Service shaped: no change
            _ok(runs.module("gateway_service", dict(auth, profile="alb", mode="live", namespace=gw_ns,
                                                    node_ports=ports)))
        apps = [{"name": "leak", "namespace": app_ns, "hosts": ["leak.example.com"], "sidecar_injection": True,
                 "access_log": True, "http": [{"route": [{"host": "web", "port": 80}]}]}]
        _ok(runs.module("app_route", dict(runs.k8s_token, apps=apps, gateway_namespace=gw_ns), check=True))
        _ok(runs.module("app_route", dict(runs.k8s_dict, apps=apps, gateway_namespace=gw_ns)))
        assert _ok(runs.module("app_route", dict(runs.k8s_token, apps=apps, gateway_namespace=gw_ns)))["changed"] \
            is False
        _ok(runs.module("edge_path_info", dict(runs.k8s_dict, app="leak", apps=apps, gateway_namespace=gw_ns)))
        # helm gets the token through a private kubeconfig file: installed, upgraded (values and manifest diff)
        release = {"base": {"enabled": False}, "istiod": {"enabled": False}, "chart_version": "1.30.0",
                   "chart_repo": os.path.dirname(charts["base"]), "helm_binary": testbed["helm4"],
                   "helm_server_side": False, "wait_gateways": False, "create_namespace": False}
        gateway = {"name": "hz-gw", "namespace": app_ns, "values": {"autoscaling": {"enabled": False},
                                                                    "service": {"type": "ClusterIP"}}}
        _ok(runs.module("istio_install", dict(runs.k8s_dict, gateways=[gateway], **release)))
        gateway["values"]["service"]["annotations"] = {"team": "edge"}
        _ok(runs.module("istio_install", dict(runs.k8s_token, gateways=[gateway], **release), check=True))
        _ok(runs.module("istio_install", dict(runs.k8s_token, gateways=[gateway], **release)))
        # failure paths: a refused token, a kubeconfig naming a context it does not have
        bad = dict(runs.k8s_token, api_key=secrets["bad_token"])
        refused = runs.module("app_route", dict(bad, apps=apps, gateway_namespace=gw_ns))
        assert refused["failed"] and "401" in refused["msg"]
        broken = dict(secrets["kubeconfig"], **{"current-context": "hz-missing"})
        assert runs.module("istio_install", dict(kubeconfig=broken, gateways=[gateway], **release))["failed"]
    finally:
        uninstall(testbed, "hz-gw", app_ns)
        delete_namespace(kube, gw_ns)
        delete_namespace(kube, app_ns)


def test_aws_modules(runs, kube, namespace, aws, lb_controller, secrets):
    svc = gateway_service_manifest(namespace, svc_type="NodePort")
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    aws["acm"].request_certificate(DomainName="leak.example.com")
    alb = dict(runs.k8s_token, **runs.aws)
    alb.update(name="leak-edge", namespace=namespace, gateway_service="istio-ingress", cluster_name=CLUSTER,
               certificate_domain="leak.example.com", hostnames=["leak.example.com"], verify="none")
    _ok(runs.module("alb_ingress", alb))
    nlb_ns = namespace
    _ok(runs.module("gateway_service", dict(runs.k8s_token, profile="nlb", mode="live", namespace=nlb_ns,
                                            nlb={"scheme": "internet-facing"})))
    lb_controller.reconcile()
    info = dict(runs.k8s_dict, **runs.aws)
    info.update(namespace=nlb_ns, cluster_name=CLUSTER)
    assert _ok(runs.module("nlb_info", info))["load_balancer"]["type"] == "network"
    diag = dict(runs.k8s_token, **runs.aws)
    diag.update(hostname="leak.example.com", provider="nlb", gateway_namespace=nlb_ns, nlb={"cluster_name": CLUSTER})
    _ok(runs.module("edge_path_info", diag))
    # failure path: a missing region
    assert runs.module("nlb_info", dict(info, region=None, endpoint_url="http://127.0.0.1:9"))["failed"]
    # the keys in the environment only (AWX's AWS credential): they are the options, masked like them
    from_env = dict(runs.k8s_token, namespace=nlb_ns, cluster_name=CLUSTER, region="us-east-1",
                    endpoint_url=runs.aws["endpoint_url"])
    env = {"AWS_ACCESS_KEY_ID": "AKIAHZLEAKCHECK00002", "AWS_SECRET_ACCESS_KEY": secrets["aws_env_secret_key"],
           "AWS_SESSION_TOKEN": secrets["aws_env_session_token"]}
    found = _ok(runs.module("nlb_info", from_env, env=env))
    assert found["load_balancer"]["type"] == "network"
    used = found["invocation"]["module_args"]
    assert used["access_key"] == "AKIAHZLEAKCHECK00002"
    assert used["secret_key"] == used["session_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_azure_modules(runs, azure_arm, frontdoor_gateway, secrets):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    azure = dict(arm.auth_args, disable_instance_discovery=True, polling_interval=0)
    env = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
    args = dict(runs.k8s_token, **azure)
    args.update(frontdoor_gateway.args())
    args.update(resource_group=FD_RG, profile_name="fd-leak", endpoint_name="leak",
                private_link={"resource_group": PLS_RG})
    _ok(runs.module("frontdoor_origin", args, env=env))
    _ok(runs.module("frontdoor_origin", dict(args, kubeconfig=secrets["kubeconfig"]), check=True, env=env))
    diag = dict(runs.k8s_dict, **azure)
    diag.pop("polling_interval")
    diag.update(frontdoor_gateway.args())
    diag.update(hostname="leak.example.com", provider="frontdoor",
                frontdoor={"resource_group": FD_RG, "profile_name": "fd-leak", "endpoint_name": "leak"})
    _ok(runs.module("edge_path_info", diag, env=env))
    refused = runs.module("frontdoor_origin", dict(args, secret=secrets["bad_azure_secret"]), env=env)
    assert refused["failed"] and "AADSTS7000215" in refused["msg"]


def test_nothing_secret_was_printed(runs, secrets, azure_arm):
    """Runs last (the module-scoped runs above collected every output)."""
    assert len(runs.texts) == 2 * 23, "the 23 module runs above did not all happen"
    wanted = {"token": secrets["token"], "aws secret key": secrets["aws_secret_key"],
              "aws session token": secrets["aws_session_token"], "refused token": secrets["bad_token"],
              "aws secret key from the environment": secrets["aws_env_secret_key"],
              "aws session token from the environment": secrets["aws_env_session_token"],
              "azure client secret": azure_arm.info["client_secret"], "refused azure secret": secrets["bad_azure_secret"]}
    for i, piece in enumerate(secrets["pieces"]):
        wanted["kubeconfig piece %d" % i] = piece
    leaks = []
    for index, text in enumerate(runs.texts):
        for what, value in wanted.items():
            if value in text:
                start = text.index(value)
                leaks.append("%s in output %d: ...%s..." % (what, index, text[max(0, start - 200):start]))
        for match in ([] if runs.starred_ok[index] else STARRED.finditer(text)):
            leaks.append("starred value in output %d: ...%s..." % (index, text[max(0, match.start() - 200):
                                                                               match.end() + 50]))
    assert leaks == []
    # helm's private kubeconfig files and the values files are gone, and no file in TMPDIR holds a secret
    left = []
    for root, _dirs, files in os.walk(runs.tmp):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                data = handle.read()
            if name.startswith("istio-edge-kubeconfig-") or any(v.encode() in data for v in wanted.values()):
                left.append(path)
    assert left == []
