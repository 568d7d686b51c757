# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing released fields before an apply (k8s/removal.py), with managedFields as kube-apiserver 1.20 writes
them for Istio's DestinationRule schema and for a Service shaped on top of Helm."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.removal import (
    json_patch, keeping, pointer, removals, without)

ME = "meshops.istio_edge"
P80 = 'k:{"port":80,"protocol":"TCP"}'
P443 = 'k:{"port":443,"protocol":"TCP"}'


def destination_rule(spec, fields, foreign=None):
    entries = [{"manager": ME, "operation": "Apply", "fieldsV1": {"f:spec": fields}}]
    if foreign:
        entries.append({"manager": "kubectl-edit", "operation": "Update", "fieldsV1": {"f:spec": foreign}})
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "3223", "managedFields": entries},
            "spec": spec}


def desired_rule(**spec):
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": dict({"host": "web"}, **spec)}


LIVE_TP = destination_rule(
    {"host": "web", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_CONN"}}},
    {"f:host": {}, "f:trafficPolicy": {"f:loadBalancer": {"f:simple": {}}}})


def test_a_removed_traffic_policy_goes_as_a_whole():
    paths = removals(desired_rule(), LIVE_TP, ME)
    assert paths == [("f:spec", "f:trafficPolicy")]
    assert json_patch(LIVE_TP, paths) == [
        {"op": "test", "path": "/metadata/resourceVersion", "value": "3223"},
        {"op": "remove", "path": "/spec/trafficPolicy"}]
    assert without(LIVE_TP, paths)["spec"] == {"host": "web"}
    assert LIVE_TP["spec"]["trafficPolicy"]                          # the input is left alone


def test_nothing_to_remove_when_nothing_is_released():
    assert removals(desired_rule(trafficPolicy={"loadBalancer": {"simple": "LEAST_CONN"}}), LIVE_TP, ME) == []
    assert removals(desired_rule(), None, ME) == []


def test_a_removed_leaf_inside_a_kept_parent_goes_alone():
    live = destination_rule(
        {"host": "web", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_CONN"}, "tls": {"mode": "SIMPLE"}}},
        {"f:host": {}, "f:trafficPolicy": {"f:loadBalancer": {"f:simple": {}}, "f:tls": {"f:mode": {}}}})
    desired = desired_rule(trafficPolicy={"tls": {"mode": "SIMPLE"}})
    assert removals(desired, live, ME) == [("f:spec", "f:trafficPolicy", "f:loadBalancer")]


def test_a_field_someone_else_also_holds_is_not_removed():
    live = destination_rule(
        {"host": "web", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_CONN"},
                                          "connectionPool": {"http": {"maxRetries": 3}}}},
        {"f:host": {}, "f:trafficPolicy": {"f:loadBalancer": {"f:simple": {}}}},
        foreign={"f:trafficPolicy": {"f:connectionPool": {"f:http": {"f:maxRetries": {}}},
                                     "f:loadBalancer": {"f:simple": {}}}})
    assert removals(desired_rule(), live, ME) == []                   # shared: the apply only releases it
    live["metadata"]["managedFields"][1]["fieldsV1"]["f:spec"]["f:trafficPolicy"].pop("f:loadBalancer")
    # ours alone now, but the parent holds another manager's field: only our part goes
    assert removals(desired_rule(), live, ME) == [("f:spec", "f:trafficPolicy", "f:loadBalancer")]


def test_removed_atomic_lists():
    live = destination_rule({"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
                            {"f:host": {}, "f:subsets": {}})
    assert removals(desired_rule(), live, ME) == [("f:spec", "f:subsets")]


def service():
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "gw", "namespace": "gw", "resourceVersion": "9",
                         "annotations": {"example.com/team": "edge", "meta.helm.sh/release-name": "gw"},
                         "managedFields": [
                             {"manager": "helm", "operation": "Update", "fieldsV1": {
                                 "f:metadata": {"f:annotations": {".": {}, "f:meta.helm.sh/release-name": {}}},
                                 "f:spec": {"f:ports": {".": {}, P80: {".": {}, "f:port": {}, "f:protocol": {}}}}}},
                             {"manager": ME, "operation": "Apply", "fieldsV1": {
                                 "f:metadata": {"f:annotations": {"f:example.com/team": {}}},
                                 "f:spec": {"f:ports": {P80: {"f:nodePort": {}},
                                                        P443: {".": {}, "f:port": {}, "f:protocol": {},
                                                               "f:name": {}}}}}}]},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080},
                               {"port": 443, "protocol": "TCP", "name": "https", "nodePort": 30443}]}}


def test_service_annotation_ports_and_nodeports():
    live = service()
    desired = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "gw"}, "spec": {}}
    paths = removals(desired, live, ME)
    assert paths == [("f:metadata", "f:annotations", "f:example.com/team"),
                     ("f:spec", "f:ports", P443),
                     ("f:spec", "f:ports", P80, "f:nodePort")]
    ops = json_patch(live, paths)
    assert [o["path"] for o in ops[1:]] == ["/spec/ports/1", "/spec/ports/0/nodePort",
                                            "/metadata/annotations/example.com~1team"]
    assert without(live, paths)["spec"]["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_keeping_puts_back_what_a_dry_run_must_not_release():
    live = service()
    desired = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "gw"},
               "spec": {"ports": [{"port": 80, "protocol": "TCP", "name": "http"}]}}
    paths = removals(desired, live, ME)
    kept = keeping(desired, live, paths)
    assert kept["metadata"]["annotations"] == {"example.com/team": "edge"}
    assert kept["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "name": "http", "nodePort": 30080},
                                     {"port": 443, "protocol": "TCP", "name": "https", "nodePort": 30443}]
    assert desired["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "name": "http"}]
    assert keeping(desired_rule(), LIVE_TP, [("f:spec", "f:trafficPolicy")])["spec"] == LIVE_TP["spec"]


def test_pointer_escapes():
    assert pointer(["metadata", "annotations", "a~b/c"]) == "/metadata/annotations/a~0b~1c"
    assert pointer(["spec", "ports", 3]) == "/spec/ports/3"
