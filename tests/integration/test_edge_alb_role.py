# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role edge_alb on the test bed (the real kube-apiserver, moto's server for AWS): what the role passes on to
alb_ingress. The Ingress is written without waiting for an ALB (edge_alb_wait=false), so the AWS Load Balancer
Controller's stand-in is not needed."""

import os

import yaml

from ansible_runner import task_result as task
from aws_controller import CLUSTER, REGION
from aws_support import aws, gateway_service_manifest, read_ingress  # noqa: F401  # pylint: disable=unused-import

GROUP_ORDER = "alb.ingress.kubernetes.io/group.order"


def _run_role(ansible, tmp_path, namespace, **role_vars):
    play = [{"name": "edge_alb", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "roles": ["meshops.istio_edge.edge_alb"]}]
    path = os.path.join(str(tmp_path), "edge-alb.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(play, handle)
    extra = {
        "edge_alb_gateway": {"name": "istio-ingress", "namespace": namespace, "service": "istio-ingress",
                             "profile": "alb"},
        "edge_alb_name": "edge", "edge_alb_group_name": "orders-" + namespace,
        "edge_alb_listen_ports": [{"protocol": "HTTP", "port": 80}], "edge_alb_https_redirect": False,
        "edge_alb_hostnames": ["orders.example.com"], "edge_alb_cluster_name": CLUSTER,
        "edge_alb_aws_region": REGION, "edge_alb_wait": False, "edge_alb_verify": "none",
        "edge_alb_set_stats": False,
    }
    extra.update(role_vars)
    return ansible.playbook(path, extra_vars=extra)


def test_group_order_zero_is_passed_on(ansible, kube, namespace, aws, tmp_path):
    kube.resources.get(api_version="v1", kind="Service").create(
        body=gateway_service_manifest(namespace), namespace=namespace)
    # 0 is the first position in an IngressGroup, not "unset"
    rc, out, results = _run_role(ansible, tmp_path, namespace, edge_alb_group_order=0)
    assert rc == 0, out[-5000:]
    assert task(results, "Ensure the ALB Ingress")["changed"] is True
    assert read_ingress(kube, namespace)["metadata"]["annotations"][GROUP_ORDER] == "0"
    # empty (the default) leaves the order to the controller
    rc, out, results = _run_role(ansible, tmp_path, namespace)
    assert rc == 0, out[-5000:]
    assert GROUP_ORDER not in read_ingress(kube, namespace)["metadata"]["annotations"]
    rc, out, results = _run_role(ansible, tmp_path, namespace, edge_alb_group_order=-5)
    assert rc == 0, out[-5000:]
    assert read_ingress(kube, namespace)["metadata"]["annotations"][GROUP_ORDER] == "-5"
