# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live route answering Front Door's probe (edge/frontdoor/health.find_probe_route), found or not among
live objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.health import find_probe_route

LABELS = {"app": "istio-ingress", "istio": "ingress"}


def gateway(name, namespace="istio-ingress", selector=None, hosts=("*",)):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector if selector is not None else {"istio": "ingress"},
                     "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": list(hosts)}]}}


def vs(name, match, gateways=("istio-ingress/edge",), hosts=("*",), namespace="istio-ingress", **route):
    http = dict({"match": match, "route": [{"destination": {"host": "x", "port": {"number": 15021}}}]}, **route)
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"hosts": list(hosts), "gateways": list(gateways), "http": [http]}}


def test_find_probe_route():
    gws = [gateway("edge"), gateway("internal", selector={"istio": "internal"})]
    found = find_probe_route("/probe", [vs("hc", [{"uri": {"exact": "/probe"}}], rewrite={"uri": "/healthz/ready"})],
                             gws, LABELS)
    assert found == {"namespace": "istio-ingress", "name": "hc", "route": 0, "rewrite": "/healthz/ready",
                     "destination": {"host": "x", "port": {"number": 15021}}}
    # a catch-all app route answers the probe too (the gateway then routes it to the app)
    assert find_probe_route("/probe", [vs("app", [{"uri": {"prefix": "/"}}])], gws, LABELS)["name"] == "app"
    assert find_probe_route("/probe", [vs("app", None)], gws, LABELS)["name"] == "app"
    # a Gateway without selector applies to every gateway workload (as istiod applies it)
    assert find_probe_route("/probe", [vs("any", [{"uri": {"exact": "/probe"}}], gateways=("istio-ingress/any",))],
                            [gateway("any", selector={})], LABELS)["name"] == "any"


def test_routes_that_do_not_answer_the_probe():
    gws = [gateway("edge"), gateway("internal", selector={"istio": "internal"})]
    probe = [{"uri": {"exact": "/probe"}}]
    internal = vs("other-gw", probe, gateways=("istio-ingress/internal",))
    assert find_probe_route("/probe", [internal], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("mesh", probe, gateways=("mesh",))], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("hosts", probe, hosts=("shop.example.com",))], gws, LABELS,
                            host="10.224.0.50") is None
    assert find_probe_route("/probe", [vs("hdr", [{"uri": {"exact": "/probe"}, "headers": {"x": {"exact": "1"}}}])],
                            gws, LABELS) is None
    assert find_probe_route("/probe", [vs("port", [{"uri": {"exact": "/probe"}, "port": 443}])], gws, LABELS) is None
    assert find_probe_route("/probe", [vs("https", [{"uri": {"exact": "/probe"}, "port": 443}])], gws, LABELS,
                            port=443)["name"] == "https"
    # the Gateway's servers must take the probe's Host from the VirtualService's namespace
    narrow = [gateway("edge", hosts=("shop.example.com",))]
    assert find_probe_route("/probe", [vs("hc", probe)], narrow, LABELS, host="10.224.0.50") is None
    other_ns = [gateway("edge", hosts=("shop/*",))]
    assert find_probe_route("/probe", [vs("hc", probe)], other_ns, LABELS, host="10.224.0.50") is None
    # a match restricted to another Gateway does not apply on this one
    elsewhere = [{"uri": {"exact": "/probe"}, "gateways": ["istio-ingress/internal"]}]
    assert find_probe_route("/probe", [vs("hc", elsewhere)], gws, LABELS) is None


def test_gateway_reference_resolution_and_host_matching():
    local = vs("hc", [{"uri": {"exact": "/PROBE"}, "ignoreUriCase": True}], gateways=("edge",))
    assert find_probe_route("/probe", [local], [gateway("edge")], LABELS)["name"] == "hc"
    elsewhere = vs("hc", [{"uri": {"exact": "/probe"}}], gateways=("edge",), namespace="shop")
    assert find_probe_route("/probe", [elsewhere], [gateway("edge")], LABELS) is None     # shop/edge does not exist
    for legacy in ("edge.istio-ingress", "edge.istio-ingress.svc.cluster.local"):
        bound = vs("hc", [{"uri": {"exact": "/probe"}}], gateways=(legacy,), namespace="shop")
        assert find_probe_route("/probe", [bound], [gateway("edge")], LABELS)["name"] == "hc", legacy
    wildcard = vs("hc", [{"uri": {"exact": "/probe"}}], hosts=("*.example.com",))
    assert find_probe_route("/probe", [wildcard], [gateway("edge")], LABELS, host="fd.example.com")["name"] == "hc"
    assert find_probe_route("/probe", [wildcard], [gateway("edge")], LABELS, host="a.b.example.com")["name"] == "hc"
    assert find_probe_route("/probe", [wildcard], [gateway("edge")], LABELS, host="example.com") is None
    # ignoreUriCase does not apply to a regex
    regex = vs("hc", [{"uri": {"regex": "/PRO.*"}, "ignoreUriCase": True}])
    assert find_probe_route("/probe", [regex], [gateway("edge")], LABELS) is None
