# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gateway facts read from objects: selector from the pod template labels, ports, nodePorts (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.install.gateways import (
    gateway_info, pick_gateway_objects, release_objects, selector_of)

SPEC = {"name": "istio-ingressgateway", "namespace": "istio-ingress"}


def workload(name, labels, kind="Deployment"):
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "istio-ingress"},
            "spec": {"template": {"metadata": {"labels": labels}}}}


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "istio-ingressgateway"},
           "spec": {"type": "NodePort", "ports": [
               {"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP", "nodePort": 30021},
               {"name": "http2", "port": 80, "targetPort": 8080, "nodePort": 30080},
               {"name": "https", "port": 443}]},
           "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example", "ip": None}]}}}


def test_selector_is_read_from_the_pod_template_not_assumed():
    assert selector_of(workload("g", {"app": "istio-ingressgateway", "istio": "ingressgateway", "x": "y"})) == {
        "app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert selector_of(workload("g", {"app": "g"})) == {"app": "g"}
    assert selector_of(None) == {}


def test_gateway_info_from_live_objects():
    info = gateway_info(SPEC, workload("istio-ingressgateway", {"app": "istio-ingressgateway", "istio": "ingressgateway"}),
                        SERVICE, "live")
    assert info["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert info["service"] == "istio-ingressgateway" and info["service_type"] == "NodePort"
    assert info["node_ports"] == {"status-port": 30021, "http2": 30080}
    assert info["status_port"] == 15021
    assert info["ports"][1] == {"name": "http2", "port": 80, "target_port": 8080, "protocol": "TCP",
                                "node_port": 30080}
    assert info["ports"][2]["target_port"] == 443
    assert info["load_balancer"] == [{"hostname": "lb.example"}]
    assert info["source"] == "live" and info["workload_kind"] == "Deployment"


def test_gateway_without_service():
    info = gateway_info(SPEC, workload("istio-ingressgateway", {"istio": "ingressgateway"}), None, "rendered")
    assert info["service"] is None and info["service_type"] is None and info["ports"] == []
    assert info["status_port"] is None


def test_pick_prefers_objects_named_like_the_release():
    objs = [workload("other", {}), workload("istio-ingressgateway", {}, kind="DaemonSet"), SERVICE]
    wl, svc = pick_gateway_objects(objs, "istio-ingressgateway", "istio-ingress")
    assert wl[:3] == ("DaemonSet", "istio-ingressgateway", "istio-ingress")
    assert svc[:3] == ("Service", "istio-ingressgateway", "istio-ingress")
    assert pick_gateway_objects([], "x", "ns") == (None, None)


def test_release_objects_lists_workloads_services_and_crds():
    crd = {"kind": "CustomResourceDefinition", "metadata": {"name": "gateways.networking.istio.io"}}
    out = release_objects([workload("istiod", {}), SERVICE, crd], "istio-system")
    assert out["workloads"] == [("Deployment", "istiod", "istio-ingress")]
    assert out["services"] == [("istio-ingressgateway", "istio-system")]
    assert out["crds"] == ["gateways.networking.istio.io"]
