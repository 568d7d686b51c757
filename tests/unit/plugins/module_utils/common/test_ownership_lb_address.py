# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ownership labels and field manager (common.ownership) and the load balancer address reader
(common.lb_address): the one definition every module uses."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import (
    load_balancer_address, load_balancer_ingress)
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import (
    FIELD_MANAGER, MANAGED_SELECTOR, app_labels, app_of, is_managed, managed_labels)


def _status(*entries):
    return {"status": {"loadBalancer": {"ingress": list(entries)}}}


def test_ownership_labels_and_field_manager():
    assert FIELD_MANAGER == "meshops.istio_edge"
    assert managed_labels() == {"app.kubernetes.io/managed-by": "meshops.istio_edge"}
    assert app_labels("shop") == {"app.kubernetes.io/managed-by": "meshops.istio_edge",
                                  "istio-edge.meshops.io/app": "shop"}
    assert MANAGED_SELECTOR == "app.kubernetes.io/managed-by=meshops.istio_edge"
    owned = {"metadata": {"labels": app_labels("shop")}}
    assert is_managed(owned) and app_of(owned) == "shop"
    assert not is_managed({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}})
    assert app_of({"metadata": {}}) is None and app_of(None) is None


def test_load_balancer_address():
    aws = _status({"hostname": "k8s-edge-1234.eu-west-1.elb.amazonaws.com"})
    assert load_balancer_address(aws) == "k8s-edge-1234.eu-west-1.elb.amazonaws.com"
    assert load_balancer_address(_status({"ip": "10.0.0.7"})) == "10.0.0.7"
    both = _status({"ip": "10.0.0.7", "hostname": "lb.example"})
    assert load_balancer_address(both) == "lb.example"
    assert load_balancer_address(both, prefer="ip") == "10.0.0.7"
    # an entry without an address (only ports) is skipped
    assert load_balancer_address(_status({"ports": [{"port": 80}]}, {"ip": "10.0.0.8"})) == "10.0.0.8"
    assert load_balancer_address({"status": {"loadBalancer": {}}}) is None
    assert load_balancer_address(None) is None
    assert load_balancer_ingress(both) == [{"ip": "10.0.0.7", "hostname": "lb.example"}]
    assert load_balancer_ingress({}) == []
