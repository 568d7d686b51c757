# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/istio/match: StringMatch and the first HTTP route taking a path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import (
    ABSENT, compile_re2, first_http_route, match_conditions, string_match_kind, string_matches, uri_matches)


@pytest.mark.parametrize("uri, path, ignore_case, taken", [
    ({"exact": "/probe"}, "/probe", False, True),
    ({"exact": "/probe"}, "/probe/", False, False),
    ({"exact": "/probe"}, "/probe?x=1", False, True),           # the query is not part of the path
    ({"exact": "/Probe"}, "/probe", False, False),
    ({"exact": "/Probe"}, "/probe", True, True),
    ({"prefix": "/api"}, "/api/orders", False, True),
    ({"prefix": "/api"}, "/apiary", False, True),               # a plain string prefix, not a path segment
    ({"prefix": "/API"}, "/api/orders", True, True),
    ({"prefix": "/api"}, "/web", False, False),
    ({"regex": "/api/v[0-9]+"}, "/api/v2", False, True),
    ({"regex": "/api/v[0-9]+"}, "/api/v2/orders", False, False),  # the whole path must match
    ({"regex": "/API/.*"}, "/api/x", True, False),              # ignoreUriCase leaves a regex case-sensitive
    ({"regex": "(?i)/API/.*"}, "/api/x", False, True),
    ({"regex": "/a(?=b).*"}, "/ab", False, False),              # not RE2: Istio refuses it
    ({"regex": "("}, "/", False, False),
    (None, "/anything", False, True),
    ({}, "/anything", False, True),                             # an empty StringMatch takes every path
    ({"suffix": ".png"}, "/anything", False, True),             # no known kind: as empty
])
def test_uri_string_match(uri, path, ignore_case, taken):
    assert uri_matches(uri, path, ignore_case) is taken


def test_string_match_helpers():
    assert string_match_kind({"prefix": "/"}) == "prefix" and string_match_kind({"exact": None}) is None
    assert string_matches({"exact": "GET"}, "GET") and not string_matches({"exact": "GET"}, "get")
    assert compile_re2(r"\+\+") is not None and compile_re2(r"a++") is None and compile_re2(r"(a)\1") is None
    assert compile_re2(r"a\\1") is not None and compile_re2(r"x\Z") is None
    assert match_conditions({"uri": {"prefix": "/"}, "headers": {}, "method": {}, "name": "n"}) == ["headers", "method"]


def _vs(*routes):
    return {"metadata": {"namespace": "shop"}, "spec": {"gateways": ["istio-ingress/edge"], "http": list(routes)}}


def test_first_route_that_takes_the_path():
    vs = _vs({"name": "beta", "match": [{"uri": {"prefix": "/api"}, "headers": {"x-beta": {"exact": "1"}}}]},
             {"name": "api", "match": [{"uri": {"prefix": "/api"}, "port": 443}, {"uri": {"exact": "/api"}}]},
             {"name": "rest"})
    index, route, match, extra = first_http_route(vs, "/api/orders")
    assert (index, route["name"], extra) == (0, "beta", ["headers"])
    # a request without headers (a health probe) falls through the header match
    assert first_http_route(vs, "/api/orders", conditions=ABSENT)[1]["name"] == "api"
    assert first_http_route(vs, "/api/orders", port=80, conditions=ABSENT)[1]["name"] == "rest"
    assert first_http_route(vs, "/api", port=80, conditions=ABSENT)[2] == {"uri": {"exact": "/api"}}
    assert first_http_route(_vs(), "/") == (None, None, None, [])
    without = _vs({"name": "no-x", "match": [{"withoutHeaders": {"x": {"exact": "1"}}}]})
    assert first_http_route(without, "/", conditions=ABSENT)[3] == ["withoutHeaders"]


def test_match_gateways_replace_the_virtual_service_ones():
    vs = _vs({"name": "mesh", "match": [{"uri": {"prefix": "/"}, "gateways": ["mesh"]}]},
             {"name": "legacy", "match": [{"uri": {"prefix": "/"}, "gateways": ["edge.istio-ingress"]}]})
    assert first_http_route(vs, "/", "istio-ingress/edge")[1]["name"] == "legacy"
    assert first_http_route(vs, "/", "istio-ingress/other") == (None, None, None, [])
    assert first_http_route(vs, "/")[1]["name"] == "mesh"     # no gateway given: any
