# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every consumer of Istio's rules gives the same answer as Istio.

One table of cases (hosts and Gateway server hosts, gateway references, destinations, StringMatch, selectors). Each
case goes through every consumer that has a view of the rule, through the consumer's own functions, not the rules
module:

- app_route: ``routes/check`` (Gateway binding, selectors, destinations, subsets, claims) and ``routes/runner``'s
  claim check (which gateway workload a live VirtualService reaches);
- edge_path_info: ``diagnose/selection.select`` and the gateway, VirtualService and destination checks;
- frontdoor_origin: ``edge/frontdoor/health.find_probe_route`` (the probe-route check).

The answer each consumer gives is compared with the expected one (what Istio does).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import istio_checks, route_checks
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.selection import select
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.health import find_probe_route
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes import runner as route_runner
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import (
    check_destination, check_gateway_binding, check_selector, check_subset)

LABELS = {"app": "istio-ingress", "istio": "ingress"}
HOST = "shop.example.com"


# -- objects --------------------------------------------------------------------------------------------------
def gateway(ref, hosts=("*",), selector=None):
    namespace, name = ref.split("/")
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": dict(LABELS if selector is None else selector),
                     "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": list(hosts)}]}}


def virtual_service(namespace, gateways, hosts=(HOST,), match=None, name="vs", destination="web", port=None):
    dest = {"host": destination}
    if port is not None:
        dest["port"] = {"number": port}
    route = {"route": [{"destination": dest}]}
    if match is not None:
        route["match"] = [match]
    return {"kind": "VirtualService", "metadata": {"name": name, "namespace": namespace},
            "spec": {"hosts": list(hosts), "gateways": list(gateways), "http": [route]}}


def diagnosis(vs, gateways, host=HOST, path="/", pod_labels=None, services=None, namespaces=None):
    """(selection, gateway hop, VirtualService hop) as edge_path_info computes them."""
    pod_labels = LABELS if pod_labels is None else pod_labels
    snap = {"target": {"host": host, "path": path, "namespace": None, "app": None, "gateway_ref": None},
            "options": {"provider": "nodeport", "gateway_name": "istio-ingress", "gateway_namespace": "istio-ingress",
                        "status_port": 15021, "node_ports": {}, "health_check_path": "/healthz/ready"},
            "gateway_service": None, "gateway_deployment": None,
            "gateway_pods": [{"metadata": {"name": "gw-1", "namespace": "istio-ingress", "labels": dict(pod_labels)}}],
            "istio": {"served": True, "api_version": "networking.istio.io/v1",
                      "kinds": ["Gateway", "VirtualService", "DestinationRule"]},
            "gateways": list(gateways), "virtual_services": [vs], "destination_rules": [],
            "services": services or {}, "endpoints": {}, "secrets": {}, "namespaces": namespaces or {}}
    sel = select(snap)
    return sel, istio_checks.check_gateway(snap, sel), istio_checks.check_virtual_service(snap, sel)


# -- gateway references ------------------------------------------------------------------------------------------
# (reference as written in a VirtualService of namespace "shop", the Gateway Istio binds it to; None: mesh only)
GATEWAY_REFS = [
    ("istio-ingress/edge", "istio-ingress/edge"),
    ("edge", "shop/edge"),
    ("./edge", "shop/edge"),
    ("edge.istio-ingress", "istio-ingress/edge"),
    ("edge.istio-ingress.svc", "istio-ingress/edge"),
    ("edge.istio-ingress.svc.cluster.local", "istio-ingress/edge"),
    ("edge.istio-ingress.svc.corp.example", "istio-ingress/edge"),
    ("other/edge", "other/edge"),
    ("mesh", None),
    (None, None),                       # no gateways at all: mesh only
]
# every way a reference could be (mis)read; all exist, only the right one selects the gateway pods
CANDIDATES = ["istio-ingress/edge", "shop/edge", "other/edge", "shop/edge.istio-ingress",
              "shop/edge.istio-ingress.svc", "shop/edge.istio-ingress.svc.cluster.local", "istio-ingress/edge.svc"]


def _gateways_for(expected):
    return [gateway(ref, selector=LABELS if ref == expected else {"istio": "decoy-%d" % i})
            for i, ref in enumerate(CANDIDATES)]


def app_route_claims(mine, live, gateways):
    """The problems app_route's claim check finds between the app's VirtualService and a live one."""
    class Snap:
        virtual_services = {(live["metadata"]["namespace"], live["metadata"]["name"]): live}

    found = route_runner._check_claims([{"name": "mine"}], {"mine": [mine]}, Snap(), set(), gateways)
    return found[0] if isinstance(found, tuple) else found     # (problems, warnings) or problems


def _live(written):
    return virtual_service("shop", [] if written is None else [written], match={"uri": {"prefix": "/"}}, name="live")


def app_route_gateway_ref(written, expected):
    """app_route's claim check: the live VirtualService conflicts with the app's (same host and path) only when
    it reaches the app's gateway workload - the Gateway ``expected`` resolves to."""
    mine = virtual_service("apps", [expected or "istio-ingress/edge"], match={"uri": {"prefix": "/"}}, name="mine")
    live = _live(written)
    gateways = dict(("%s/%s" % (g["metadata"]["namespace"], g["metadata"]["name"]), g)
                    for g in _gateways_for(expected or "istio-ingress/edge"))
    return (expected or "istio-ingress/edge") if app_route_claims(mine, live, gateways) else None


def diagnose_gateway_ref(written, expected):
    sel, _gw_hop, vs_hop = diagnosis(_live(written), _gateways_for(expected or "istio-ingress/edge"))
    if vs_hop.has("not_bound_to_gateway") or not sel["gateway_is_referenced"]:
        return None
    return sel["ref_resolved"]


def frontdoor_gateway_ref(written, expected):
    found = find_probe_route("/probe", [_live(written)], _gateways_for(expected or "istio-ingress/edge"), LABELS,
                             host=HOST)
    return (expected or "istio-ingress/edge") if found else None


@pytest.mark.parametrize("written, expected", GATEWAY_REFS)
@pytest.mark.parametrize("consumer", [app_route_gateway_ref, diagnose_gateway_ref, frontdoor_gateway_ref])
def test_gateway_references(consumer, written, expected):
    assert consumer(written, expected) == expected


# -- hosts and Gateway server hosts ------------------------------------------------------------------------------
# (VirtualService host, its namespace, Gateway server host entry, the Gateway's namespace, a request's Host,
#  whether the request reaches the VirtualService through that server)
HOSTS = [
    ("shop.example.com", "shop", "shop.example.com", "istio-ingress", "shop.example.com", True),
    ("shop.example.com", "shop", "SHOP.example.com", "istio-ingress", "Shop.Example.com:80", True),
    ("shop.example.com", "shop", "*.example.com", "istio-ingress", "shop.example.com", True),
    ("a.shop.example.com", "shop", "*.example.com", "istio-ingress", "a.shop.example.com", True),
    ("example.com", "shop", "*.example.com", "istio-ingress", "example.com", False),
    ("shop.example.com", "shop", "*", "istio-ingress", "shop.example.com", True),
    ("shop.example.com", "shop", "blog.example.com", "istio-ingress", "shop.example.com", False),
    ("shop.example.com", "shop", "shop/shop.example.com", "istio-ingress", "shop.example.com", True),
    ("shop.example.com", "shop", "blog/shop.example.com", "istio-ingress", "shop.example.com", False),
    ("shop.example.com", "shop", "./shop.example.com", "istio-ingress", "shop.example.com", False),
    ("shop.example.com", "shop", "./shop.example.com", "shop", "shop.example.com", True),
    ("shop.example.com", "shop", "*/shop.example.com", "istio-ingress", "shop.example.com", True),
    ("shop.example.com", "shop", "shop/*", "istio-ingress", "shop.example.com", True),
    ("*.example.com", "shop", "*.example.com", "istio-ingress", "shop.example.com", True),
    ("*.example.com", "shop", "shop.example.com", "istio-ingress", "shop.example.com", True),
    ("*.example.com", "shop", "*.example.org", "istio-ingress", "shop.example.org", False),
]


def app_route_host(vs_host, vs_ns, entry, gw_ns, request):
    app = {"name": "shop", "namespace": vs_ns, "http": [{}], "tcp": [], "gateway": {"name": "edge", "namespace": gw_ns}}
    vs = virtual_service(vs_ns, ["%s/edge" % gw_ns], hosts=[vs_host])
    problems = check_gateway_binding(app, vs, gateway("%s/edge" % gw_ns, hosts=[entry]), "apps[shop]")
    return not [p for p in problems if p.path == "apps[shop].hosts"]


def diagnose_host(vs_host, vs_ns, entry, gw_ns, request):
    vs = virtual_service(vs_ns, ["%s/edge" % gw_ns], hosts=[vs_host])
    sel, gw_hop, _vs_hop = diagnosis(vs, [gateway("%s/edge" % gw_ns, hosts=[entry])], host=request)
    return sel["vs"] is not None and not (gw_hop.has("host_not_in_gateway") or gw_hop.has("host_namespace_restricted"))


def frontdoor_host(vs_host, vs_ns, entry, gw_ns, request):
    vs = virtual_service(vs_ns, ["%s/edge" % gw_ns], hosts=[vs_host])
    return find_probe_route("/", [vs], [gateway("%s/edge" % gw_ns, hosts=[entry])], LABELS, host=request) is not None


@pytest.mark.parametrize("vs_host, vs_ns, entry, gw_ns, request_host, expected", HOSTS)
@pytest.mark.parametrize("consumer", [app_route_host, diagnose_host, frontdoor_host])
def test_hosts(consumer, vs_host, vs_ns, entry, gw_ns, request_host, expected):
    assert consumer(vs_host, vs_ns, entry, gw_ns, request_host) is expected


def test_tcp_claims_overlap_like_gateway_hosts():
    """app_route's TCP claims collide exactly when the hosts overlap (the same rule as the Gateway binding)."""
    def claims(host, name):
        return {"kind": "VirtualService", "metadata": {"name": name, "namespace": "db"},
                "spec": {"hosts": [host], "gateways": ["istio-ingress/edge"],
                         "tcp": [{"match": [{"port": 3306}], "route": [{"destination": {"host": "db"}}]}]}}

    gateways = {"istio-ingress/edge": gateway("istio-ingress/edge")}
    for a, b, overlap in (("*.example.com", "db.example.com", True), ("*.example.com", "*.db.example.com", True),
                          ("*.example.com", "example.com", False), ("db.example.com", "db.example.org", False)):
        assert bool(app_route_claims(claims(a, "mine"), claims(b, "live"), gateways)) is overlap, (a, b)


# -- StringMatch -------------------------------------------------------------------------------------------------
# (HTTPMatchRequest, request path, whether the match takes the path)
MATCHES = [
    ({"uri": {"exact": "/probe"}}, "/probe", True),
    ({"uri": {"exact": "/probe"}}, "/probe/x", False),
    ({"uri": {"exact": "/probe"}}, "/probe?full=1", True),
    ({"uri": {"exact": "/PROBE"}}, "/probe", False),
    ({"uri": {"exact": "/PROBE"}, "ignoreUriCase": True}, "/probe", True),
    ({"uri": {"prefix": "/pro"}}, "/probe", True),
    ({"uri": {"prefix": "/PRO"}, "ignoreUriCase": True}, "/probe", True),
    ({"uri": {"prefix": "/api"}}, "/probe", False),
    ({"uri": {"regex": "/pro.*"}}, "/probe", True),
    ({"uri": {"regex": "/pro"}}, "/probe", False),
    ({"uri": {"regex": "/PRO.*"}, "ignoreUriCase": True}, "/probe", False),
    ({"uri": {"regex": "(?i)/PRO.*"}}, "/probe", True),
    ({"uri": {"regex": "/pro(?=be)be"}}, "/probe", False),
    ({"uri": {"regex": "("}}, "/probe", False),
    ({"uri": {}}, "/probe", True),
    ({"uri": {"suffix": "be"}}, "/probe", True),
    ({"name": "named"}, "/probe", True),
    ({"uri": {"prefix": "/"}, "port": 443}, "/probe", False),
    ({"uri": {"prefix": "/"}, "gateways": ["edge.istio-ingress"]}, "/probe", True),
    ({"uri": {"prefix": "/"}, "gateways": ["istio-ingress/other"]}, "/probe", False),
]


def _matching_vs(match):
    return virtual_service("istio-ingress", ["istio-ingress/edge"], match=match, destination="web", port=80)


def diagnose_match(match, path):
    _sel, _gw_hop, vs_hop = diagnosis(_matching_vs(match), [gateway("istio-ingress/edge")], path=path)
    return not vs_hop.has("no_route_for_path")


def frontdoor_match(match, path):
    found = find_probe_route(path, [_matching_vs(match)], [gateway("istio-ingress/edge")], LABELS, host=HOST, port=80)
    return found is not None


@pytest.mark.parametrize("match, path, expected", MATCHES)
@pytest.mark.parametrize("consumer", [diagnose_match, frontdoor_match])
def test_string_match(consumer, match, path, expected):
    assert consumer(match, path) is expected


# a match that takes every path claims the catch-all: app_route refuses a second route claiming it too
EVERY_PATH = [
    (None, True),
    ({"uri": {"prefix": "/"}}, True),
    ({"uri": {}}, True),
    ({"uri": {"suffix": ".png"}}, True),
    ({"name": "all", "uri": {"prefix": "/"}, "ignoreUriCase": True}, True),
    ({"uri": {"prefix": "/api"}}, False),
    ({"uri": {"regex": ".*"}}, True),
]
SAMPLE_PATHS = ("/", "/api", "/API/v1/orders?q=1", "/x.png")


def app_route_every_path(match):
    """Only an exact claim collides in app_route: a regex taking every path is not recognised as the catch-all."""
    if match and "regex" in (match.get("uri") or {}):
        pytest.skip("app_route compares claims, it does not evaluate regexes")
    mine = virtual_service("shop", ["istio-ingress/edge"], name="mine")
    live = virtual_service("shop", ["istio-ingress/edge"], match=match, name="live")
    return bool(app_route_claims(mine, live, {"istio-ingress/edge": gateway("istio-ingress/edge")}))


def diagnose_every_path(match):
    return all(diagnose_match(match, path) for path in SAMPLE_PATHS)


def frontdoor_every_path(match):
    return all(frontdoor_match(match, path) for path in SAMPLE_PATHS)


@pytest.mark.parametrize("match, expected", EVERY_PATH)
@pytest.mark.parametrize("consumer", [app_route_every_path, diagnose_every_path, frontdoor_every_path])
def test_match_taking_every_path(consumer, match, expected):
    assert consumer(match) is expected


# -- Gateway selectors -------------------------------------------------------------------------------------------
# (Gateway spec.selector, the gateway pods' labels, whether the Gateway applies to them)
SELECTORS = [
    ({"istio": "ingress"}, LABELS, True),
    ({"istio": "ingress", "app": "istio-ingress"}, LABELS, True),
    ({"istio": "ingressgateway"}, LABELS, False),
    ({"istio": "ingress", "tier": "edge"}, LABELS, False),
    ({}, LABELS, True),                  # no selector: every gateway workload
]


def app_route_selector(selector, labels):
    return check_selector(selector, [("Deployment istio-ingress/istio-ingress", labels)], "apps[shop].gateway.selector",
                          "Gateway") == []


def diagnose_selector(selector, labels):
    vs = virtual_service("shop", ["istio-ingress/edge"])
    _sel, gw_hop, _vs_hop = diagnosis(vs, [gateway("istio-ingress/edge", selector=selector)], pod_labels=labels)
    return not gw_hop.has("selector_mismatch")


def frontdoor_selector(selector, labels):
    vs = virtual_service("shop", ["istio-ingress/edge"])
    gateways = [gateway("istio-ingress/edge", selector=selector)]
    return find_probe_route("/", [vs], gateways, labels, host=HOST) is not None


@pytest.mark.parametrize("selector, labels, expected", SELECTORS)
@pytest.mark.parametrize("consumer", [app_route_selector, diagnose_selector, frontdoor_selector])
def test_gateway_selectors(consumer, selector, labels, expected):
    assert consumer(selector, labels) is expected


# -- destinations ------------------------------------------------------------------------------------------------
# (destination host written in a rule of namespace "shop", the Service Istio routes to (None: no Service),
#  whether it is a DNS shorthand of an existing namespace that Istio does not expand)
DESTINATIONS = [
    ("web", ("shop", "web"), False),
    ("Web", ("shop", "web"), False),
    ("web.shop.svc.cluster.local", ("shop", "web"), False),
    ("web.other.svc.cluster.local", ("other", "web"), False),
    ("web.other.svc.cluster.local.", ("other", "web"), False),
    ("web.other", None, True),
    ("web.shop", None, True),
    ("web.other.svc", None, True),
    ("web.nowhere", None, False),       # no namespace "nowhere": an external name (a ServiceEntry, perhaps)
    ("web.other.svc.corp.example", None, False),
    ("api.example.com", None, False),
]
SERVICES = {("shop", "web"): {"spec": {"ports": [{"port": 80}]}}, ("other", "web"): {"spec": {"ports": [{"port": 80}]}}}
_NO_PORT = re.compile(r"Service (\S+)/(\S+?)[ (]")


def app_route_destination(host):
    problems = check_destination({"host": host, "port": 81}, "shop", SERVICES, {"shop", "other"}, "apps[shop].r")
    texts = [p.problem for p in problems]
    service = [_NO_PORT.search(t).groups() for t in texts if "has no port 81" in t]
    return (tuple(service[0]) if service else None), any("does not name Service" in t for t in texts)


def diagnose_destination(host):
    hop = Hop("virtual_service")
    snap = {"services": dict(("%s/%s" % k, v) for k, v in SERVICES.items()), "namespaces": {"shop": True,
                                                                                            "other": True}}
    vs = virtual_service("shop", ["istio-ingress/edge"], destination=host, port=81)
    route_checks.check_destinations(hop, snap, vs, vs["spec"]["http"][0])
    missing = [f["message"] for f in hop.findings if f["reason"] == "destination_port_missing"]
    service = _NO_PORT.search(missing[0].split(" is not a port of ")[1] + " ").groups() if missing else None
    return (tuple(service) if service else None), hop.has("destination_not_expanded")


@pytest.mark.parametrize("host, service, unexpanded", DESTINATIONS)
@pytest.mark.parametrize("consumer", [app_route_destination, diagnose_destination])
def test_destinations(consumer, host, service, unexpanded):
    assert consumer(host) == (service, unexpanded)


# (DestinationRule host and namespace, route destination host in namespace "shop", whether the rule's subsets
#  apply to the destination)
SUBSET_RULES = [
    ("web", "shop", "web", True),
    ("web.shop.svc.cluster.local", "other", "web", True),
    ("web", "other", "web", False),
    ("web.shop", "shop", "web", False),
]


def app_route_subset(rule_host, rule_ns, dest_host):
    app = {"name": "shop", "namespace": "shop", "destination_rules": []}
    live = {"metadata": {"name": "dr", "namespace": rule_ns}, "spec": {"host": rule_host, "subsets": [{"name": "v1"}]}}
    return check_subset({"host": dest_host, "subset": "v1"}, app, [live], "apps[shop].r") == []


def diagnose_subset(rule_host, rule_ns, dest_host):
    hop = Hop("virtual_service")
    snap = {"services": {"shop/web": {"spec": {"ports": [{"port": 80}]}}}, "namespaces": {},
            "destination_rules": [{"metadata": {"name": "dr", "namespace": rule_ns},
                                   "spec": {"host": rule_host, "subsets": [{"name": "v1"}]}}]}
    route = {"route": [{"destination": {"host": dest_host, "port": {"number": 80}, "subset": "v1"}}]}
    route_checks.check_destinations(hop, snap, virtual_service("shop", []), route)
    return not hop.has("subset_missing")


@pytest.mark.parametrize("rule_host, rule_ns, dest_host, expected", SUBSET_RULES)
@pytest.mark.parametrize("consumer", [app_route_subset, diagnose_subset])
def test_destination_rule_hosts(consumer, rule_host, rule_ns, dest_host, expected):
    assert consumer(rule_host, rule_ns, dest_host) is expected


def test_the_table_is_large_enough():
    cases = GATEWAY_REFS + HOSTS + MATCHES + EVERY_PATH + SELECTORS + DESTINATIONS + SUBSET_RULES
    assert len(cases) >= 40
