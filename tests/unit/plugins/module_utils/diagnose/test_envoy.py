# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config_dump parser and the Envoy check, on a realistic gateway dump (fixtures/config_dump_gateway.json:
Istio 1.24 gateway with an HTTP listener on 80, HTTPS on 443 with SNI, a TCP listener on 3306, the
Front Door probe route, and the SecretsConfigDump that must never be surfaced). Envoy cannot run on the test
bed, so this is where the reading of its configuration is tested."""

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.envoy import (
    check_envoy, domain_matches, parse_config_dump)


def test_parse_listeners_like_istioctl(config_dump):
    parsed = parse_config_dump(config_dump())
    ports = [(lst["address"], lst["port"], lst["static"]) for lst in parsed["listeners"]]
    assert ports == [("0.0.0.0", 15090, True), ("0.0.0.0", 15021, True), ("0.0.0.0", 80, False),
                     ("0.0.0.0", 443, False), ("0.0.0.0", 3306, False)]
    http = [lst for lst in parsed["listeners"] if lst["port"] == 80][0]
    assert http["name"] == "0.0.0.0_80" and http["routes"] == ["http.80"]
    https = [lst for lst in parsed["listeners"] if lst["port"] == 443][0]
    assert https["routes"] == ["https.443.https.shop-gateway.istio-ingress"]
    tcp = [lst for lst in parsed["listeners"] if lst["port"] == 3306][0]
    assert tcp["tcp_clusters"] == ["outbound|3306||mysql.db.svc.cluster.local"] and tcp["routes"] == []
    assert parsed["istio_version"] == "1.24.2"
    assert parsed["pod"] == "istio-ingress-6d9c8b7f5-x2k4p"


def test_parse_routes_and_clusters(config_dump):
    parsed = parse_config_dump(config_dump())
    http80 = [r for r in parsed["routes"] if r["route_config"] == "http.80"]
    assert [(r["virtual_host"], r["match"], r["clusters"], r["virtual_service"]) for r in http80] == [
        ("shop.example.com:80", "prefix /api/", ["outbound|8080|v1|shop.shop.svc.cluster.local"], "shop/shop"),
        ("shop.example.com:80", "prefix /", ["outbound|8080||shop.shop.svc.cluster.local"], "shop/shop"),
        ("*:80", "path /probe", ["outbound|15021||istio-ingress.istio-ingress.svc.cluster.local"],
         "istio-ingress/frontdoor-probe")]
    clusters = dict((c["name"], c) for c in parsed["clusters"])
    shop = clusters["outbound|8080|v1|shop.shop.svc.cluster.local"]
    assert (shop["direction"], shop["port"], shop["subset"], shop["fqdn"]) == (
        "outbound", 8080, "v1", "shop.shop.svc.cluster.local")
    assert "prometheus_stats" in clusters and "BlackHoleCluster" in clusters


def test_secrets_never_surface(config_dump):
    text = json.dumps(parse_config_dump(config_dump()))
    assert "inline_bytes" not in text and "LS0tLS1CRUdJTi" not in text and "kubernetes://shop-tls" not in text


def test_check_finds_the_route_for_host_and_path(config_dump):
    parsed = parse_config_dump(config_dump())
    hop = check_envoy(parsed, "shop.example.com", "/api/orders", [80], "pod-1").to_dict()
    assert hop["status"] == "ok"
    assert "outbound|8080|v1|shop.shop.svc.cluster.local" in hop["message"]
    hop = check_envoy(parsed, "SHOP.example.com", "/", [80, 443], "pod-1").to_dict()
    assert hop["status"] == "ok" and "outbound|8080||shop" in hop["message"]


def test_check_reports_missing_listener_vhost_route_cluster(config_dump):
    parsed = parse_config_dump(config_dump())
    assert check_envoy(parsed, "shop.example.com", "/", [8080], "p").to_dict()["reason"] == "no_listener"
    hop = check_envoy(parsed, "other.example.com", "/", [443], "p").to_dict()
    assert hop["reason"] == "no_virtual_host" and "route_not_found" in hop["message"]
    dump = config_dump()
    for config in dump["configs"]:
        if config["@type"].endswith("ClustersConfigDump"):
            config["dynamic_active_clusters"] = [c for c in config["dynamic_active_clusters"]
                                                 if "|v1|" not in c["cluster"]["name"]]
    hop = check_envoy(parse_config_dump(dump), "shop.example.com", "/api/x", [80], "p").to_dict()
    assert hop["reason"] == "cluster_missing" and "503 NC" in hop["message"]


def test_gateway_without_any_gateway_resource_only_listens_on_status_ports(config_dump):
    """Seed 000: before a Gateway selects the pod, Envoy only has 15021 and 15090 - the ALB's 502."""
    parsed = parse_config_dump(config_dump("config_dump_no_gateway.json"))
    assert [lst["port"] for lst in parsed["listeners"]] == [15090, 15021]
    hop = check_envoy(parsed, "shop.example.com", "/", [80], "p").to_dict()
    assert hop["status"] == "broken" and hop["reason"] == "no_listener"


def test_blackhole_route_when_no_virtual_service_is_bound():
    """Seed 000: a Gateway without VirtualService gives route http.80 with a 404 direct response."""
    dump = {"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": [
            {"name": "0.0.0.0_8080", "active_state": {"listener": {
                "name": "0.0.0.0_8080", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8080}},
                "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                                "typed_config": {"rds": {"route_config_name": "http.8080"}}}]}]}}}]},
        {"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "dynamic_route_configs": [
            {"route_config": {"name": "http.8080", "virtual_hosts": [
                {"name": "blackhole:80", "domains": ["*"], "routes": [
                    {"name": "default", "match": {"prefix": "/"}, "direct_response": {"status": 404}}]}]}}]}]}
    hop = check_envoy(parse_config_dump(dump), "istio-test-alb.example.com", "/", [8080], "p").to_dict()
    assert hop["reason"] == "blackhole_route"


def test_domain_matching():
    assert domain_matches("shop.example.com:*", "shop.example.com")
    assert domain_matches("*.example.com", "a.b.example.com")
    assert not domain_matches("*.example.com", "example.com")
    assert domain_matches("*", "anything")


def test_envoy_hop_joins_the_analysis(healthy, config_dump, hop):
    healthy["gateways"][0]["spec"]["servers"][0]["port"]["number"] = 80
    healthy["envoy"] = {"parsed": parse_config_dump(config_dump()), "pod": "istio-ingress-6d9c8b7f5-x2k4p"}
    result = analyze(healthy)
    envoy = hop(result, "envoy")
    assert envoy["status"] == "ok" and envoy["object"] == "Envoy of pod istio-ingress-6d9c8b7f5-x2k4p"
    assert result["hops"][-1]["name"] == "envoy"
    assert result["envoy"]["istio_version"] == "1.24.2"
    assert result["envoy"]["routes_total"] == len(result["envoy"]["routes"]) == 4
    assert "envoy{{" in result["mermaid"]


def test_envoy_skipped_is_not_broken(healthy, hop):
    healthy["envoy"] = {"skip": ("no_running_gateway_pod", "no pod", None, False), "pod": None}
    result = analyze(healthy)
    assert hop(result, "envoy")["status"] == "skipped"
    assert result["status"] == "ok"
