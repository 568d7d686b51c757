# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gateway_service mode values: Helm values the gateway chart accepts, and the read-only nodePort check.

The chart is the project's fixture copy of Istio's gateway chart (tests/fixtures/charts/gateway: same values,
schema and Service template); the real chart cannot be downloaded here.
"""

import json
import os
import subprocess

import pytest
import yaml

from gateway_support import (  # noqa: F401  # pylint: disable=unused-import
    create_service_with_node_port, gateway_ns, other_ns, ports_by_name, read, service_writes)

PROFILES = [
    ("alb", {}),
    ("nlb", {"nlb": {"certificate_arn": ["arn:aws:acm:eu-west-1:123456789012:certificate/abc"],
                     "scheme": "internet-facing", "security_groups": ["sg-1"], "tags": {"team": "edge"}}}),
    ("azure_private_link", {"azure": {"pls_subnet": "snet-pls", "visibility": ["*"]}}),
    ("nodeport", {"extra_ports": [{"name": "mysql", "port": 3306, "node_port": 30306}]}),
    ("loadbalancer", {"external_traffic_policy": "Local", "load_balancer_source_ranges": ["10.0.0.0/8"]}),
]


def render_service(helm, chart, values, tmp, namespace="istio-ingress", release="istio-ingress"):
    path = os.path.join(tmp, "values.json")
    with open(path, "w") as handle:
        json.dump(values, handle)
    proc = subprocess.run([helm, "template", release, chart, "-n", namespace, "-f", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return [d for d in docs if d["kind"] == "Service"][0]


@pytest.mark.parametrize("profile,extra", PROFILES, ids=[item[0] for item in PROFILES])
def test_helm_values_are_accepted_by_the_gateway_chart(ansible, testbed, charts, tmpdir_path, profile, extra):
    if not os.path.isdir(charts["gateway"]):
        pytest.fail("fixture chart tests/fixtures/charts/gateway is missing")
    args = dict({"profile": profile, "check_node_ports": False}, **extra)
    result = ansible.module("gateway_service", args)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False
    values = result["helm_values"]
    for helm in (testbed["helm3"], testbed["helm4"]):
        service = render_service(helm, charts["gateway"], values, tmpdir_path)
        spec = service["spec"]
        assert spec["type"] == values["service"]["type"] == result["service"]["spec"]["type"]
        assert spec["ports"] == values["service"]["ports"] == result["service"]["spec"]["ports"]
        assert [p["name"] for p in spec["ports"]][:3] == ["status-port", "http2", "https"]
        for key, value in values["service"]["annotations"].items():
            assert service["metadata"]["annotations"][key] == value
        if profile == "loadbalancer":
            assert spec["externalTrafficPolicy"] == "Local"
            assert spec["loadBalancerSourceRanges"] == ["10.0.0.0/8"]


def test_values_and_live_mode_give_the_same_service(ansible, kube, testbed, charts, gateway_ns, tmpdir_path):
    """Install the fixture chart with the ALB values (helm 3, a real release on the test bed), then run live mode
    with the same inputs on the Helm-owned Service: nothing to change, no write request."""
    args = {"profile": "alb", "node_ports": {"status-port": 31821, "http2": 31880, "https": 31843}}
    values = ansible.module("gateway_service", args)["helm_values"]
    values.update({"autoscaling": {"enabled": False}})      # the test bed serves no autoscaling/v2
    path = os.path.join(tmpdir_path, "values.json")
    with open(path, "w") as handle:
        json.dump(values, handle)
    proc = subprocess.run([testbed["helm3"], "install", "istio-ingress", charts["gateway"], "-n", gateway_ns,
                           "-f", path, "--kubeconfig", testbed["kubeconfig"]],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    try:
        live = read(kube, gateway_ns, "istio-ingress")
        assert live["spec"]["type"] == "NodePort"
        assert {n: p["nodePort"] for n, p in ports_by_name(live).items()} == args["node_ports"]
        assert live["metadata"]["annotations"]["alb.ingress.kubernetes.io/healthcheck-port"] == "status-port"
        writes = service_writes(kube)
        result = ansible.module("gateway_service", dict(args, mode="live", namespace=gateway_ns))
        assert not result["failed"], result.get("msg")
        assert result["changed"] is False
        assert service_writes(kube) == writes
        assert result["node_ports"] == args["node_ports"]
    finally:
        subprocess.run([testbed["helm3"], "uninstall", "istio-ingress", "-n", gateway_ns, "--kubeconfig",
                        testbed["kubeconfig"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def test_values_mode_collision_names_the_other_service(ansible, kube, other_ns):
    create_service_with_node_port(kube, other_ns, "legacy-web", 30080)
    writes = service_writes(kube)
    result = ansible.module("gateway_service", {"profile": "alb"})
    assert result["failed"] is True
    assert "%s/legacy-web" % other_ns in result["msg"]
    assert "30080" in result["msg"]
    assert result["field"] == "node_ports.http2"
    assert result["collisions"] == [{"field": "node_ports.http2", "node_port": 30080,
                                     "service": "%s/legacy-web" % other_ns, "port": "web"}]
    assert service_writes(kube) == writes        # values mode only reads
    ok = ansible.module("gateway_service", {"profile": "alb", "node_ports": {"http2": 30180}})
    assert not ok["failed"], ok.get("msg")
    assert ok["node_port_check"].startswith("passed")
    assert ok["node_ports"] == {"status-port": 30021, "http2": 30180, "https": 30443}


def test_values_mode_ignores_the_ports_of_its_own_service(ansible, kube, gateway_ns):
    """Upgrading the release that already holds these nodePorts is not a collision."""
    create_service_with_node_port(kube, gateway_ns, "istio-ingress", 30980, port=80)
    result = ansible.module("gateway_service", {"profile": "nodeport", "namespace": gateway_ns,
                                                "node_ports": {"http2": 30980, "https": 30943, "status-port": 30921}})
    assert not result["failed"], result.get("msg")
    assert result["node_port_check"].startswith("passed")


def test_values_mode_without_a_cluster_skips_the_check_with_a_warning(ansible):
    result = ansible.module("gateway_service", {"profile": "nodeport", "kubeconfig": "/nonexistent/kubeconfig"})
    assert not result["failed"], result.get("msg")
    assert result["node_port_check"].startswith("skipped")
    assert any("nodePort collision check skipped" in w for w in result.get("warnings", []))
    assert result["helm_values"]["service"]["type"] == "NodePort"


def test_values_mode_state_absent_returns_the_chart_defaults(ansible):
    result = ansible.module("gateway_service", {"profile": "alb", "state": "absent"})
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False
    assert result["helm_values"] == {"service": {"type": "LoadBalancer", "annotations": {}, "ports": [
        {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
        {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 80},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}}


@pytest.mark.parametrize("args,field", [
    ({"profile": "alb", "node_ports": {"http2": 29999}}, "node_ports.http2"),
    ({"profile": "nodeport", "node_ports": {"http2": 30443}}, "node_ports.http2"),
    ({"profile": "alb", "nlb": {"scheme": "internal"}}, "nlb"),
    ({"profile": "nlb", "ports": [{"name": "http2", "port": 80}]}, "ports"),
    ({"profile": "azure_private_link", "azure": {"pls_name": "edge"}}, "azure.pls_subnet"),
    ({"profile": "nodeport", "extra_ports": [{"name": "mysql", "port": 3306}]}, "extra_ports[0].node_port"),
    ({"profile": "nlb", "extra_ports": [{"name": "grpc", "port": 9000, "target_port": "grpc"}]},
     "extra_ports[0].target_port"),
])
def test_bad_inputs_name_the_field(ansible, args, field):
    result = ansible.module("gateway_service", dict(args, check_node_ports=False))
    assert result["failed"] is True
    assert result["field"] == field
    assert result["msg"].startswith(field.split("[")[0])
    assert result.get("hint")


def test_unknown_profile_is_refused_by_the_argument_spec(ansible):
    result = ansible.module("gateway_service", {"profile": "clb"})
    assert result["failed"] is True
    assert "profile" in result["msg"] and "alb" in result["msg"]
