# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.snapshot import owned_by
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.telemetry import (
    access_log_targets, check_access_log)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps

API = {"networking": "networking.istio.io/v1", "telemetry": "telemetry.istio.io/v1"}


def service(namespace, name, selector=None):
    spec = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {"metadata": {"namespace": namespace, "name": name}, "spec": spec}


def index(*services):
    return dict(((s["metadata"]["namespace"], s["metadata"]["name"]), s) for s in services)


def app(name, hosts, routes, namespace="shop", access_log=True):
    return normalize_apps([{"name": name, "namespace": namespace, "hosts": hosts, "access_log": access_log,
                            "http": [{"route": [{"host": h}]} for h in routes]}])[0]


def desired_of(apps, services):
    return dict((a["name"], build_app(a, {"istio": "ingress"}, API, access_log_targets(a, services))) for a in apps)


def test_targets_are_the_app_s_own_namespace_services_with_a_selector():
    services = index(service("shop", "web", {"app": "web"}), service("shop", "ext"),
                     service("other", "api", {"app": "api"}), service("shop", "cart", {"app": "cart"}))
    one = app("shop", ["shop.example.com"], ["web", "web", "ext", "api.other.svc.cluster.local",
                                             "cart.shop.svc.cluster.local", "example.org"])
    assert access_log_targets(one, services) == [("cart", {"app": "cart"}), ("web", {"app": "web"})]


def test_two_apps_on_the_same_pods_are_refused_and_different_pods_are_not():
    services = index(service("shop", "web", {"app": "web"}), service("shop", "api", {"app": "api"}))
    first, second = app("a", ["a.example.com"], ["web"]), app("b", ["b.example.com"], ["web"])
    problems = check_access_log([first, second], desired_of([first, second], services), {}, owned_by, services)
    assert len(problems) == 1 and problems[0].path == "apps[b].access_log"
    assert "shop/b-access-log would select the same pods (app=web) as Telemetry shop/a-access-log (app a)" in \
        problems[0].text()
    third = app("c", ["c.example.com"], ["api"])
    assert check_access_log([first, third], desired_of([first, third], services), {}, owned_by, services) == []


def test_a_live_telemetry_on_the_same_pods_is_a_clash_unless_it_is_the_app_s_own():
    services = index(service("shop", "web", {"app": "web"}))
    shop = app("shop", ["shop.example.com"], ["web"])
    desired = desired_of([shop], services)
    own = dict(desired["shop"][-1])
    foreign = {"metadata": {"namespace": "shop", "name": "web-logs"},
               "spec": {"selector": {"matchLabels": {"app": "web"}}, "accessLogging": [{}]}}
    namespace_wide = {"metadata": {"namespace": "shop", "name": "mesh"}, "spec": {"accessLogging": [{}]}}
    assert check_access_log([shop], desired, {("shop", "shop-access-log"): own,
                                              ("shop", "mesh"): namespace_wide}, owned_by, services) == []
    problems = check_access_log([shop], desired, {("shop", "web-logs"): foreign}, owned_by, services)
    assert [p.path for p in problems] == ["apps[shop].access_log"]
    assert "shop/web-logs (not managed by meshops.istio_edge)" in problems[0].text()


def test_no_service_to_log_is_refused_but_a_missing_service_is_left_to_the_destination_check():
    services = index(service("shop", "ext"), service("other", "api", {"app": "api"}))
    remote = app("shop", ["shop.example.com"], ["ext", "api.other.svc.cluster.local"])
    problems = check_access_log([remote], desired_of([remote], services), {}, owned_by, services)
    assert [p.path for p in problems] == ["apps[shop].access_log"]
    assert "Route to a Service in shop, or set access_log to false" in problems[0].text()
    missing = app("shop", ["shop.example.com"], ["nope"])
    assert check_access_log([missing], desired_of([missing], services), {}, owned_by, services) == []
    quiet = app("shop", ["shop.example.com"], ["ext"], access_log=False)
    assert check_access_log([quiet], desired_of([quiet], services), {}, owned_by, services) == []
