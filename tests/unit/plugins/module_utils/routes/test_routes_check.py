# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import (
    Problem, check_destination, check_destinations, check_gateway_binding, check_selector, refusal,
    selector_from_labels)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps


def norm(**extra):
    raw = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    raw.update(extra)
    return normalize_apps([raw])[0]


def objs(app):
    return dict((o["kind"], o) for o in build_app(app, {"istio": "ingress"}))


def gateway(hosts, protocol="HTTP", port=80, namespace="istio-ingress"):
    return {"metadata": {"name": "edge", "namespace": namespace},
            "spec": {"selector": {"istio": "ingress"},
                     "servers": [{"port": {"number": port, "protocol": protocol, "name": "p"}, "hosts": hosts}]}}


def test_gateway_binding_hosts_namespaces_and_protocols():
    app = norm()
    vs = objs(app)["VirtualService"]
    assert check_gateway_binding(app, vs, gateway(["*.example.com"]), "apps[shop]") == []
    assert check_gateway_binding(app, vs, gateway(["shop/*"]), "apps[shop]") == []
    # namespace-qualified server hosts: another namespace, or "." (the Gateway's own) do not apply
    problems = check_gateway_binding(app, vs, gateway(["blog/shop.example.com", "./shop.example.com"]), "apps[shop]")
    assert len(problems) == 1 and problems[0].path == "apps[shop].hosts"
    assert "route_not_found" in problems[0].problem
    problems = check_gateway_binding(app, vs, gateway(["*"], protocol="TCP", port=3306), "apps[shop]")
    assert problems[0].path == "apps[shop].http" and "no HTTP/HTTPS server" in problems[0].problem
    tcp_app = norm(http=None, hosts=["*"], tcp=[{"port": 3306, "route": [{"host": "mysql"}]}])
    vs = objs(tcp_app)["VirtualService"]
    assert check_gateway_binding(tcp_app, vs, gateway(["*"], protocol="TCP", port=3306), "apps[shop]") == []
    problems = check_gateway_binding(tcp_app, vs, gateway(["*"], protocol="TCP", port=3307), "apps[shop]")
    assert problems[0].path == "apps[shop].tcp[0].port"


def test_selector_from_live_labels_and_mismatch_message():
    assert selector_from_labels({"app": "istio-ingress", "istio": "ingress", "pod-template-hash": "x"}) == \
        {"istio": "ingress"}
    assert selector_from_labels({"app": "gw"}) == {"app": "gw"}
    workloads = [("Deployment istio-ingress/istio-ingress", {"app": "istio-ingress", "istio": "ingress"})]
    assert check_selector({"istio": "ingress"}, workloads, "p", "Gateway") == []
    problems = check_selector({"istio": "ingressgateway"}, workloads, "apps[shop].gateway.selector", "Gateway")
    assert "matches no gateway workload" in problems[0].problem and "istio: ingress" in problems[0].problem


def test_destination_hosts_istio_does_not_expand():
    web = {"spec": {"ports": [{"port": 8080}]}}
    services = {("shop", "web"): web, ("other", "web"): web}

    def check(host):
        return check_destination({"host": host, "port": 8080}, "shop", services, {"shop", "other"}, "apps[shop].r")

    assert check("web") == [] and check("web.other.svc.cluster.local") == []
    assert check("api.example.com") == []                 # not a Service name: not checked
    assert check("web.unknown-ns") == []                  # no such namespace: an external name
    for host, fix in (("web.shop", "web.shop.svc.cluster.local (or web"), ("web.other", "web.other.svc.cluster.local."),
                      ("web.other.svc", "web.other.svc.cluster.local.")):
        problems = check(host)
        assert [p.path for p in problems] == ["apps[shop].r.host"], host
        assert "does not name Service %s for Istio" % "/".join(reversed(host.split(".")[:2])) in problems[0].problem
        assert problems[0].fix.startswith("Write " + fix), problems[0].fix


def test_destinations_ports_and_subsets():
    app = norm(http=[{"route": [{"host": "web", "port": 8080, "subset": "v1"}]}, {"route": [{"host": "api"}]},
                     {"route": [{"host": "httpbin.org", "port": 443}]}])
    web = {"spec": {"ports": [{"port": 8080, "name": "http"}]}}
    api = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 9090, "name": "metrics"}]}}
    services = {("shop", "web"): web, ("shop", "api"): api}
    problems = check_destinations(app, services, {"shop"}, [], "apps[shop]")
    assert [p.path for p in problems] == ["apps[shop].http[0].route[0].subset", "apps[shop].http[1].route[0].port"]
    live_dr = {"metadata": {"name": "web", "namespace": "shop", "labels": {}},
               "spec": {"host": "web.shop.svc.cluster.local", "subsets": [{"name": "v1"}]}}
    problems = check_destinations(app, services, {"shop"}, [live_dr], "apps[shop]")
    assert [p.path for p in problems] == ["apps[shop].http[1].route[0].port"]
    problems = check_destinations(app, {}, {"shop"}, [live_dr], "apps[shop]")
    assert "Service shop/web does not exist" in problems[0].problem


def test_refusal_lists_every_problem():
    one = refusal([Problem("apps[a].hosts", "bad", "Fix it.")])
    assert one.field == "apps[a].hosts" and "Nothing was changed" in str(one)
    two = refusal([Problem("apps[a].hosts", "bad", "Fix it."), Problem("apps[b].tcp", "worse", "Fix that.")])
    assert "2 problems" in str(two) and "apps[b].tcp: worse. Fix that." in str(two)
    assert len(two.details["problems"]) == 2
