# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Overlapping claims on one host and gateway workload: what Istio orders itself (a catch-all is merged last) is
a warning naming who gets which paths; what it leaves to creation order (/api and /api/, ignoreUriCase, an exact
path under a prefix) is refused with nothing written."""

import uuid

import pytest

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    get, gw_ns, istio_crds, list_owned, make_workload, no_leftover_claims, run_app_route as run)

NET = "networking.istio.io/v1"


def app(ns, name, host, *matches):
    return {"name": name, "namespace": ns, "hosts": [host],
            "http": [{"match": [m] if m else None, "route": [{"host": "web", "port": 8080}]} for m in matches]}


@pytest.fixture
def host(namespace):
    return "dup-%s.example.com" % uuid.uuid4().hex[:6]


def test_catch_all_and_a_path_on_one_host_are_both_written_with_a_warning(ansible, kube, namespace, gw_ns, host):
    make_workload(kube, namespace, "web", {"http": 8080})
    first = run(ansible, gw_ns, [app(namespace, "site", host, {"prefix": "/"})])
    assert not first["failed"], first["msg"]
    second = run(ansible, gw_ns, [app(namespace, "api", host, {"prefix": "/api"})])
    assert not second["failed"], second["msg"]
    warning = [w for w in second["warnings"] if w.startswith("apps[api].http:")]
    assert len(warning) == 1, second.get("warnings")
    for words in ("the catch-all route prefix / of VirtualService %s/site (app site)" % namespace,
                  "also takes the paths of prefix /api of this app", "Istio moves catch-all routes after all others",
                  "those paths go to this app and every other path to VirtualService %s/site" % namespace):
        assert words in warning[0], warning[0]
    assert list_owned(kube, "VirtualService", namespace) == ["api", "site"]
    # both in one run: each app is warned once, nothing refused
    both = run(ansible, gw_ns, [app(namespace, "site", host, {"prefix": "/"}),
                                app(namespace, "api", host, {"prefix": "/api"})])
    assert not both["failed"] and len([w for w in both["warnings"] if "catch-all" in w]) == 2


@pytest.mark.parametrize("mine, theirs, words", [
    ({"prefix": "/api/"}, {"prefix": "/api"}, "prefix /api/ overlaps prefix /api"),
    ({"prefix": "/API", "ignore_uri_case": True}, {"prefix": "/api"},
     "prefix /API (ignoring case) overlaps prefix /api"),
    ({"exact": "/api/v1"}, {"prefix": "/api"}, "exact /api/v1 overlaps prefix /api"),
    ({"prefix": "/", "ignore_uri_case": True}, None, "prefix / is already routed"),
])
def test_overlaps_istio_leaves_to_creation_order_are_refused(ansible, kube, namespace, gw_ns, host, mine, theirs,
                                                             words):
    make_workload(kube, namespace, "web", {"http": 8080})
    assert not run(ansible, gw_ns, [app(namespace, "first", host, theirs)])["failed"]
    result = run(ansible, gw_ns, [app(namespace, "second", host, mine)])
    assert result["failed"], result
    assert "apps[second].http: %s %s" % (host, words) in result["msg"], result["msg"]
    assert "VirtualService %s/first (app first)" % namespace in result["msg"]
    assert "creation order" in result["msg"] or "already routed" in result["msg"]
    assert "Nothing was changed" in result["msg"]
    assert list_owned(kube, "VirtualService", namespace) == ["first"]
    assert get(kube, NET, "Gateway", "second-gateway", namespace) is None


def test_paths_that_never_meet_or_another_host_say_nothing(ansible, kube, namespace, gw_ns, host):
    make_workload(kube, namespace, "web", {"http": 8080})
    assert not run(ansible, gw_ns, [app(namespace, "api", host, {"prefix": "/api/"})])["failed"]
    web = run(ansible, gw_ns, [app(namespace, "web", host, {"prefix": "/web/"}),
                               app(namespace, "other", "other-" + host, {"prefix": "/api/"})])
    assert not web["failed"], web["msg"]
    assert not [w for w in web.get("warnings") or [] if ".http:" in w]
