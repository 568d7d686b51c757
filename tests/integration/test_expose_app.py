# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/expose-app.yml and unexpose-app.yml with the onprem inventory (manual LB, NodePort gateway, an HTTP
app and MySQL over TCP), roles expose_app and edge_nodeport, on the test bed.

Role istio is not run here (istio_edge_manage_istio=false; it has its own tests): the gateway Deployment and
NodePort Service are created like Istio's gateway chart makes them, and the fact istio_edge_gateway is passed
as role istio sets it. The nodePorts are the ones the API server allocated (the test bed is shared, so the
inventory's 30080/30443/30306 are not pinned here; extensions/molecule/nodeport runs the inventory as is).
The apps' workloads are stand-ins made by the test bed's play tests/testbed/demo-workloads.yml (as `make local`
does), not by the collection. No pod runs on the test bed: the checks are on the stored objects, not on traffic.
The tests run in order and build on each other (one gateway, apps routed, then removed).
"""

import os

import pytest

from ansible_runner import REPO, task_result as task
from app_route_support import (
    GATEWAY_LABELS, delete_namespace, ensure_istio_crds, get, list_owned, make_workload, new_namespace,
    remove_app_namespaces)

ONPREM = os.path.join(REPO, "inventories", "onprem")
EXPOSE = os.path.join(REPO, "playbooks", "expose-app.yml")
DEMO_WORKLOADS = os.path.join(REPO, "tests", "testbed", "demo-workloads.yml")
UNEXPOSE = os.path.join(REPO, "playbooks", "unexpose-app.yml")
APP_NAMESPACES = ("counter", "mysql")


@pytest.fixture(scope="module")
def gateway(ansible, kube, testbed):
    ensure_istio_crds(kube)
    remove_app_namespaces(kube, APP_NAMESPACES, wait=True)
    gw_ns = new_namespace(kube, "gw")
    make_workload(kube, gw_ns, "istio-ingress", {"status-port": 15021, "http2": 80, "https": 443, "mysql": 3306},
                  labels=GATEWAY_LABELS, service_type="NodePort")
    svc = get(kube, "v1", "Service", "istio-ingress", gw_ns)
    node_ports = dict((p["name"], p["nodePort"]) for p in svc["spec"]["ports"])
    extra = {
        "istio_edge_manage_istio": False,
        "istio_edge_gateway": {"name": "istio-ingress", "namespace": gw_ns, "service": "istio-ingress",
                               "selector": GATEWAY_LABELS, "profile": "nodeport", "node_ports": node_ports,
                               "status_port": 15021},
        "edge_nodeport_listeners": [{"lb_port": 80, "service_port": "http2", "node_port": node_ports["http2"]},
                                    {"lb_port": 443, "service_port": "https", "node_port": node_ports["https"]},
                                    {"lb_port": 3306, "service_port": "mysql", "node_port": node_ports["mysql"]}],
    }
    rc, out, _results = ansible.playbook(DEMO_WORKLOADS, inventory=ONPREM)
    assert rc == 0, out[-5000:]
    yield gw_ns, node_ports, extra
    remove_app_namespaces(kube, APP_NAMESPACES)
    delete_namespace(kube, gw_ns)


def test_expose_app_onprem_end_to_end(ansible, kube, gateway):
    gw_ns, node_ports, extra = gateway
    rc, out, results = ansible.playbook(EXPOSE, inventory=ONPREM, extra_vars=extra)
    assert rc == 0, out[-5000:]
    table = task(results, "Print the load balancer forwarding table")["msg"]
    assert "  80/TCP    -> nodePort %d  (Service port http2)" % node_ports["http2"] in table
    assert "  3306/TCP  -> nodePort %d  (Service port mysql)" % node_ports["mysql"] in table
    assert any(":%d/healthz/ready" % node_ports["status-port"] in line for line in table)
    stats = task(results, "Publish the result for AWX")["ansible_stats"]["data"]["istio_edge_expose_app"]
    assert [a["name"] for a in stats["apps"]] == ["counter", "mysql"] and stats["changed"] is True
    assert stats["gateway"]["selector"] == {"istio": "ingress"}
    assert "0 writes" in task(results, "Check that every app's objects are live as declared")["msg"]

    gw = get(kube, "networking.istio.io/v1", "Gateway", "counter-gateway", "counter")["spec"]
    assert [s["port"]["number"] for s in gw["servers"]] == [80, 443]
    assert gw["servers"][0]["tls"] == {"httpsRedirect": True}
    assert gw["servers"][1]["tls"] == {"mode": "SIMPLE", "credentialName": "counter-tls"}
    mysql = get(kube, "networking.istio.io/v1", "VirtualService", "mysql", "mysql")["spec"]
    assert mysql["gateways"] == ["mysql/mysql-gateway"] and mysql["hosts"] == ["*"]
    assert mysql["tcp"][0]["match"] == [{"port": 3306}]
    # the test bed's stand-in workloads made the destination Services the routes need
    assert get(kube, "v1", "Service", "mysql", "mysql")["spec"]["ports"][0]["port"] == 3306

    rc, out, results = ansible.playbook(EXPOSE, inventory=ONPREM, extra_vars=extra)
    assert rc == 0, out[-5000:]
    changed = [r["_task"] for r in results if r.get("changed")]
    assert changed == [], changed
    assert "unchanged" in " ".join(task(results, "Summarize what was done")["msg"])


def test_one_app_check_mode_and_pin_mismatch(ansible, kube, gateway):
    gw_ns, node_ports, extra = gateway
    # AWX: a survey sets istio_edge_app; the counter app's route changes, check mode predicts it, writes nothing
    apps = [{"name": "counter", "namespace": "counter", "hosts": ["counter.lab.example.com"],
             "http": [{"route": [{"host": "counter", "port": 80}], "timeout": "3s"}]}]
    rc, out, results = ansible.playbook(EXPOSE, inventory=ONPREM, check=True, diff=True,
                                        extra_vars=dict(extra, istio_edge_app="counter", istio_edge_apps=apps))
    assert rc == 0, out[-5000:]
    routed = task(results, "Ensure the apps' routes")
    assert routed["changed"] is True and [a["name"] for a in routed["apps"]] == ["counter"]
    live = get(kube, "networking.istio.io/v1", "VirtualService", "counter", "counter")["spec"]["http"][0]
    assert live["timeout"] == "10s"
    assert list_owned(kube, "VirtualService", "mysql") == ["mysql"]

    wrong = [dict(extra["edge_nodeport_listeners"][0], node_port=30999 if node_ports["http2"] != 30999 else 30998)]
    rc, out, results = ansible.playbook(EXPOSE, inventory=ONPREM, extra_vars=dict(extra, edge_nodeport_listeners=wrong))
    assert rc != 0
    failed = task(results, "Check that every listener's nodePort is the pinned one")
    assert "has nodePort %d, not the pinned" % node_ports["http2"] in failed["msg"]


def test_unexpose_one_app_then_all(ansible, kube, gateway):
    gw_ns, node_ports, extra = gateway
    rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM)
    assert rc != 0 and "istio_edge_unexpose_all=true" in out

    rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM, extra_vars={"istio_edge_app": "mysql"})
    assert rc == 0, out[-5000:]
    assert list_owned(kube, "VirtualService", "mysql") == [] and list_owned(kube, "Gateway", "mysql") == []
    assert list_owned(kube, "VirtualService", "counter") == ["counter"]
    # the app's workloads are not the playbook's business: they stay
    assert get(kube, "v1", "Service", "mysql", "mysql") is not None

    rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM, extra_vars={"istio_edge_unexpose_all": True})
    assert rc == 0, out[-5000:]
    assert task(results, "Ensure the apps' routes")["summary"]["deleted"] == 2
    assert list_owned(kube, "VirtualService", "counter") == []
    assert "Nothing is left of counter, mysql" in task(results, "Check that nothing of theirs is left")["msg"]
    # Istio's own objects are untouched
    assert get(kube, "apps/v1", "Deployment", "istio-ingress", gw_ns) is not None
