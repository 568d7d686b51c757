# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gateway Service plan for an edge profile (private, pure: no I/O).

``build_plan(params)`` validates every option (raising an EdgeError that names it) and returns::

    {"profile", "name", "namespace", "type", "ports", "annotations", "external_traffic_policy",
     "load_balancer_ip", "load_balancer_source_ranges", "status_port", "health_check", "warnings"}

Both ways of applying it (Helm values, server-side apply onto a live Service) start from this plan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway import annotations as ann
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import (
    CHART_STATUS_PORT, STATUS_PORT_NAME, build_ports, effective_target, find_port)

PROFILE_TYPES = {
    "alb": "NodePort",
    "nlb": "LoadBalancer",
    "azure_private_link": "LoadBalancer",
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
}
PROFILES = tuple(sorted(PROFILE_TYPES))
PROFILE_ANNOTATION = "istio-edge.meshops.io/edge-profile"
DEFAULT_HEALTH_CHECK_PATH = "/healthz/ready"

# option -> profiles it applies to
_PROFILE_OPTIONS = {
    "alb": ("alb",),
    "nlb": ("nlb",),
    "azure": ("azure_private_link",),
    "load_balancer_source_ranges": ("nlb", "azure_private_link", "loadbalancer"),
    "load_balancer_ip": ("loadbalancer",),
}
_OPTION_HINTS = {
    ("load_balancer_ip", "azure_private_link"): "Use azure.load_balancer_ip for the internal LB address.",
    ("load_balancer_ip", "nlb"): "The AWS Load Balancer Controller ignores spec.loadBalancerIP; remove it.",
}
_ANNOTATION_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")  # the name part of a key


def _is_set(value):
    if isinstance(value, dict):
        return ann.given(value)
    return value not in (None, [], "")


def check_profile_options(params):
    """Options that do not apply to the chosen profile are errors (they would silently do nothing)."""
    profile = params.get("profile")
    if profile not in PROFILE_TYPES:
        raise field_error("profile", "unknown edge profile %r" % (profile,), "Use one of %s." % ", ".join(PROFILES))
    for option in sorted(_PROFILE_OPTIONS):
        profiles = _PROFILE_OPTIONS[option]
        if profile not in profiles and _is_set(params.get(option)):
            hint = _OPTION_HINTS.get((option, profile)) or "Remove %s, or use profile %s." % (
                option, " or ".join(profiles))
            raise field_error(option, "does not apply to profile %s (only to %s)" % (profile, ", ".join(profiles)),
                              hint)


def _annotation_key(key):
    """``[prefix/]name``: a DNS subdomain prefix, a name of at most 63 letters, digits, -_. (Kubernetes' rule)."""
    if not isinstance(key, str):
        return False
    prefix, slash, name = key.rpartition("/")
    return (not slash or names.is_subdomain(prefix)) and len(name) <= 63 and bool(_ANNOTATION_NAME.fullmatch(name))


def user_annotations(annotations):
    """The ``annotations`` option as a dict of strings (booleans become "true"/"false")."""
    result = {}
    if annotations is None:
        return result
    if not isinstance(annotations, dict):
        raise field_error("annotations", "expected a dict", "e.g. annotations: {example.com/owner: team-a}.")
    for key, value in annotations.items():
        field = "annotations.%s" % key
        if not _annotation_key(key):
            raise field_error(field, "%r is not a valid annotation key" % (key,),
                              "Use [prefix/]name with a DNS-subdomain prefix and a name of letters, digits, -_.")
        if value is None or isinstance(value, (dict, list)):
            raise field_error(field, "annotation values must be strings", "Quote the value, e.g. \"true\".")
        result[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return result


def build_plan(params):
    """Validate the module options and compute the Service shape (see the module docstring)."""
    check_profile_options(params)
    profile = params["profile"]
    for option, rfc1035, what in (("name", True, "Service name (lower-case letters, digits, '-', starting "
                                   "with a letter, at most 63 characters)"),
                                  ("namespace", False, "namespace name (lower-case letters, digits, '-', at "
                                   "most 63 characters)")):
        value = params.get(option)
        if value is not None and not names.is_label(str(value), rfc1035=rfc1035):
            raise field_error(option, "%r is not a valid %s" % (value, what), "e.g. istio-ingress.")
    path = params.get("health_check_path") or DEFAULT_HEALTH_CHECK_PATH
    if not str(path).startswith("/"):
        raise field_error("health_check_path", "%r must start with /" % path, "e.g. /healthz/ready.")
    policy = params.get("external_traffic_policy")
    if policy not in (None, "Cluster", "Local"):
        raise field_error("external_traffic_policy", "%r is not Cluster or Local" % policy, "Use Cluster or Local.")
    ports = build_ports(profile, params.get("status_port") or CHART_STATUS_PORT, ports=params.get("ports"),
                        extra_ports=params.get("extra_ports"), node_ports=params.get("node_ports"),
                        node_port_range=params.get("node_port_range"))
    warnings = []
    status = find_port(ports, STATUS_PORT_NAME)

    if profile == "alb":
        annotations = ann.alb_annotations(params.get("alb"), ports, path)
    elif profile == "nlb":
        annotations = ann.nlb_annotations(params.get("nlb"), ports, path, policy)
        https, http2 = find_port(ports, "https"), find_port(ports, "http2")
        if ann.nlb_tls_offload(params.get("nlb")) and https and http2 and https["target_port"] is None:
            # The NLB terminates TLS and forwards plain TCP: send 443 to the gateway's HTTP listener.
            https["target_from"] = "http2"
    elif profile == "azure_private_link":
        annotations = ann.azure_annotations(params.get("azure"), ports, path, params.get("name") or "istio-ingress")
    else:
        annotations = {}
    annotations[PROFILE_ANNOTATION] = profile
    annotations.update(user_annotations(params.get("annotations")))

    ranges = params.get("load_balancer_source_ranges") or []
    for idx, cidr in enumerate(ranges):
        try:
            ipaddress.ip_network(u"%s" % (cidr,), strict=False)
            valid = "/" in str(cidr)
        except ValueError:
            valid = False
        if not valid:
            raise field_error("load_balancer_source_ranges[%d]" % idx, "%r is not a CIDR" % (cidr,),
                              "e.g. 10.0.0.0/8.")
    return {
        "profile": profile,
        "name": params.get("name") or "istio-ingress",
        "namespace": params.get("namespace") or "istio-ingress",
        "type": PROFILE_TYPES[profile],
        "ports": ports,
        "annotations": annotations,
        "external_traffic_policy": policy,
        "load_balancer_ip": params.get("load_balancer_ip") or None,
        "load_balancer_source_ranges": [str(c) for c in ranges],
        "status_port": status["port"],
        "health_check": {
            "port_name": STATUS_PORT_NAME,
            "port": status["port"],
            "target_port": effective_target(status, ports),
            "node_port": status["node_port"],
            "path": path,
            "protocol": "HTTP",
        },
        "warnings": warnings,
    }
