# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the Azure edge tests (registered from conftest.py with ``pytest_plugins``).

``fake_arm_server``: the project's fake Azure Resource Manager + AAD (tests/fake_arm), HTTPS on 127.0.0.1 with
a CA made at test time, one per pytest session (per xdist worker), stopped at the end; set
MESHOPS_FAKE_ARM_DIR to reuse one started with ``python tests/fake_arm/fake_arm.py up DIR``.
``azure_arm``: the same, reset, with the Front Door resource group and the Private Link Service AKS would have
made for the gateway seeded. ``frontdoor_gateway``: a namespace holding the gateway as Istio's chart and the
``azure_private_link`` profile shape it, its internal load balancer IP written into the Service status (no
Azure cloud provider runs here, so the test plays its part), and the edge Gateway.

No Azure is reached: nothing of Azure runs here, the fake stands in for ARM. What it cannot show: Front Door
really probing the origin, the data path through Private Link, managed certificate issuance.
"""

import os
import sys

import pytest

from ansible_runner import REPO
from app_route_support import (GATEWAY_LABELS, apply, delete_namespace, ensure_istio_crds, make_workload,
                               new_namespace)

sys.path.insert(0, os.path.join(REPO, "tests", "fake_arm"))
import fake_arm  # noqa: E402

FD_RG = "rg-edge"
PLS_RG = "MC_rg-aks_aks-edge_eastus"
PLS_NAME = "pls-istio"
LB_IP = "10.224.0.50"
NET = "networking.istio.io/v1beta1"
AZ = "service.beta.kubernetes.io/"
PRIVATE_LINK_ANNOTATIONS = {AZ + "azure-load-balancer-internal": "true", AZ + "azure-pls-create": "true",
                            AZ + "azure-pls-name": PLS_NAME, AZ + "azure-pls-ip-configuration-subnet": "snet-pls"}


@pytest.fixture(scope="session")
def fake_arm_server(tmp_path_factory):
    reuse = os.environ.get("MESHOPS_FAKE_ARM_DIR")
    if reuse:
        yield fake_arm.FakeArm.from_dir(reuse)
        return
    directory = str(tmp_path_factory.mktemp("fake-arm"))
    server = fake_arm.FakeArm(fake_arm.up(directory))
    try:
        yield server
    finally:
        fake_arm.down(directory)


@pytest.fixture
def azure_arm(fake_arm_server):
    arm = fake_arm_server
    arm.reset()
    arm.seed_resource_group(FD_RG, "westeurope")
    arm.seed_private_link_service(PLS_RG, PLS_NAME, "eastus")
    return arm


def azure_args(arm, **extra):
    """Module options for the fake ARM: explicit service principal, ARM/AAD URLs, no LRO delay.

    ``disable_instance_discovery``: the fake AAD is not a Microsoft authority. ``polling_interval: 0`` is a test
    setting (the product default is the SDK's, 30 s when ARM sends no Retry-After).
    """
    args = dict(arm.auth_args, disable_instance_discovery=True, polling_interval=0)
    args.update(extra)
    return args


FD = dict(resource_group=FD_RG, profile_name="fd-shop", endpoint_name="shop")


def frontdoor_args(arm, gateway, **extra):
    """frontdoor_origin options: profile fd-shop, the gateway's Service and its Private Link Service (named by the
    Service's azure-pls-name annotation)."""
    args = azure_args(arm, **FD)
    args.update(gateway.args())
    args["private_link"] = {"resource_group": PLS_RG}
    args.update(extra)
    return args


def run_frontdoor(ansible, arm, args, **kwargs):
    """frontdoor_origin through ansible-playbook, trusting the fake ARM's CA."""
    return ansible.module("frontdoor_origin", args, env={"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}, **kwargs)


def succeeded(result):
    assert not result["failed"], result.get("msg") or result["_stdout"][-3000:]
    return result


class Gateway:
    """The gateway workload in its own namespace, shaped for Azure Private Link."""

    def __init__(self, kube):
        self.kube = kube
        self.namespace = new_namespace(kube, "fd")
        self.name = "istio-ingress"

    def build(self, lb_ip=LB_IP, annotations=None, edge_gateway=True):
        ensure_istio_crds(self.kube)
        make_workload(self.kube, self.namespace, self.name, {"status-port": 15021, "http2": 80, "https": 443},
                      labels=GATEWAY_LABELS, service_type="LoadBalancer")
        svc = self.kube.resources.get(api_version="v1", kind="Service")
        svc.patch(name=self.name, namespace=self.namespace, content_type="application/merge-patch+json",
                  body={"metadata": {"annotations": dict(PRIVATE_LINK_ANNOTATIONS if annotations is None
                                                         else annotations)}})
        if lb_ip:
            # the Azure cloud provider's part: the internal load balancer's IP in the Service status
            svc.status.patch(name=self.name, namespace=self.namespace, content_type="application/merge-patch+json",
                             body={"status": {"loadBalancer": {"ingress": [{"ip": lb_ip}]}}})
        if edge_gateway:
            apply(self.kube, {"apiVersion": NET, "kind": "Gateway",
                              "metadata": {"name": "edge", "namespace": self.namespace},
                              "spec": {"selector": {"istio": "ingress"}, "servers": [
                                  {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]}})
        return self

    def health_route(self, probe_path="/probe", match="exact", gateway="edge", name="frontdoor-health"):
        """The probe route of seed 004, as role edge_frontdoor applies it."""
        apply(self.kube, {"apiVersion": NET, "kind": "VirtualService",
                          "metadata": {"name": name, "namespace": self.namespace},
                          "spec": {"hosts": ["*"], "gateways": ["%s/%s" % (self.namespace, gateway)], "http": [{
                              "match": [{"uri": {match: probe_path}}], "rewrite": {"uri": "/healthz/ready"},
                              "route": [{"destination": {"host": self.service_host,
                                                         "port": {"number": 15021}}}]}]}})

    @property
    def service_host(self):
        return "%s.%s.svc.cluster.local" % (self.name, self.namespace)

    def args(self):
        return {"gateway_name": self.name, "gateway_namespace": self.namespace}

    def cleanup(self):
        delete_namespace(self.kube, self.namespace)


@pytest.fixture
def frontdoor_gateway(kube):
    gateway = Gateway(kube)
    yield gateway
    gateway.cleanup()
