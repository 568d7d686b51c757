# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A catalogue of bad inputs across the modules and roles (docs/bad-inputs.md is its table): each must fail
with a message naming the option (dotted path) - and nothing may change on the cluster, in helm, in moto or
in the fake ARM.

To keep the machine's CPU free, the module cases run as the tasks of ONE ansible-playbook run (each task
``ignore_errors``), the role cases as blocks of another (each role included in a block whose rescue records
the failure); the "nothing changed" snapshot is taken around each run and asserted by every case. Cases
already covered by other test files are listed in docs/bad-inputs.md with the test's name.
"""

import json
import os

import pytest
import yaml

from ansible_runner import REPO
from app_route_support import (
    delete_namespace, ensure_istio_crds, get, make_gateway, make_workload, new_namespace, run_app_route)
from snapshot_support import live_namespaces
from test_hardening_support import cluster_snapshot, helm_revisions, moto_snapshot

GUID = "00000000-0000-0000-0000-00000000beef"
PLS_ID = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls" % GUID


def _app(**extra):
    app = {"name": "shop", "namespace": "@APP@", "hosts": ["shop.example.com"],
           "http": [{"route": [{"host": "web", "port": 80}]}]}
    app.update(extra)
    return app


def _route(**extra):
    rule = {"route": [{"host": "web", "port": 80}]}
    rule.update(extra)
    return _app(http=[rule])


def _rule(bad_rule, field, fragment):
    """An app_route case: one app whose only HTTP route is ``bad_rule`` (merged over a valid one)."""
    return ("app_route", {"apps": [_route(**bad_rule)], "gateway_namespace": "@GW@"}, field, fragment)


def _case(field, fragment, **app):
    """An app_route case: the valid app with ``app`` merged in."""
    return ("app_route", {"apps": [_app(**app)], "gateway_namespace": "@GW@"}, field, fragment)


def _server(server, field, fragment):
    return _case(field, fragment, gateway={"servers": [server]})


def _rules(traffic_policy, field, fragment):
    return _case(field, fragment, destination_rules=[{"host": "web", "traffic_policy": traffic_policy}])


LONG_NAME = ".".join(["a" * 60] * 4) + ".example.com"
H = "apps[shop].http[0]"


# id -> (module, args, field named in the message, message fragment). "@GW@"/"@APP@": the namespaces.
MODULE_CASES = {
    # gateway_service
    "gw-nodeport-out-of-range": ("gateway_service", {"profile": "nodeport", "node_ports": {"http2": 29999}},
                                 "node_ports.http2", "29999"),
    "gw-node-port-range": ("gateway_service", {"profile": "nodeport", "node_port_range": "32767-30000"},
                           "node_port_range", "is not a port range"),
    "gw-nodeport-twice": ("gateway_service", {"profile": "nodeport", "node_ports": {"http2": 30555, "https": 30555}},
                          "node_ports.https", "30555"),
    "gw-nodeport-unknown-port": ("gateway_service", {"profile": "nodeport", "node_ports": {"grpc": 30556}},
                                 "node_ports.grpc", "grpc"),
    "gw-extra-port-name": ("gateway_service", {"profile": "nodeport", "extra_ports": [{"name": "My_SQL", "port": 3306}]},
                           "extra_ports[0].name", "My_SQL"),
    "gw-extra-port-number": ("gateway_service", {"profile": "nodeport", "extra_ports": [{"name": "mysql", "port": 70000}]},
                             "extra_ports[0].port", "70000"),
    "gw-ports-without-status-port": ("gateway_service", {"profile": "alb", "ports": [{"name": "http2", "port": 80}]},
                                     "ports", "status-port"),
    "gw-health-check-path": ("gateway_service", {"profile": "alb", "health_check_path": "healthz/ready"},
                             "health_check_path", "healthz/ready"),
    "gw-nlb-options-on-alb": ("gateway_service", {"profile": "alb", "nlb": {"scheme": "internal"}}, "nlb", "nlb"),
    "gw-source-range": ("gateway_service", {"profile": "loadbalancer", "load_balancer_source_ranges": ["10.0.0.0/33"]},
                        "load_balancer_source_ranges[0]", "10.0.0.0/33"),
    "gw-name": ("gateway_service", {"profile": "nodeport", "name": "Istio_Ingress"}, "name", "Istio_Ingress"),
    "gw-namespace": ("gateway_service", {"profile": "nodeport", "namespace": "istio ingress"}, "namespace",
                     "istio ingress"),
    "gw-live-service-missing": ("gateway_service", {"profile": "nodeport", "mode": "live", "name": "nope",
                                                    "namespace": "@GW@"}, "name", "nope"),
    # app_route
    "app-name": ("app_route", {"apps": [_app(name="Shop")], "gateway_namespace": "@GW@"}, "apps[0].name", "Shop"),
    "app-twice": ("app_route", {"apps": [_app(), _app(hosts=["b.example.com"])], "gateway_namespace": "@GW@"},
                  "apps[shop].name", "twice"),
    "app-no-hosts": ("app_route", {"apps": [_app(hosts=[])], "gateway_namespace": "@GW@"}, "apps[shop].hosts",
                     "hosts"),
    "app-bad-host": ("app_route", {"apps": [_app(hosts=["shop example.com"])], "gateway_namespace": "@GW@"},
                     "apps[shop].hosts[0]", "shop example.com"),
    "app-missing-service": ("app_route", {"apps": [_app(http=[{"route": [{"host": "nosuch", "port": 80}]}])],
                                          "gateway_namespace": "@GW@"}, "apps[shop].http[0].route[0].host", "nosuch"),
    "app-weights": ("app_route", {"apps": [_app(http=[{"route": [{"host": "web", "port": 80, "weight": 70},
                                                                 {"host": "web", "port": 80, "weight": 20}]}])],
                                  "gateway_namespace": "@GW@"}, "apps[shop].http[0].route", "100"),
    "app-timeout": ("app_route", {"apps": [_route(timeout="10 seconds")], "gateway_namespace": "@GW@"},
                    "apps[shop].http[0].timeout", "10 seconds"),
    "app-retries": ("app_route", {"apps": [_route(retries={"attempts": -1})], "gateway_namespace": "@GW@"},
                    "apps[shop].http[0].retries.attempts", "-1"),
    "app-use-gateway": ("app_route", {"apps": [_app(use_gateway="edge")], "gateway_namespace": "@GW@"},
                        "apps[shop].use_gateway", "namespace/name"),
    "app-server-protocol": ("app_route", {"apps": [_app(gateway={"servers": [{"port": 21, "protocol": "FTP"}]})],
                                          "gateway_namespace": "@GW@"}, "apps[shop].gateway.servers[0].protocol",
                            "FTP"),
    "app-unknown-subset": ("app_route", {"apps": [_app(http=[{"route": [{"host": "web", "port": 80,
                                                                         "subset": "v9"}]}])],
                                         "gateway_namespace": "@GW@"}, "apps[shop].http[0].route[0].subset", "v9"),
    "app-only-unknown": ("app_route", {"apps": [_app()], "only": "ghost", "gateway_namespace": "@GW@"}, "only",
                         "ghost"),
    "app-gateway-missing": ("app_route", {"apps": [_app()], "gateway_namespace": "@APP@"}, "gateway_name",
                            "no gateway Deployment"),
    # app_route: what Istio and Envoy refuse (names, hosts, paths, regexes, headers, retries, durations, numbers)
    "app-name-newline": _case("apps[0].name", "not a DNS label", name="shop\n"),
    "app-name-too-long": _case("apps[0].name", "at most 63", name="a" * 64),
    "app-host-newline": _case("apps[shop].hosts[0]", "not a host name", hosts=["shop.example.com\n"]),
    "app-host-label-too-long": _case("apps[shop].hosts[0]", "at most 63", hosts=["a" * 64 + ".example.com"]),
    "app-host-too-long": _case("apps[shop].hosts[0]", "at most 253", hosts=[LONG_NAME]),
    "app-namespace-newline": _case("apps[shop].namespace", "not a DNS label", namespace="@APP@\n"),
    "app-path-newline": _rule({"match": [{"prefix": "/api\n"}]}, H + ".match[0].prefix", "line break"),
    "app-path-space": _rule({"match": [{"exact": "/a b"}]}, H + ".match[0].exact", "white space"),
    "app-subset-newline": _case(H + ".route[0].subset", "not a DNS label",
                                http=[{"route": [{"host": "web", "port": 80, "subset": "v1\n"}]}]),
    "app-credential-newline": _server({"port": 443, "credential_name": "shop-tls\n"},
                                      "apps[shop].gateway.servers[0].credential_name", "not a DNS name"),
    "app-regex-lookahead": _rule({"match": [{"regex": "/api(?=/v1)"}]}, H + ".match[0].regex",
                                 "not an RE2 regular expression"),
    "app-regex-backreference": _rule({"match": [{"regex": "/(a)\\1"}]}, H + ".match[0].regex",
                                     "not an RE2 regular expression"),
    "app-regex-python-end": _rule({"match": [{"regex": "/api\\Z"}]}, H + ".match[0].regex",
                                  "not an RE2 regular expression"),
    "app-regex-too-long": _rule({"match": [{"regex": "/" + "a" * 1024}]}, H + ".match[0].regex", "at most 1024"),
    "app-header-regex": _rule({"match": [{"headers": {"cookie": {"regex": "(?!beta)"}}}]},
                              H + ".match[0].headers.cookie.regex", "not an RE2 regular expression"),
    "app-header-name-space": _rule({"match": [{"headers": {"x canary": "1"}}]}, H + ".match[0].headers.x canary",
                                   "not an HTTP header name"),
    "app-header-name-colon": _rule({"match": [{"headers": {"x-canary:": "1"}}]}, H + ".match[0].headers.x-canary:",
                                   "not an HTTP header name"),
    "app-retry-on": _rule({"retries": {"attempts": 3, "retry_on": "5xx,retry-everything"}}, H + ".retries.retry_on",
                          "retry-everything"),
    "app-retry-on-status": _rule({"retries": {"attempts": 3, "retry_on": "599"}}, H + ".retries.retry_on", "599"),
    "app-retries-off-with-conditions": _rule({"retries": {"attempts": 0, "retry_on": "5xx"}}, H + ".retries.attempts",
                                             "is 0"),
    "app-timeout-below-1ms": _rule({"timeout": "0.5ms"}, H + ".timeout", "below 1ms"),
    "app-timeout-zero": _rule({"timeout": "0s"}, H + ".timeout", "below 1ms"),
    "app-per-try-timeout": _rule({"retries": {"attempts": 2, "per_try_timeout": "0ms"}}, H + ".retries.per_try_timeout",
                                 "below 1ms"),
    "app-delay-sub-millisecond": _rule({"fault": {"delay": {"fixed_delay": "1.5ms"}}}, H + ".fault.delay.fixed_delay",
                                       "whole number of milliseconds"),
    "app-abort-percentage-tiny": _rule({"fault": {"abort": {"http_status": 503, "percentage": 0.00001}}},
                                       H + ".fault.abort.percentage", "0.0001"),
    "app-port-underscore": _case(H + ".route[0].port", "8_0", http=[{"route": [{"host": "web", "port": "8_0"}]}]),
    "app-weight-exponent": _case(H + ".route[0].weight", "1e2",
                                 http=[{"route": [{"host": "web", "port": 80, "weight": "1e2"}]}]),
    "app-server-port-underscore": _server({"port": "4_43", "credential_name": "t"},
                                          "apps[shop].gateway.servers[0].port", "4_43"),
    "app-tcp-port-decimal": _case("apps[shop].tcp[0].port", "3306.0", http=None,
                                  tcp=[{"port": "3306.0", "route": [{"host": "web", "port": 80}]}]),
    "app-destination-star": _case(H + ".route[0].host", "not a host name", http=[{"route": [{"host": "*"}]}]),
    "app-rewrite-authority": _rule({"rewrite": {"authority": "api internal"}}, H + ".rewrite.authority",
                                   "not a host name"),
    "app-server-host-namespace": _server({"port": 80, "hosts": ["Bad NS!/x.example.com"]},
                                         "apps[shop].gateway.servers[0].hosts[0]", "namespace part"),
    "app-gateway-name-dot": _case("apps[shop].gateway.name", "no dots", gateway={"name": "shop.gw"}),
    "app-use-gateway-dotted-name": _case("apps[shop].use_gateway", "namespace/name", use_gateway="@GW@/edge.gw"),
    "app-traffic-policy-unknown": _rules({"loadBalancr": {"simple": "RANDOM"}},
                                         "apps[shop].destination_rules[0].traffic_policy.loadBalancr",
                                         "not a field of Istio's TrafficPolicy"),
    "app-traffic-policy-snake-case": _rules({"load_balancer": {"simple": "RANDOM"}},
                                            "apps[shop].destination_rules[0].traffic_policy.load_balancer",
                                            "loadBalancer"),
    "app-traffic-policy-nested": _rules({"connectionPool": {"tcp": {"maxConnection": 10}}},
                                        "apps[shop].destination_rules[0].traffic_policy.connectionPool.tcp"
                                        ".maxConnection", "not a field"),
    # app_route: what the argument spec refuses (Ansible names the path: apps -> http -> route, apps.http.timout)
    "app-spec-unknown-key": _rule({"timout": "1s"}, "apps.http.timout", "Supported parameters include"),
    "app-spec-unknown-server-key": _server({"port": 80, "tls": {"mode": "SIMPLE"}}, "apps.gateway.servers.tls",
                                           "Supported parameters include"),
    "app-spec-route-missing": _case("apps -> http", "route", http=[{"match": [{"prefix": "/"}]}]),
    "app-spec-http-not-a-list": _case("found in 'apps'", "'http'", http={"route": [{"host": "web", "port": 80}]}),
    "app-spec-two-match-kinds": _rule({"match": [{"prefix": "/", "exact": "/"}]}, "apps -> http -> match",
                                      "mutually exclusive"),
    "app-spec-gateway-and-use-gateway": _case("found in apps", "gateway|use_gateway", gateway={},
                                              use_gateway="@GW@/edge"),
    "app-spec-fault-empty": _rule({"fault": {}}, "apps -> http -> fault", "abort, delay"),
    "app-spec-subset-labels": _case("apps -> destination_rules -> subsets", "labels",
                                    destination_rules=[{"host": "web", "subsets": [{"name": "v1"}]}]),
    "app-spec-traffic-policy-type": _rules("ROUND_ROBIN", "traffic_policy", "dict"),
    "app-spec-bool": _case("sidecar_injection", "maybe", sidecar_injection="maybe"),
    # istio_install
    "istio-chart-version": ("istio_install", {"chart_version": "latest", "chart_repo": "@CHARTS@"}, "chart_version",
                            "latest"),
    "istio-chart-repo": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "ftp://charts.example.com"},
                         "chart_repo", "ftp://"),
    "istio-gateway-name": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                             "gateways": [{"name": "Bad_Gateway"}]}, "gateways[0].name", "Bad_Gateway"),
    "istio-gateway-twice": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                              "gateways": [{"name": "gw"}, {"name": "gw"}]}, "gateways[1].name", "gw"),
    "istio-server-side": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                            "helm_server_side": "maybe"}, "helm_server_side", "maybe"),
    "istio-reserved-extra-arg": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                                   "helm_extra_args": ["--create-namespace"]}, "helm_extra_args[0]",
                                 "--create-namespace"),
    "istio-helm-binary": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                            "helm_binary": "/nonexistent/helm"}, "helm_binary", "/nonexistent/helm"),
    "istio-timeout": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@", "timeout": 0},
                      "timeout", "0"),
    "istio-namespace": ("istio_install", {"chart_version": "1.30.0", "chart_repo": "@CHARTS@",
                                          "istio_namespace": "Istio System"}, "istio_namespace", "Istio System"),
    # alb_ingress (more in test_alb_bad_inputs.py)
    "alb-waf-arn": ("alb_ingress", {"name": "edge", "namespace": "@GW@", "waf_acl_arn": "arn:bad",
                                    "certificate_arn": ["arn:aws:acm:us-east-1:123456789012:certificate/x"]},
                    "waf_acl_arn", "arn:bad"),
    "alb-group-order-alone": ("alb_ingress", {"name": "edge", "namespace": "@GW@", "group_order": 10,
                                              "certificate_arn": ["arn:aws:acm:us-east-1:123456789012:certificate/x"]},
                              "group_order", "group_name"),
    "alb-route53-no-zone": ("alb_ingress", {"name": "edge", "namespace": "@GW@", "route53": {"record_names": []},
                                            "certificate_arn": ["arn:aws:acm:us-east-1:123456789012:certificate/x"]},
                            "route53", "zone"),
    "alb-listen-port": ("alb_ingress", {"name": "edge", "namespace": "@GW@",
                                        "listen_ports": [{"protocol": "HTTP", "port": 0}]},
                        "listen_ports[0].port", "0"),
    "alb-name": ("alb_ingress", {"name": "Edge_ALB", "namespace": "@GW@"}, "name", "Edge_ALB"),
    # nlb_info (more in test_nlb_info.py::test_bad_inputs)
    "nlb-not-an-nlb-service": ("nlb_info", {"namespace": "@GW@"}, "name", "not an NLB Service"),
    "nlb-service-missing": ("nlb_info", {"namespace": "@GW@", "name": "nope"}, "name", "nope"),
    # edge_path_info
    "diag-path": ("edge_path_info", {"hostname": "shop.example.com", "path": "api", "gateway_namespace": "@GW@"},
                  "path", "api"),
    "diag-nothing": ("edge_path_info", {"gateway_namespace": "@GW@"}, "hostname", "app"),
    "diag-frontdoor-missing": ("edge_path_info", {"hostname": "shop.example.com", "provider": "frontdoor",
                                                  "gateway_namespace": "@GW@"}, "frontdoor.resource_group", "frontdoor"),
    "diag-node-port": ("edge_path_info", {"hostname": "shop.example.com", "provider": "nodeport",
                                          "node_ports": {"http2": 99999}, "gateway_namespace": "@GW@"},
                       "node_ports.http2", "99999"),
    "diag-app-unknown": ("edge_path_info", {"app": "ghost", "apps": [_app()], "gateway_namespace": "@GW@"}, "app",
                         "ghost"),
    # frontdoor_origin (more in test_frontdoor_bad_inputs.py); checked before any Azure call
    "fd-sample-size": ("frontdoor_origin", {"origin_group": {"sample_size": 0}}, "origin_group.sample_size", "0"),
    "fd-route-pattern": ("frontdoor_origin", {"route": {"patterns": ["api/*"]}}, "route.patterns[0]", "api/*"),
    "fd-domain-host": ("frontdoor_origin", {"custom_domains": [{"name": "shop", "host_name": "shop example.com"}]},
                       "custom_domains[0].host_name", "shop example.com"),
    "fd-approval-timeout": ("frontdoor_origin", {"private_link": {"id": PLS_ID, "approval_timeout": 99999}},
                            "private_link.approval_timeout", "99999"),
    "fd-profile-name": ("frontdoor_origin", {"profile_name": "fd shop!"}, "profile_name", "fd shop!"),
    "fd-private-link-id": ("frontdoor_origin", {"private_link": {"id": "/subscriptions/x/pls"}}, "private_link.id",
                           "/subscriptions/x/pls"),
}

GATEWAY_FACT = {"name": "istio-ingress", "namespace": "@GW@", "service": "istio-ingress",
                "selector": {"app": "istio-ingress", "istio": "ingress"}, "profile": "nodeport",
                "node_ports": {"http2": 30080}, "status_port": 15021}

# id -> (role, variables, message fragment that names the variable)
ROLE_CASES = {
    "role-istio-provider": ("istio", {"istio_edge_provider": "gcp"}, "istio_edge_provider"),
    "role-istio-chart-version": ("istio", {"istio_edge_provider": "nodeport", "istio_chart_version": "latest"},
                                 "istio_chart_version"),
    "role-istio-chart-repo": ("istio", {"istio_edge_provider": "nodeport", "istio_chart_repo": "charts"},
                              "istio_chart_repo"),
    "role-istio-gateway-name": ("istio", {"istio_edge_provider": "nodeport", "istio_gateway_name": "Istio_Ingress"},
                                "istio_gateway_name"),
    "role-istio-server-side": ("istio", {"istio_edge_provider": "nodeport", "istio_helm_server_side": "maybe"},
                               "istio_helm_server_side"),
    "role-istio-alb-options-on-nodeport": ("istio", {"istio_edge_provider": "nodeport",
                                                     "istio_gateway_alb": {"target_type": "ip"}},
                                           "istio_gateway_alb"),
    "role-istio-timeout-type": ("istio", {"istio_edge_provider": "nodeport", "istio_timeout": "soon"},
                                "istio_timeout"),
    "role-istio-extra-gateway-clash": ("istio", {"istio_edge_provider": "nodeport", "istio_extra_gateways": [
        {"name": "istio-ingress", "namespace": "istio-ingress"}]}, "istio_extra_gateways"),
    "role-expose-apps-not-a-list": ("expose_app", {"expose_app_apps": "shop"}, "expose_app_apps"),
    # the apps themselves are app_route's to check (the role passes them on): its messages name the key
    "role-expose-duplicate-names": ("expose_app", {"expose_app_apps": [_app(), _app()]},
                                    "apps[shop].name: is declared twice"),
    "role-expose-only-unknown": ("expose_app", {"istio_edge_apps": [_app()], "istio_edge_app": "ghost"},
                                 "only: app 'ghost' is not among the declared apps (shop)"),
    "role-expose-no-hosts": ("expose_app", {"expose_app_apps": [{"name": "shop", "namespace": "@APP@"}]},
                             "apps[shop].hosts: is required"),
    "role-expose-unknown-key": ("expose_app", {"expose_app_apps": [_route(timout="1s")]}, "apps.http.timout"),
    "role-expose-bad-regex": ("expose_app", {"expose_app_apps": [_route(match=[{"regex": "/api(?=/v1)"}])]},
                              "apps[shop].http[0].match[0].regex"),
    "role-expose-nothing": ("expose_app", {"expose_app_apps": []}, "istio_edge_apps"),
    "role-nodeport-no-gateway": ("edge_nodeport", {"edge_nodeport_gateway": {"name": "x"}}, "edge_nodeport_gateway"),
    "role-nodeport-listener": ("edge_nodeport", {"edge_nodeport_gateway": GATEWAY_FACT,
                                                 "edge_nodeport_listeners": [{"lb_port": "eighty",
                                                                              "service_port": "http2"}]},
                               "edge_nodeport_listeners"),
    "role-alb-wrong-profile": ("edge_alb", {"edge_alb_gateway": GATEWAY_FACT}, "not alb"),
    "role-alb-both-certificates": ("edge_alb", {"edge_alb_gateway": dict(GATEWAY_FACT, profile="alb"),
                                                "edge_alb_certificate_arn": ["arn:aws:acm:us-east-1:1:certificate/x"],
                                                "edge_alb_certificate_domain": "*.example.com"},
                                   "edge_alb_certificate_domain"),
    "role-nlb-wrong-profile": ("edge_nlb", {"edge_nlb_gateway": GATEWAY_FACT}, "not nlb"),
    "role-nlb-health-check": ("edge_nlb", {"edge_nlb_gateway": dict(GATEWAY_FACT, profile="nlb"),
                                           "edge_nlb_health_check": "icmp"}, "edge_nlb_health_check"),
    "role-frontdoor-wrong-profile": ("edge_frontdoor", {"edge_frontdoor_gateway": GATEWAY_FACT},
                                     "azure_private_link"),
    "role-frontdoor-names-missing": ("edge_frontdoor", {"edge_frontdoor_gateway": dict(
        GATEWAY_FACT, profile="azure_private_link")}, "edge_frontdoor_resource_group"),
}


def _fill(value, names):
    text = json.dumps(value)
    for key, real in names.items():
        text = text.replace(key, real)
    return json.loads(text)


def _namespaces_in_cases(names):
    """The namespaces the cases name (a namespace a case could create is among them)."""
    found = set(names.values()) | {"istio-system", "istio-ingress"}

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if "namespace" in str(key) and isinstance(item, str):
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(_fill([c[1] for c in MODULE_CASES.values()] + [c[1] for c in ROLE_CASES.values()], names))
    return found


def _snapshot(kube, testbed, names, arm):
    # only the namespaces a case could have created: other tests on a shared test bed make and delete their own
    candidates = _namespaces_in_cases(names)
    namespaces = [n for n in live_namespaces(kube) if n in candidates]
    return {"cluster": cluster_snapshot(kube, [names["@GW@"], names["@APP@"], "istio-system", "istio-ingress"]),
            "namespaces": namespaces, "helm": helm_revisions(testbed), "moto": moto_snapshot(testbed["aws_endpoint_url"]),
            "arm": arm.resource_ids()}


@pytest.fixture(scope="module")
def catalogue(kube, testbed, ansible, charts, fake_arm_server, tmp_path_factory):
    """Runs every case once: ``{"modules": {id: result}, "roles": {id: result}, "before"/"after": snapshots}``."""
    ensure_istio_crds(kube)
    gw_ns, app_ns = new_namespace(kube, "bad-gw"), new_namespace(kube, "bad-app")
    make_gateway(kube, gw_ns)
    make_workload(kube, app_ns, "web", {"http": 80})
    names = {"@GW@": gw_ns, "@APP@": app_ns, "@CHARTS@": os.path.dirname(charts["base"])}
    arm = fake_arm_server
    arm.reset()
    fd = dict(arm.auth_args, disable_instance_discovery=True, resource_group="rg-edge", profile_name="fd-bad",
              endpoint_name="bad", gateway_namespace=gw_ns, private_link={"resource_group": "rg"})
    tasks = []
    for case, (module, args, _field, _frag) in sorted(MODULE_CASES.items()):
        args = _fill(args, names)
        if module == "frontdoor_origin":
            args = dict(fd, **args)
        task = {"name": "case: %s" % case, "meshops.istio_edge." + module: args, "ignore_errors": True}
        if module == "frontdoor_origin":
            task["environment"] = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
        tasks.append(task)
    role_tasks = []
    for case, (role, variables, _frag) in sorted(ROLE_CASES.items()):
        role_tasks.append({"name": "case: %s" % case, "block": [
            {"name": "role %s" % role, "ansible.builtin.include_role": {"name": "meshops.istio_edge." + role},
             "vars": _fill(variables, names)},
            {"name": "not refused: %s" % case, "ansible.builtin.debug": {"msg": "the role went on"}}],
            "rescue": [{"name": "refused: %s" % case,
                        "ansible.builtin.debug": {"msg": "{{ ([ansible_failed_result.msg | default('')] + "
                                                         "(ansible_failed_result.results | default([]) "
                                                         "| selectattr('failed', 'defined') | selectattr('failed') "
                                                         "| map(attribute='msg') | list)) | join(' ') }}"}}]})
    workdir = str(tmp_path_factory.mktemp("bad-inputs"))
    out = {"before": _snapshot(kube, testbed, names, arm)}
    for key, play_tasks in (("modules", tasks), ("roles", role_tasks)):
        path = os.path.join(workdir, "%s.yml" % key)
        with open(path, "w") as handle:
            yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "connection": "local",
                             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                             "tasks": play_tasks}], handle)
        rc, stdout, results = ansible.playbook(path, timeout=1200)
        out[key] = dict((r["_task"].split(": ", 1)[1], r) for r in results
                        if r["_task"].startswith(("case: ", "refused: ", "not refused: ")))
        out[key + "_stdout"] = stdout
        out[key + "_not_refused"] = [r["_task"] for r in results if r["_task"].startswith("not refused: ")]
    out["after"] = _snapshot(kube, testbed, names, arm)
    # Route 53 zones made or deleted meanwhile by other tests on a shared test bed are left out (the modules write
    # records in existing zones, never zones)
    zones = set(out["before"]["moto"]) & set(out["after"]["moto"])
    for key in ("before", "after"):
        out[key]["moto"] = dict((z, v) for z, v in out[key]["moto"].items() if z in zones)
    out["names"] = names
    yield out
    delete_namespace(kube, gw_ns)
    delete_namespace(kube, app_ns)


def test_nothing_changed_anywhere(catalogue):
    before, after = catalogue["before"], catalogue["after"]
    for key in before:
        assert after[key] == before[key], key
    assert catalogue["roles_not_refused"] == []


@pytest.mark.parametrize("case", sorted(MODULE_CASES))
def test_module_bad_input(catalogue, case):
    module, _args, field, fragment = MODULE_CASES[case]
    result = catalogue["modules"].get(case)
    assert result is not None, catalogue["modules_stdout"][-3000:]
    assert result["_status"] == "failed", result
    message = result.get("msg", "")
    assert "Traceback" not in message and "module_stderr" not in result, result
    assert field in message, (field, message)
    assert fragment in message, (fragment, message)
    if result.get("field") is not None:
        assert result["field"] == field, (result["field"], message)
    assert catalogue["after"] == catalogue["before"]


@pytest.mark.parametrize("case", sorted(ROLE_CASES))
def test_role_bad_input(catalogue, case):
    _role, _variables, fragment = ROLE_CASES[case]
    result = catalogue["roles"].get(case)
    assert result is not None, "the role did not refuse %s: %s" % (case, catalogue["roles_stdout"][-3000:])
    assert fragment in result["msg"], (fragment, result["msg"])
    assert catalogue["after"] == catalogue["before"]


def test_playbook_refuses_an_unknown_provider(ansible, catalogue):
    rc, out, results = ansible.playbook(os.path.join(REPO, "playbooks", "expose-app.yml"),
                                        extra_vars={"istio_edge_provider": "gcp", "istio_edge_apps": []},
                                        args=("-c", "local"))
    assert rc != 0
    assert "istio_edge_provider must be alb, nlb, frontdoor, nodeport or loadbalancer" in out
    assert [r["_task"] for r in results if r.get("changed")] == []


def test_catalogue_is_documented():
    with open(os.path.join(REPO, "docs", "bad-inputs.md")) as handle:
        doc = handle.read()
    assert [c for c in list(MODULE_CASES) + list(ROLE_CASES) if "`%s`" % c not in doc] == []
    rows = [line for line in doc.splitlines() if line.startswith("| ") and not line.startswith("| id")
            and not line.startswith("|---")]
    assert len(rows) >= 100


def test_the_snapshot_sees_a_write(kube, catalogue):
    """The "nothing changed" snapshot ignores what controllers write on their own, not what a run writes: a
    label added to the app's Service is seen, and so is a new object."""
    names = catalogue["names"]
    namespaces = [names["@GW@"], names["@APP@"]]
    before = cluster_snapshot(kube, namespaces)
    services = kube.resources.get(api_version="v1", kind="Service")
    services.patch(name="web", namespace=names["@APP@"], body={"metadata": {"labels": {"touched": "yes"}}},
                   content_type="application/merge-patch+json")
    try:
        assert cluster_snapshot(kube, namespaces) != before
    finally:
        services.patch(name="web", namespace=names["@APP@"], body={"metadata": {"labels": {"touched": None}}},
                       content_type="application/merge-patch+json")
    assert cluster_snapshot(kube, namespaces) == before
    kube.resources.get(api_version="v1", kind="ConfigMap").create(
        namespace=names["@APP@"], body={"metadata": {"name": "stray"}, "data": {"k": "v"}})
    assert ("ConfigMap", names["@APP@"], "stray") in cluster_snapshot(kube, namespaces)


def test_inputs_istio_and_envoy_accept_are_written(kube, ansible, catalogue):
    """The other side of the catalogue: what Python's rules refused but Istio and Envoy take is written as given -
    an RE2-only regex (\\z), an HTTP/2 pseudo-header, Envoy retry conditions written with spaces, a DestinationRule
    for a wildcard host (its generated name is valid), a server host of another namespace."""
    names = catalogue["names"]
    gw_ns, app_ns = names["@GW@"], names["@APP@"]
    apps = [{"name": "accept", "namespace": app_ns, "hosts": ["accept.example.com"],
             "gateway": {"servers": [{"port": 80, "hosts": ["accept.example.com", "%s/*.accept.example.com" % app_ns]}]},
             "http": [{"match": [{"regex": "^/api\\z"}, {"headers": {":authority": {"prefix": "accept"}}}],
                       "retries": {"attempts": "2", "per_try_timeout": "250ms", "retry_on": "5xx, reset-before-request"},
                       "timeout": "1.5s", "route": [{"host": "web", "port": "80"}]}],
             "destination_rules": [{"host": "*.rt.svc.cluster.local"}]}]
    try:
        result = run_app_route(ansible, gw_ns, apps)
        assert result["_status"] == "ok" and result["changed"], result
        vs = get(kube, "networking.istio.io/v1beta1", "VirtualService", "accept", app_ns)
        route = vs["spec"]["http"][0]
        assert route["match"] == [{"uri": {"regex": "^/api\\z"}}, {"headers": {":authority": {"prefix": "accept"}}}]
        assert route["retries"] == {"attempts": 2, "perTryTimeout": "250ms", "retryOn": "5xx,reset-before-request"}
        assert route["route"] == [{"destination": {"host": "web", "port": {"number": 80}}}]
        rule = get(kube, "networking.istio.io/v1beta1", "DestinationRule", "accept-wildcard-rt", app_ns)
        assert rule["spec"] == {"host": "*.rt.svc.cluster.local"}
        again = run_app_route(ansible, gw_ns, apps)
        assert again["_status"] == "ok" and not again["changed"], again
    finally:
        run_app_route(ansible, gw_ns, apps, state="absent")
    assert get(kube, "networking.istio.io/v1beta1", "VirtualService", "accept", app_ns) is None
