# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures and helpers for the istio_install integration tests (no tests in this file).

- ``chart_dir``: a local chart directory like the one ``helm pull`` fills for an air-gapped install:
  the fixture charts packaged at 1.29.3 and 1.30.0 (``base-1.29.3.tgz`` ...).
- ``helm_repo``: the same packages served as a real Helm repository (``index.yaml``) over HTTP on 127.0.0.1.
- ``snapshot``: helm revisions + fingerprints of everything the releases own, to prove that a run wrote
  nothing.

Test-bed settings (not product behaviour): the test bed is Kubernetes 1.20 without kubelet, so HPA/PDB are
turned off in the values (no autoscaling/v2, policy/v1), the CRDs' CEL rules too (``testbed.celRules``, a
fixture-chart key), readiness waits are off, and helm 4 runs with ``helm_server_side: false``. No istiod ever
answers here, so istiod's validating webhooks stay ``Ignore`` after an upgrade (``testbed.validationFailurePolicy``;
Istio's chart makes them ``Fail``, which would refuse every later write of an Istio object).
"""

import functools
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from conftest import FIXTURE_CHARTS
from snapshot_support import controller_made, fingerprint, live_namespaces

VERSIONS = ("1.29.3", "1.30.0")
OLD, NEW = VERSIONS


def helm_binaries(testbed):
    return {"helm3": testbed["helm3"], "helm4": testbed["helm4"]}


# the test-bed values of the fixture charts (see the module docstring)
TESTBED_BASE_VALUES = {"testbed": {"celRules": False}}
TESTBED_ISTIOD_VALUES = {"autoscaleEnabled": False, "pdb": {"create": False},
                         "testbed": {"validationFailurePolicy": "Ignore"}}


def install_args(helm, helm_path, chart_repo, version, gateways, **extra):
    """Module arguments with the test-bed settings (HPA/PDB/CEL off, webhooks Ignore, waits off, helm 4
    client-side apply)."""
    args = {
        "chart_repo": chart_repo,
        "chart_version": version,
        "helm_binary": helm_path,
        "base": {"values": dict(TESTBED_BASE_VALUES)},
        "istiod": {"values": dict(TESTBED_ISTIOD_VALUES)},
        "gateways": gateways,
        "wait_istiod": False,
        "wait_gateways": False,
    }
    if helm == "helm4":
        args["helm_server_side"] = False
    args.update(extra)
    return args


def gateway(name, namespace, **values):
    merged = {"autoscaling": {"enabled": False}}
    merged.update(values)
    return {"name": name, "namespace": namespace, "values": merged}


@pytest.fixture(scope="session")
def chart_dir(testbed, tmp_path_factory):
    """Packaged fixture charts at two versions, as ``helm pull`` would leave them."""
    out = str(tmp_path_factory.mktemp("charts"))
    for version in VERSIONS:
        for chart in ("base", "istiod", "gateway"):
            subprocess.run([testbed["helm3"], "package", os.path.join(FIXTURE_CHARTS, chart), "--version", version,
                            "--app-version", version, "-d", out], check=True, stdout=subprocess.DEVNULL)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def helm_repo(testbed, chart_dir, tmp_path_factory):
    """A real Helm chart repository (index.yaml + packages) served on 127.0.0.1; yields its URL."""
    root = str(tmp_path_factory.mktemp("repo"))
    for name in os.listdir(chart_dir):
        shutil.copy(os.path.join(chart_dir, name), root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=root))
    url = "http://127.0.0.1:%d/charts" % server.server_address[1]
    os.makedirs(os.path.join(root, "charts"))
    for name in os.listdir(root):
        if name.endswith(".tgz"):
            shutil.move(os.path.join(root, name), os.path.join(root, "charts", name))
    subprocess.run([testbed["helm3"], "repo", "index", os.path.join(root, "charts"), "--url", url], check=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def helm_json(testbed, args):
    proc = subprocess.run([testbed["helm3"]] + args + ["--kubeconfig", testbed["kubeconfig"], "-o", "json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if proc.returncode != 0:
        return None
    import json
    return json.loads(proc.stdout)


def release(testbed, name, namespace):
    """``helm get metadata`` of a release, None when it does not exist."""
    return helm_json(testbed, ["get", "metadata", name, "-n", namespace])


def uninstall(testbed, name, namespace):
    subprocess.run([testbed["helm3"], "uninstall", name, "-n", namespace, "--kubeconfig", testbed["kubeconfig"]],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def _items(kube, api_version, kind, namespace=None, label_selector=None):
    res = kube.resources.get(api_version=api_version, kind=kind)
    kwargs = {"label_selector": label_selector} if label_selector else {}
    if namespace:
        kwargs["namespace"] = namespace
    return res.get(**kwargs).items


def snapshot(kube, namespaces):
    """``{(kind, ns, name): fingerprint}`` of helm's release Secrets, the workloads, Services, ConfigMaps,
    ServiceAccounts and Roles of ``namespaces`` (what a writer controls, not what controllers update on their
    own), the Istio CRDs' resourceVersions, and the namespaces that are not being deleted."""
    snap = {}
    for ns in namespaces:
        for api_version, kind in (("v1", "Secret"), ("apps/v1", "Deployment"), ("v1", "Service"),
                                  ("v1", "ConfigMap"), ("v1", "ServiceAccount"),
                                  ("rbac.authorization.k8s.io/v1", "Role")):
            try:
                items = _items(kube, api_version, kind, ns)
            except Exception:  # noqa: BLE001 - the namespace may not exist
                items = []
            for item in items:
                obj = item.to_dict()
                if not controller_made(kind, obj):
                    snap[(kind, ns, item.metadata.name)] = fingerprint(obj)
    for item in _items(kube, "apiextensions.k8s.io/v1", "CustomResourceDefinition"):
        if item.metadata.name.endswith(".istio.io"):
            snap[("CustomResourceDefinition", "", item.metadata.name)] = item.metadata.resourceVersion
    snap["namespaces"] = live_namespaces(kube)
    return snap


def live(kube, api_version, kind, name, namespace):
    res = kube.resources.get(api_version=api_version, kind=kind)
    try:
        return res.get(name=name, namespace=namespace).to_dict()
    except Exception:  # noqa: BLE001 - NotFound
        return None


def by_name(result):
    return dict((r["name"], r) for r in result["releases"])
