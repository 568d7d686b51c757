# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NLB, Front Door and Azure-Service checks on plain dicts (pure)."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze

AZ = "service.beta.kubernetes.io/"
PLS = "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/pls-istio"


def _frontdoor(healthy, connection_status="Pending"):
    svc = healthy["gateway_service"]
    svc["spec"]["type"] = "LoadBalancer"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "10.224.0.7"}]}}
    ann = {AZ + "azure-load-balancer-internal": "true", AZ + "azure-pls-create": "true"}
    for port in (80, 443):
        ann.update({AZ + "port_%d_health-probe_protocol" % port: "http", AZ + "port_%d_health-probe_port" % port:
                    "15021", AZ + "port_%d_health-probe_request-path" % port: "/healthz/ready"})
    svc["metadata"]["annotations"] = ann
    healthy["options"]["provider"] = "frontdoor"
    healthy["options"]["node_ports"] = {}
    # the probe's Host is the load balancer's IP: the Gateway the probe route binds to takes every host
    healthy["gateways"].append({"metadata": {"name": "edge", "namespace": "istio-ingress"}, "spec": {
        "selector": {"istio": "ingress"}, "servers": [{"port": {"number": 80, "protocol": "HTTP"}, "hosts": ["*"]}]}})
    healthy["virtual_services"].append({
        "metadata": {"name": "frontdoor-health", "namespace": "istio-ingress"},
        "spec": {"hosts": ["*"], "gateways": ["istio-ingress/edge"], "http": [
            {"match": [{"uri": {"exact": "/probe"}}], "rewrite": {"uri": "/healthz/ready"},
             "route": [{"destination": {"host": "istio-ingress", "port": {"number": 15021}}}]}]}})
    healthy["edge"] = {
        "provider": "frontdoor", "profile": "fd-shop",
        "endpoint": {"name": "shop", "host_name": "shop-abc.z01.azurefd.net", "enabled_state": "Enabled",
                     "provisioning_state": "Succeeded"},
        "origin_group": {"name": "istio-edge", "health_probe": {"path": "/probe", "protocol": "Http",
                                                                "request_type": "GET", "interval": 100}},
        "origin": {"name": "istio-ingress", "host_name": "10.224.0.7", "origin_host_header": "10.224.0.7",
                   "enabled_state": "Enabled", "private_link": {"id": PLS, "status": connection_status}},
        "private_link_service": {"id": PLS, "name": "pls-istio", "connections": [
            {"name": "fd-conn-1", "status": connection_status, "description": "Azure Front Door fd-shop"}]}}
    return healthy


def test_frontdoor_pending_connection(healthy, hop):
    result = analyze(_frontdoor(healthy))
    edge = hop(result, "edge")
    assert result["broken_hop"] == "edge" and edge["reason"] == "private_endpoint_pending"
    assert "fd-conn-1" in edge["message"] and "--name fd-conn-1 --service-name pls-istio" in edge["fix"]
    assert any("probe /probe is routed" in e for e in edge["evidence"])


def test_frontdoor_approved_is_ok(healthy, hop):
    result = analyze(_frontdoor(healthy, "Approved"))
    assert hop(result, "edge")["status"] == "ok", hop(result, "edge")
    assert hop(result, "gateway_service")["status"] == "ok", hop(result, "gateway_service")


def test_frontdoor_origin_elsewhere_and_probe_unrouted(healthy, hop):
    snap = _frontdoor(healthy, "Approved")
    snap["edge"]["origin"]["host_name"] = "10.224.0.99"
    snap["virtual_services"].pop()
    edge = hop(analyze(snap), "edge")
    reasons = [f["reason"] for f in edge["findings"]]
    assert "origin_host_mismatch" in reasons and "probe_path_not_routed" in reasons


def test_frontdoor_rejected_connection(healthy, hop):
    assert hop(analyze(_frontdoor(healthy, "Rejected")), "edge")["reason"] == "private_endpoint_refused"


def test_azure_service_needs_internal_lb_and_pls(healthy, hop):
    snap = _frontdoor(healthy, "Approved")
    del snap["gateway_service"]["metadata"]["annotations"][AZ + "azure-pls-create"]
    snap["gateway_service"]["spec"]["ports"][1]["appProtocol"] = "http"
    del snap["gateway_service"]["metadata"]["annotations"][AZ + "port_80_health-probe_request-path"]
    svc = hop(analyze(snap), "gateway_service")
    reasons = [f["reason"] for f in svc["findings"]]
    assert reasons == ["pls_annotation_missing", "healthcheck_annotation_missing"]
    assert svc["findings"][1]["status"] == "broken"   # appProtocol http is probed with GET / -> 404


def _nlb(healthy):
    svc = healthy["gateway_service"]
    svc["spec"]["type"] = "LoadBalancer"
    nlb = "service.beta.kubernetes.io/aws-load-balancer-"
    svc["metadata"]["annotations"] = {nlb + "type": "external", nlb + "nlb-target-type": "instance",
                                      nlb + "healthcheck-protocol": "http", nlb + "healthcheck-port": "30021",
                                      nlb + "healthcheck-path": "/healthz/ready"}
    healthy["options"]["provider"] = "nlb"
    healthy["edge"].update(provider="nlb", ingress_ref=None, ingress=None)
    healthy["edge"]["load_balancer"]["type"] = "network"
    return healthy


def test_nlb_healthy(healthy):
    assert analyze(_nlb(healthy))["status"] == "ok"


def test_nlb_without_controller_annotation_is_a_classic_lb(healthy, hop):
    snap = _nlb(healthy)
    del snap["gateway_service"]["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"]
    assert hop(analyze(snap), "gateway_service")["reason"] == "nlb_annotation_missing"


def test_nlb_tcp_on_traffic_port_is_a_warning(healthy, hop):
    snap = _nlb(healthy)
    ann = snap["gateway_service"]["metadata"]["annotations"]
    ann.update({"service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "tcp",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port"})
    svc = hop(analyze(snap), "gateway_service")
    assert svc["status"] == "warning" and svc["reason"] == "healthcheck_on_traffic_port"


def test_alb_ip_mode_accepts_clusterip_and_checks_the_pod_port(healthy, hop):
    snap = healthy
    snap["gateway_service"]["spec"]["type"] = "ClusterIP"
    for port in snap["gateway_service"]["spec"]["ports"]:
        port.pop("nodePort")
    snap["options"]["node_ports"] = {}
    snap["edge"]["target_type"] = "ip"
    group = snap["edge"]["target_groups"][0]
    group.update(target_type="ip", port=80)
    group["health_check"]["port"] = "15021"
    result = analyze(snap)
    assert result["status"] == "ok", result["summary"]
    group["health_check"]["port"] = "30021"
    assert hop(analyze(snap), "edge")["reason"] == "healthcheck_port_mismatch"
