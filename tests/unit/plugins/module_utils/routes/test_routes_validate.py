# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import (
    app_scope, normalize_apps)


def app(**extra):
    out = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    out.update(extra)
    return out


def refused(apps, **kwargs):
    with pytest.raises(EdgeError) as info:
        normalize_apps(apps, **kwargs)
    return info.value


def test_defaults_are_filled_in():
    shop = normalize_apps([app()])[0]
    assert shop["gateway"] == {"name": "shop-gateway", "namespace": "shop", "selector": None, "servers": [
        {"port": 80, "protocol": "HTTP", "name": "http-80", "hosts": ["shop.example.com"], "https_redirect": False,
         "credential_name": None, "tls_mode": None}]}
    assert shop["sidecar_injection"] is False and shop["access_log"] is False
    assert shop["http"][0]["route"] == [{"host": "web", "port": 8080, "weight": None, "subset": None}]
    assert app_scope(shop) == {"shop"}


def test_https_server_defaults_and_credential_required():
    shop = normalize_apps([app(gateway={"servers": [{"port": 443, "credential_name": "shop-tls"}]})])[0]
    server = shop["gateway"]["servers"][0]
    assert (server["protocol"], server["tls_mode"], server["name"]) == ("HTTPS", "SIMPLE", "https-443")
    err = refused([app(gateway={"servers": [{"port": 443}]})])
    assert err.field == "apps[shop].gateway.servers[0].credential_name"
    assert "gateway_namespace" in str(err)


def test_ansible_strings_are_coerced():
    shop = normalize_apps([app(sidecar_injection="yes", http=[{"route": [{"host": "web", "port": "8080"}]}])])[0]
    assert shop["sidecar_injection"] is True and shop["http"][0]["route"][0]["port"] == 8080


@pytest.mark.parametrize("bad, field, words", [
    (app(name="Shop_1"), "apps[0].name", "DNS label"),
    (app(hosts=["shop..com"]), "apps[shop].hosts[0]", "not a host name"),
    (app(http=[{"route": [{"host": "a", "weight": 50}, {"host": "b", "weight": 40}]}]), "apps[shop].http[0].route",
     "add up to 90"),
    (app(http=[{"route": [{"host": "a"}, {"host": "b"}]}]), "apps[shop].http[0].route", "not every one has a weight"),
    (app(http=[{"route": [{"host": "a", "weight": 30}]}]), "apps[shop].http[0].route[0].weight", "single destination"),
    (app(http=[{"route": [{"host": "a"}], "timeout": "10"}]), "apps[shop].http[0].timeout", "duration"),
    (app(http=[{"route": [{"host": "a"}], "match": [{"prefix": "/a", "exact": "/b"}]}]), "apps[shop].http[0].match[0]",
     "prefix and exact"),
    (app(http=[{"route": [{"host": "a"}], "match": [{"prefix": "api"}]}]), "apps[shop].http[0].match[0].prefix",
     "does not start with /"),
    (app(http=[{"route": [{"host": "a"}], "match": [{"regex": "(["}]}]), "apps[shop].http[0].match[0].regex",
     "regular expression"),
    (app(http=[{"route": [{"host": "a"}], "fault": {"abort": {"percentage": 150, "http_status": 503}}}]),
     "apps[shop].http[0].fault.abort.percentage", "0-100"),
    (app(http=[{"route": [{"host": "a"}], "retries": {"per_try_timeout": "2s"}}]), "apps[shop].http[0].retries.attempts",
     "required"),
    (app(http=[{"route": [{"host": "a"}], "timout": "1s"}]), "apps[shop].http[0]", "timout"),
    (app(http=None), "apps[shop]", "routes nothing"),
    (app(use_gateway="edge"), "apps[shop].use_gateway", "namespace/name"),
    (app(use_gateway="a/b", gateway={}), "apps[shop].use_gateway", "not both"),
    (app(gateway={"servers": [{"port": 80, "https_redirect": True, "protocol": "HTTPS", "credential_name": "x"}]}),
     "apps[shop].gateway.servers[0].https_redirect", "only applies to an HTTP server"),
    (app(gateway={"servers": [{"port": 80}, {"port": 80, "name": "other"}]}), "apps[shop].gateway.servers",
     "port twice"),
    (app(gateway={"servers": [{"port": 99999}]}), "apps[shop].gateway.servers[0].port", "out of range"),
    (app(gateway={"servers": [{"port": 80, "protocol": "UDP"}]}), "apps[shop].gateway.servers[0].protocol",
     "not a Gateway protocol"),
    (app(gateway={"selector": {}}), "apps[shop].gateway.selector", "non-empty"),
    (app(tcp=[{"port": 3306, "route": [{"host": "db"}]}, {"port": 3306, "route": [{"host": "db2"}]}]),
     "apps[shop].tcp", "port twice"),
    (app(destination_rules=[{"host": "web", "subsets": [{"name": "v1"}]}]),
     "apps[shop].destination_rules[0].subsets[0].labels", "required"),
    (app(destination_rules=[{"host": "web"}, {"host": "web.other.svc.cluster.local"}]), "apps[shop].destination_rules",
     "same name"),
])
def test_bad_input_names_the_option_and_the_fix(bad, field, words):
    err = refused([bad])
    assert err.field == field, str(err)
    assert words in str(err)
    assert err.hint


def test_duplicate_app_names_and_only():
    assert refused([app(), app()]).field == "apps[shop].name"
    assert [a["name"] for a in normalize_apps([app(), app(name="blog")], only="blog")] == ["blog"]
    err = refused([app()], only="blog")
    assert err.field == "only" and "shop" in str(err)


def test_absent_needs_only_names_and_scopes_to_declared_namespaces():
    apps = normalize_apps([{"name": "shop", "namespace": "shop", "gateway": {"namespace": "edge"}}, {"name": "blog"}],
                          state="absent")
    assert app_scope(apps[0]) == {"shop", "edge"}
    assert app_scope(apps[1]) is None
    # an app no longer in the inventory can still be removed by name
    assert normalize_apps([], state="absent", only="old")[0]["name"] == "old"
