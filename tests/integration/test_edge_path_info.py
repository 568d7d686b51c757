# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""edge_path_info on the test bed: each classic breakage is set up with real objects on the API server and
reported at the exact hop with the exact reason; a healthy path reports every hop ok.

The test bed's limits and how they are stood in for are in test_edge_path_info_support.py (no kubelet: the
gateway pod is made Ready by hand; Envoy never runs, so its config is unit-tested instead).
"""

import pytest

from app_route_support import apply, get
from test_edge_path_info_support import HOST, hop, statuses, fake_node, path  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.usefixtures("fake_node")


def run(ansible, args, **kwargs):
    result = ansible.module("edge_path_info", args, **kwargs)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False
    return result


def test_healthy_path_reports_every_hop_ok(ansible, path):
    path.build()
    result = run(ansible, path.args(provider="nodeport", node_ports=path.node_ports))
    assert statuses(result) == {"edge": "ok", "gateway_service": "ok", "gateway_workload": "ok", "istio_crds": "ok",
                                "gateway": "ok", "virtual_service": "ok", "endpoints": "ok"}, result["summary"]
    assert result["status"] == "ok" and result["broken_hop"] is None
    assert result["selected"] == {"virtual_service": "%s/shop" % path.app, "gateway": "%s/shop-gateway" % path.gw,
                                  "route": 0}
    assert "1 of 1 gateway pod(s) Ready" in hop(result, "gateway_workload")["message"]
    assert result["summary"].startswith("OK:")
    assert result["mermaid"].startswith("flowchart LR") and "class gateway ok" in result["mermaid"]
    # read-only, also in check mode: same verdict, nothing changed
    checked = run(ansible, path.args(provider="nodeport", node_ports=path.node_ports), check=True)
    assert checked["status"] == "ok"


def test_gateway_selector_ingressgateway_but_pods_labelled_istio_ingress(ansible, path):
    path.build()
    apply(path.kube, path.gateway(selector={"istio": "ingressgateway"}))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "gateway"
    gateway = hop(result, "gateway")
    assert gateway["reason"] == "selector_mismatch"
    assert "istio=ingressgateway" in gateway["message"] and "istio=ingress" in gateway["message"]
    assert "istio=ingress" in gateway["fix"]
    assert "class gateway broken" in result["mermaid"] and "linkStyle" in result["mermaid"]


def test_virtual_service_host_not_in_the_gateway(ansible, path):
    path.build()
    apply(path.kube, path.gateway(hosts=["other.example.com"]))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "gateway"
    assert hop(result, "gateway")["reason"] == "host_not_in_gateway"
    assert HOST in hop(result, "gateway")["fix"]
    assert hop(result, "virtual_service")["status"] == "ok"


def test_gateway_reference_without_its_namespace(ansible, path):
    path.build()
    apply(path.kube, path.virtual_service(gateways=["shop-gateway"]))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "virtual_service"
    vs = hop(result, "virtual_service")
    assert vs["reason"] == "gateway_ref_wrong_namespace"
    assert "%s/shop-gateway" % path.app in vs["message"]          # what the bare name resolves to
    assert "'%s/shop-gateway'" % path.gw in vs["fix"]              # what to write instead
    assert hop(result, "gateway")["status"] == "ok"


def test_legacy_gateway_reference_name_dot_namespace(ansible, path):
    """gateways: [shop-gateway.<gateway namespace>] is Istio's legacy form of <gateway namespace>/shop-gateway: bound
    (with a warning naming the form to write), not a broken binding."""
    path.build()
    apply(path.kube, path.virtual_service(gateways=["shop-gateway.%s" % path.gw]))
    result = run(ansible, path.args())
    assert result["selected"]["gateway"] == "%s/shop-gateway" % path.gw
    assert result["broken_hop"] is None, result["summary"]
    vs = hop(result, "virtual_service")
    assert vs["status"] == "warning" and vs["reason"] == "gateway_ref_legacy_form"
    assert "%s/shop-gateway" % path.gw in vs["fix"]
    assert hop(result, "gateway")["status"] == "ok"


def test_destination_written_service_dot_namespace(ansible, path):
    """Istio takes a destination host with a dot as written: shop.<app namespace> reaches no Service."""
    path.build()
    apply(path.kube, path.virtual_service(host="shop.%s" % path.app))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "virtual_service"
    vs = hop(result, "virtual_service")
    assert vs["reason"] == "destination_not_expanded"
    assert "shop.%s.svc.cluster.local" % path.app in vs["fix"]


def test_missing_destination_service(ansible, path):
    path.build()
    apply(path.kube, path.virtual_service(host="shop-v2"))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "virtual_service"
    vs = hop(result, "virtual_service")
    assert vs["reason"] == "destination_service_missing"
    assert "%s/shop-v2" % path.app in vs["message"]
    assert hop(result, "endpoints")["status"] == "skipped"


def test_destination_without_ready_endpoints(ansible, path):
    path.build()
    apply(path.kube, path.endpoints(ready=False))
    result = run(ansible, path.args())
    assert result["broken_hop"] == "endpoints"
    assert hop(result, "endpoints")["reason"] == "no_ready_endpoints"
    assert "1 address(es) are not ready" in hop(result, "endpoints")["message"]


def test_node_port_not_pinned(ansible, path):
    path.build(pin=False)
    result = run(ansible, path.args(provider="nodeport"))
    svc = hop(result, "gateway_service")
    assert svc["status"] == "warning" and svc["reason"] == "node_port_not_pinned"
    assert result["broken_hop"] is None and result["status"] == "warning"
    assert str(path.node_ports["http2"]) in " ".join(f["message"] for f in svc["findings"])


def test_node_port_differs_from_the_manual_load_balancer(ansible, path):
    path.build()
    expected = dict(path.node_ports, http2=path.node_ports["http2"] + 1 if path.node_ports["http2"] < 32767 else 30000)
    result = run(ansible, path.args(provider="nodeport", node_ports=expected))
    assert result["broken_hop"] == "gateway_service"
    svc = hop(result, "gateway_service")
    assert svc["reason"] == "node_port_mismatch"
    assert "node_ports.http2" in svc["message"]


def test_gateway_pods_never_ready_on_a_bed_without_kubelet(ansible, path):
    """Without the hand-made readiness the truth of this test bed shows: the pod is never scheduled."""
    path.build(ready_gateway=False)
    result = run(ansible, path.args(envoy_config="always"))
    assert result["broken_hop"] == "gateway_workload"
    workload = hop(result, "gateway_workload")
    assert workload["reason"] == "no_ready_pods"
    assert any("not scheduled to any node" in e for e in workload["evidence"])
    envoy = hop(result, "envoy")
    assert envoy["status"] == "warning" and envoy["reason"] == "no_running_gateway_pod"


def test_envoy_config_cannot_be_read_without_a_running_envoy(ansible, path):
    """The pod proxy is tried and its failure reported honestly (no Envoy can run on this test bed)."""
    path.build()
    result = run(ansible, path.args(envoy_config="auto", timeout=5))
    envoy = hop(result, "envoy")
    assert envoy["status"] == "warning" and envoy["reason"] == "envoy_unreadable"
    assert ":15000" in envoy["message"] or "15000" in envoy["message"]
    assert result["broken_hop"] is None


def test_app_mode_and_reports(ansible, path):
    path.build()
    apps = [{"name": "shop", "namespace": path.app, "hosts": [HOST], "use_gateway": "%s/shop-gateway" % path.gw,
             "http": [{"match": [{"prefix": "/"}], "route": [{"host": "shop", "port": 8080}]}]}]
    result = run(ansible, {"app": "shop", "apps": apps, "gateway_namespace": path.gw, "envoy_config": "never",
                           "report_formats": ["markdown", "html"]})
    assert result["target"]["app"] == "shop" and result["target"]["host"] == HOST
    assert result["target"]["gateway_ref"] == "%s/shop-gateway" % path.gw
    assert result["status"] == "ok", result["summary"]
    assert result["report"]["markdown"].startswith("# Traffic path diagnosis: shop (%s/)" % HOST)
    assert "```mermaid" in result["report"]["markdown"]
    assert result["report"]["html"].startswith("<!DOCTYPE html>") and "</html>" in result["report"]["html"]


def test_bad_input_names_the_option(ansible):
    result = ansible.module("edge_path_info", {"hostname": "https://shop.example.com/api"})
    assert result["failed"] and result["field"] == "hostname"
    assert "without scheme" in result["msg"]
    result = ansible.module("edge_path_info", {"hostname": HOST, "provider": "frontdoor",
                                               "frontdoor": {"profile_name": "fd", "endpoint_name": "shop"}})
    assert result["failed"] and result["field"] == "frontdoor.resource_group"
    result = ansible.module("edge_path_info", {"hostname": HOST, "path": "api"})
    assert result["failed"] and result["field"] == "path"
    result = ansible.module("edge_path_info", {"app": "nope", "apps": [
        {"name": "shop", "namespace": "shop", "hosts": [HOST], "http": [{"route": [{"host": "shop"}]}]}]})
    assert result["failed"] and result["field"] == "app"


def test_nothing_is_written(ansible, path, kube):
    path.build()
    before = get(kube, "v1", "Service", "istio-ingress", path.gw)["metadata"]["resourceVersion"]
    gw_before = get(kube, "networking.istio.io/v1beta1", "Gateway", "shop-gateway",
                    path.gw)["metadata"]["resourceVersion"]
    run(ansible, path.args(provider="nodeport", node_ports=path.node_ports))
    assert get(kube, "v1", "Service", "istio-ingress", path.gw)["metadata"]["resourceVersion"] == before
    assert get(kube, "networking.istio.io/v1beta1", "Gateway", "shop-gateway",
               path.gw)["metadata"]["resourceVersion"] == gw_before


def test_cloud_load_balancer_without_address(ansible, path):
    """provider loadbalancer: no cloud controller on the test bed, so the Service never gets an address."""
    path.build(svc_type="LoadBalancer")
    result = run(ansible, path.args(provider="loadbalancer"))
    assert result["broken_hop"] == "edge"
    assert hop(result, "edge")["reason"] == "no_external_address"


def test_diagnoses_what_app_route_made(ansible, path):
    """The Gateway and VirtualService written by the collection's own app_route module diagnose as ok."""
    path.build(routes=False)
    # a host of its own: VirtualServices of earlier tests may linger while their namespaces finalize, and
    # app_route rightly refuses a host + path another VirtualService already claims
    host = "%s.example.com" % path.app
    app = {"name": "shop", "namespace": path.app, "hosts": [host],
           "http": [{"name": "main", "match": [{"prefix": "/"}], "route": [{"host": "shop", "port": 8080}]}]}
    routed = ansible.module("app_route", {"apps": [app], "gateway_namespace": path.gw})
    assert not routed["failed"], routed.get("msg")
    result = run(ansible, {"app": "shop", "apps": [app], "gateway_namespace": path.gw, "envoy_config": "never",
                           "provider": "nodeport", "node_ports": path.node_ports})
    assert result["status"] == "ok", result["summary"]
    assert result["selected"]["virtual_service"].startswith(path.app + "/")
    assert result["target"]["gateway_ref"] == result["selected"]["gateway"]
