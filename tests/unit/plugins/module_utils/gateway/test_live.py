# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side-apply configurations for a live gateway Service (the live object is plain input data).

The live objects below carry managedFields shaped like the API server's (checked against kube-apiserver 1.20 in
tests/integration/test_gateway_service_live.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.live import (
    RECORD_ANNOTATION, build_absent_config, build_live_config, node_ports_of, port_segment)
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import build_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import decide

ME = "meshops.istio_edge"


def fields_of(paths):
    """managedFields fieldsV1 for a set of paths (a path that prefixes another one is marked with '.')."""
    root = {}
    for path in paths:
        node = root
        for segment in path:
            node = node.setdefault(segment, {})
    for path in paths:
        if any(other != path and other[:len(path)] == path for other in paths):
            node = root
            for segment in path:
                node = node[segment]
            node["."] = {}
    return root


def config_paths(config):
    """The field paths the API server records for an apply of ``config`` (Service ports keyed by port+protocol)."""
    out = set()
    meta = config.get("metadata") or {}
    for section in ("labels", "annotations"):
        for key in meta.get(section) or {}:
            out.add(("f:metadata", "f:" + section, "f:" + key))
    for key, value in (config.get("spec") or {}).items():
        if key == "ports":
            for item in value:
                base = ("f:spec", "f:ports", port_segment(item["port"], item.get("protocol", "TCP")))
                out.add(base)
                out.update(base + ("f:" + field,) for field in item)
        else:
            out.add(("f:spec", "f:" + key))
    return out


def needs_apply(config, live):
    return decide(config, live, ME).write


def istioctl_service():
    """An istioctl-style gateway Service: LoadBalancer, targetPorts 8080/8443, a foreign port and annotation."""
    ports = [
        {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021, "nodePort": 31021},
        {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 31080},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443, "nodePort": 31443},
        {"name": "tcp", "port": 31400, "protocol": "TCP", "targetPort": 31400, "nodePort": 31400},
    ]
    paths = {("f:spec", "f:type"), ("f:metadata", "f:annotations", "f:foreign"), ("f:metadata", "f:labels", "f:istio")}
    for port in ports:
        base = ("f:spec", "f:ports", port_segment(port["port"]))
        paths.add(base)
        paths.update(base + ("f:" + key,) for key in ("name", "port", "protocol", "targetPort"))
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system",
                     "annotations": {"foreign": "x"}, "labels": {"istio": "ingressgateway"},
                     "managedFields": [{"manager": "istioctl", "operation": "Update", "fieldsV1": fields_of(paths)}]},
        "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster", "ports": ports},
    }


def applied(live, config):
    """What the API server holds after applying ``config`` as ME (values merged, ME owns config's paths)."""
    result = copy.deepcopy(live)
    meta = result["metadata"]
    meta.setdefault("annotations", {}).update(config["metadata"].get("annotations") or {})
    spec = config.get("spec") or {}
    for key, value in spec.items():
        if key != "ports":
            result["spec"][key] = value
    by_key = dict(((p["port"], p["protocol"]), p) for p in result["spec"]["ports"])
    for item in spec.get("ports") or []:
        key = (item["port"], item["protocol"])
        if key in by_key:
            by_key[key].update(item)
        else:
            result["spec"]["ports"].append(dict(item, targetPort=item.get("targetPort", item["port"])))
    entries = [e for e in meta["managedFields"] if e["manager"] != ME]
    entries.append({"manager": ME, "operation": "Apply", "fieldsV1": fields_of(config_paths(config))})
    meta["managedFields"] = entries
    return result


def nodeport_plan(**extra):
    params = {"profile": "nodeport", "name": "istio-ingressgateway", "namespace": "istio-system",
              "extra_ports": [{"name": "mysql", "port": 3306, "node_port": 30306}]}
    params.update(extra)
    return build_plan(params)


def ports_of(config):
    return dict((p["name"], p) for p in config["spec"]["ports"])


def test_first_shaping_keeps_live_target_ports_and_records_what_it_replaces():
    live = istioctl_service()
    config = build_live_config(nodeport_plan(), live, ME)
    ports = ports_of(config)
    assert config["spec"]["type"] == "NodePort"
    assert "targetPort" not in ports["http2"] and "targetPort" not in ports["https"]
    assert ports["http2"]["nodePort"] == 30080 and ports["status-port"]["nodePort"] == 30021
    assert ports["mysql"] == {"name": "mysql", "port": 3306, "protocol": "TCP", "targetPort": 3306, "nodePort": 30306}
    assert all(p["protocol"] == "TCP" for p in config["spec"]["ports"])   # SSA needs the whole list-map key
    assert "tcp" not in ports and "foreign" not in config["metadata"]["annotations"]
    assert "labels" not in config["metadata"]
    assert json.loads(config["metadata"]["annotations"][RECORD_ANNOTATION]) == {"spec.type": "LoadBalancer"}
    assert needs_apply(config, live)


def test_second_run_is_a_no_op():
    live = istioctl_service()
    config = build_live_config(nodeport_plan(), live, ME)
    after = applied(live, config)
    again = build_live_config(nodeport_plan(), after, ME)
    assert again == config
    assert not needs_apply(again, after)
    assert decide(again, after, ME).released == []


def test_a_changed_option_is_detected():
    live = applied(istioctl_service(), build_live_config(nodeport_plan(), istioctl_service(), ME))
    assert decide(build_live_config(nodeport_plan(node_ports={"http2": 30081}), live, ME), live, ME).differs == \
        ["spec.ports[port=80,protocol=TCP].nodePort"]


def test_dropping_an_option_releases_what_we_owned():
    live = istioctl_service()
    first = build_live_config(nodeport_plan(annotations={"example.com/team": "edge"}), live, ME)
    after = applied(live, first)
    second = build_live_config(nodeport_plan(), after, ME)
    assert second["metadata"]["annotations"].get("example.com/team") is None
    assert decide(second, after, ME).released == ['metadata.annotations["example.com/team"]']
    assert needs_apply(second, after)   # values still match, but the annotation must be released


def test_our_own_new_port_keeps_its_target_port_on_later_runs():
    live = istioctl_service()
    after = applied(live, build_live_config(nodeport_plan(), live, ME))
    assert ports_of(build_live_config(nodeport_plan(), after, ME))["mysql"]["targetPort"] == 3306


def test_a_given_target_port_is_recorded_and_put_back_when_dropped():
    live = istioctl_service()
    plan = build_plan({"profile": "nlb", "name": "istio-ingressgateway", "namespace": "istio-system",
                       "nlb": {"certificate_arn": ["arn:aws:acm:eu-west-1:1:certificate/x"]}})
    config = build_live_config(plan, live, ME)
    assert ports_of(config)["https"]["targetPort"] == 8080   # TLS ends on the NLB: the live HTTP listener
    record = json.loads(config["metadata"]["annotations"][RECORD_ANNOTATION])
    assert record == {"port:443/TCP:targetPort": 8443}
    after = applied(live, config)
    plain = build_plan({"profile": "nlb", "name": "istio-ingressgateway", "namespace": "istio-system"})
    config = build_live_config(plain, after, ME)
    assert ports_of(config)["https"]["targetPort"] == 8443


def test_absent_restores_the_type_and_releases_the_rest():
    live = istioctl_service()
    after = applied(live, build_live_config(nodeport_plan(), live, ME))
    # as on the API server, a forced apply took spec.type away from istioctl
    for entry in after["metadata"]["managedFields"]:
        if entry["manager"] == "istioctl":
            entry["fieldsV1"]["f:spec"].pop("f:type")
    config = build_absent_config(after, ME)
    assert config == {"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system"},
                      "spec": {"type": "LoadBalancer"}}
    assert needs_apply(config, after)


def test_absent_when_we_own_nothing():
    assert build_absent_config(istioctl_service(), ME) is None


def test_absent_is_a_no_op_once_only_the_restored_type_is_ours():
    live = istioctl_service()
    live["metadata"]["managedFields"].append(
        {"manager": ME, "operation": "Apply", "fieldsV1": {"f:spec": {"f:type": {}}}})
    for entry in live["metadata"]["managedFields"]:
        if entry["manager"] == "istioctl":
            entry["fieldsV1"]["f:spec"].pop("f:type")
    config = build_absent_config(live, ME)
    assert config["spec"] == {"type": "LoadBalancer"}
    assert not needs_apply(config, live)


def test_node_ports_of_a_service():
    assert node_ports_of(istioctl_service()) == {"status-port": 31021, "http2": 31080, "https": 31443, "tcp": 31400}
    assert node_ports_of(None) == {}


def test_a_value_shared_with_another_owner_is_recorded_before_it_is_replaced():
    live = istioctl_service()
    nlb = build_plan({"profile": "nlb", "name": "istio-ingressgateway", "namespace": "istio-system"})
    after = applied(live, build_live_config(nlb, live, ME))   # type LoadBalancer, shared with istioctl
    config = build_live_config(nodeport_plan(), after, ME)
    assert json.loads(config["metadata"]["annotations"][RECORD_ANNOTATION]) == {"spec.type": "LoadBalancer"}


def test_helm_release_of_reads_helm_ownership_metadata():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.runner import helm_release_of
    owned = {"metadata": {"namespace": "istio-ingress", "labels": {"app.kubernetes.io/managed-by": "Helm"},
                          "annotations": {"meta.helm.sh/release-name": "gw",
                                          "meta.helm.sh/release-namespace": "istio-system"}}}
    assert helm_release_of(owned) == "istio-system/gw"
    del owned["metadata"]["annotations"]["meta.helm.sh/release-namespace"]
    assert helm_release_of(owned) == "istio-ingress/gw"
    assert helm_release_of({"metadata": {"labels": {"app.kubernetes.io/managed-by": "istioctl"},
                                         "annotations": {"meta.helm.sh/release-name": "gw"}}}) is None
    assert helm_release_of(None) is None
