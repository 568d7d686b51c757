# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host + path claims on a gateway workload (routes/claims.py): what is refused, what Istio orders itself (a
warning), what never meets; and the keys of what a run claims."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import bound_gateways
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.claims import (
    DISJOINT, OVERLAP, SAME, UNKNOWN, ClaimIndex, claim_keys, describe_match, is_catch_all, match_relation,
    vs_claims)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps


def norm(**extra):
    raw = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    raw.update(extra)
    return normalize_apps([raw])[0]


def objs(app):
    return dict((o["kind"], o) for o in build_app(app, {"istio": "ingress"}))


def same_workload(vs):
    return {("istio", "ingress")}


def by_ref(vs):
    return {tuple(bound_gateways(vs))}


def review(vs, others, workload_of=same_workload):
    index = ClaimIndex(workload_of)
    for owner, other in others:
        index.add(owner, other)
    return index.review(vs, "apps[shop]")


def conflicts(vs, others, workload_of=same_workload):
    return review(vs, others, workload_of)[0]


def live_vs(*matches, **spec):
    body = {"hosts": ["shop.example.com"], "gateways": ["istio-ingress/edge"],
            "http": [{"match": [m] if m is not None else None, "route": []} for m in matches]}
    body.update(spec)
    for rule in body["http"]:
        if rule["match"] is None:
            del rule["match"]
    return {"metadata": {"name": "old", "namespace": "legacy"}, "spec": body}


def prefix(value, **extra):
    return dict({"uri": {"prefix": value}}, **extra)


def exact(value, **extra):
    return dict({"uri": {"exact": value}}, **extra)


def regex(value, **extra):
    return dict({"uri": {"regex": value}}, **extra)


def test_claims_and_conflicts():
    mine = objs(norm())["VirtualService"]
    assert vs_claims(mine)[0] == [("shop.example.com", {"uri": {"prefix": "/"}})]
    other = {"metadata": {"name": "old", "namespace": "legacy"},
             "spec": {"hosts": ["shop.example.com"], "gateways": ["edge.istio-ingress.svc.cluster.local"],
                      "http": [{"match": [{"uri": {"prefix": "/"}}], "route": []}]}}
    assert bound_gateways(other) == ["istio-ingress/edge"]
    problems = conflicts(mine, [("hand-made", other)])
    assert len(problems) == 1 and "shop.example.com prefix / is already routed by VirtualService legacy/old" in \
        problems[0].problem
    # the app's own VirtualService (indexed too, as in a run) is not a conflict
    assert conflicts(mine, [("app shop in this run", mine)]) == []
    # another gateway workload (an internal gateway), mesh-only routes: no conflict
    assert conflicts(mine, [("x", other)], by_ref) == []
    mesh = dict(other, spec=dict(other["spec"], gateways=["mesh"]))
    assert conflicts(mine, [("x", mesh)]) == []
    # another host (a wildcard is another Envoy virtual host: the most specific one wins) - nothing to say
    wild = dict(other, spec=dict(other["spec"], hosts=["*.example.com"]))
    assert review(mine, [("x", wild)]) == ([], [])


def test_tcp_port_claims_need_overlapping_hosts():
    db = norm(http=None, hosts=["*"], tcp=[{"port": 3306, "route": [{"host": "mysql"}]}])
    mine = objs(db)["VirtualService"]
    other = {"metadata": {"name": "pg", "namespace": "db"},
             "spec": {"hosts": ["db.example.com"], "gateways": ["db/gw"],
                      "tcp": [{"match": [{"port": 3306}], "route": []}]}}
    problems = conflicts(mine, [("app pg", other)])
    assert [p.path for p in problems] == ["apps[shop].tcp"] and "gateway port 3306" in problems[0].problem
    other["spec"]["tcp"][0]["match"] = [{"port": 5432}]
    assert conflicts(mine, [("app pg", other)]) == []


@pytest.mark.parametrize("one, other, relation", [
    (None, prefix("/"), SAME),                                   # no match is prefix /
    ({"name": "x"}, None, SAME),                                 # a match's name is a label
    (prefix("/", ignoreUriCase=True), prefix("/"), SAME),        # nothing to fold in "/"
    ({"uri": {}}, None, SAME),                                   # an empty StringMatch takes every path
    (prefix("/api"), prefix("/api/"), OVERLAP),
    (prefix("/api"), prefix("/apiv2"), OVERLAP),                 # a prefix is a string prefix, not a segment
    (prefix("/api"), prefix("/web"), DISJOINT),
    (prefix("/API", ignoreUriCase=True), prefix("/api"), OVERLAP),
    (prefix("/API"), prefix("/api"), DISJOINT),                  # both case-sensitive
    (exact("/API", ignoreUriCase=True), exact("/api", ignoreUriCase=True), OVERLAP),
    (exact("/api"), prefix("/api"), OVERLAP),
    (exact("/api/v1"), prefix("/api/"), OVERLAP),
    (exact("/web"), prefix("/api"), DISJOINT),
    (exact("/a"), exact("/b"), DISJOINT),
    (regex("/api/.*"), exact("/api/x"), OVERLAP),
    (regex("/api/[0-9]+"), exact("/api/x"), DISJOINT),
    (regex("/api/.*"), prefix("/api"), OVERLAP),
    (regex("/img/.*[.]png"), prefix("/api"), UNKNOWN),
    (regex("/a.*"), regex("/b.*"), UNKNOWN),
    (regex("/a(?=b)"), exact("/ab"), UNKNOWN),                   # not RE2: cannot be compared
    (prefix("/api", headers={"x-env": {"exact": "blue"}}), prefix("/api", headers={"X-Env": {"exact": "green"}}),
     DISJOINT),
    (prefix("/api", headers={"x-env": {"exact": "blue"}}), prefix("/api"), OVERLAP),
    (prefix("/api", headers={"x-env": {"prefix": "bl"}}), prefix("/api", headers={"x-env": {"exact": "blue"}}),
     OVERLAP),
    (prefix("/", method={"exact": "GET"}), prefix("/", method={"exact": "POST"}), DISJOINT),
])
def test_match_relation(one, other, relation):
    assert match_relation(one, other) == relation
    assert match_relation(other, one) == relation  # symmetric


def test_catch_all_as_istio_merges_it():
    assert is_catch_all(None) and is_catch_all(prefix("/")) and is_catch_all({"uri": {"regex": "*"}})
    assert is_catch_all(prefix("/", ignoreUriCase=True))
    assert not is_catch_all(prefix("/", headers={"x": {"exact": "1"}}))
    assert not is_catch_all(prefix("/api")) and not is_catch_all(regex(".*"))
    assert describe_match(prefix("/API", ignoreUriCase=True, headers={"x": {"exact": "1"}})) == \
        "prefix /API (ignoring case) with headers x"


def test_catch_all_and_a_specific_path_is_a_warning_naming_who_gets_what():
    mine = live_vs(prefix("/api"))
    mine["metadata"]["name"] = "api"
    problems, warnings = review(mine, [("app web", live_vs(None))])
    assert problems == []
    assert len(warnings) == 1 and warnings[0].startswith("apps[shop].http: shop.example.com: the catch-all route")
    assert "those paths go to this app and every other path to VirtualService legacy/old (app web)" in warnings[0]
    # the other way round: this app is the catch-all
    problems, warnings = review(live_vs(prefix("/")), [("app api", mine)])
    assert problems == [] and "those paths go to VirtualService legacy/api (app api) and every other path to " \
        "this app" in warnings[0]


@pytest.mark.parametrize("mine, other, words", [
    (prefix("/api"), prefix("/api/"), "prefix /api overlaps prefix /api/"),
    (prefix("/API", ignoreUriCase=True), prefix("/api"), "prefix /API (ignoring case) overlaps prefix /api"),
    (exact("/api/v1"), prefix("/api"), "exact /api/v1 overlaps prefix /api"),
    (prefix("/", ignoreUriCase=True), None, "prefix / is already routed"),
    (prefix("/", headers={"x": {"exact": "1"}}), prefix("/", headers={"y": {"exact": "1"}}), "overlaps"),
])
def test_overlaps_whose_order_istio_leaves_undefined_are_refused(mine, other, words):
    vs = live_vs(mine)
    vs["metadata"]["name"] = "new"
    problems, warnings = review(vs, [("app old", live_vs(other))])
    assert len(problems) == 1 and words in problems[0].problem, problems
    assert problems[0].path == "apps[shop].http"
    assert "creation order" in problems[0].problem or "already routed" in problems[0].problem
    assert "Route the host from one app only" in problems[0].fix
    assert warnings == []


def test_regex_that_cannot_be_compared_is_a_warning_and_disjoint_paths_say_nothing():
    vs = live_vs(regex("/img/.*[.]png"))
    vs["metadata"]["name"] = "new"
    problems, warnings = review(vs, [("app old", live_vs(prefix("/api")))])
    assert problems == [] and "may take the same requests as prefix /api" in warnings[0]
    assert review(live_vs(prefix("/web")), [("app old", dict(live_vs(prefix("/api")), metadata={
        "name": "x", "namespace": "y"}))]) == ([], [])


def test_two_apps_of_one_run_are_warned_once():
    a, b = live_vs(prefix("/")), live_vs(prefix("/api"))
    b["metadata"]["name"] = "b"
    index = ClaimIndex(same_workload)
    index.add("app a in this run", a)
    index.add("app b in this run", b)
    warned = index.review(a, "apps[a]")[1] + index.review(b, "apps[b]")[1]
    assert len(warned) == 2  # one per app, each from its own side (the runner keeps distinct texts)


def test_claim_keys_name_hosts_ports_objects_and_shared_gateways():
    shop = norm(hosts=["Shop.Example.com", "www.example.com"], access_log=True,
                destination_rules=[{"host": "web"}])
    db = norm(name="db", hosts=["*"], http=None, tcp=[{"port": 3306, "route": [{"host": "mysql"}]}],
              use_gateway="istio-ingress/edge")
    desired = dict((a["name"], build_app(a, {"istio": "ingress"})) for a in (shop, db))
    keys = claim_keys([shop, db], desired)
    assert keys == sorted(keys)
    for key in ("host shop.example.com", "host www.example.com", "tcp 3306", "app shop", "app db",
                "object VirtualService shop/shop", "object Gateway shop/shop-gateway",
                "object DestinationRule shop/shop-web", "object Gateway istio-ingress/edge", "telemetry shop"):
        assert key in keys, key
    assert "host *" not in keys  # a TCP route collides by its port: "tcp 3306"
