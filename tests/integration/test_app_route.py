# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_route on the test bed: route features, idempotence, check mode, diff, pruning, removal, ownership.

The test bed has no kubelet: no Envoy runs, so these tests assert the objects the API server stores (validated
by Istio's own CRD schemas from the fixture base chart) and the requests made, not live traffic.
"""

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, delete_namespace, get, gw_ns, istio_crds, list_owned, make_gateway, make_workload, new_namespace,
    no_leftover_claims, run_app_route as run)

NET = "networking.istio.io/v1"


def web_app(ns, name="shop", host=None, **extra):
    app = {"name": name, "namespace": ns, "hosts": [host or "%s.%s.example.com" % (name, ns)],
           "http": [{"match": [{"prefix": "/"}], "route": [{"host": "web", "port": 8080}]}]}
    app.update(extra)
    return app


def test_http_app_created_then_idempotent_with_zero_writes(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    app = web_app(namespace)
    first = run(ansible, gw_ns, [app], diff=True)
    assert not first["failed"], first["msg"]
    assert first["changed"] is True
    assert first["summary"]["created"] == 2
    assert first["gateway"]["selector"] == {"istio": "ingress"}
    gw = get(kube, NET, "Gateway", "shop-gateway", namespace)
    assert gw["spec"]["selector"] == {"istio": "ingress"}
    assert gw["spec"]["servers"] == [{"port": {"number": 80, "name": "http-80", "protocol": "HTTP"},
                                      "hosts": app["hosts"]}]
    assert gw["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "meshops.istio_edge",
                                        "istio-edge.meshops.io/app": "shop"}
    vs = get(kube, NET, "VirtualService", "shop", namespace)
    assert vs["spec"]["gateways"] == ["%s/shop-gateway" % namespace]
    assert vs["spec"]["hosts"] == app["hosts"]
    assert vs["spec"]["http"][0]["route"] == [{"destination": {"host": "web", "port": {"number": 8080}}}]
    assert len(first["diff"]) == 2 and first["diff"][0]["before"] == {}

    second = run(ansible, gw_ns, [app], diff=True)
    assert not second["failed"], second["msg"]
    assert second["changed"] is False
    assert second["api_requests"]["write"] == 0
    assert second["summary"] == {"apps": 1, "created": 0, "updated": 0, "adopted": 0, "deleted": 0, "unchanged": 2}
    assert "diff" not in second or not second["diff"]


def test_check_mode_predicts_and_writes_nothing(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    app = web_app(namespace)
    predicted = run(ansible, gw_ns, [app], check=True, diff=True)
    assert not predicted["failed"], predicted["msg"]
    assert predicted["changed"] is True
    assert [o["action"] for o in predicted["apps"][0]["objects"]] == ["created", "created"]
    assert get(kube, NET, "VirtualService", "shop", namespace) is None
    assert get(kube, NET, "Gateway", "shop-gateway", namespace) is None
    vs_diff = [d for d in predicted["diff"] if d["after_header"].startswith("VirtualService")][0]
    assert vs_diff["after"]["spec"]["hosts"] == app["hosts"]

    run(ansible, gw_ns, [app])
    changed_app = dict(app, http=[{"match": [{"prefix": "/"}], "route": [{"host": "web", "port": 8080}],
                                   "timeout": "5s"}])
    predicted = run(ansible, gw_ns, [changed_app], check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["summary"]["updated"] == 1
    assert "timeout" not in get(kube, NET, "VirtualService", "shop", namespace)["spec"]["http"][0]
    assert predicted["diff"][0]["after"]["spec"]["http"][0]["timeout"] == "5s"


def test_route_features(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "api", {"http": 8080}, labels={"app": "api"})
    make_workload(kube, namespace, "web", {"http": 80, "admin": 9000})
    make_workload(kube, namespace, "mysql", {"mysql": 3306})
    host = "shop.%s.example.com" % namespace
    app = {
        "name": "shop", "namespace": namespace, "hosts": [host],
        "gateway": {"servers": [{"port": 80, "protocol": "HTTP", "https_redirect": True},
                                {"port": 443, "protocol": "HTTPS", "credential_name": "shop-tls"},
                                {"port": 3306, "protocol": "TCP", "name": "mysql"}]},
        "http": [
            {"name": "api", "match": [{"prefix": "/api"}], "rewrite": "/",
             "route": [{"host": "api", "port": 8080, "subset": "v1", "weight": 90},
                       {"host": "api", "port": 8080, "subset": "v2", "weight": 10}],
             "retries": {"attempts": 3, "per_try_timeout": "2s", "retry_on": "5xx,connect-failure"},
             "timeout": "10s"},
            {"name": "beta", "match": [{"exact": "/beta", "headers": {"cookie": {"regex": "^(.*?;)?(beta=1)(;.*)?$"}}}],
             "fault": {"abort": {"percentage": 10, "http_status": 503}},
             "route": [{"host": "api", "port": 8080, "subset": "v2"}]},
            {"name": "assets", "match": [{"regex": "^/static/.*"}], "route": [{"host": "web", "port": 80}]},
            {"name": "web", "route": [{"host": "web.%s.svc.cluster.local" % namespace, "port": 80}]},
        ],
        "tcp": [{"port": 3306, "route": [{"host": "mysql", "port": 3306}]}],
        "destination_rules": [{"host": "api", "traffic_policy": {"loadBalancer": {"simple": "ROUND_ROBIN"}},
                               "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                                           {"name": "v2", "labels": {"version": "v2"}}]}],
    }
    result = run(ansible, gw_ns, [app])
    assert not result["failed"], result["msg"]
    # the gateway Service of the test bed exposes 80/443 only: a warning names the missing 3306
    assert any("3306" in w for w in result.get("warnings", [])), result.get("warnings")
    gw = get(kube, NET, "Gateway", "shop-gateway", namespace)["spec"]
    assert gw["servers"][0]["tls"] == {"httpsRedirect": True}
    assert gw["servers"][1]["tls"] == {"mode": "SIMPLE", "credentialName": "shop-tls"}
    assert gw["servers"][2]["port"] == {"number": 3306, "name": "mysql", "protocol": "TCP"}
    vs = get(kube, NET, "VirtualService", "shop", namespace)["spec"]
    api_route, beta, assets, web = vs["http"]
    assert api_route["match"] == [{"uri": {"prefix": "/api"}}]
    assert api_route["rewrite"] == {"uri": "/"}
    assert [(r["destination"]["subset"], r["weight"]) for r in api_route["route"]] == [("v1", 90), ("v2", 10)]
    assert api_route["retries"] == {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,connect-failure"}
    assert api_route["timeout"] == "10s"
    assert beta["match"][0]["uri"] == {"exact": "/beta"}
    assert beta["match"][0]["headers"]["cookie"] == {"regex": "^(.*?;)?(beta=1)(;.*)?$"}
    assert beta["fault"]["abort"]["httpStatus"] == 503 and beta["fault"]["abort"]["percentage"]["value"] == 10
    assert assets["match"] == [{"uri": {"regex": "^/static/.*"}}]
    assert "match" not in web
    assert vs["tcp"] == [{"match": [{"port": 3306}],
                          "route": [{"destination": {"host": "mysql", "port": {"number": 3306}}}]}]
    dr = get(kube, NET, "DestinationRule", "shop-api", namespace)["spec"]
    assert [s["name"] for s in dr["subsets"]] == ["v1", "v2"]
    assert dr["trafficPolicy"] == {"loadBalancer": {"simple": "ROUND_ROBIN"}}
    again = run(ansible, gw_ns, [app])
    assert again["changed"] is False and again["api_requests"]["write"] == 0


def test_legacy_gateway_labels_give_the_selector(ansible, kube, namespace):
    gw_ns = new_namespace(kube, "gw")
    try:
        make_gateway(kube, gw_ns, name="istio-ingressgateway", labels={"app": "istio-ingressgateway",
                                                                       "istio": "ingressgateway"})
        make_workload(kube, namespace, "web", {"http": 8080})
        result = run(ansible, gw_ns, [web_app(namespace)], gateway_name="istio-ingressgateway")
        assert not result["failed"], result["msg"]
        assert get(kube, NET, "Gateway", "shop-gateway", namespace)["spec"]["selector"] == {"istio": "ingressgateway"}
    finally:
        delete_namespace(kube, gw_ns)


def test_pruning_and_removing_one_app_among_several(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    dr = [{"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}]
    apps = [web_app(namespace, "a", destination_rules=dr), web_app(namespace, "b"), web_app(namespace, "c")]
    assert not run(ansible, gw_ns, apps)["failed"]
    assert list_owned(kube, "VirtualService", namespace) == ["a", "b", "c"]
    assert list_owned(kube, "DestinationRule", namespace) == ["a-web"]

    # app a no longer declares its DestinationRule: it is pruned, nothing else changes
    apps[0] = web_app(namespace, "a")
    pruned = run(ansible, gw_ns, apps, diff=True)
    assert pruned["changed"] is True
    assert pruned["summary"]["deleted"] == 1 and pruned["summary"]["created"] == 0
    assert list_owned(kube, "DestinationRule", namespace) == []

    removed = run(ansible, gw_ns, apps, only="b", state="absent")
    assert not removed["failed"], removed["msg"]
    assert removed["summary"]["deleted"] == 2
    assert list_owned(kube, "VirtualService", namespace) == ["a", "c"]
    assert list_owned(kube, "Gateway", namespace) == ["a-gateway", "c-gateway"]
    again = run(ansible, gw_ns, apps, only="b", state="absent")
    assert again["changed"] is False and again["api_requests"]["write"] == 0

    everything = run(ansible, gw_ns, [{"name": "a", "namespace": namespace}, {"name": "c", "namespace": namespace}],
                     state="absent", check=True)
    assert everything["changed"] is True and everything["summary"]["deleted"] == 4
    assert list_owned(kube, "VirtualService", namespace) == ["a", "c"]


def test_sidecar_injection_and_access_log(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    apply(kube, {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": namespace, "labels": {"team": "shop"}}})
    app = web_app(namespace, sidecar_injection=True, access_log=True)
    result = run(ansible, gw_ns, [app])
    assert not result["failed"], result["msg"]
    ns = get(kube, "v1", "Namespace", namespace)
    assert ns["metadata"]["labels"]["istio-injection"] == "enabled"
    assert ns["metadata"]["labels"]["team"] == "shop"
    tel = get(kube, "telemetry.istio.io/v1", "Telemetry", "shop-access-log", namespace)
    assert tel["spec"] == {"selector": {"matchLabels": {"app": "web"}},
                           "accessLogging": [{"providers": [{"name": "envoy"}]}]}
    assert run(ansible, gw_ns, [app])["api_requests"]["write"] == 0

    without = run(ansible, gw_ns, [web_app(namespace)])
    assert without["summary"]["deleted"] == 1
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "shop-access-log", namespace) is None
    assert get(kube, "v1", "Namespace", namespace)["metadata"]["labels"]["istio-injection"] == "enabled"


def test_access_logs_of_two_apps_in_one_namespace(ansible, kube, namespace, gw_ns):
    """Each app's Telemetry selects its own Services' pods (Istio allows one namespace-wide Telemetry per
    namespace and one Telemetry per workload): two apps on different pods both log, two on the same pods are
    refused before anything is written, and removing one app leaves the other's Telemetry."""
    make_workload(kube, namespace, "web", {"http": 8080})
    make_workload(kube, namespace, "api", {"http": 8080})
    apply(kube, {"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry",
                 "metadata": {"name": "mesh-logs", "namespace": namespace},
                 "spec": {"accessLogging": [{"providers": [{"name": "envoy"}]}]}})
    shop = web_app(namespace, access_log=True)
    api = web_app(namespace, name="api", access_log=True,
                  http=[{"route": [{"host": "api", "port": 8080}]}])
    result = run(ansible, gw_ns, [shop, api])
    assert not result["failed"], result["msg"]
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "api-access-log", namespace)["spec"]["selector"] == \
        {"matchLabels": {"app": "api"}}
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "mesh-logs", namespace) is not None

    also_web = web_app(namespace, name="blog", access_log=True)
    refused = run(ansible, gw_ns, [also_web])
    assert refused["failed"] and refused["field"] == "apps[blog].access_log"
    assert "same pods (app=web) as Telemetry %s/shop-access-log (app shop)" % namespace in refused["msg"]
    assert get(kube, NET, "VirtualService", "blog", namespace) is None

    assert run(ansible, gw_ns, [web_app(namespace, name="blog")])["changed"] is True
    gone = run(ansible, gw_ns, [{"name": "shop"}], state="absent")
    assert gone["summary"]["deleted"] == 3
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "shop-access-log", namespace) is None
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "api-access-log", namespace) is not None
    assert get(kube, "telemetry.istio.io/v1", "Telemetry", "mesh-logs", namespace) is not None


def test_shared_gateway_and_adoption(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    edge = {"name": "edge", "namespace": namespace, "hosts": ["*.%s.example.com" % namespace],
            "gateway": {"name": "edge"}, "http": [{"match": [{"prefix": "/healthz"}], "route": [{"host": "web"}]}]}
    # a hand-made VirtualService with the app's name is taken over when the app adopts it (owned from now on)
    apply(kube, {"apiVersion": NET, "kind": "VirtualService", "metadata": {"name": "blog", "namespace": namespace},
                 "spec": {"hosts": ["old.example.com"], "http": [{"route": [{"destination": {"host": "web"}}]}]}})
    blog = web_app(namespace, "blog", use_gateway="%s/edge" % namespace, adopt=True)
    result = run(ansible, gw_ns, [edge, blog])
    assert not result["failed"], result["msg"]
    assert result["apps"][1]["objects"][0]["action"] == "adopted"
    vs = get(kube, NET, "VirtualService", "blog", namespace)
    assert vs["spec"]["gateways"] == ["%s/edge" % namespace]
    assert vs["spec"]["hosts"] == blog["hosts"]
    assert vs["metadata"]["labels"]["istio-edge.meshops.io/app"] == "blog"
    assert [o["kind"] for o in result["apps"][1]["objects"]] == ["VirtualService"]
    assert run(ansible, gw_ns, [edge, blog])["changed"] is False
