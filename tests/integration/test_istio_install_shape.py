# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""istio_install with a gateway's Service shaped for the edge (gateways[].service, gateway_service's options) on
the test bed: the chart gets the shape's values, the result the edge's health check; the pinned nodePorts are
checked against the cluster's Services before the release is installed or upgraded (a taken one fails with the
option named and nothing written) and not on a run that changes nothing. Gateways only (base/istiod are the
lifecycle tests'); helm 4.
"""

import uuid

import pytest

from test_istio_install_support import (  # noqa: F401  # pylint: disable=unused-import
    NEW, chart_dir, helm_binaries, install_args, live, release, uninstall)

GATEWAYS_ONLY = {"base": {"enabled": False}, "istiod": {"enabled": False}, "wait_crds": False}


@pytest.fixture
def names(kube, testbed):
    """A fresh namespace for the gateway and one for a foreign Service; both removed afterwards."""
    suffix = uuid.uuid4().hex[:8]
    out = {"gw": "shape-" + suffix, "other": "other-" + suffix}
    yield out
    uninstall(testbed, "istio-ingress", out["gw"])
    for name in out.values():
        try:
            kube.resources.get(api_version="v1", kind="Namespace").delete(name=name)
        except Exception:  # noqa: BLE001 - it may never have been created
            pass


def free_ports(kube, count):
    used = set()
    for svc in kube.resources.get(api_version="v1", kind="Service").get().items:
        for port in svc.spec.ports or []:
            if port.nodePort:
                used.add(port.nodePort)
    free = [p for p in range(32000, 32700) if p not in used]
    return free[:count]


def shaped_args(testbed, chart_dir, namespace, node_ports, **service):
    shape = {"profile": "nodeport", "node_ports": node_ports}
    shape.update(service)
    gateway = {"name": "istio-ingress", "namespace": namespace, "values": {"autoscaling": {"enabled": False},
                                                                           "labels": {"team": "edge"}},
               "service": shape}
    return install_args("helm4", helm_binaries(testbed)["helm4"], chart_dir, NEW, [gateway], **GATEWAYS_ONLY)


def test_the_shaped_gateway_is_installed_checked_and_reported(ansible, kube, testbed, chart_dir, names):
    status, http2, https = free_ports(kube, 3)
    pinned = {"status-port": status, "http2": http2, "https": https}
    args = shaped_args(testbed, chart_dir, names["gw"], pinned)

    first = ansible.module("istio_install", args)
    assert not first["failed"], first["msg"]
    assert first["changed"]
    gateway = first["gateways"][0]
    assert gateway["service_type"] == "NodePort" and gateway["node_ports"] == pinned
    assert gateway["profile"] == "nodeport"
    assert gateway["health_check"]["node_port"] == status and gateway["health_check"]["path"] == "/healthz/ready"
    assert gateway["node_port_check"].startswith("passed (")
    service = live(kube, "v1", "Service", "istio-ingress", names["gw"])
    assert service["metadata"]["annotations"]["istio-edge.meshops.io/edge-profile"] == "nodeport"
    assert service["metadata"]["labels"]["team"] == "edge"  # the release's own values are kept

    again = ansible.module("istio_install", args)
    assert not again["failed"], again["msg"]
    assert not again["changed"]
    assert again["gateways"][0]["node_port_check"] == "not needed (the release does not change)"
    assert again["gateways"][0]["health_check"] == gateway["health_check"]


def test_a_taken_node_port_fails_before_anything_is_written(ansible, kube, testbed, chart_dir, names):
    status, http2, https, taken = free_ports(kube, 4)
    kube.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": names["other"]}})
    kube.resources.get(api_version="v1", kind="Service").create(namespace=names["other"], body={
        "metadata": {"name": "mysql"},
        "spec": {"type": "NodePort", "selector": {"app": "mysql"},
                 "ports": [{"name": "mysql", "port": 3306, "nodePort": taken}]}})
    pinned = {"status-port": status, "http2": http2, "https": https}
    assert not ansible.module("istio_install", shaped_args(testbed, chart_dir, names["gw"], pinned))["failed"]
    revision = release(testbed, "istio-ingress", names["gw"])["revision"]

    moved = dict(pinned, https=taken)
    for check_mode in (True, False):
        result = ansible.module("istio_install", shaped_args(testbed, chart_dir, names["gw"], moved),
                                check=check_mode)
        assert result["failed"]
        assert result["field"] == "gateways[0].service.node_ports.https"
        assert result["code"] == "NodePortTaken"
        assert "%s/mysql" % names["other"] in result["msg"] and str(taken) in result["msg"]
        assert not result["changed"]
    assert release(testbed, "istio-ingress", names["gw"])["revision"] == revision
    ports = dict((p["name"], p["nodePort"]) for p in live(kube, "v1", "Service", "istio-ingress",
                                                          names["gw"])["spec"]["ports"])
    assert ports["https"] == https

    unchecked = ansible.module("istio_install", shaped_args(testbed, chart_dir, names["gw"], moved,
                                                            check_node_ports=False), check=True)
    assert not unchecked["failed"], unchecked["msg"]
    assert unchecked["changed"] and unchecked["gateways"][0]["node_port_check"] == "disabled (check_node_ports=false)"


@pytest.mark.parametrize("service, field", [
    ({"profile": "nodeport", "mode": "live"}, "gateways[0].service"),
    ({"profile": "nodeport", "node_ports": {"http2": 80}}, "gateways[0].service.node_ports.http2"),
    ({"profile": "alb", "alb": {"target_type": "pod"}}, "gateways[0].service"),
])
def test_bad_shapes_name_the_option_and_write_nothing(ansible, testbed, chart_dir, names, service, field):
    args = install_args("helm4", helm_binaries(testbed)["helm4"], chart_dir, NEW,
                        [{"name": "istio-ingress", "namespace": names["gw"], "service": service}], **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == field, result
    assert release(testbed, "istio-ingress", names["gw"]) is None
