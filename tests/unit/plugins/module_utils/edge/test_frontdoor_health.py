# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Front Door probe route of seed 004 (edge.frontdoor_health): as an app_route app, as a VirtualService,
and found (or not) among live objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.health import (
    find_probe_route, health_app, health_virtual_service, uri_matches)

LABELS = {"app": "istio-ingress", "istio": "ingress"}


def gateway(name, namespace="istio-ingress", selector=None):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector if selector is not None else {"istio": "ingress"}}}


def vs(name, match, gateways=("istio-ingress/edge",), hosts=("*",), namespace="istio-ingress", **route):
    http = dict({"match": match, "route": [{"destination": {"host": "x", "port": {"number": 15021}}}]}, **route)
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"hosts": list(hosts), "gateways": list(gateways), "http": [http]}}


def test_health_app_is_the_seed_route():
    app = health_app("istio-ingress", "istio-ingress")
    assert app == {"name": "frontdoor-health", "namespace": "istio-ingress", "hosts": ["*"], "http": [{
        "name": "frontdoor-probe", "match": [{"exact": "/probe"}], "rewrite": "/healthz/ready",
        "route": [{"host": "istio-ingress.istio-ingress.svc.cluster.local", "port": 15021}]}]}
    shared = health_app("gw", "edge", probe_path="/fd-probe", use_gateway="edge/shared")
    assert shared["use_gateway"] == "edge/shared" and shared["http"][0]["match"] == [{"exact": "/fd-probe"}]


def test_health_virtual_service_manifest():
    obj = health_virtual_service("istio-ingress/edge")
    assert obj["kind"] == "VirtualService" and obj["metadata"]["namespace"] == "istio-ingress"
    assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "meshops.istio_edge"
    http = obj["spec"]["http"][0]
    assert http["match"] == [{"uri": {"exact": "/probe"}}] and http["rewrite"] == {"uri": "/healthz/ready"}
    assert http["route"][0]["destination"] == {"host": "istio-ingress.istio-ingress.svc.cluster.local",
                                               "port": {"number": 15021}}
    assert find_probe_route("/probe", [obj], [gateway("edge")], LABELS)["name"] == "frontdoor-health"


def test_uri_matches():
    assert uri_matches({"exact": "/probe"}, "/probe") and not uri_matches({"exact": "/probe"}, "/probe/x")
    assert uri_matches({"prefix": "/"}, "/probe") and not uri_matches({"prefix": "/app"}, "/probe")
    assert uri_matches({"regex": "/pro.*"}, "/probe") and not uri_matches({"regex": "/pro"}, "/probe")
    assert not uri_matches({"regex": "("}, "/probe")
    assert uri_matches(None, "/anything")


def test_find_probe_route():
    gws = [gateway("edge"), gateway("internal", selector={"istio": "internal"})]
    found = find_probe_route("/probe", [vs("hc", [{"uri": {"exact": "/probe"}}], rewrite={"uri": "/healthz/ready"})],
                             gws, LABELS)
    assert found == {"namespace": "istio-ingress", "name": "hc", "route": 0, "rewrite": "/healthz/ready",
                     "destination": {"host": "x", "port": {"number": 15021}}}
    # a catch-all app route answers the probe too (the gateway then routes it to the app)
    assert find_probe_route("/probe", [vs("app", [{"uri": {"prefix": "/"}}])], gws, LABELS)["name"] == "app"
    assert find_probe_route("/probe", [vs("app", None)], gws, LABELS)["name"] == "app"


def test_routes_that_do_not_answer_the_probe():
    gws = [gateway("edge"), gateway("internal", selector={"istio": "internal"}), gateway("any", selector={})]
    probe = [{"uri": {"exact": "/probe"}}]
    assert find_probe_route("/probe", [vs("other-gw", probe, gateways=("istio-ingress/internal",))], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("empty-selector", probe, gateways=("istio-ingress/any",))], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("mesh", probe, gateways=("mesh",))], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("hosts", probe, hosts=("shop.example.com",))], gws, LABELS,
                            host="10.224.0.50") is None
    assert find_probe_route("/probe", [vs("hdr", [{"uri": {"exact": "/probe"}, "headers": {"x": {"exact": "1"}}}])],
                            gws, LABELS) is None
    assert find_probe_route("/probe", [vs("port", [{"uri": {"exact": "/probe"}, "port": 443}])], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("https", [{"uri": {"exact": "/probe"}, "port": 443}])], gws, LABELS,
                            port=443)["name"] == "https"


def test_gateway_reference_resolution_and_host_matching():
    local = vs("hc", [{"uri": {"exact": "/PROBE"}, "ignoreUriCase": True}], gateways=("edge",))
    assert find_probe_route("/probe", [local], [gateway("edge")], LABELS)["name"] == "hc"
    elsewhere = vs("hc", [{"uri": {"exact": "/probe"}}], gateways=("edge",), namespace="shop")
    assert find_probe_route("/probe", [elsewhere], [gateway("edge")], LABELS) is None     # shop/edge does not exist
    wildcard = vs("hc", [{"uri": {"exact": "/probe"}}], hosts=("*.example.com",))
    assert find_probe_route("/probe", [wildcard], [gateway("edge")], LABELS, host="fd.example.com")["name"] == "hc"
