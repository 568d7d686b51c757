# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/expose-app.yml with inventories/prod (EKS, ALB, ACM domain, four apps): role edge_alb, then
expose_app, on the test bed with moto's server.

What differs from production, and why:
* role istio is not run (istio_edge_manage_istio=false; it has its own tests and molecule scenario): the
  gateway Deployment and NodePort Service are created as Istio's gateway chart makes them, then shaped by
  gateway_service profile alb (mode live) exactly as role istio would; istio_edge_gateway is passed as role
  istio sets it. The nodePorts are the ones the API server allocated (the test bed is shared).
* the AWS Load Balancer Controller does not run here: aws_controller.FakeLoadBalancerController creates the
  ALB in moto (region eu-west-1, cluster prod-eks, as in the inventory) and writes the Ingress address.
* the apps' workloads are stand-ins made by the test bed's play tests/testbed/demo-workloads.yml, and no pod runs
  (no kubelet).
The rest - every variable of inventories/prod - is used as is.
"""

import os

import pytest

from ansible_runner import REPO, task_result as task
from app_route_support import (
    GATEWAY_LABELS, delete_namespace, ensure_istio_crds, make_gateway, new_namespace, remove_app_namespaces)
from aws_controller import FakeLoadBalancerController, aws_clients
from aws_support import moto_reset

PROD = os.path.join(REPO, "inventories", "prod")
EXPOSE = os.path.join(REPO, "playbooks", "expose-app.yml")
DEMO_WORKLOADS = os.path.join(REPO, "tests", "testbed", "demo-workloads.yml")
APP_NAMESPACES = ("storefront", "catalog", "payments", "docs")
ALB = "alb.ingress.kubernetes.io/"


@pytest.fixture
def prod(ansible, kube, testbed):
    moto_reset(testbed["aws_endpoint_url"])
    ensure_istio_crds(kube)
    remove_app_namespaces(kube, APP_NAMESPACES, wait=True)
    gw_ns = new_namespace(kube, "gw")
    make_gateway(kube, gw_ns)
    svc = kube.resources.get(api_version="v1", kind="Service").get(name="istio-ingress", namespace=gw_ns).to_dict()
    shaped = ansible.module("gateway_service", {
        "profile": "alb", "mode": "live", "name": "istio-ingress", "namespace": gw_ns,
        "node_ports": dict((p["name"], p["nodePort"]) for p in svc["spec"]["ports"] if p.get("nodePort")) or None})
    assert not shaped["failed"], shaped.get("msg")
    acm = aws_clients(testbed["aws_endpoint_url"], region="eu-west-1")["acm"]
    cert = acm.request_certificate(DomainName="*.shop.example.com", ValidationMethod="DNS")["CertificateArn"]
    extra = {
        "istio_edge_manage_istio": False,
        "istio_edge_gateway": {"name": "istio-ingress", "namespace": gw_ns, "service": "istio-ingress",
                               "selector": GATEWAY_LABELS, "profile": "alb", "node_ports": shaped["node_ports"],
                               "status_port": 15021},
        "edge_alb_wait_timeout": 60,
    }
    rc, out, _results = ansible.playbook(DEMO_WORKLOADS, inventory=PROD)
    assert rc == 0, out[-5000:]
    controller = FakeLoadBalancerController(testbed["kubeconfig"], testbed["aws_endpoint_url"], "eu-west-1", "prod-eks")
    yield gw_ns, cert, shaped, extra, controller
    controller.release()                  # its finalizer would keep the gateway namespace from being deleted
    remove_app_namespaces(kube, APP_NAMESPACES)
    delete_namespace(kube, gw_ns)


@pytest.mark.slow
def test_expose_app_with_the_prod_inventory(ansible, kube, prod):
    gw_ns, cert, shaped, extra, controller = prod
    with controller.running():
        rc, out, results = ansible.playbook(EXPOSE, inventory=PROD, extra_vars=extra)
        assert rc == 0, out[-6000:]
        info = task(results, "Report the ALB as the fact edge_alb_info")["ansible_facts"]["edge_alb_info"]
        assert info["verification"]["status"] == "ok", info["verification"]
        assert info["certificate_arns"] == [cert]
        assert info["load_balancer"]["scheme"] == "internet-facing"
        assert info["address"] == info["load_balancer"]["dns_name"]
        assert info["address"].endswith(".eu-west-1.elb.amazonaws.com")
        stats = task(results, "Publish the ALB for AWX")["ansible_stats"]["data"]["istio_edge_alb"]
        assert stats["stack"] == "%s/istio-edge-alb" % gw_ns

        ing = kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress").get(
            name="istio-edge-alb", namespace=gw_ns).to_dict()
        ann = ing["metadata"]["annotations"]
        assert ann["external-dns.alpha.kubernetes.io/hostname"] == (
            "www.shop.example.com,api.shop.example.com,pay.shop.example.com,docs.shop.example.com")
        assert ann[ALB + "wafv2-acl-arn"].startswith("arn:aws:wafv2:eu-west-1:")
        assert ann[ALB + "tags"] == "cost-center=4711,env=prod,team=platform"
        assert ann[ALB + "ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        # the gateway Service carries the health check (gateway_service profile alb), the ALB probes its nodePort
        [tg] = task(results, "Ensure the ALB Ingress")["target_groups"]
        assert tg["health_check"]["port"] == str(shaped["node_ports"]["status-port"])
        # the apps were routed after the edge
        routed = task(results, "Ensure the apps' routes")
        assert sorted(a["name"] for a in routed["apps"]) == ["catalog-api", "docs", "payments", "storefront"]

        rc, out, results = ansible.playbook(EXPOSE, inventory=PROD, extra_vars=extra)
        assert rc == 0, out[-6000:]
        assert task(results, "Ensure the ALB Ingress")["changed"] is False
        assert [r["_task"] for r in results if r.get("changed")] == []


def test_prod_inventory_refuses_a_gateway_not_shaped_for_the_alb(ansible, prod):
    gw_ns, cert, shaped, extra, controller = prod
    wrong = dict(extra, istio_edge_gateway=dict(extra["istio_edge_gateway"], profile="nodeport"))
    rc, out, results = ansible.playbook(EXPOSE, inventory=PROD, extra_vars=wrong)
    assert rc != 0
    failed = task(results, "Check that the gateway Service was shaped for an ALB")
    assert "istio_edge_provider: alb" in failed["msg"]
