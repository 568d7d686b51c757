# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_route: removing a field an app set converges (kube-apiserver 1.20 with Istio's CRD schemas).

Each step drops something from the app - a DestinationRule's traffic policy, a subset and its route, a route's
retries, a route, a Gateway server, then every subset - and checks that the first run writes, that the live
object no longer has the field, and that the next run writes nothing. Before, removing ``traffic_policy`` failed
every run with ``422 spec.trafficPolicy.loadBalancer: Invalid value: "null"`` (an apply alone leaves the emptied
parent behind as null in custom resources on API servers before 1.22).
"""

import copy

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    get, gw_ns, istio_crds, make_workload, no_leftover_claims, run_app_route as run)

NET = "networking.istio.io/v1"


def full_app(ns):
    return {
        "name": "rel", "namespace": ns, "hosts": ["rel.%s.example.com" % ns],
        "gateway": {"servers": [{"port": 80, "protocol": "HTTP"},
                                {"port": 443, "protocol": "HTTPS", "credential_name": "rel-tls"}]},
        "http": [
            {"name": "api", "match": [{"prefix": "/api"}],
             "route": [{"host": "api", "port": 8080, "subset": "v1", "weight": 80},
                       {"host": "api", "port": 8080, "subset": "v2", "weight": 20}],
             "retries": {"attempts": 3, "per_try_timeout": "2s"}, "timeout": "10s"},
            {"name": "beta", "match": [{"prefix": "/beta"}], "route": [{"host": "api", "port": 8080}]},
            {"name": "web", "route": [{"host": "api", "port": 8080}]},
        ],
        "destination_rules": [{
            "host": "api",
            "traffic_policy": {"loadBalancer": {"simple": "LEAST_CONN"},
                               "connectionPool": {"http": {"http1MaxPendingRequests": 10}}},
            "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                        {"name": "v2", "labels": {"version": "v2"},
                         "traffic_policy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}}]}],
    }


def converge(ansible, gw_ns, app, what):
    """Run twice: the first run writes, the second one changes nothing and sends no write."""
    first = run(ansible, gw_ns, [app])
    assert not first["failed"], "%s: %s" % (what, first["msg"])
    assert first["changed"] is True, what
    assert first["api_requests"]["write"] >= 1, what
    second = run(ansible, gw_ns, [app])
    assert not second["failed"], "%s (second run): %s" % (what, second["msg"])
    assert second["changed"] is False, (what, second["apps"])
    assert second["api_requests"]["write"] == 0, what
    assert second["summary"]["updated"] == 0 and second["summary"]["created"] == 0, what
    return first


def live(kube, kind, name, ns):
    obj = get(kube, NET, kind, name, ns)
    assert obj is not None, "%s %s/%s is gone" % (kind, ns, name)
    return obj["spec"]


def test_removing_fields_an_app_set_converges(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "api", {"http": 8080})
    app = full_app(namespace)
    converge(ansible, gw_ns, app, "the full app")
    dr = live(kube, "DestinationRule", "rel-api", namespace)
    assert dr["trafficPolicy"]["loadBalancer"] == {"simple": "LEAST_CONN"}
    assert dr["subsets"][1]["trafficPolicy"] == {"loadBalancer": {"simple": "ROUND_ROBIN"}}

    # the DestinationRule's traffic policy
    app = copy.deepcopy(app)
    del app["destination_rules"][0]["traffic_policy"]
    result = converge(ansible, gw_ns, app, "traffic_policy removed")
    assert result["summary"]["updated"] == 1
    dr = live(kube, "DestinationRule", "rel-api", namespace)
    assert "trafficPolicy" not in dr, dr
    assert dr["subsets"][1]["trafficPolicy"] == {"loadBalancer": {"simple": "ROUND_ROBIN"}}

    # a subset (and the route to it), a route's retries
    app = copy.deepcopy(app)
    app["destination_rules"][0]["subsets"] = app["destination_rules"][0]["subsets"][:1]
    api = app["http"][0]
    api["route"] = [{"host": "api", "port": 8080, "subset": "v1"}]
    del api["retries"]
    converge(ansible, gw_ns, app, "subset v2, its route and the retries removed")
    assert [s["name"] for s in live(kube, "DestinationRule", "rel-api", namespace)["subsets"]] == ["v1"]
    route = live(kube, "VirtualService", "rel", namespace)["http"][0]
    assert "retries" not in route and route["timeout"] == "10s"
    assert [r["destination"].get("subset") for r in route["route"]] == ["v1"]

    # a route, a Gateway server
    app = copy.deepcopy(app)
    app["http"] = [r for r in app["http"] if r["name"] != "beta"]
    app["gateway"]["servers"] = app["gateway"]["servers"][:1]
    converge(ansible, gw_ns, app, "route beta and server 443 removed")
    assert [r["name"] for r in live(kube, "VirtualService", "rel", namespace)["http"]] == ["api", "web"]
    assert [s["port"]["number"] for s in live(kube, "Gateway", "rel-gateway", namespace)["servers"]] == [80]

    # every subset, the route's timeout, the route's match
    app = copy.deepcopy(app)
    del app["destination_rules"][0]["subsets"]
    app["http"][0]["route"] = [{"host": "api", "port": 8080}]
    del app["http"][0]["timeout"]
    converge(ansible, gw_ns, app, "subsets and timeout removed")
    dr = live(kube, "DestinationRule", "rel-api", namespace)
    assert dr == {"host": "api"}, dr
    assert "timeout" not in live(kube, "VirtualService", "rel", namespace)["http"][0]

    # and back: adding the traffic policy again is a plain update
    app = copy.deepcopy(app)
    app["destination_rules"][0]["traffic_policy"] = {"loadBalancer": {"simple": "RANDOM"}}
    converge(ansible, gw_ns, app, "traffic_policy added again")
    policy = live(kube, "DestinationRule", "rel-api", namespace)["trafficPolicy"]
    assert policy == {"loadBalancer": {"simple": "RANDOM"}}


def test_check_mode_predicts_a_removal_and_writes_nothing(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "api", {"http": 8080})
    app = full_app(namespace)
    converge(ansible, gw_ns, app, "the full app")
    before = get(kube, NET, "DestinationRule", "rel-api", namespace)
    app = copy.deepcopy(app)
    del app["destination_rules"][0]["traffic_policy"]
    predicted = run(ansible, gw_ns, [app], check=True, diff=True)
    assert not predicted["failed"], predicted["msg"]
    assert predicted["changed"] is True and predicted["summary"]["updated"] == 1
    after = [d for d in predicted["diff"] if d["after_header"].startswith("DestinationRule")][0]["after"]
    assert "trafficPolicy" not in after["spec"] and after["spec"]["subsets"]
    now = get(kube, NET, "DestinationRule", "rel-api", namespace)
    assert now["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert now["spec"]["trafficPolicy"] == before["spec"]["trafficPolicy"]
