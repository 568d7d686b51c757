# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import (
    build_app, build_namespace_injection, gateway_ref, object_key)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps

API = {"networking": "networking.istio.io/v1", "telemetry": "telemetry.istio.io/v1"}
OWNED = {"app.kubernetes.io/managed-by": "meshops.istio_edge", "istio-edge.meshops.io/app": "shop"}


def build(raw, selector=None, log_targets=()):
    app = normalize_apps([raw])[0]
    objects = build_app(app, selector or {"istio": "ingress"}, API, log_targets)
    return dict((o["kind"], o) for o in objects), app


def test_seed_002_http_https_and_mysql():
    objs, app = build({
        "name": "shop", "namespace": "shop", "hosts": ["counter.lab.example.com"],
        "gateway": {"servers": [{"port": 80, "https_redirect": True},
                                {"port": 443, "credential_name": "counter-tls"},
                                {"port": 3306, "protocol": "TCP", "name": "mysql"}]},
        "http": [{"match": [{"prefix": "/"}], "route": [{"host": "counter", "port": 80}]}],
        "tcp": [{"port": 3306, "route": [{"host": "mysql.default.svc.cluster.local", "port": 3306}]}]})
    gw = objs["Gateway"]
    assert gw["apiVersion"] == "networking.istio.io/v1"
    assert gw["metadata"] == {"name": "shop-gateway", "namespace": "shop", "labels": OWNED}
    assert gw["spec"]["selector"] == {"istio": "ingress"}
    assert [s["port"] for s in gw["spec"]["servers"]] == [
        {"number": 80, "name": "http-80", "protocol": "HTTP"}, {"number": 443, "name": "https-443", "protocol": "HTTPS"},
        {"number": 3306, "name": "mysql", "protocol": "TCP"}]
    assert gw["spec"]["servers"][0]["tls"] == {"httpsRedirect": True}
    assert gw["spec"]["servers"][1]["tls"] == {"mode": "SIMPLE", "credentialName": "counter-tls"}
    assert "tls" not in gw["spec"]["servers"][2]
    vs = objs["VirtualService"]
    assert vs["metadata"]["name"] == "shop" and vs["metadata"]["labels"] == OWNED
    assert vs["spec"]["gateways"] == ["shop/shop-gateway"]
    assert vs["spec"]["tcp"] == [{"match": [{"port": 3306}], "route": [
        {"destination": {"host": "mysql.default.svc.cluster.local", "port": {"number": 3306}}}]}]


def test_seed_003_rewrite_subsets_and_seed_001_canary_retries_fault():
    objs, dummy = build({
        "name": "shop", "namespace": "shop", "hosts": ["uk.bookinfo.com"], "access_log": True,
        "http": [{"name": "reviews-v2-routes", "match": [{"prefix": "/wpcatalog"}, {"prefix": "/consumercatalog"}],
                  "rewrite": "/newcatalog",
                  "route": [{"host": "reviews", "subset": "v1", "weight": 80},
                            {"host": "reviews", "subset": "v2", "weight": 20}],
                  "retries": {"attempts": 3, "per_try_timeout": "2s", "retry_on": "5xx"}, "timeout": "10s",
                  "fault": {"abort": {"percentage": 100, "http_status": 403}, "delay": {"fixed_delay": "1s"}}},
                 {"match": [{"headers": {"cookie": {"regex": "^(.*?;)?(user=jason)(;.*)?$"}}}],
                  "route": [{"host": "reviews", "subset": "v2"}]}],
        "destination_rules": [{"host": "reviews", "subsets": [
            {"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}]}]},
        log_targets=[("reviews", {"app": "reviews"})])
    http = objs["VirtualService"]["spec"]["http"]
    assert http[0]["match"] == [{"uri": {"prefix": "/wpcatalog"}}, {"uri": {"prefix": "/consumercatalog"}}]
    assert http[0]["rewrite"] == {"uri": "/newcatalog"}
    assert http[0]["route"] == [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 80},
                                {"destination": {"host": "reviews", "subset": "v2"}, "weight": 20}]
    assert http[0]["retries"] == {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx"}
    assert http[0]["fault"] == {"abort": {"httpStatus": 403, "percentage": {"value": 100.0}},
                                "delay": {"fixedDelay": "1s", "percentage": {"value": 100.0}}}
    assert http[1]["match"] == [{"headers": {"cookie": {"regex": "^(.*?;)?(user=jason)(;.*)?$"}}}]
    dr = objs["DestinationRule"]
    assert dr["metadata"]["name"] == "shop-reviews"
    assert dr["spec"] == {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                                                         {"name": "v2", "labels": {"version": "v2"}}]}
    tel = objs["Telemetry"]
    assert tel["apiVersion"] == "telemetry.istio.io/v1" and tel["metadata"]["name"] == "shop-access-log"
    assert tel["spec"] == {"selector": {"matchLabels": {"app": "reviews"}},
                           "accessLogging": [{"providers": [{"name": "envoy"}]}]}


def test_access_log_selects_each_service_s_pods_never_the_whole_namespace():
    raw = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"], "access_log": True,
           "http": [{"route": [{"host": "web"}]}]}
    app = normalize_apps([raw])[0]
    objects = build_app(app, {"istio": "ingress"}, API, [("api", {"app": "api"}), ("web", {"app": "web"})])
    tels = [o for o in objects if o["kind"] == "Telemetry"]
    assert [t["metadata"]["name"] for t in tels] == ["shop-access-log-api", "shop-access-log-web"]
    assert [t["spec"]["selector"] for t in tels] == [{"matchLabels": {"app": "api"}}, {"matchLabels": {"app": "web"}}]
    assert all(t["metadata"]["labels"] == OWNED for t in tels)
    assert [o for o in build_app(dict(app, access_log=False), {}, API, [("web", {"app": "web"})])
            if o["kind"] == "Telemetry"] == []


def test_shared_gateway_builds_no_gateway_and_write_order():
    app = normalize_apps([{"name": "blog", "namespace": "blog", "hosts": ["blog.example.com"],
                           "use_gateway": "istio-ingress/edge", "destination_rules": [{"host": "web"}],
                           "http": [{"route": [{"host": "web"}]}]}])[0]
    objs = build_app(app, None, API)
    assert [o["kind"] for o in objs] == ["DestinationRule", "VirtualService"]
    assert gateway_ref(app) == "istio-ingress/edge"
    assert objs[1]["spec"]["gateways"] == ["istio-ingress/edge"]
    assert object_key(objs[1]) == ("VirtualService", "blog", "blog")


def test_namespace_injection_owns_only_the_label():
    assert build_namespace_injection("shop") == {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "shop", "labels": {"istio-injection": "enabled"}}}
