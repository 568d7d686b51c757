# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the integration tests: a real test bed (kube-apiserver + etcd + kube-controller-manager on
127.0.0.1), the official helm binaries, and ansible-playbook running the collection.

Set MESHOPS_TESTBED_DIR to reuse a test bed started with ``tests/testbed/testbed.py up DIR``; otherwise each
pytest session (each xdist worker) starts its own on free ports and stops it at the end.
"""

import os
import sys
import tempfile
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "testbed"))

from ansible_runner import Ansible, REPO  # noqa: E402
from testbed import TestBed  # noqa: E402

FIXTURE_CHARTS = os.path.join(REPO, "tests", "fixtures", "charts")
pytest_plugins = ["conftest_azure"]  # fake ARM fixtures for the Azure edge tests


@pytest.fixture(scope="session")
def testbed(tmp_path_factory):
    """dict: kubeconfig, api_server, ca_cert, helm3, helm4, workdir (+ aws_endpoint_url)."""
    reuse = os.environ.get("MESHOPS_TESTBED_DIR")
    if reuse:
        yield TestBed(reuse).info
        return
    bed = TestBed(str(tmp_path_factory.mktemp("testbed")))
    try:
        yield bed.up(kcm=True, moto=True)
    finally:
        bed.down()


@pytest.fixture(scope="session")
def k8s_auth(testbed):
    """Connection options for the modules."""
    return {"kubeconfig": testbed["kubeconfig"]}


@pytest.fixture(scope="session")
def kube(testbed):
    """A kubernetes DynamicClient for test setup and assertions (talks to the real API server)."""
    from kubernetes import config
    from kubernetes.dynamic import DynamicClient
    return DynamicClient(config.new_client_from_config(config_file=testbed["kubeconfig"]))


@pytest.fixture(scope="session")
def ansible(testbed, tmp_path_factory):
    env = {"K8S_AUTH_KUBECONFIG": testbed["kubeconfig"]}
    if testbed.get("aws_endpoint_url"):
        env.update({"AWS_ENDPOINT_URL": testbed["aws_endpoint_url"], "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
    return Ansible(str(tmp_path_factory.mktemp("ansible")), env=env)


def _fresh_namespace(kube):
    name = "t-" + uuid.uuid4().hex[:8]
    ns = kube.resources.get(api_version="v1", kind="Namespace")
    ns.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    try:
        ns.delete(name=name)
    except Exception:  # noqa: BLE001 - best effort cleanup
        pass


@pytest.fixture
def namespace(kube):
    """A fresh namespace, deleted afterwards."""
    yield from _fresh_namespace(kube)


@pytest.fixture
def other_namespace(kube):
    """A second fresh namespace, deleted afterwards."""
    yield from _fresh_namespace(kube)


@pytest.fixture(scope="session")
def charts():
    """Paths of the project's fixture charts (base, istiod, gateway)."""
    return {name: os.path.join(FIXTURE_CHARTS, name) for name in ("base", "istiod", "gateway")}


@pytest.fixture
def tmpdir_path():
    with tempfile.TemporaryDirectory() as path:
        yield path


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long scenario, run only on the main Python/ansible-core entry")
