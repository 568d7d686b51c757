# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port lists of the ingress gateway Service (private, pure: no I/O).

A port is normalised into a dict::

    {"name": "http2", "port": 80, "protocol": "TCP",
     "target_port": None,        # given by the user (int or named port), else None
     "default_target": 80,       # what the gateway chart uses when nothing is given
     "target_from": None,        # name of another port whose targetPort this one reuses (NLB TLS offload)
     "node_port": 30080,         # pinned nodePort or None (Kubernetes assigns one)
     "app_protocol": None,
     "field": "ports[1]",        # the option this port came from (for error messages)
     "node_port_field": "node_ports.http2"}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error

STATUS_PORT_NAME = "status-port"
CHART_STATUS_PORT = 15021
NODE_PORT_MIN = 30000
NODE_PORT_MAX = 32767
DEFAULT_NODE_PORT_RANGE = "%d-%d" % (NODE_PORT_MIN, NODE_PORT_MAX)
PROTOCOLS = ("TCP", "UDP", "SCTP")

# Profiles whose edge forwards to fixed nodePorts: every port is pinned, these are the defaults.
PINNED_PROFILES = ("alb", "nodeport")
DEFAULT_NODE_PORTS = {"http2": 30080, "https": 30443, STATUS_PORT_NAME: 30021}

_PORT_KEYS = ("name", "port", "target_port", "node_port", "protocol", "app_protocol")


def chart_ports(status_port=CHART_STATUS_PORT):
    """The gateway chart's default port list (names, ports and targetPorts as the chart has them)."""
    return [
        _port(STATUS_PORT_NAME, status_port, status_port, "default"),
        _port("http2", 80, 80, "default"),
        _port("https", 443, 443, "default"),
    ]


def _port(name, port, default_target, field):
    return {"name": name, "port": port, "protocol": "TCP", "target_port": None, "default_target": default_target,
            "target_from": None, "node_port": None, "app_protocol": None, "field": field,
            "node_port_field": "node_ports.%s" % name}


def as_int(value, field, low=None, high=None):
    """``value`` as an int (numeric strings from Jinja accepted) within [low, high]; EdgeError otherwise."""
    if isinstance(value, bool):
        raise field_error(field, "%r is not a number" % (value,), "Give an integer.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error(field, "%r is not a number" % (value,), "Give an integer.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise field_error(field, "%d is out of range %d-%d" % (number, low, high),
                          "Give a value between %d and %d." % (low, high))
    return number


def parse_node_port_range(value):
    """``"30000-32767"`` (the API server's ``--service-node-port-range``) -> ``(30000, 32767)``."""
    if value is None:
        return NODE_PORT_MIN, NODE_PORT_MAX
    match = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", str(value))
    low, high = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or not 1 <= low < high <= 65535:
        raise field_error("node_port_range", "%r is not a port range" % (value,),
                          "Give the API server's --service-node-port-range as <first>-<last>, e.g. %s (the "
                          "Kubernetes default)." % DEFAULT_NODE_PORT_RANGE)
    return low, high


def node_port_number(value, field, port_range=(NODE_PORT_MIN, NODE_PORT_MAX)):
    """A nodePort, validated against the cluster's nodePort range (default 30000-32767)."""
    try:
        return as_int(value, field, port_range[0], port_range[1])
    except EdgeError as exc:  # same error, with the nodePort-specific fix
        exc.hint = ("nodePorts must be within %d-%d (the API server's --service-node-port-range; set "
                    "node_port_range when the cluster uses another one)." % tuple(port_range))
        raise


def _target(value, field):
    """targetPort: a port number or the name of a container port (IANA service name)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return as_int(value, field, 1, 65535)
    text = str(value).strip()
    if text.isdigit():
        return as_int(text, field, 1, 65535)
    if not names.is_label(text, max_length=15) or "--" in text or not re.search(r"[a-z]", text):
        raise field_error(field, "%r is neither a port number nor a container port name" % (value,),
                          "Give a number (1-65535) or a name of at most 15 lowercase letters, digits and '-'.")
    return text


def normalize_port(item, field, port_range=(NODE_PORT_MIN, NODE_PORT_MAX)):
    """One item of ``ports`` / ``extra_ports`` -> a normalised port dict."""
    if not isinstance(item, dict):
        raise field_error(field, "expected a dict with name, port, target_port, node_port, protocol",
                          "Write each port as {name: mysql, port: 3306, node_port: 30306}.")
    unknown = sorted(set(item) - set(_PORT_KEYS))
    if unknown:
        raise field_error("%s.%s" % (field, unknown[0]), "unknown key",
                          "Port keys are: %s (snake_case, e.g. target_port not targetPort)." % ", ".join(_PORT_KEYS))
    name = item.get("name")
    if not names.is_label(name):
        raise field_error("%s.name" % field, "%r is not a valid Service port name" % (name,),
                          "Use a DNS label: lowercase letters, digits and '-', at most 63 characters.")
    if item.get("port") is None:
        raise field_error("%s.port" % field, "missing", "Give the Service port number (1-65535).")
    port = as_int(item["port"], "%s.port" % field, 1, 65535)
    protocol = str(item.get("protocol") or "TCP").upper()
    if protocol not in PROTOCOLS:
        raise field_error("%s.protocol" % field, "%r is not a Service protocol" % item.get("protocol"),
                          "Use one of %s." % ", ".join(PROTOCOLS))
    result = _port(name, port, port, field)
    result["protocol"] = protocol
    result["target_port"] = _target(item.get("target_port"), "%s.target_port" % field)
    if item.get("node_port") is not None:
        result["node_port"] = node_port_number(item["node_port"], "%s.node_port" % field, port_range)
        result["node_port_field"] = "%s.node_port" % field
    if item.get("app_protocol"):
        result["app_protocol"] = str(item["app_protocol"])
    return result


def build_ports(profile, status_port=CHART_STATUS_PORT, ports=None, extra_ports=None, node_ports=None,
                node_port_range=None):
    """The validated port list for a profile.

    ``ports`` replaces the chart's list (it must keep ``status-port``); ``extra_ports`` are appended;
    ``node_ports`` (port name -> nodePort) pins nodePorts. For the ``alb`` and ``nodeport`` profiles every port
    is pinned: http2/https/status-port default to 30080/30443/30021, other ports need an explicit nodePort.
    ``node_port_range``: the cluster's nodePort range (``"30000-32767"`` when not given).
    """
    port_range = parse_node_port_range(node_port_range)
    status_port = as_int(status_port, "status_port", 1, 65535)
    if ports:
        result = [normalize_port(item, "ports[%d]" % idx, port_range) for idx, item in enumerate(ports)]
        status = [p for p in result if p["name"] == STATUS_PORT_NAME]
        if not status:
            raise field_error("ports", "the list has no port named %s" % STATUS_PORT_NAME,
                              "A ports list replaces the gateway chart's list, so it must keep "
                              "{name: status-port, port: %d, target_port: 15021}: the load balancer health "
                              "checks and the pods' readiness use it." % status_port)
        if status[0]["port"] != status_port:
            raise field_error("%s.port" % status[0]["field"],
                              "status-port is %d but status_port is %d" % (status[0]["port"], status_port),
                              "Make them equal (or leave status_port at its default 15021).")
    else:
        result = chart_ports(status_port)
        if status_port != CHART_STATUS_PORT:
            result[0]["default_target"] = CHART_STATUS_PORT
    for idx, item in enumerate(extra_ports or []):
        result.append(normalize_port(item, "extra_ports[%d]" % idx, port_range))
    _check_unique(result)
    _apply_node_ports(result, profile, node_ports or {}, port_range)
    _check_node_ports(result, profile, port_range)
    return result


def _check_unique(ports):
    names, keys = {}, {}
    for port in ports:
        if port["name"] in names:
            raise field_error("%s.name" % port["field"],
                              "port name %s is already used by %s" % (port["name"], names[port["name"]]),
                              "Give every port a distinct name (extra_ports add to http2/https/status-port).")
        names[port["name"]] = port["field"]
        key = (port["port"], port["protocol"])
        if key in keys:
            raise field_error("%s.port" % port["field"],
                              "port %d/%s is already used by %s" % (key[0], key[1], keys[key]),
                              "Give every port a distinct number (per protocol).")
        keys[key] = port["field"]


def _apply_node_ports(ports, profile, node_ports, port_range):
    if not isinstance(node_ports, dict):
        raise field_error("node_ports", "expected a dict port name -> nodePort", "e.g. {http2: 30080, https: 30443}.")
    by_name = dict((p["name"], p) for p in ports)
    for name in sorted(node_ports, key=str):
        field = "node_ports.%s" % name
        if name not in by_name:
            raise field_error(field, "there is no port named %s" % name,
                              "Ports are: %s. Key node_ports by port name." % ", ".join(sorted(by_name)))
        value = node_ports[name]
        if value is None:
            continue
        port = by_name[name]
        number = node_port_number(value, field, port_range)
        if port["node_port"] is not None and port["node_port"] != number:
            raise field_error(field, "conflicts with %s (%d)" % (port["node_port_field"], port["node_port"]),
                              "Pin the nodePort in one place only.")
        port["node_port"] = number
        port["node_port_field"] = field
    if profile in PINNED_PROFILES:
        for port in ports:
            if port["node_port"] is None and port["name"] in DEFAULT_NODE_PORTS:
                default = DEFAULT_NODE_PORTS[port["name"]]
                if not port_range[0] <= default <= port_range[1]:
                    raise field_error("node_ports.%s" % port["name"],
                                      "the default nodePort %d is outside node_port_range %d-%d"
                                      % ((default,) + tuple(port_range)),
                                      "Pin every port of the profile in node_ports, within %d-%d."
                                      % tuple(port_range))
                port["node_port"] = default
                port["node_port_field"] = "node_ports.%s (default %d)" % (port["name"], port["node_port"])


def _check_node_ports(ports, profile, port_range):
    seen = {}
    for port in ports:
        number = port["node_port"]
        if number is None:
            if profile in PINNED_PROFILES:
                raise field_error("%s.node_port" % port["field"],
                                  "profile %s pins every nodePort but port %s has none" % (profile, port["name"]),
                                  "The edge in front forwards to fixed nodePorts: give node_port (%d-%d) "
                                  "or set node_ports.%s." % (port_range[0], port_range[1], port["name"]))
            continue
        if number in seen:
            first = seen[number]
            # name the option the user wrote (a default is named in the message)
            blamed = port if "(default" not in port["node_port_field"] else first
            other = first if blamed is port else port
            raise field_error(blamed["node_port_field"].split(" ")[0],
                              "nodePort %d is also used by %s" % (number, other["node_port_field"]),
                              "Give every port its own nodePort.")
        seen[number] = port


def find_port(ports, name):
    for port in ports:
        if port["name"] == name:
            return port
    return None


def effective_target(port, ports, live_targets=None):
    """The targetPort this port should have: given > derived from another port > live value > chart default.

    ``live_targets`` maps (port, protocol) -> the live targetPort (live mode).
    """
    if port["target_port"] is not None:
        return port["target_port"]
    if port["target_from"]:
        source = find_port(ports, port["target_from"])
        if source is not None:
            return effective_target(source, ports, live_targets)
    if live_targets and (port["port"], port["protocol"]) in live_targets:
        return live_targets[(port["port"], port["protocol"])]
    return port["default_target"]


def pinned_node_ports(ports):
    """dict port name -> pinned nodePort."""
    return dict((p["name"], p["node_port"]) for p in ports if p["node_port"] is not None)
