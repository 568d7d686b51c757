# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The classic breakages, each reported at the right hop with the right reason (pure, no mocks)."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze


def test_healthy_path_is_all_ok(healthy):
    result = analyze(healthy)
    assert [(h["name"], h["status"]) for h in result["hops"]] == [
        ("edge", "ok"), ("gateway_service", "ok"), ("gateway_workload", "ok"), ("istio_crds", "ok"),
        ("gateway", "ok"), ("virtual_service", "ok"), ("endpoints", "ok")]
    assert result["status"] == "ok"
    assert result["broken_hop"] is None
    assert result["summary"].startswith("OK:")
    assert result["selected"] == {"virtual_service": "shop/shop", "gateway": "istio-ingress/shop-gateway",
                                  "route": 0}


def test_gateway_selector_ingressgateway_vs_pods_istio_ingress(healthy, hop):
    healthy["gateways"][0]["spec"]["selector"] = {"istio": "ingressgateway"}
    result = analyze(healthy)
    assert result["broken_hop"] == "gateway"
    gateway = hop(result, "gateway")
    assert gateway["reason"] == "selector_mismatch"
    assert "istio=ingressgateway" in gateway["message"] and "istio=ingress" in gateway["message"]
    assert "istio=ingress" in gateway["fix"]
    assert hop(result, "virtual_service")["status"] == "ok"


def test_vs_host_not_in_gateway(healthy, hop):
    healthy["gateways"][0]["spec"]["servers"][0]["hosts"] = ["other.example.com"]
    healthy["gateways"][0]["spec"]["servers"][1]["hosts"] = ["other.example.com"]
    result = analyze(healthy)
    assert result["broken_hop"] == "gateway"
    assert hop(result, "gateway")["reason"] == "host_not_in_gateway"
    assert "shop.example.com" in hop(result, "gateway")["fix"]


def test_gateway_ref_without_namespace(healthy, hop):
    healthy["virtual_services"][0]["spec"]["gateways"] = ["shop-gateway"]
    result = analyze(healthy)
    assert result["broken_hop"] == "virtual_service"
    vs = hop(result, "virtual_service")
    assert vs["reason"] == "gateway_ref_wrong_namespace"
    assert "shop/shop-gateway" in vs["message"]
    assert "istio-ingress/shop-gateway" in vs["fix"]
    assert hop(result, "gateway")["status"] == "ok"


def test_bare_gateway_ref_in_the_same_namespace_is_fine(healthy):
    healthy["gateways"][0]["metadata"]["namespace"] = "shop"
    healthy["virtual_services"][0]["spec"]["gateways"] = ["shop-gateway"]
    result = analyze(healthy)
    assert result["status"] == "ok", result["summary"]


def test_missing_destination_service(healthy, hop):
    healthy["services"] = {"shop/shop": None}
    healthy["endpoints"] = {"shop/shop": None}
    result = analyze(healthy)
    assert result["broken_hop"] == "virtual_service"
    assert hop(result, "virtual_service")["reason"] == "destination_service_missing"
    assert hop(result, "endpoints")["status"] == "skipped"


def test_destination_port_missing(healthy, hop):
    healthy["virtual_services"][0]["spec"]["http"][0]["route"][0]["destination"]["port"]["number"] = 80
    result = analyze(healthy)
    assert hop(result, "virtual_service")["reason"] == "destination_port_missing"


def test_no_ready_endpoints(healthy, hop):
    healthy["endpoints"]["shop/shop"]["subsets"] = [{"notReadyAddresses": [{"ip": "10.244.2.5"}],
                                                     "ports": [{"name": "http", "port": 8080}]}]
    result = analyze(healthy)
    assert result["broken_hop"] == "endpoints"
    endpoints = hop(result, "endpoints")
    assert endpoints["reason"] == "no_ready_endpoints"
    assert "1 address(es) are not ready" in endpoints["message"]


def test_node_port_differs_from_target_group(healthy, hop):
    healthy["gateway_service"]["spec"]["ports"][1]["nodePort"] = 31246
    healthy["options"]["node_ports"] = {}
    result = analyze(healthy)
    svc = hop(result, "gateway_service")
    assert result["broken_hop"] == "gateway_service"
    assert svc["reason"] == "target_port_mismatch"
    assert "30080" in svc["message"] and "31246" in svc["message"]


def test_node_port_not_pinned(healthy, hop):
    healthy["gateway_service"]["metadata"]["managedFields"] = [
        {"manager": "helm", "operation": "Update", "fieldsV1": {"f:spec": {"f:ports": {
            'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {}}}}}}]
    healthy["options"]["node_ports"] = {}
    result = analyze(healthy)
    svc = hop(result, "gateway_service")
    assert svc["status"] == "warning"
    assert svc["reason"] == "node_port_not_pinned"


def test_node_port_not_what_the_manual_lb_uses(healthy, hop):
    healthy["options"]["provider"] = "nodeport"
    healthy["edge"] = {}
    healthy["options"]["node_ports"] = {"http2": 30080, "https": 30999}
    result = analyze(healthy)
    assert result["broken_hop"] == "gateway_service"
    assert hop(result, "gateway_service")["reason"] == "node_port_mismatch"
    assert "node_ports.https" in hop(result, "gateway_service")["message"]
    assert hop(result, "edge")["status"] == "ok"


def test_health_check_annotation_missing(healthy, hop):
    healthy["gateway_service"]["metadata"]["annotations"] = {}
    result = analyze(healthy)
    svc = hop(result, "gateway_service")
    assert result["broken_hop"] == "gateway_service"
    assert svc["reason"] == "healthcheck_annotation_missing"
    assert "healthcheck-port: status-port" in svc["fix"]


def test_health_check_on_the_status_nodeport_number_is_accepted(healthy):
    healthy["gateway_service"]["metadata"]["annotations"]["alb.ingress.kubernetes.io/healthcheck-port"] = "30021"
    assert analyze(healthy)["status"] == "ok"


def test_istio_crds_missing(healthy, hop):
    healthy["istio"] = {"served": False, "missing": ["Gateway", "VirtualService"]}
    healthy["gateways"] = healthy["virtual_services"] = []
    result = analyze(healthy)
    assert result["broken_hop"] == "istio_crds"
    assert hop(result, "istio_crds")["reason"] == "istio_crds_missing"
    for name in ("gateway", "virtual_service", "endpoints"):
        assert hop(result, name)["status"] == "skipped"


def test_gateway_pods_never_ready(healthy, hop):
    pod = healthy["gateway_pods"][0]
    pod["spec"].pop("nodeName")
    pod["status"] = {"phase": "Pending"}
    healthy["gateway_endpoints"]["subsets"] = []
    result = analyze(healthy)
    workload = hop(result, "gateway_workload")
    assert result["broken_hop"] == "gateway_workload"
    assert workload["reason"] == "no_ready_pods"
    assert any("not scheduled to any node" in e for e in workload["evidence"])


def test_vs_without_gateways_is_mesh_only(healthy, hop):
    del healthy["virtual_services"][0]["spec"]["gateways"]
    result = analyze(healthy)
    assert hop(result, "virtual_service")["reason"] == "not_bound_to_gateway"


def test_no_virtual_service_for_the_host(healthy, hop):
    healthy["virtual_services"][0]["spec"]["hosts"] = ["other.example.com"]
    result = analyze(healthy)
    assert hop(result, "virtual_service")["reason"] == "no_virtual_service"
    assert hop(result, "gateway")["status"] == "ok"


def test_no_route_for_the_path(healthy, hop):
    healthy["target"]["path"] = "/admin"
    healthy["virtual_services"][0]["spec"]["http"][0]["match"] = [{"uri": {"prefix": "/api"}}]
    result = analyze(healthy)
    assert hop(result, "virtual_service")["reason"] == "no_route_for_path"


def test_tls_secret_missing(healthy, hop):
    healthy["secrets"] = {"istio-ingress/shop-tls": {"exists": False}}
    result = analyze(healthy)
    assert hop(result, "gateway")["reason"] == "tls_secret_missing"


def test_server_port_not_on_service(healthy, hop):
    healthy["gateways"][0]["spec"]["servers"][0]["port"]["number"] = 8080
    result = analyze(healthy)
    assert hop(result, "gateway")["reason"] == "server_port_not_on_service"


def test_export_to_hides_vs_from_gateway(healthy, hop):
    healthy["virtual_services"][0]["spec"]["exportTo"] = ["."]
    assert hop(analyze(healthy), "virtual_service")["reason"] == "not_exported_to_gateway"


def test_subset_without_destination_rule(healthy, hop):
    healthy["virtual_services"][0]["spec"]["http"][0]["route"][0]["destination"]["subset"] = "v1"
    assert hop(analyze(healthy), "virtual_service")["reason"] == "subset_missing"
    healthy["destination_rules"] = [{"metadata": {"name": "shop", "namespace": "shop"},
                                     "spec": {"host": "shop", "subsets": [{"name": "v1"}]}}]
    assert analyze(healthy)["status"] == "ok"


def test_alb_target_unhealthy_and_health_check_on_traffic_port(healthy, hop):
    group = healthy["edge"]["target_groups"][0]
    group["health_check"]["port"] = "traffic-port"
    group["targets"][0].update(state="unhealthy", reason="Target.ResponseCodeMismatch",
                               description="Health checks failed with these codes: [404]")
    edge = hop(analyze(healthy), "edge")
    reasons = [f["reason"] for f in edge["findings"]]
    assert edge["status"] == "broken"
    assert reasons[:2] == ["healthcheck_on_traffic_port", "targets_unhealthy"]
    assert "404" in " ".join(f["message"] for f in edge["findings"])


def test_alb_not_provisioned(healthy, hop):
    healthy["edge"].update(address=None, load_balancer=None, listeners=[], target_groups=[])
    edge = hop(analyze(healthy), "edge")
    assert edge["reason"] == "alb_not_provisioned"
    assert [f["reason"] for f in edge["findings"]] == ["alb_not_provisioned"]


def test_edge_unreadable_is_a_warning_with_the_error(healthy, hop):
    healthy["edge"] = {"error": "AWS error while trying to describe load balancers: AccessDenied: nope",
                       "error_hint": "Grant elasticloadbalancing:Describe*"}
    edge = hop(analyze(healthy), "edge")
    assert edge["status"] == "warning"
    assert "AccessDenied" in edge["message"]
    assert edge["fix"] == "Grant elasticloadbalancing:Describe*"


def test_first_broken_hop_wins_and_others_are_listed(healthy):
    healthy["gateway_service"]["metadata"]["annotations"] = {}
    healthy["services"] = {"shop/shop": None}
    result = analyze(healthy)
    assert result["broken_hop"] == "gateway_service"
    assert result["broken_hops"] == ["gateway_service", "virtual_service"]
    assert "Also broken further down: virtual_service." in result["summary"]
