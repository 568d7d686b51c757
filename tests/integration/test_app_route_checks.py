# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_route's consistency checks on the test bed: each refusal names the problem and the fix, and nothing is
written (not even the objects of the apps that were fine)."""

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, get, gw_ns, istio_crds, list_owned, make_workload, no_leftover_claims, run_app_route as run)

NET = "networking.istio.io/v1"


def app(ns, name="shop", **extra):
    out = {"name": name, "namespace": ns, "hosts": ["%s.%s.example.com" % (name, ns)],
           "http": [{"match": [{"prefix": "/"}], "route": [{"host": "web", "port": 8080}]}]}
    out.update(extra)
    return out


def assert_refused(result, kube, ns, *words):
    assert result["failed"], result
    for word in words:
        assert word in result["msg"], result["msg"]
    assert "Nothing was changed" in result["msg"] or "changed nothing" in result["msg"], result["msg"]
    assert list_owned(kube, "VirtualService", ns) == []
    assert list_owned(kube, "Gateway", ns) == []


def test_host_not_covered_by_the_gateway_hosts(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    bad = app(namespace, gateway={"servers": [{"port": 80, "hosts": ["*.other.example.com"]}]})
    good = app(namespace, "fine")
    result = run(ansible, gw_ns, [good, bad])
    assert_refused(result, kube, namespace, "apps[shop].hosts", "shop.%s.example.com" % namespace,
                   "route_not_found", "gateway.servers[].hosts")
    assert result["field"] == "apps[shop].hosts"
    # a wildcard that covers the host is accepted
    ok = app(namespace, gateway={"servers": [{"port": 80, "hosts": ["*.%s.example.com" % namespace]}]})
    assert not run(ansible, gw_ns, [ok])["failed"]


def test_shared_gateway_must_cover_the_host(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    apply(kube, {"apiVersion": NET, "kind": "Gateway", "metadata": {"name": "edge", "namespace": gw_ns},
                 "spec": {"selector": {"istio": "ingress"},
                          "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                                       "hosts": ["api.example.org"]}]}})
    result = run(ansible, gw_ns, [app(namespace, use_gateway="%s/edge" % gw_ns)])
    assert_refused(result, kube, namespace, "is not among the hosts of Gateway %s/edge" % gw_ns)
    missing = run(ansible, gw_ns, [app(namespace, use_gateway="%s/nope" % gw_ns)])
    assert_refused(missing, kube, namespace, "apps[shop].use_gateway", "does not exist")


def test_selector_matching_no_gateway_workload(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    bad = app(namespace, gateway={"selector": {"istio": "ingressgateway-nowhere"}})
    result = run(ansible, gw_ns, [bad])
    assert_refused(result, kube, namespace, "apps[shop].gateway.selector", "matches no gateway workload",
                   "istio: ingress")


def test_gateway_deployment_missing(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    result = run(ansible, gw_ns, [app(namespace)], gateway_name="istio-gw-missing")
    assert_refused(result, kube, namespace, "gateway_name", "no gateway Deployment istio-gw-missing")
    assert result["code"] == "GatewayNotFound"


def test_destination_service_or_port_missing(ansible, kube, namespace, gw_ns):
    result = run(ansible, gw_ns, [app(namespace)])
    assert_refused(result, kube, namespace, "apps[shop].http[0].route[0].host",
                   "Service %s/web does not exist" % namespace, "Deploy the app's Service first")
    make_workload(kube, namespace, "web", {"http": 8080, "metrics": 9090})
    wrong_port = app(namespace, http=[{"route": [{"host": "web", "port": 8081}]}])
    result = run(ansible, gw_ns, [wrong_port])
    assert_refused(result, kube, namespace, "apps[shop].http[0].route[0].port", "has no port 8081",
                   "8080/http", "9090/metrics")
    no_port = app(namespace, http=[{"route": [{"host": "web"}]}])
    result = run(ansible, gw_ns, [no_port])
    assert_refused(result, kube, namespace, "apps[shop].http[0].route[0].port", "several ports")
    other_ns = app(namespace, http=[{"route": [{"host": "web.nowhere-ns.svc.cluster.local", "port": 80}]}])
    assert_refused(run(ansible, gw_ns, [other_ns]), kube, namespace, "namespace nowhere-ns")


def test_destination_istio_does_not_expand(ansible, kube, namespace, gw_ns):
    """web.<namespace> names the Service for a pod's resolver, not for Istio (it expands only a name without a
    dot): refused with the full name to write."""
    make_workload(kube, namespace, "web", {"http": 8080})
    dotted = app(namespace, http=[{"route": [{"host": "web.%s" % namespace, "port": 8080}]}])
    result = run(ansible, gw_ns, [dotted])
    assert_refused(result, kube, namespace, "apps[shop].http[0].route[0].host",
                   "does not name Service %s/web for Istio" % namespace)
    assert "web.%s.svc.cluster.local" % namespace in result["hint"], result
    assert not run(ansible, gw_ns, [app(namespace, http=[{"route": [
        {"host": "web.%s.svc.cluster.local" % namespace, "port": 8080}]}])])["failed"]


def test_subset_not_declared(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    canary = app(namespace, http=[{"route": [{"host": "web", "port": 8080, "subset": "v1", "weight": 50},
                                             {"host": "web", "port": 8080, "subset": "v2", "weight": 50}]}],
                 destination_rules=[{"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}])
    result = run(ansible, gw_ns, [canary])
    assert_refused(result, kube, namespace, "route[1].subset", "no DestinationRule declares subset v2")
    assert list_owned(kube, "DestinationRule", namespace) == []


def test_host_and_path_claimed_by_another_app(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "shared.%s.example.com" % namespace
    first = app(namespace, "first", hosts=[host])
    assert not run(ansible, gw_ns, [first])["failed"]
    second = app(namespace, "second", hosts=[host])
    result = run(ansible, gw_ns, [second])
    assert result["failed"]
    assert "%s prefix / is already routed by VirtualService %s/first (app first)" % (host, namespace) in result["msg"]
    assert list_owned(kube, "VirtualService", namespace) == ["first"]
    # another path on the same host is fine
    api = app(namespace, "second", hosts=[host],
              http=[{"match": [{"prefix": "/api"}], "route": [{"host": "web", "port": 8080}]}])
    assert not run(ansible, gw_ns, [api])["failed"]
    # two apps of one call claiming the same host + path
    both = run(ansible, gw_ns, [app(namespace, "x1", hosts=["x.example.net"]), app(namespace, "x2", hosts=["x.example.net"])])
    assert both["failed"] and "app x2 in this run" in both["msg"] and "app x1 in this run" in both["msg"]
    assert get(kube, NET, "VirtualService", "x1", namespace) is None


def test_tcp_port_and_hand_made_claims(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "mysql", {"mysql": 3306})
    apply(kube, {"apiVersion": NET, "kind": "Gateway", "metadata": {"name": "legacy", "namespace": gw_ns},
                 "spec": {"selector": {"istio": "ingress"},
                          "servers": [{"port": {"number": 3306, "name": "mysql", "protocol": "TCP"}, "hosts": ["*"]}]}})
    apply(kube, {"apiVersion": NET, "kind": "VirtualService", "metadata": {"name": "legacy-mysql", "namespace": gw_ns},
                 "spec": {"hosts": ["*"], "gateways": ["legacy"],
                          "tcp": [{"match": [{"port": 3306}], "route": [{"destination": {"host": "mysql.db"}}]}]}})
    db = {"name": "db", "namespace": namespace, "hosts": ["*"],
          "gateway": {"servers": [{"port": 3306, "protocol": "TCP", "name": "mysql"}]},
          "tcp": [{"port": 3306, "route": [{"host": "mysql", "port": 3306}]}]}
    try:
        result = run(ansible, gw_ns, [db])
        assert_refused(result, kube, namespace, "apps[db].tcp", "gateway port 3306 is already routed",
                       "legacy-mysql (not managed by meshops.istio_edge)")
    finally:
        kube.resources.get(api_version=NET, kind="VirtualService").delete(name="legacy-mysql", namespace=gw_ns)


def test_bad_input_names_the_option(ansible, kube, namespace, gw_ns):
    bad_weights = app(namespace, http=[{"route": [{"host": "web", "port": 80, "weight": 60},
                                                  {"host": "web", "port": 80, "weight": 30}]}])
    result = run(ansible, gw_ns, [bad_weights])
    assert result["failed"] and result["field"] == "apps[shop].http[0].route"
    assert "weights add up to 90" in result["msg"] and "100" in result["msg"]
    typo = app(namespace, http=[{"route": [{"host": "web"}], "timout": "5s"}])
    result = run(ansible, gw_ns, [typo])
    # an unknown key is refused by the argument spec, which names the path its way (and sets no field)
    assert result["failed"] and "Unsupported parameters" in result["msg"] and "apps.http.timout" in result["msg"]
    https = app(namespace, gateway={"servers": [{"port": 443, "protocol": "HTTPS"}]})
    result = run(ansible, gw_ns, [https])
    assert result["field"] == "apps[shop].gateway.servers[0].credential_name"
    result = run(ansible, gw_ns, [app(namespace)], only="nope")
    assert result["failed"] and result["field"] == "only"


def test_parallel_below_one_is_refused(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    result = run(ansible, gw_ns, [app(namespace)], parallel=0)
    assert result["failed"], result
    assert result["field"] == "parallel"
    assert result["msg"].startswith("parallel: 0 ")
    assert list_owned(kube, "VirtualService", namespace) == []
    assert list_owned(kube, "Gateway", namespace) == []
