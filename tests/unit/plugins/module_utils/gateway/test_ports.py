# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port lists of the gateway Service: defaults, overrides, nodePort pinning and validation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import (
    build_ports, effective_target, find_port, pinned_node_ports)


def names(ports):
    return [p["name"] for p in ports]


def error_of(func, *args, **kwargs):
    with pytest.raises(EdgeError) as info:
        func(*args, **kwargs)
    return info.value


def test_chart_ports_are_the_default_and_keep_status_port_first():
    ports = build_ports("loadbalancer")
    assert names(ports) == ["status-port", "http2", "https"]
    assert [(p["port"], p["default_target"], p["protocol"]) for p in ports] == [
        (15021, 15021, "TCP"), (80, 80, "TCP"), (443, 443, "TCP")]
    assert pinned_node_ports(ports) == {}


def test_alb_and_nodeport_pin_the_default_node_ports():
    for profile in ("alb", "nodeport"):
        ports = build_ports(profile)
        assert pinned_node_ports(ports) == {"status-port": 30021, "http2": 30080, "https": 30443}


def test_node_ports_override_defaults_per_name():
    ports = build_ports("nodeport", node_ports={"http2": 31080})
    assert pinned_node_ports(ports) == {"status-port": 30021, "http2": 31080, "https": 30443}
    assert find_port(ports, "http2")["node_port_field"] == "node_ports.http2"


def test_numeric_strings_from_jinja_are_accepted():
    ports = build_ports("nodeport", node_ports={"http2": "31080"}, extra_ports=[
        {"name": "mysql", "port": "3306", "node_port": "30306"}])
    assert pinned_node_ports(ports)["http2"] == 31080
    assert find_port(ports, "mysql")["port"] == 3306


def test_extra_tcp_port_of_a_manual_load_balancer():
    ports = build_ports("nodeport", extra_ports=[{"name": "mysql", "port": 3306, "node_port": 30306}])
    assert names(ports) == ["status-port", "http2", "https", "mysql"]
    mysql = find_port(ports, "mysql")
    assert (mysql["node_port"], mysql["default_target"], mysql["target_port"]) == (30306, 3306, None)


def test_pinned_profiles_need_a_node_port_for_every_port():
    exc = error_of(build_ports, "nodeport", extra_ports=[{"name": "mysql", "port": 3306}])
    assert exc.field == "extra_ports[0].node_port"
    assert "nodeport" in str(exc)


def test_load_balancer_profiles_leave_extra_ports_unpinned():
    ports = build_ports("nlb", extra_ports=[{"name": "mysql", "port": 3306}])
    assert find_port(ports, "mysql")["node_port"] is None


@pytest.mark.parametrize("value", [29999, 32768, 80, "abc", True])
def test_node_port_out_of_range_or_not_a_number(value):
    exc = error_of(build_ports, "nodeport", node_ports={"http2": value})
    assert exc.field == "node_ports.http2"
    assert "30000" in str(exc)


def test_duplicate_node_ports_name_both_fields():
    exc = error_of(build_ports, "nodeport", node_ports={"http2": 30443})
    assert exc.field == "node_ports.http2"
    assert "node_ports.https (default 30443)" in str(exc)
    exc = error_of(build_ports, "nlb", extra_ports=[{"name": "a", "port": 1, "node_port": 30500},
                                                    {"name": "b", "port": 2, "node_port": 30500}])
    assert exc.field == "extra_ports[1].node_port"
    assert "extra_ports[0].node_port" in str(exc)


def test_node_ports_for_an_unknown_port_name():
    exc = error_of(build_ports, "nlb", node_ports={"http": 30080})
    assert exc.field == "node_ports.http"
    assert "http2" in str(exc)


def test_node_port_pinned_twice_differently():
    exc = error_of(build_ports, "nlb", extra_ports=[{"name": "mysql", "port": 3306, "node_port": 30306}],
                   node_ports={"mysql": 30307})
    assert exc.field == "node_ports.mysql"


def test_ports_override_replaces_the_list_and_must_keep_status_port():
    exc = error_of(build_ports, "nlb", ports=[{"name": "http2", "port": 80}, {"name": "https", "port": 443}])
    assert exc.field == "ports"
    assert "status-port" in str(exc)
    ports = build_ports("nlb", ports=[{"name": "status-port", "port": 15021},
                                      {"name": "https", "port": 443, "target_port": 8443}])
    assert names(ports) == ["status-port", "https"]
    assert find_port(ports, "https")["target_port"] == 8443


def test_status_port_number_must_match_status_port_option():
    exc = error_of(build_ports, "nlb", status_port=15021, ports=[{"name": "status-port", "port": 15020}])
    assert exc.field == "ports[0].port"


def test_custom_status_port_still_targets_envoy_15021():
    ports = build_ports("nlb", status_port=15121)
    status = find_port(ports, "status-port")
    assert (status["port"], effective_target(status, ports)) == (15121, 15021)


@pytest.mark.parametrize("item,field", [
    ({"name": "Bad_Name", "port": 1}, "ports[1].name"),
    ({"name": "x", "port": 70000}, "ports[1].port"),
    ({"name": "x"}, "ports[1].port"),
    ({"name": "x", "port": 1, "protocol": "HTTP"}, "ports[1].protocol"),
    ({"name": "x", "port": 1, "targetPort": 2}, "ports[1].targetPort"),
    ({"name": "x", "port": 1, "target_port": "Not-A-Name"}, "ports[1].target_port"),
])
def test_bad_port_items_name_the_field(item, field):
    exc = error_of(build_ports, "nlb", ports=[{"name": "status-port", "port": 15021}, item])
    assert exc.field == field


def test_duplicate_names_and_numbers():
    exc = error_of(build_ports, "nlb", extra_ports=[{"name": "http2", "port": 8080}])
    assert exc.field == "extra_ports[0].name"
    exc = error_of(build_ports, "nlb", extra_ports=[{"name": "web", "port": 80}])
    assert exc.field == "extra_ports[0].port"
    # the same number over UDP is a different port
    ports = build_ports("nlb", extra_ports=[{"name": "quic", "port": 443, "protocol": "udp"}])
    assert find_port(ports, "quic")["protocol"] == "UDP"


def test_named_target_port_is_kept():
    ports = build_ports("nlb", extra_ports=[{"name": "grpc", "port": 9000, "target_port": "grpc-web"}])
    assert effective_target(find_port(ports, "grpc"), ports) == "grpc-web"


def test_effective_target_prefers_given_then_derived_then_live_then_default():
    ports = build_ports("nlb")
    https, http2 = find_port(ports, "https"), find_port(ports, "http2")
    live = {(80, "TCP"): 8080, (443, "TCP"): 8443}
    assert effective_target(https, ports) == 443
    assert effective_target(https, ports, live) == 8443
    https["target_from"] = "http2"
    assert effective_target(https, ports, live) == 8080
    http2["target_port"] = 8081
    assert effective_target(https, ports, live) == 8081


def test_a_cluster_with_another_node_port_range():
    ports = build_ports("nodeport", node_port_range="20000-22767",
                        node_ports={"http2": 20080, "https": 20443, "status-port": 20021},
                        extra_ports=[{"name": "mysql", "port": 3306, "node_port": 20306}])
    assert [p["node_port"] for p in ports] == [20021, 20080, 20443, 20306]
    exc = error_of(build_ports, "nodeport", node_port_range="20000-22767", node_ports={"http2": 30080})
    assert exc.field == "node_ports.http2" and "20000-22767" in str(exc) and "node_port_range" in exc.hint
    # the profile's default nodePorts are outside that range: every port must be pinned
    exc = error_of(build_ports, "alb", node_port_range="20000-22767", node_ports={"http2": 20080})
    assert exc.field in ("node_ports.https", "node_ports.status-port")
    assert "outside node_port_range 20000-22767" in str(exc)
    # a LoadBalancer profile pins nothing by default: the range only bounds what is pinned
    assert build_ports("nlb", node_port_range="20000-22767")[0]["node_port"] is None


@pytest.mark.parametrize("value", ["30000", "32767-30000", "a-b", "0-100", "30000-70000"])
def test_node_port_range_must_be_first_dash_last(value):
    exc = error_of(build_ports, "nodeport", node_port_range=value)
    assert exc.field == "node_port_range" and "--service-node-port-range" in exc.hint
