# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""edge_path_info with Front Door Premium over Private Link, against the project's fake ARM (tests/fake_arm):
the Front Door chain is made by the collection's own frontdoor_origin module, which leaves the private
endpoint connection Pending when asked not to approve it - the breakage SREs meet - and approves it after.

Stand-ins: the fake ARM plays Azure (HTTPS on 127.0.0.1); the gateway Service's internal load balancer IP is
written into its status by the test (no Azure cloud provider here); the gateway pod is made Ready by hand.
"""

import pytest

from app_route_support import apply
from test_edge_path_info_support import HOST, NET, hop, fake_node, path  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.usefixtures("fake_node")

LB_IP = "10.224.0.7"
PLS_RG = "MC_rg-aks_aks_eastus"
AZURE = "service.beta.kubernetes.io/"
ANNOTATIONS = {AZURE + "azure-load-balancer-internal": "true", AZURE + "azure-pls-create": "true",
               AZURE + "azure-pls-name": "pls-istio", AZURE + "azure-pls-ip-configuration-subnet": "snet-pls"}
for _port in (80, 443):
    ANNOTATIONS.update({AZURE + "port_%d_health-probe_protocol" % _port: "http",
                        AZURE + "port_%d_health-probe_port" % _port: "15021",
                        AZURE + "port_%d_health-probe_request-path" % _port: "/healthz/ready"})


@pytest.fixture
def arm(fake_arm_server):
    """The session's fake ARM (conftest_azure.py), emptied."""
    fake_arm_server.reset()
    return fake_arm_server


def _probe_route(path):
    """The Front Door probe route of seed 004 (what role edge_frontdoor applies)."""
    apply(path.kube, {"apiVersion": NET, "kind": "Gateway", "metadata": {"name": "edge", "namespace": path.gw},
                      "spec": {"selector": {"istio": "ingress"}, "servers": [
                          {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]}})
    apply(path.kube, {"apiVersion": NET, "kind": "VirtualService",
                      "metadata": {"name": "frontdoor-health", "namespace": path.gw},
                      "spec": {"hosts": ["*"], "gateways": ["%s/edge" % path.gw], "http": [{
                          "match": [{"uri": {"exact": "/probe"}}], "rewrite": {"uri": "/healthz/ready"},
                          "route": [{"destination": {"host": "istio-ingress.%s.svc.cluster.local" % path.gw,
                                                     "port": {"number": 15021}}}]}]}})


def _auth(arm):
    """The fake ARM's credentials; instance discovery off (the fake AAD is not a Microsoft authority)."""
    return dict(arm.auth_args, disable_instance_discovery=True)


def _frontdoor(ansible, arm, path, approve):
    args = dict(_auth(arm), resource_group="rg-edge", profile_name="fd-shop", endpoint_name="shop",
                gateway_namespace=path.gw, polling_interval=0,
                private_link={"resource_group": PLS_RG, "name": "pls-istio", "approve": approve,
                              "approval_timeout": 30})
    result = ansible.module("frontdoor_origin", args, env=arm.env)
    assert not result["failed"], result.get("msg")


def test_private_endpoint_connection_pending_then_approved(ansible, arm, path):
    path.build(service_annotations=ANNOTATIONS, svc_type="LoadBalancer")
    from kubernetes import client
    client.CoreV1Api(path.kube.client).patch_namespaced_service_status("istio-ingress", path.gw, {
        "status": {"loadBalancer": {"ingress": [{"ip": LB_IP}]}}})
    _probe_route(path)
    arm.seed_resource_group("rg-edge")
    arm.seed_private_link_service(PLS_RG, "pls-istio")
    _frontdoor(ansible, arm, path, approve=False)

    args = path.args(provider="frontdoor", frontdoor={"resource_group": "rg-edge", "profile_name": "fd-shop",
                                                      "endpoint_name": "shop"})
    args.update(_auth(arm))
    result = ansible.module("edge_path_info", args, env=arm.env)
    assert not result["failed"], result.get("msg")
    edge = hop(result, "edge")
    assert result["broken_hop"] == "edge"
    assert edge["reason"] == "private_endpoint_pending"
    assert "Pending" in edge["message"] and "pls-istio" in edge["message"]
    assert "connection-status Approved" in edge["fix"]
    evidence = " ".join(edge["evidence"])
    assert "origin istio-ingress -> %s" % LB_IP in evidence
    assert "probe /probe is routed by VirtualService %s/frontdoor-health" % path.gw in evidence
    # the diagnosis only reads ARM
    arm.clear_requests()
    again = ansible.module("edge_path_info", args, env=arm.env)
    assert again["broken_hop"] == "edge"
    assert arm.writes() == []

    _frontdoor(ansible, arm, path, approve=True)
    result = ansible.module("edge_path_info", args, env=arm.env)
    assert not result["failed"], result.get("msg")
    assert hop(result, "edge")["status"] == "ok", hop(result, "edge")
    assert hop(result, "gateway_service")["status"] == "ok", hop(result, "gateway_service")
    assert result["status"] == "ok", result["summary"]
    assert result["target"]["host"] == HOST
