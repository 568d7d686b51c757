# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/istio: hosts, Gateway server hosts, gateway references, destinations, selectors, API versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio import api, hosts, refs


@pytest.mark.parametrize("a, b, overlap", [
    ("shop.example.com", "shop.example.com", True),
    ("Shop.Example.COM", "shop.example.com:443", True),
    ("shop.example.com.", "shop.example.com", True),
    ("*", "anything.example.org", True),
    ("*.example.com", "shop.example.com", True),
    ("*.example.com", "a.b.example.com", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "shop.example.org", False),
    ("*.example.com", "*.shop.example.com", True),
    ("*.shop.example.com", "*.example.com", True),
    ("*.example.com", "*.example.org", False),
    ("shop.example.com", "blog.example.com", False),
    ("", "shop.example.com", False),
])
def test_hosts_overlap_both_ways(a, b, overlap):
    first, second = a, b
    assert hosts.hosts_overlap(first, second) is overlap
    assert hosts.hosts_overlap(second, first) is overlap


def test_host_covers_is_one_way():
    assert hosts.host_covers("*.example.com", "*.shop.example.com")
    assert not hosts.host_covers("*.shop.example.com", "*.example.com")
    assert hosts.host_covers("*", "*.example.com") and not hosts.host_covers("shop.example.com", "*")
    assert hosts.any_host_covers(["blog.example.com", "*.example.com"], "shop.example.com") == "*.example.com"
    assert hosts.any_host_covers(["blog.example.com"], "shop.example.com") is None
    assert hosts.normalize_host("[fd00::1]:443") == "[fd00::1]" and hosts.normalize_host("fd00::1") == "fd00::1"


def test_server_host_entries():
    assert hosts.split_server_host("shop/shop.example.com", "edge") == ("shop", "shop.example.com")
    assert hosts.split_server_host("./shop.example.com", "edge") == ("edge", "shop.example.com")
    assert hosts.split_server_host("*/shop.example.com", "edge") == ("*", "shop.example.com")
    assert hosts.split_server_host("shop.example.com", "edge") == ("*", "shop.example.com")
    assert hosts.server_host_admits("shop/*", "shop", "edge") == (True, "*")
    assert hosts.server_host_admits("shop/*", "blog", "edge") == (False, "*")
    assert hosts.server_host_admits("shop/*", None, "edge") == (True, "*")


def test_covering_servers():
    gateway = {"metadata": {"name": "edge", "namespace": "istio-ingress"},
               "spec": {"servers": [{"port": {"number": 80}, "hosts": ["shop/shop.example.com", "./ops.example.com"]},
                                    {"port": {"number": 443}, "hosts": ["*/*.example.com"]}]}}

    def ports(host, namespace):
        return [s["port"]["number"] for s, _entry in hosts.covering_servers(gateway, host, namespace)]

    assert ports("shop.example.com", "shop") == [80, 443]
    assert ports("shop.example.com", "other") == [443]
    assert ports("ops.example.com", "istio-ingress") == [80, 443]
    assert ports("ops.example.com", "shop") == [443]
    assert ports("shop.example.org", None) == []
    assert [e for _s, e in hosts.covering_servers(gateway, "shop.example.com")] == ["shop/shop.example.com",
                                                                                    "*/*.example.com"]


@pytest.mark.parametrize("written, resolved, form", [
    ("istio-ingress/edge", "istio-ingress/edge", "qualified"),
    ("./edge", "shop/edge", "relative"),
    ("edge", "shop/edge", "bare"),
    ("edge.istio-ingress", "istio-ingress/edge", "dotted"),
    ("edge.istio-ingress.svc", "istio-ingress/edge", "dotted"),
    ("edge.istio-ingress.svc.cluster.local", "istio-ingress/edge", "dotted"),
    ("edge.istio-ingress.svc.corp.example", "istio-ingress/edge", "dotted"),
    ("mesh", None, "mesh"),
])
def test_gateway_references(written, resolved, form):
    assert refs.resolve_gateway_ref(written, "shop") == resolved
    assert refs.gateway_ref_form(written) == form


def test_gateways_of_a_virtual_service():
    vs = {"metadata": {"namespace": "shop"}, "spec": {"gateways": ["mesh", "edge", "edge.istio-ingress", "shop/edge"]}}
    assert refs.bound_gateways(vs) == ["shop/edge", "istio-ingress/edge"]
    assert refs.is_bound_to_gateway(vs)
    mesh_only = {"metadata": {"namespace": "shop"}, "spec": {"hosts": ["web"]}}
    assert refs.vs_gateway_refs(mesh_only) == [("mesh", None, "mesh")] and not refs.is_bound_to_gateway(mesh_only)
    only = {"gateways": ["edge.istio-ingress"]}
    assert refs.match_applies_to_gateway(only, vs, "istio-ingress/edge")
    assert not refs.match_applies_to_gateway(only, vs, "shop/edge")
    assert refs.match_applies_to_gateway({}, vs, "shop/edge") and not refs.match_applies_to_gateway({}, vs, "x/y")


@pytest.mark.parametrize("host, service, unexpanded", [
    ("web", ("shop", "web"), None),
    ("Web", ("shop", "web"), None),
    ("web.other.svc.cluster.local", ("other", "web"), None),
    ("web.other.svc.cluster.local.", ("other", "web"), None),
    ("web.other", None, ("other", "web")),
    ("web.other.svc", None, ("other", "web")),
    ("web.other.svc.corp.example", None, None),
    ("api.example.com", None, None),
    ("*.example.com", None, None),
    ("*", None, None),
    ("10.0.0.1", None, None),
])
def test_destination_hosts(host, service, unexpanded):
    assert refs.destination_service(host, "shop") == service
    assert refs.unexpanded_service(host) == unexpanded


def test_service_a_dns_shorthand_was_meant_to_name():
    def exists(namespace):
        return namespace == "other"

    assert refs.meant_service("web.other", exists) == ("other", "web")
    assert refs.meant_service("web.nowhere", exists) is None            # an external name, perhaps
    assert refs.meant_service("web.nowhere.svc", exists) == ("nowhere", "web")
    assert refs.meant_service("web", exists) is None and refs.meant_service("api.example.com", exists) is None


def test_destination_hosts_in_another_cluster_domain():
    assert refs.destination_service("web.other.svc.corp.example", "shop", domain="corp.example") == ("other", "web")
    assert refs.destination_fqdn("web", "shop", domain="corp.example") == "web.shop.svc.corp.example"
    assert refs.same_destination("web", "shop", "web.shop.svc.cluster.local", "other")
    assert not refs.same_destination("web", "shop", "web", "other")
    assert not refs.same_destination("web.shop", "shop", "web", "shop")


def test_selectors():
    labels = {"app": "istio-ingress", "istio": "ingress"}
    assert refs.gateway_selects({"istio": "ingress"}, labels) and refs.gateway_selects({}, labels)
    assert refs.gateway_selects(None, labels) and not refs.gateway_selects({"istio": "internal"}, labels)
    assert refs.gateway_selects_workload({"spec": {}}, labels)
    assert refs.service_selects({"istio": "ingress"}, labels) and not refs.service_selects({}, labels)
    assert not refs.label_selector_matches(None, labels) and refs.label_selector_matches({}, labels)
    selector = {"matchLabels": {"istio": "ingress"}, "matchExpressions": [
        {"key": "app", "operator": "In", "values": ["istio-ingress"]}, {"key": "tier", "operator": "DoesNotExist"}]}
    assert refs.label_selector_matches(selector, labels)
    assert not refs.label_selector_matches(selector, dict(labels, tier="x"))
    assert refs.label_selector_matches({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]},
                                       {})
    assert not refs.label_selector_matches({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {})
    assert not refs.label_selector_matches({"matchExpressions": [{"key": "app", "operator": "Gt"}]}, labels)


def test_api_version_preference():
    net, tel = api.NETWORKING_GROUP, api.TELEMETRY_GROUP
    assert api.PREFERENCE == {net: ("v1", "v1beta1", "v1alpha3"), tel: ("v1", "v1alpha1")}
