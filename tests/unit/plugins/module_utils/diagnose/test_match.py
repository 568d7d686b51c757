# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio's matching rules as the diagnosis applies them."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import (
    gateway_covers, host_matches, resolve_destination, resolve_gateway_ref, route_for_path, vs_gateway_refs)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import node_port_owners


def test_hosts():
    assert host_matches("*", "shop.example.com")
    assert host_matches("*.example.com", "shop.example.com")
    assert host_matches("*.example.com", "a.shop.example.com")
    assert not host_matches("*.example.com", "example.com")
    assert host_matches("Shop.Example.com", "shop.example.com:443")
    assert not host_matches("shop.example.com", "shop.example.org")


def test_gateway_hosts_with_namespace_prefix():
    gateway = {"metadata": {"name": "edge", "namespace": "istio-ingress"},
               "spec": {"servers": [{"port": {"number": 80}, "hosts": ["shop/shop.example.com", "./ops.example.com"]},
                                    {"port": {"number": 443}, "hosts": ["*/*.example.com"]}]}}
    assert [s["port"]["number"] for s, _entry in gateway_covers(gateway, "shop.example.com", "shop")] == [80, 443]
    assert [s["port"]["number"] for s, _entry in gateway_covers(gateway, "shop.example.com", "other")] == [443]
    assert [s["port"]["number"] for s, _entry in gateway_covers(gateway, "ops.example.com", "istio-ingress")] == [80, 443]


def test_gateway_references():
    assert resolve_gateway_ref("istio-ingress/edge", "shop") == ("istio-ingress/edge", "qualified")
    assert resolve_gateway_ref("edge", "shop") == ("shop/edge", "bare")
    assert resolve_gateway_ref("default-gateway.istio-system.svc.cluster.local", "shop") == (
        "istio-system/default-gateway", "fqdn")
    assert resolve_gateway_ref("mesh", "shop") == (None, "mesh")
    assert vs_gateway_refs({"metadata": {"namespace": "shop"}, "spec": {"hosts": ["a"]}})[0][2] == "mesh"


def test_destinations():
    assert resolve_destination("shop", "web") == ("web", "shop")
    assert resolve_destination("shop.other", "web") == ("other", "shop")
    assert resolve_destination("shop.other.svc.cluster.local", "web") == ("other", "shop")
    assert resolve_destination("api.example.com", "web") == (None, None)


def test_first_matching_route_wins_and_conditions_are_reported():
    vs = {"metadata": {"namespace": "shop"}, "spec": {"http": [
        {"name": "beta", "match": [{"uri": {"prefix": "/api"}, "headers": {"x-beta": {"exact": "1"}}}],
         "route": [{"destination": {"host": "beta"}}]},
        {"name": "api", "match": [{"uri": {"regex": "/api/v[0-9]+/.*"}}], "route": [{"destination": {"host": "api"}}]},
        {"name": "exact", "match": [{"uri": {"exact": "/Login"}, "ignoreUriCase": True}],
         "route": [{"destination": {"host": "login"}}]},
        {"name": "rest", "route": [{"destination": {"host": "web"}}]}]}}
    index, route, _match, extra = route_for_path(vs, "/api/v2/orders")
    assert (index, route["name"], extra) == (0, "beta", ["headers"])
    assert route_for_path(vs, "/login")[1]["name"] == "exact"
    assert route_for_path(vs, "/other")[1]["name"] == "rest"
    vs["spec"]["http"].pop(0)
    assert route_for_path(vs, "/api/v2/orders")[1]["name"] == "api"


def test_route_restricted_to_another_gateway_is_skipped():
    vs = {"metadata": {"namespace": "shop"}, "spec": {"http": [
        {"match": [{"uri": {"prefix": "/"}, "gateways": ["mesh"]}], "route": [{"destination": {"host": "a"}}]},
        {"match": [{"uri": {"prefix": "/"}, "gateways": ["istio-ingress/edge"]}],
         "route": [{"destination": {"host": "b"}}]}]}}
    assert route_for_path(vs, "/", "istio-ingress/edge")[0] == 1


def test_node_port_owners_from_managed_fields():
    svc = {"metadata": {"managedFields": [
        {"manager": "helm", "fieldsV1": {"f:spec": {"f:ports": {
            'k:{"port":80,"protocol":"TCP"}': {"f:nodePort": {}, "f:port": {}},
            'k:{"port":443,"protocol":"TCP"}': {"f:port": {}}}}}}]}}
    assert node_port_owners(svc) == {80: ["helm"]}
    assert node_port_owners({"metadata": {}}) is None
