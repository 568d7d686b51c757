# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side-apply configurations for a live gateway Service (private, pure: the live object is an input).

The Service belongs to whoever installed it (istioctl, a Helm release). We apply only the fields we shape with
the field manager ``meshops.istio_edge``; foreign annotations, labels and ports stay with their owners.

- Ports are a map list keyed by ``port`` + ``protocol``: we list only our ports, always with ``protocol``.
  A live port keeps its targetPort (istioctl's gateway uses 8080/8443) unless one is given.
- Fields taken over from another owner with a different value (type, externalTrafficPolicy, port name /
  targetPort, annotations) are recorded in the annotation ``istio-edge.meshops.io/replaced-values`` so that
  ``state: absent`` (and dropping an option later) puts the original value back instead of letting the API
  server default it (a Service whose ``type`` vanished would become ClusterIP).
- Whether an apply is needed is the collection's one write decision (``k8s.fields.decide``: a desired field
  differs, or a field we own is no longer set and must be released); otherwise nothing is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import effective_target
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import covers, key_segment, owned_paths

RECORD_ANNOTATION = "istio-edge.meshops.io/replaced-values"
TYPE_PATH = ("f:spec", "f:type")
ETP_PATH = ("f:spec", "f:externalTrafficPolicy")
_PORT_FIELDS = ("name", "targetPort")


def port_segment(port, protocol="TCP"):
    """The managedFields key of a Service port (a map-list item keyed by port and protocol)."""
    return key_segment({"port": port, "protocol": protocol})


def _record(live):
    text = (((live or {}).get("metadata") or {}).get("annotations") or {}).get(RECORD_ANNOTATION)
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _skeleton(live):
    meta = live["metadata"]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]}, "spec": {}}


def build_live_config(plan, live, manager):
    """The apply configuration shaping ``live`` per ``plan``."""
    ours, others = owned_paths(live, manager)
    record = _record(live)
    new_record = dict(record)
    spec = live.get("spec") or {}
    live_annotations = (live.get("metadata") or {}).get("annotations") or {}
    live_ports = dict(((p["port"], p.get("protocol", "TCP")), p) for p in spec.get("ports") or [])
    live_targets = dict((key, p.get("targetPort")) for key, p in live_ports.items())

    def note(key, path, live_value, value):
        # a value we did not set ourselves (someone else owns it, or nobody) is about to be replaced
        ours_alone = path in ours and path not in others
        if live_value is not None and live_value != value and not ours_alone and key not in new_record:
            new_record[key] = live_value

    config = _skeleton(live)
    config["spec"]["type"] = plan["type"]
    note("spec.type", TYPE_PATH, spec.get("type"), plan["type"])
    if plan.get("external_traffic_policy"):
        config["spec"]["externalTrafficPolicy"] = plan["external_traffic_policy"]
        note("spec.externalTrafficPolicy", ETP_PATH, spec.get("externalTrafficPolicy"),
             plan["external_traffic_policy"])
    if plan.get("load_balancer_ip"):
        config["spec"]["loadBalancerIP"] = plan["load_balancer_ip"]
    if plan.get("load_balancer_source_ranges"):
        config["spec"]["loadBalancerSourceRanges"] = list(plan["load_balancer_source_ranges"])
    ports = []
    for port in plan["ports"]:
        key = (port["port"], port["protocol"])
        base = ("f:spec", "f:ports", port_segment(*key))
        current = live_ports.get(key)
        item = {"name": port["name"], "port": port["port"], "protocol": port["protocol"]}
        if current is not None:
            note("port:%d/%s:name" % key, base + ("f:name",), current.get("name"), port["name"])
        if port["target_port"] is not None or port["target_from"] or current is None:
            item["targetPort"] = effective_target(port, plan["ports"], live_targets)
            if current is not None:
                note("port:%d/%s:targetPort" % key, base + ("f:targetPort",), current.get("targetPort"),
                     item["targetPort"])
        elif base + ("f:targetPort",) in ours:
            # set by an earlier run (a new port, or a target given then): keep it, or put back the original
            item["targetPort"] = record.get("port:%d/%s:targetPort" % key, current.get("targetPort"))
        if port["node_port"] is not None:
            item["nodePort"] = port["node_port"]
        if port["app_protocol"]:
            item["appProtocol"] = port["app_protocol"]
        ports.append(item)
    config["spec"]["ports"] = ports
    annotations = dict(plan["annotations"])
    for key, value in annotations.items():
        note("annotation:" + key, ("f:metadata", "f:annotations", "f:" + key), live_annotations.get(key), value)
    config["metadata"]["annotations"] = annotations
    _keep_replaced(config, live, manager, record)
    if new_record:
        annotations[RECORD_ANNOTATION] = json.dumps(new_record, sort_keys=True, separators=(",", ":"))
    return config


def build_absent_config(live, manager):
    """The apply configuration that releases what we own, or None when we own nothing on ``live``."""
    ours, _others = owned_paths(live, manager)
    if not ours:
        return None
    config = _skeleton(live)
    _keep_replaced(config, live, manager, _record(live))
    if not config["spec"]:
        del config["spec"]
    return config


def _keep_replaced(config, live, manager, record):
    """Fields we alone own, that ``config`` does not set and must not simply vanish: keep or restore them.

    type / port name / targetPort: the recorded original value, else the live value (removing them breaks the
    Service). externalTrafficPolicy and annotations: the recorded original value, else released.
    """
    ours, others = owned_paths(live, manager)
    sole = ours - others
    spec = live.get("spec") or {}
    meta = config["metadata"]
    if TYPE_PATH in sole and not covers(config, TYPE_PATH):
        config.setdefault("spec", {})["type"] = record.get("spec.type", spec.get("type"))
    if ETP_PATH in sole and not covers(config, ETP_PATH) and "spec.externalTrafficPolicy" in record:
        config.setdefault("spec", {})["externalTrafficPolicy"] = record["spec.externalTrafficPolicy"]
    for path in sorted(sole):
        if len(path) == 3 and path[:2] == ("f:metadata", "f:annotations") and not covers(config, path):
            key = path[2][2:]
            if "annotation:" + key in record and key != RECORD_ANNOTATION:
                meta.setdefault("annotations", {})[key] = record["annotation:" + key]
    items = dict(((p["port"], p.get("protocol", "TCP")), p) for p in (config.get("spec") or {}).get("ports") or [])
    for current in spec.get("ports") or []:
        key = (current["port"], current.get("protocol", "TCP"))
        base = ("f:spec", "f:ports", port_segment(*key))
        if not any(p[:3] == base for p in others):
            continue  # nobody else holds this port: it goes away with our ownership
        for field in _PORT_FIELDS:
            path = base + ("f:" + field,)
            if path in sole and not covers(config, path):
                value = record.get("port:%d/%s:%s" % (key + (field,)), current.get(field))
                if key not in items:
                    items[key] = {"port": key[0], "protocol": key[1]}
                    config.setdefault("spec", {}).setdefault("ports", []).append(items[key])
                items[key][field] = value


def node_ports_of(service):
    """dict port name -> nodePort of a Service object (ports without a nodePort are left out)."""
    result = {}
    for port in ((service or {}).get("spec") or {}).get("ports") or []:
        if port.get("nodePort"):
            result[port.get("name") or str(port["port"])] = port["nodePort"]
    return result
