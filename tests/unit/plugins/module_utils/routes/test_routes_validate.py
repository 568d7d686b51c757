# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app schema's checks in code (routes/validate.py): formats, ranges, defaults and the rules across keys.

Each app goes through the module's argument spec first (as app_route does), so what reaches the code has every
missing key filled with None."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.args import apps_option
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import app_scope, normalize_apps

VALIDATOR = ArgumentSpecValidator({"apps": apps_option(default=[])})


def app(**extra):
    out = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    out.update(extra)
    return out


def route(**extra):
    rule = {"route": [{"host": "web", "port": 8080}]}
    rule.update(extra)
    return app(http=[rule])


def validated(apps):
    """The apps as app_route's argument spec hands them over (None for every missing key)."""
    result = VALIDATOR.validate({"apps": apps})
    assert not result.error_messages, result.error_messages
    return result.validated_parameters["apps"]


def normalized(apps, **kwargs):
    return normalize_apps(validated(apps), **kwargs)


def refused(apps, **kwargs):
    with pytest.raises(EdgeError) as info:
        normalized(apps, **kwargs)
    return info.value


def test_defaults_are_filled_in():
    shop = normalized([app()])[0]
    assert shop["gateway"] == {"name": "shop-gateway", "namespace": "shop", "selector": None, "servers": [
        {"port": 80, "protocol": "HTTP", "name": "http-80", "hosts": ["shop.example.com"], "https_redirect": False,
         "credential_name": None, "tls_mode": None}]}
    assert shop["sidecar_injection"] is False and shop["access_log"] is False
    assert shop["http"][0]["route"] == [{"host": "web", "port": 8080, "weight": None, "subset": None}]
    assert app_scope(shop) == {"shop"}


def test_raw_apps_without_the_argument_spec_give_the_same_result():
    """edge_path_info's callers, the benchmark and the tests pass apps without None-filled keys."""
    raw = app(gateway={"servers": [{"port": 443, "credential_name": "shop-tls"}]},
              destination_rules=[{"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}])
    assert normalize_apps([raw]) == normalized([raw])


def test_https_server_defaults_and_credential_required():
    shop = normalized([app(gateway={"servers": [{"port": 443, "credential_name": "shop-tls"}]})])[0]
    server = shop["gateway"]["servers"][0]
    assert (server["protocol"], server["tls_mode"], server["name"]) == ("HTTPS", "SIMPLE", "https-443")
    err = refused([app(gateway={"servers": [{"port": 443}]})])
    assert err.field == "apps[shop].gateway.servers[0].credential_name"
    assert "gateway_namespace" in str(err)


def test_numbers_as_digit_strings_and_booleans_as_words():
    shop = normalized([app(sidecar_injection="yes", http=[{"route": [{"host": "web", "port": "8080"}]}])])[0]
    assert shop["sidecar_injection"] is True and shop["http"][0]["route"][0]["port"] == 8080


def test_manifests_hold_no_null_for_keys_the_user_did_not_set():
    """Ansible fills every missing suboption with None: none of them may reach a manifest."""
    apps = [app(gateway={"servers": [{"port": 80, "https_redirect": True}, {"port": 443, "credential_name": "t"}]},
                http=[{"name": "api", "match": [{"prefix": "/api"}, {"headers": {"x-canary": "1"}}], "rewrite": "/",
                       "route": [{"host": "web", "port": 80, "subset": "v1"}],
                       "retries": {"attempts": 2}, "fault": {"delay": {"fixed_delay": "1s"}}},
                      {"route": [{"host": "web", "weight": 90}, {"host": "web", "subset": "v1", "weight": 10}]}],
                tcp=[{"port": 3306, "route": [{"host": "db"}]}],
                destination_rules=[{"host": "web", "traffic_policy": {"loadBalancer": {"simple": "LEAST_REQUEST"},
                                                                      "tls": None},
                                    "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}])]

    def nulls(value, path="$"):
        if value is None:
            return [path]
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in nulls(v, "%s.%s" % (path, k))]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in nulls(v, "%s[%d]" % (path, i))]
        return []

    objects = build_app(normalized(apps)[0], {"istio": "ingress"})
    assert [o["kind"] for o in objects] == ["DestinationRule", "Gateway", "VirtualService"]
    assert [p for o in objects for p in nulls(o)] == []
    rule = objects[0]["spec"]
    assert rule["trafficPolicy"] == {"loadBalancer": {"simple": "LEAST_REQUEST"}}
    assert objects[2]["spec"]["http"][0]["retries"] == {"attempts": 2}
    assert objects[2]["spec"]["http"][0]["fault"] == {"delay": {"fixedDelay": "1s", "percentage": {"value": 100.0}}}


@pytest.mark.parametrize("bad, field, words", [
    (app(name="Shop_1"), "apps[0].name", "not a DNS label"),
    (app(name="shop\n"), "apps[0].name", "not a DNS label"),
    (app(name="a" * 64), "apps[0].name", "64 characters long (at most 63)"),
    (app(namespace=None), "apps[shop].namespace", "required"),
    (app(namespace="shop\n"), "apps[shop].namespace", "not a DNS label"),
    (app(hosts=[]), "apps[shop].hosts", "required"),
    (app(hosts=["shop..com"]), "apps[shop].hosts[0]", "not a host name"),
    (app(hosts=["shop.example.com\n"]), "apps[shop].hosts[0]", "not a host name"),
    (app(hosts=["a" * 64 + ".example.com"]), "apps[shop].hosts[0]", "64 characters long (at most 63)"),
    (app(hosts=[".".join(["a" * 60] * 4) + ".example.com"]), "apps[shop].hosts[0]", "at most 253"),
    (app(hosts=["shop.example.com", "SHOP.example.com"]), "apps[shop].hosts", "twice"),
    (app(http=[{"route": [{"host": "a", "weight": 50}, {"host": "b", "weight": 40}]}]), "apps[shop].http[0].route",
     "add up to 90"),
    (app(http=[{"route": [{"host": "a"}, {"host": "b"}]}]), "apps[shop].http[0].route", "not every one has a weight"),
    (app(http=[{"route": [{"host": "a", "weight": 30}]}]), "apps[shop].http[0].route[0].weight", "single destination"),
    (app(http=[{"route": []}]), "apps[shop].http[0].route", "at least one destination"),
    (app(http=[{"route": [{"host": "*"}]}]), "apps[shop].http[0].route[0].host", "not a host name"),
    (app(http=[{"route": [{"host": "web\n"}]}]), "apps[shop].http[0].route[0].host", "not a host name"),
    (app(http=[{"route": [{"host": "web", "port": "8_0"}]}]), "apps[shop].http[0].route[0].port", "whole number"),
    (app(http=[{"route": [{"host": "web", "port": "1e2"}]}]), "apps[shop].http[0].route[0].port", "whole number"),
    (app(http=[{"route": [{"host": "web", "port": "80.0"}]}]), "apps[shop].http[0].route[0].port", "whole number"),
    (app(http=[{"route": [{"host": "web", "port": True}]}]), "apps[shop].http[0].route[0].port", "whole number"),
    (app(http=[{"route": [{"host": "web", "port": 0}]}]), "apps[shop].http[0].route[0].port", "out of range"),
    (app(http=[{"route": [{"host": "web", "subset": "v1\n"}]}]), "apps[shop].http[0].route[0].subset",
     "not a DNS label"),
    (app(http=[{"route": [{"host": "web", "subset": "v1.beta"}]}]), "apps[shop].http[0].route[0].subset",
     "not a DNS label"),
    (route(timeout="10"), "apps[shop].http[0].timeout", "duration"),
    (route(timeout="0s"), "apps[shop].http[0].timeout", "below 1ms"),
    (route(timeout="0.5ms"), "apps[shop].http[0].timeout", "below 1ms"),
    (route(timeout="1.5ms"), "apps[shop].http[0].timeout", "whole number of milliseconds"),
    (route(timeout="10s\n"), "apps[shop].http[0].timeout", "duration"),
    (route(name="API"), "apps[shop].http[0].name", "not a DNS name"),
    (route(match=[{"prefix": "api"}]), "apps[shop].http[0].match[0].prefix", "does not start with /"),
    (route(match=[{"prefix": "/api\n"}]), "apps[shop].http[0].match[0].prefix", "line break"),
    (route(match=[{"exact": "/a b"}]), "apps[shop].http[0].match[0].exact", "white space"),
    (route(match=[{"regex": "(["}]), "apps[shop].http[0].match[0].regex", "not an RE2 regular expression"),
    (route(match=[{"regex": "/api(?=/v1)"}]), "apps[shop].http[0].match[0].regex", "not an RE2 regular expression"),
    (route(match=[{"regex": "/(a)\\1"}]), "apps[shop].http[0].match[0].regex", "not an RE2 regular expression"),
    (route(match=[{"regex": "/" + "a" * 1024}]), "apps[shop].http[0].match[0].regex", "at most 1024"),
    (route(match=[{"headers": {"x canary": "1"}}]), "apps[shop].http[0].match[0].headers.x canary",
     "not an HTTP header name"),
    (route(match=[{"headers": {"x-canary:": "1"}}]), "apps[shop].http[0].match[0].headers.x-canary:",
     "not an HTTP header name"),
    (route(match=[{"headers": {"cookie": {"regex": "(?!x)"}}}]), "apps[shop].http[0].match[0].headers.cookie.regex",
     "not an RE2 regular expression"),
    (route(match=[{"headers": {"cookie": {"exact": "a", "prefix": "b"}}}]),
     "apps[shop].http[0].match[0].headers.cookie", "exactly one of"),
    (route(match=[{"headers": {"cookie": {"suffix": "b"}}}]), "apps[shop].http[0].match[0].headers.cookie",
     "unknown key(s) suffix"),
    (route(match=[{"headers": {"x-id": "a\nb"}}]), "apps[shop].http[0].match[0].headers.x-id", "control character"),
    (route(match=[{"ignore_uri_case": True}]), "apps[shop].http[0].match[0]", "matches nothing"),
    (route(rewrite="api"), "apps[shop].http[0].rewrite.uri", "does not start with /"),
    (route(rewrite={"authority": "api internal"}), "apps[shop].http[0].rewrite.authority", "not a host name"),
    (route(rewrite={"uri": "/", "host": "x"}), "apps[shop].http[0].rewrite", "unknown key(s) host"),
    (route(rewrite={}), "apps[shop].http[0].rewrite", "is empty"),
    (route(fault={"abort": {"percentage": 150, "http_status": 503}}), "apps[shop].http[0].fault.abort.percentage",
     "0-100"),
    (route(fault={"abort": {"percentage": "1_0", "http_status": 503}}), "apps[shop].http[0].fault.abort.percentage",
     "must be a number"),
    (route(fault={"abort": {"http_status": 700}}), "apps[shop].http[0].fault.abort.http_status", "out of range"),
    (route(fault={"delay": {"fixed_delay": "0ms"}}), "apps[shop].http[0].fault.delay.fixed_delay", "below 1ms"),
    (route(retries={"attempts": -1}), "apps[shop].http[0].retries.attempts", "out of range"),
    (route(retries={"attempts": "3x"}), "apps[shop].http[0].retries.attempts", "whole number"),
    (route(retries={"attempts": 3, "retry_on": "5xx,bogus"}), "apps[shop].http[0].retries.retry_on",
     "'bogus' is not a retry condition"),
    (route(retries={"attempts": 3, "retry_on": "599"}), "apps[shop].http[0].retries.retry_on", "'599'"),
    (route(retries={"attempts": 3, "per_try_timeout": "0s"}), "apps[shop].http[0].retries.per_try_timeout",
     "below 1ms"),
    (route(retries={"attempts": 0, "retry_on": "5xx"}), "apps[shop].http[0].retries.attempts", "is 0"),
    (app(http=None), "apps[shop]", "routes nothing"),
    (app(use_gateway="edge"), "apps[shop].use_gateway", "namespace/name"),
    (app(use_gateway="istio-ingress/edge.gw"), "apps[shop].use_gateway", "namespace/name"),
    (app(use_gateway="istio-ingress/edge\n"), "apps[shop].use_gateway", "namespace/name"),
    (app(gateway={"servers": [{"port": 80, "https_redirect": True, "protocol": "HTTPS", "credential_name": "x"}]}),
     "apps[shop].gateway.servers[0].https_redirect", "only applies to an HTTP server"),
    (app(gateway={"servers": [{"port": 80}, {"port": 80, "name": "other"}]}), "apps[shop].gateway.servers",
     "port twice"),
    (app(gateway={"servers": [{"port": 80}, {"port": 81, "name": "http-80"}]}), "apps[shop].gateway.servers",
     "port name twice"),
    (app(gateway={"servers": [{"port": 99999}]}), "apps[shop].gateway.servers[0].port", "out of range"),
    (app(gateway={"servers": [{"port": "8_0"}]}), "apps[shop].gateway.servers[0].port", "whole number"),
    (app(gateway={"servers": [{"port": 80, "protocol": "UDP"}]}), "apps[shop].gateway.servers[0].protocol",
     "not a Gateway protocol"),
    (app(gateway={"servers": [{"port": 80, "name": "HTTP"}]}), "apps[shop].gateway.servers[0].name",
     "not a DNS label"),
    (app(gateway={"servers": [{"port": 443, "tls_mode": "STRICT", "credential_name": "t"}]}),
     "apps[shop].gateway.servers[0].tls_mode", "not a TLS mode"),
    (app(gateway={"servers": [{"port": 443, "credential_name": "shop-tls\n"}]}),
     "apps[shop].gateway.servers[0].credential_name", "not a DNS name"),
    (app(gateway={"servers": [{"port": 80, "credential_name": "t"}]}), "apps[shop].gateway.servers[0]",
     "only apply to HTTPS or TLS"),
    (app(gateway={"servers": [{"port": 80, "hosts": ["Bad NS!/x.example.com"]}]}),
     "apps[shop].gateway.servers[0].hosts[0]", "the namespace part of 'Bad NS!/x.example.com'"),
    (app(gateway={"servers": [{"port": 80, "hosts": ["shop/x..example.com"]}]}),
     "apps[shop].gateway.servers[0].hosts[0]", "the host part of"),
    (app(gateway={"servers": [{"port": 80, "hosts": []}]}), "apps[shop].gateway.servers[0].hosts", "is empty"),
    (app(gateway={"selector": {}}), "apps[shop].gateway.selector", "non-empty"),
    (app(gateway={"selector": {"istio": None}}), "apps[shop].gateway.selector.istio", "label value"),
    (app(gateway={"name": "shop.gateway"}), "apps[shop].gateway.name", "not a DNS label"),
    (app(gateway={"namespace": "Edge"}), "apps[shop].gateway.namespace", "not a DNS label"),
    (app(tcp=[{"port": 3306, "route": [{"host": "db"}]}, {"port": 3306, "route": [{"host": "db2"}]}]),
     "apps[shop].tcp", "port twice"),
    (app(tcp=[{"port": "33_06", "route": [{"host": "db"}]}]), "apps[shop].tcp[0].port", "whole number"),
    (app(destination_rules=[{"host": "web", "subsets": [{"name": "v1", "labels": {}}]}]),
     "apps[shop].destination_rules[0].subsets[0].labels", "non-empty"),
    (app(destination_rules=[{"host": "web", "subsets": [{"name": "V1", "labels": {"v": "1"}}]}]),
     "apps[shop].destination_rules[0].subsets[0].name", "not a DNS label"),
    (app(destination_rules=[{"host": "web", "subsets": [{"name": "v1", "labels": {"v": "1"}},
                                                        {"name": "v1", "labels": {"v": "2"}}]}]),
     "apps[shop].destination_rules[0].subsets", "twice"),
    (app(destination_rules=[{"host": "web"}, {"host": "web.other.svc.cluster.local"}]), "apps[shop].destination_rules",
     "same name"),
    (app(destination_rules=[{"host": "web", "name": "Web"}]), "apps[shop].destination_rules[0].name",
     "not a DNS name"),
    (app(destination_rules=[{"host": "web", "traffic_policy": {"loadBalancr": {"simple": "RANDOM"}}}]),
     "apps[shop].destination_rules[0].traffic_policy.loadBalancr", "not a field of Istio's TrafficPolicy"),
    (app(destination_rules=[{"host": "web", "subsets": [{"name": "v1", "labels": {"v": "1"}, "traffic_policy": {
        "connectionPool": {"tcp": {"maxConnection": 1}}}}]}]),
     "apps[shop].destination_rules[0].subsets[0].traffic_policy.connectionPool.tcp.maxConnection", "not a field"),
])
def test_bad_input_names_the_option_and_the_fix(bad, field, words):
    err = refused([bad])
    assert err.field == field, str(err)
    assert words in str(err), str(err)
    assert str(err).startswith(field + ":")
    assert err.hint


def test_snake_case_traffic_policy_keys_get_the_camel_case_name():
    err = refused([app(destination_rules=[{"host": "web", "traffic_policy": {"load_balancer": {"simple": "RANDOM"}}}])])
    assert err.field == "apps[shop].destination_rules[0].traffic_policy.load_balancer"
    assert "loadBalancer" in err.hint


def test_inputs_istio_and_envoy_accept():
    shop = normalized([app(
        hosts=["shop.example.com", "*.shop.example.com", "a" * 63 + ".example.com"],
        gateway={"name": "shop-gw", "servers": [{"port": 80, "hosts": ["./shop.example.com", "*/x.example.com",
                                                                       "edge/*", "*"]}]},
        http=[{"match": [{"regex": "^/api\\z"}, {"regex": "/v[0-9]+/(?P<id>[a-z]+)"},
                         {"headers": {":authority": {"prefix": "shop"}, "x-canary": True, "x-n": 1,
                                      "@request.auth.claims.group": "admin"}}],
               "rewrite": {"uri": "/", "authority": "api.internal:8080"},
               "retries": {"attempts": "3", "per_try_timeout": "250ms",
                           "retry_on": "5xx, connect-failure,reset-before-request,503,unavailable"},
               "timeout": "1.5s", "fault": {"abort": {"http_status": "503", "percentage": "0.5"}},
               "route": [{"host": "web", "port": "8080"}]}],
        destination_rules=[{"host": "*.rt.svc.cluster.local"}, {"host": "web", "traffic_policy": {
            "loadBalancer": {"consistentHash": {"httpCookie": {"name": "u", "ttl": "0s"}}},
            "portLevelSettings": [{"port": {"number": 80}, "tls": {"mode": "SIMPLE"}}],
            "outlierDetection": {"consecutive5xxErrors": 5, "interval": "5m"}}}])])[0]
    assert shop["gateway"]["servers"][0]["hosts"] == ["./shop.example.com", "*/x.example.com", "edge/*", "*"]
    rule = shop["http"][0]
    assert rule["match"][0]["uri"] == {"regex": "^/api\\z"}
    assert rule["match"][2]["headers"] == {":authority": {"prefix": "shop"}, "x-canary": {"exact": "true"},
                                           "x-n": {"exact": "1"}, "@request.auth.claims.group": {"exact": "admin"}}
    assert rule["retries"] == {"attempts": 3, "per_try_timeout": "250ms",
                               "retry_on": "5xx,connect-failure,reset-before-request,503,unavailable"}
    assert rule["rewrite"] == {"uri": "/", "authority": "api.internal:8080"}
    assert rule["fault"]["abort"] == {"http_status": 503, "percentage": 0.5}
    # a DestinationRule for a wildcard host gets a valid generated name (the user set none)
    assert [d["name"] for d in shop["destination_rules"]] == ["shop-wildcard-rt", "shop-web"]


def test_duplicate_app_names_and_only():
    assert refused([app(), app()]).field == "apps[shop].name"
    assert [a["name"] for a in normalized([app(), app(name="blog")], only="blog")] == ["blog"]
    err = refused([app()], only="blog")
    assert err.field == "only" and "shop" in str(err)


def test_absent_needs_only_names_and_scopes_to_declared_namespaces():
    apps = normalized([{"name": "shop", "namespace": "shop", "gateway": {"namespace": "edge"}}, {"name": "blog"}],
                      state="absent")
    assert app_scope(apps[0]) == {"shop", "edge"}
    assert app_scope(apps[1]) is None
    # an app no longer in the inventory can still be removed by name
    assert normalize_apps([], state="absent", only="old")[0]["name"] == "old"
    with pytest.raises(EdgeError) as info:
        normalize_apps([], state="absent", only="old\n")
    assert info.value.field == "only"
