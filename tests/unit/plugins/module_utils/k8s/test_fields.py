# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one write decision (k8s/fields.py), fed with managedFields as kube-apiserver 1.20 records them.

The samples below were read from the test bed: a Service made by Helm (operation Update) and shaped by the
collection (Apply), a VirtualService / DestinationRule written by app_route (Istio's CRD schemas: http, servers
and subsets are atomic lists, recorded as FieldsV1 leaves).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import (
    covers, decide, describe_path, key_segment, owned_paths, path_owners, segment_values)

ME = "meshops.istio_edge"
OWNER_LABELS = {"app.kubernetes.io/managed-by": "meshops.istio_edge", "istio-edge.meshops.io/app": "shop"}
P80 = 'k:{"port":80,"protocol":"TCP"}'
P443 = 'k:{"port":443,"protocol":"TCP"}'
P15021 = 'k:{"port":15021,"protocol":"TCP"}'


# -- samples ---------------------------------------------------------------------------------------------------
def helm_service():
    """The gateway Service of a Helm release, shaped by us: NodePort, nodePorts on 80/443, an annotation."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {
            "name": "istio-ingress", "namespace": "istio-ingress", "resourceVersion": "812",
            "labels": {"app": "istio-ingress", "istio": "ingress", "app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "istio-ingress", "example.com/team": "edge",
                            "example.com/owner": "platform"},
            "managedFields": [
                {"manager": "helm", "operation": "Update", "apiVersion": "v1", "time": "2024-05-01T10:00:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {
                     "f:metadata": {"f:annotations": {".": {}, "f:meta.helm.sh/release-name": {},
                                                      "f:example.com/owner": {}},
                                    "f:labels": {".": {}, "f:app": {}, "f:istio": {},
                                                 "f:app.kubernetes.io/managed-by": {}}},
                     "f:spec": {"f:ports": {".": {},
                                            P15021: {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {},
                                                     "f:targetPort": {}},
                                            P80: {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {},
                                                  "f:targetPort": {}},
                                            P443: {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {},
                                                   "f:targetPort": {}}},
                                "f:selector": {".": {}, "f:app": {}, "f:istio": {}},
                                "f:sessionAffinity": {}}}},
                {"manager": ME, "operation": "Apply", "apiVersion": "v1", "time": "2024-05-01T10:01:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {
                     "f:metadata": {"f:annotations": {"f:example.com/team": {}}},
                     "f:spec": {"f:ports": {P80: {".": {}, "f:name": {}, "f:nodePort": {}, "f:port": {},
                                                  "f:protocol": {}},
                                            P443: {".": {}, "f:name": {}, "f:nodePort": {}, "f:port": {},
                                                   "f:protocol": {}}},
                                "f:type": {}}}},
            ]},
        "spec": {"type": "NodePort", "sessionAffinity": "None",
                 "selector": {"app": "istio-ingress", "istio": "ingress"},
                 "ports": [{"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021,
                            "nodePort": 31021},
                           {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30080},
                           {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443, "nodePort": 30443}]},
        "status": {"loadBalancer": {}},
    }


def shaped_config(**changes):
    config = {"apiVersion": "v1", "kind": "Service",
              "metadata": {"name": "istio-ingress", "namespace": "istio-ingress",
                           "annotations": {"example.com/team": "edge"}},
              "spec": {"type": "NodePort",
                       "ports": [{"name": "http2", "port": 80, "protocol": "TCP", "nodePort": 30080},
                                 {"name": "https", "port": 443, "protocol": "TCP", "nodePort": 30443}]}}
    config["spec"].update(changes)
    return config


HTTP = [{"name": "api", "match": [{"uri": {"prefix": "/api"}}], "route": [{"destination": {"host": "api"}}],
         "retries": {"attempts": 3, "perTryTimeout": "2s"}},
        {"name": "main", "route": [{"destination": {"host": "web", "port": {"number": 80}}}]}]


def virtual_service(**spec):
    body = {"hosts": ["shop.example.com"], "gateways": ["shop/shop-gateway"], "http": copy.deepcopy(HTTP)}
    body.update(spec)
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": "shop", "namespace": "shop", "labels": dict(OWNER_LABELS)}, "spec": body}


def live_virtual_service(**spec):
    live = virtual_service(**spec)
    meta = live["metadata"]
    meta.update(resourceVersion="4711", generation=2, uid="8d7b", creationTimestamp="2024-05-01T10:00:00Z")
    meta["labels"]["example.com/cost-center"] = "42"           # a label someone else added
    meta["managedFields"] = [
        {"manager": ME, "operation": "Apply", "apiVersion": "networking.istio.io/v1beta1",
         "fieldsType": "FieldsV1", "fieldsV1": {
             "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}, "f:istio-edge.meshops.io/app": {}}},
             "f:spec": dict(("f:" + key, {}) for key in live["spec"])}},
        {"manager": "kubectl-label", "operation": "Update", "apiVersion": "networking.istio.io/v1beta1",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:example.com/cost-center": {}}}}},
    ]
    return live


def destination_rule(**spec):
    body = {"host": "web", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_CONN"}},
            "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}]}
    body.update(spec)
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
            "metadata": {"name": "shop-web", "namespace": "shop", "labels": dict(OWNER_LABELS)},
            "spec": dict((k, v) for k, v in body.items() if v is not None)}


def live_destination_rule():
    live = destination_rule()
    live["metadata"]["managedFields"] = [
        {"manager": ME, "operation": "Apply", "apiVersion": "networking.istio.io/v1beta1",
         "fieldsType": "FieldsV1", "fieldsV1": {
             "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}, "f:istio-edge.meshops.io/app": {}}},
             "f:spec": {"f:host": {}, "f:subsets": {},
                        "f:trafficPolicy": {".": {}, "f:loadBalancer": {".": {}, "f:simple": {}}}}}}]
    return live


# -- the decision ----------------------------------------------------------------------------------------------
def test_no_live_object_is_a_create():
    assert decide(virtual_service(), None, ME) == ("create", [], [])


def test_our_object_as_we_wrote_it_is_unchanged():
    decision = decide(virtual_service(), live_virtual_service(), ME)
    assert decision.op == "unchanged" and not decision.write
    assert decision.differs == [] and decision.released == []


def test_a_removed_route_of_an_atomic_list_is_drift():
    desired = virtual_service(http=HTTP[1:])
    assert decide(desired, live_virtual_service(), ME) == ("update", ["spec.http"], [])


def test_a_route_changed_inside_the_atomic_list_is_drift():
    http = copy.deepcopy(HTTP)
    del http[0]["retries"]                              # retries removed from one route
    assert decide(virtual_service(http=http), live_virtual_service(), ME).differs == ["spec.http"]
    http = copy.deepcopy(HTTP)
    http[1]["route"][0]["destination"]["port"]["number"] = 8080
    assert decide(virtual_service(http=http), live_virtual_service(), ME).differs == ["spec.http"]


def test_a_route_added_by_hand_to_our_atomic_list_is_drift():
    live = live_virtual_service()
    live["spec"]["http"].append({"route": [{"destination": {"host": "intruder"}}]})
    assert decide(virtual_service(), live, ME).differs == ["spec.http"]


def test_a_released_spec_field_is_an_update():
    live = live_virtual_service(tcp=[{"match": [{"port": 3306}], "route": [{"destination": {"host": "db"}}]}])
    decision = decide(virtual_service(), live, ME)
    assert decision == ("update", [], ["spec.tcp"])


def test_removed_traffic_policy_and_subsets_are_released():
    live = live_destination_rule()
    assert decide(destination_rule(), live, ME).op == "unchanged"
    assert decide(destination_rule(trafficPolicy=None), live, ME) == \
        ("update", [], ["spec.trafficPolicy.loadBalancer.simple"])
    assert decide(destination_rule(subsets=None), live, ME) == ("update", [], ["spec.subsets"])
    # one subset less: the atomic list differs
    one = destination_rule(subsets=[{"name": "v1", "labels": {"version": "v1"}}])
    assert decide(one, live, ME) == ("update", ["spec.subsets"], [])
    # a nested field of a granular map: only that field is released
    assert decide(destination_rule(trafficPolicy={"loadBalancer": {}}), live, ME).released == \
        ["spec.trafficPolicy.loadBalancer.simple"]


def test_released_label_and_annotation():
    live = live_virtual_service()
    live["metadata"]["annotations"] = {"example.com/ticket": "OPS-1"}
    live["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]["f:annotations"] = {"f:example.com/ticket": {}}
    desired = virtual_service()
    del desired["metadata"]["labels"]["istio-edge.meshops.io/app"]
    decision = decide(desired, live, ME)
    assert decision.op == "update" and decision.differs == []
    assert decision.released == ['metadata.annotations["example.com/ticket"]',
                                 'metadata.labels["istio-edge.meshops.io/app"]']


def test_foreign_labels_never_count():
    live = live_virtual_service()
    assert "example.com/cost-center" in live["metadata"]["labels"]
    assert decide(virtual_service(), live, ME).op == "unchanged"


def test_a_field_owned_by_someone_else_and_not_desired_does_not_count():
    live = live_virtual_service(exportTo=["."])
    live["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"].pop("f:exportTo")
    live["metadata"]["managedFields"][1]["fieldsV1"]["f:spec"] = {"f:exportTo": {}}
    assert decide(virtual_service(), live, ME).op == "unchanged"


def test_service_ports_are_matched_by_key_and_foreign_ports_and_annotations_ignored():
    live = helm_service()
    assert decide(shaped_config(), live, ME) == ("unchanged", [], [])
    # a desired value that differs inside a keyed item names the item
    changed = shaped_config(ports=[{"name": "http2", "port": 80, "protocol": "TCP", "nodePort": 30081},
                                   {"name": "https", "port": 443, "protocol": "TCP", "nodePort": 30443}])
    assert decide(changed, live, ME) == ("update", ["spec.ports[port=80,protocol=TCP].nodePort"], [])
    # a port we no longer set is released; Helm's status-port (not desired, not ours) does not count
    fewer = shaped_config(ports=[{"name": "http2", "port": 80, "protocol": "TCP", "nodePort": 30080}])
    assert decide(fewer, live, ME) == ("update", [], ["spec.ports[port=443,protocol=TCP]"])
    # a new port is a difference
    more = shaped_config()
    more["spec"]["ports"].append({"name": "mysql", "port": 3306, "protocol": "TCP", "nodePort": 30306})
    assert decide(more, live, ME).differs == ["spec.ports[port=3306,protocol=TCP]"]


def test_a_field_we_share_with_another_manager_is_still_ours_to_release():
    live = helm_service()
    desired = shaped_config()
    del desired["metadata"]["annotations"]
    assert decide(desired, live, ME).released == ['metadata.annotations["example.com/team"]']


def test_a_desired_value_equal_to_a_foreign_one_needs_no_write():
    live = helm_service()
    desired = shaped_config()
    desired["metadata"]["annotations"]["example.com/owner"] = "platform"      # Helm's value, same
    assert decide(desired, live, ME).op == "unchanged"
    desired["metadata"]["annotations"]["example.com/owner"] = "edge"
    assert decide(desired, live, ME).differs == ['metadata.annotations["example.com/owner"]']


def test_namespace_label_patch_compares_only_our_label():
    live = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"istio-injection": "enabled", "team": "web"},
                         "managedFields": [
                             {"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                              "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:team": {}}}}},
                             {"manager": ME, "operation": "Apply", "apiVersion": "v1",
                              "fieldsV1": {"f:metadata": {"f:labels": {"f:istio-injection": {}}}}}]},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    desired = {"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}
    assert decide(desired, live, ME).op == "unchanged"
    live["metadata"]["labels"]["istio-injection"] = "disabled"
    assert decide(desired, live, ME).differs == ["metadata.labels.istio-injection"]


def test_an_adopted_object_compares_atomic_lists_by_the_recorded_shape():
    """A VirtualService made with kubectl (operation Update): its http list is atomic for everyone."""
    live = live_virtual_service()
    live["metadata"]["managedFields"] = [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "networking.istio.io/v1beta1",
         "fieldsV1": {"f:spec": {".": {}, "f:gateways": {}, "f:hosts": {}, "f:http": {}}}}]
    assert decide(virtual_service(), live, ME).op == "unchanged"
    assert decide(virtual_service(http=HTTP[:1]), live, ME).differs == ["spec.http"]


def test_values_compare_with_json_types():
    live = live_virtual_service()
    desired = virtual_service()
    desired["spec"]["http"][0]["retries"]["attempts"] = 3.0      # 3 and 3.0 are the same JSON number
    assert decide(desired, live, ME).op == "unchanged"
    live["spec"]["http"][0]["retries"]["attempts"] = True         # but a boolean is not a number
    assert decide(desired, live, ME).differs == ["spec.http"]


def test_none_in_the_desired_object_means_not_set():
    desired = virtual_service()
    desired["spec"]["tcp"] = None
    assert decide(desired, live_virtual_service(), ME).op == "unchanged"


def test_empty_desired_values_match_missing_live_ones():
    desired = virtual_service()
    desired["metadata"]["annotations"] = {}
    assert decide(desired, live_virtual_service(), ME).op == "unchanged"


def test_status_and_subresource_entries_are_not_ours():
    live = live_virtual_service()
    live["metadata"]["managedFields"].append({"manager": ME, "operation": "Apply", "subresource": "status",
                                              "fieldsV1": {"f:status": {"f:conditions": {}}}})
    assert decide(virtual_service(), live, ME).op == "unchanged"


def test_an_update_by_our_manager_is_not_apply_ownership():
    """Fields our manager name set through a plain update (not Apply) are not released by an apply."""
    live = live_virtual_service(exportTo=["."])
    live["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"].pop("f:exportTo")
    live["metadata"]["managedFields"].append({"manager": ME, "operation": "Update",
                                              "fieldsV1": {"f:spec": {"f:exportTo": {}}}})
    assert decide(virtual_service(), live, ME).op == "unchanged"


# -- the FieldsV1 helpers --------------------------------------------------------------------------------------
def test_owned_paths_and_key_order():
    live = helm_service()
    ours, others = owned_paths(live, ME)
    assert ("f:spec", "f:ports", P80, "f:nodePort") in ours
    assert ("f:spec", "f:ports", P80) in ours                 # the '.' marker of the item
    assert ("f:spec", "f:ports", P15021, "f:targetPort") in others
    weird = {"f:spec": {"f:ports": {'k:{"protocol":"TCP","port":80}': {"f:appProtocol": {}}}}}
    live["metadata"]["managedFields"].append({"manager": ME, "operation": "Apply", "fieldsV1": weird})
    assert ("f:spec", "f:ports", P80, "f:appProtocol") in owned_paths(live, ME)[0]


def test_path_owners():
    owners = path_owners(helm_service())
    assert owners[("f:spec", "f:ports", P80, "f:nodePort")] == [ME]
    assert owners[("f:spec", "f:ports", P80, "f:name")] == ["helm", ME]
    assert path_owners({"metadata": {}}) is None


def test_covers_and_segments():
    config = shaped_config()
    assert covers(config, ("f:spec", "f:type"))
    assert covers(config, ("f:spec", "f:ports", P80, "f:nodePort"))
    assert not covers(config, ("f:spec", "f:ports", P80, "f:targetPort"))
    assert not covers(config, ("f:spec", "f:ports", P15021))
    assert covers({"metadata": {"finalizers": ["a"]}}, ("f:metadata", "f:finalizers", 'v:"a"'))
    assert key_segment({"protocol": "TCP", "port": 80}) == P80
    assert segment_values(P80) == {"port": 80, "protocol": "TCP"}
    assert segment_values("f:x") is None
    assert describe_path(("f:spec", "f:ports", P80, "f:nodePort")) == "spec.ports[port=80,protocol=TCP].nodePort"
    assert describe_path(("f:metadata", "f:annotations", "f:a.b/c")) == 'metadata.annotations["a.b/c"]'
