# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnosis' own helpers (texts, route destinations) and how it applies Istio's rules (module_utils/istio)."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import (
    describe_match, route_destinations, route_label, vs_hosts_match)
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import node_port_owners
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import first_http_route


def test_vs_hosts_taking_a_request_host():
    vs = {"spec": {"hosts": ["shop.example.com", "*.example.com", "*"]}}
    assert vs_hosts_match(vs, "Shop.Example.com:443") == ["shop.example.com", "*.example.com", "*"]
    assert vs_hosts_match(vs, "a.b.example.com") == ["*.example.com", "*"]
    assert vs_hosts_match({"spec": {"hosts": ["*.example.com"]}}, "example.com") == []


def test_match_texts():
    assert describe_match(None) == "any path"
    assert describe_match({"uri": {"prefix": "/api"}}) == "prefix /api"
    assert describe_match({"uri": {"exact": "/Login"}, "ignoreUriCase": True}) == "exact /Login (any case)"
    assert describe_match({"uri": {"regex": "/A.*"}, "ignoreUriCase": True}) == "regex /A.*"
    assert describe_match({"uri": {}, "headers": {"x": {"exact": "1"}}, "method": {"exact": "GET"}}) == \
        "any path (also requires headers, method)"
    assert route_label(2, {"name": "api"}) == "http[2] 'api'" and route_label(0, {}) == "http[0]"


def test_route_destinations():
    route = {"route": [{"destination": {"host": "web", "port": {"number": 8080}, "subset": "v1"}, "weight": 90},
                       {"destination": {"host": "web-canary"}, "weight": 10}]}
    assert route_destinations(route) == [("web", 8080, "v1", 90), ("web-canary", None, None, 10)]


def test_first_matching_route_wins_and_conditions_are_reported():
    vs = {"metadata": {"namespace": "shop"}, "spec": {"http": [
        {"name": "beta", "match": [{"uri": {"prefix": "/api"}, "headers": {"x-beta": {"exact": "1"}}}],
         "route": [{"destination": {"host": "beta"}}]},
        {"name": "api", "match": [{"uri": {"regex": "/api/v[0-9]+/.*"}}], "route": [{"destination": {"host": "api"}}]},
        {"name": "exact", "match": [{"uri": {"exact": "/Login"}, "ignoreUriCase": True}],
         "route": [{"destination": {"host": "login"}}]},
        {"name": "rest", "route": [{"destination": {"host": "web"}}]}]}}
    index, route, _match, extra = first_http_route(vs, "/api/v2/orders")
    assert (index, route["name"], extra) == (0, "beta", ["headers"])
    assert first_http_route(vs, "/login")[1]["name"] == "exact"
    assert first_http_route(vs, "/other")[1]["name"] == "rest"
    vs["spec"]["http"].pop(0)
    assert first_http_route(vs, "/api/v2/orders")[1]["name"] == "api"


def test_node_port_owners_from_managed_fields():
    svc = {"metadata": {"managedFields": [
        {"manager": "helm", "fieldsV1": {"f:spec": {"f:ports": {
            'k:{"port":80,"protocol":"TCP"}': {"f:nodePort": {}, "f:port": {}},
            'k:{"port":443,"protocol":"TCP"}': {"f:port": {}}}}}}]}}
    assert node_port_owners(svc) == {80: ["helm"]}
    assert node_port_owners({"metadata": {}}) is None
