# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service annotations per edge profile (private, pure: no I/O).

- ``alb``: health-check annotations read by the AWS Load Balancer Controller from the backend Service. The controller
  also reads them from the Ingress, and uses the Ingress's when the Service sets none; the Service's win. They go on
  the Service because the health check belongs to the gateway, not to one Ingress: every Ingress that sends traffic
  to the gateway (another team's, another member of an IngressGroup) gets the same health check, and the named
  port ``status-port`` is resolved against this Service's ports.
- ``nlb``: the controller's NLB annotations (type external, target type, scheme, attributes, TLS, health check).
- ``azure_private_link``: internal LB + managed Private Link Service + per-port probes of the status port.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import (
    STATUS_PORT_NAME, as_int, effective_target, find_port)

ALB = "alb.ingress.kubernetes.io/"
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
AZURE = "service.beta.kubernetes.io/"

ALB_DEFAULTS = {
    "health_check_port": "named", "target_type": "instance", "health_check_protocol": "HTTP",
    "success_codes": "200", "interval_seconds": None, "timeout_seconds": None,
    "healthy_threshold": None, "unhealthy_threshold": None,
}
NLB_DEFAULTS = {
    "scheme": "internal", "target_type": "ip", "health_check": "http", "certificate_arn": None, "ssl_ports": None,
    "backend_protocol": "tcp", "ssl_negotiation_policy": None, "cross_zone": True, "attributes": None,
    "security_groups": None, "subnets": None, "tags": None, "name": None, "healthy_threshold": None,
    "unhealthy_threshold": None, "interval_seconds": None,
}
AZURE_DEFAULTS = {
    "pls_name": None, "pls_subnet": None, "internal_subnet": None, "load_balancer_ip": None, "visibility": None,
    "auto_approval": None, "expose_status_port": False, "probe_interval": None, "probe_threshold": None,
}
_CHOICES = {
    "alb.health_check_port": ("named", "number"), "alb.target_type": ("instance", "ip"),
    "alb.health_check_protocol": ("HTTP", "HTTPS"), "nlb.scheme": ("internal", "internet-facing"),
    "nlb.target_type": ("ip", "instance"), "nlb.health_check": ("http", "tcp"), "nlb.backend_protocol": ("tcp", "ssl"),
}


def given(options):
    """True when an options dict (alb/nlb/azure) carries at least one value."""
    return bool(options) and any(value not in (None, [], {}) for value in options.values())


def with_defaults(kind, options, defaults):
    """``options`` completed with ``defaults``; unknown keys and bad choices raise an EdgeError."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise field_error("%s.%s" % (kind, unknown[0]), "unknown option",
                          "Options of %s are: %s." % (kind, ", ".join(sorted(defaults))))
    result = dict(defaults)
    result.update(dict((k, v) for k, v in options.items() if v is not None))
    for key, value in result.items():
        choices = _CHOICES.get("%s.%s" % (kind, key))
        if choices and value not in choices:
            raise field_error("%s.%s" % (kind, key), "%r is not one of %s" % (value, ", ".join(choices)),
                              "Use one of %s." % ", ".join(choices))
    return result


def _text_list(value, field):
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, (list, tuple)):
        raise field_error(field, "expected a list of strings", "Give a YAML list.")
    return [str(v).strip() for v in value if str(v).strip()]


def _bool(value):
    return "true" if value else "false"


def _optional_ints(annotations, options, mapping, kind):
    for key, (annotation, low, high) in mapping.items():
        if options.get(key) is not None:
            annotations[annotation] = str(as_int(options[key], "%s.%s" % (kind, key), low, high))


# -- ALB ------------------------------------------------------------------------------------------------
def alb_annotations(options, ports, health_check_path):
    """Health checks of the ALB target group, put on the gateway Service.

    ``healthcheck-port: status-port`` (a named port) is the robust default: the controller resolves it to the
    status port's nodePort with target-type instance and to its targetPort with target-type ip, so it stays right
    when nodePorts are re-assigned or the target type changes. ``health_check_port: number`` writes the number
    instead (the pinned nodePort for instance targets, the targetPort for ip targets).
    """
    opts = with_defaults("alb", options, ALB_DEFAULTS)
    status = find_port(ports, STATUS_PORT_NAME)
    if opts["health_check_port"] == "named":
        port = STATUS_PORT_NAME
    elif opts["target_type"] == "ip":
        port = str(effective_target(status, ports))
    else:
        port = str(status["node_port"])
    annotations = {
        ALB + "healthcheck-port": port,
        ALB + "healthcheck-path": health_check_path,
        ALB + "healthcheck-protocol": opts["health_check_protocol"],
        ALB + "success-codes": str(opts["success_codes"]),
    }
    _optional_ints(annotations, opts, {
        "interval_seconds": (ALB + "healthcheck-interval-seconds", 5, 300),
        "timeout_seconds": (ALB + "healthcheck-timeout-seconds", 2, 120),
        "healthy_threshold": (ALB + "healthy-threshold-count", 2, 10),
        "unhealthy_threshold": (ALB + "unhealthy-threshold-count", 2, 10),
    }, "alb")
    return annotations


# -- NLB ------------------------------------------------------------------------------------------------
def nlb_annotations(options, ports, health_check_path, external_traffic_policy=None):
    """AWS Load Balancer Controller annotations for an NLB in front of the gateway."""
    given_keys = set(k for k, v in (options or {}).items() if v not in (None, [], {}))
    opts = with_defaults("nlb", options, NLB_DEFAULTS)
    status = find_port(ports, STATUS_PORT_NAME)
    annotations = {
        AWS + "type": "external",
        AWS + "nlb-target-type": opts["target_type"],
        AWS + "scheme": opts["scheme"],
    }
    attributes = {"load_balancing.cross_zone.enabled": _bool(opts["cross_zone"])}
    for key, value in sorted((opts["attributes"] or {}).items()):
        _check_pair(key, value, "nlb.attributes.%s" % key)
        attributes[key] = _bool(value) if isinstance(value, bool) else str(value)
    annotations[AWS + "attributes"] = ",".join("%s=%s" % kv for kv in sorted(attributes.items()))

    if opts["health_check"] == "http":
        if opts["target_type"] == "instance":
            if status["node_port"] is None:
                raise field_error("node_ports.%s" % STATUS_PORT_NAME,
                                  "nlb.target_type instance with nlb.health_check http needs a pinned nodePort "
                                  "for status-port",
                                  "Instance targets are probed on the node, so the NLB must probe the status "
                                  "port's nodePort: set node_ports.status-port (e.g. 30021), or use target_type ip.")
            probe_port = status["node_port"]
        else:
            probe_port = effective_target(status, ports)
        annotations.update({
            AWS + "healthcheck-protocol": "http",
            AWS + "healthcheck-port": str(probe_port),
            AWS + "healthcheck-path": health_check_path,
        })
    else:
        if external_traffic_policy == "Local":
            raise field_error("nlb.health_check", "tcp does not work with external_traffic_policy Local",
                              "With Local, nodes without a gateway pod must fail the check: use health_check http.")
        annotations.update({AWS + "healthcheck-protocol": "tcp", AWS + "healthcheck-port": "traffic-port"})
    _optional_ints(annotations, opts, {
        "healthy_threshold": (AWS + "healthcheck-healthy-threshold", 2, 10),
        "unhealthy_threshold": (AWS + "healthcheck-unhealthy-threshold", 2, 10),
        "interval_seconds": (AWS + "healthcheck-interval", 5, 300),
    }, "nlb")

    certificates = _text_list(opts["certificate_arn"], "nlb.certificate_arn")
    for idx, arn in enumerate(certificates):
        if not arn.startswith("arn:"):
            raise field_error("nlb.certificate_arn[%d]" % idx, "%r is not an ARN" % arn,
                              "Give ACM certificate ARNs (arn:aws:acm:<region>:<account>:certificate/<id>).")
    if certificates:
        annotations[AWS + "ssl-cert"] = ",".join(certificates)
        annotations[AWS + "ssl-ports"] = ",".join(_ssl_ports(opts, ports))
        annotations[AWS + "backend-protocol"] = opts["backend_protocol"]
        if opts["ssl_negotiation_policy"]:
            annotations[AWS + "ssl-negotiation-policy"] = str(opts["ssl_negotiation_policy"])
    else:
        for key in ("ssl_ports", "backend_protocol", "ssl_negotiation_policy"):
            if key in given_keys:
                raise field_error("nlb.%s" % key, "only applies with a TLS listener",
                                  "Set nlb.certificate_arn (ACM certificate ARNs), or remove nlb.%s." % key)

    groups = _text_list(opts["security_groups"], "nlb.security_groups")
    if groups:
        annotations[AWS + "security-groups"] = ",".join(groups)
    subnets = _text_list(opts["subnets"], "nlb.subnets")
    if subnets:
        annotations[AWS + "subnets"] = ",".join(subnets)
    if opts["tags"]:
        for key, value in opts["tags"].items():
            _check_pair(key, value, "nlb.tags.%s" % key)
        annotations[AWS + "additional-resource-tags"] = ",".join(
            "%s=%s" % (k, v) for k, v in sorted((str(k), str(v)) for k, v in opts["tags"].items()))
    if opts["name"]:
        name = str(opts["name"])
        if len(name) > 32 or not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$", name):
            raise field_error("nlb.name", "%r is not a valid load balancer name" % name,
                              "At most 32 letters, digits and '-', not starting or ending with '-'.")
        annotations[AWS + "name"] = name
    return annotations


def nlb_tls_offload(options):
    """True when the NLB terminates TLS and forwards plain TCP (certificate given, backend protocol tcp)."""
    opts = with_defaults("nlb", options, NLB_DEFAULTS)
    return bool(_text_list(opts["certificate_arn"], "nlb.certificate_arn")) and opts["backend_protocol"] == "tcp"


def _ssl_ports(opts, ports):
    wanted = _text_list(opts["ssl_ports"], "nlb.ssl_ports")
    if not wanted:
        https = find_port(ports, "https")
        if https is None:
            raise field_error("nlb.ssl_ports", "no port named https to put the TLS listener on",
                              "List the TLS ports (names or numbers) in nlb.ssl_ports.")
        return [str(https["port"])]
    known = set(p["name"] for p in ports) | set(str(p["port"]) for p in ports)
    for idx, item in enumerate(wanted):
        if item not in known:
            raise field_error("nlb.ssl_ports[%d]" % idx, "%s is not a port of the Service" % item,
                              "Use port names or numbers from: %s." % ", ".join(sorted(known)))
    return wanted


def _check_pair(key, value, field):
    for text in (str(key), str(value)):
        if "," in text or "=" in text or not text.strip():
            raise field_error(field, "%r cannot be encoded in a k=v,k=v annotation" % text,
                              "Keys and values must be non-empty and contain no ',' or '='.")


# -- Azure ----------------------------------------------------------------------------------------------
def azure_annotations(options, ports, health_check_path, service_name):
    """Internal Azure LB + managed Private Link Service; every TCP port probes the status port's readiness.

    Without the per-port probe annotations a port with appProtocol http is probed with ``GET /`` (Istio answers
    404) and other TCP ports with a bare TCP connect that succeeds before any Gateway binds the port.
    ``port_<n>_health-probe_port`` names the *Service* port of the status port; the cloud provider probes its
    nodePort.
    """
    opts = with_defaults("azure", options, AZURE_DEFAULTS)
    if not opts["pls_subnet"]:
        raise field_error("azure.pls_subnet", "is required for profile azure_private_link",
                          "Name the subnet (in the cluster's VNet) that holds the Private Link Service NAT IPs, "
                          "e.g. azure: {pls_subnet: snet-pls}.")
    status = find_port(ports, STATUS_PORT_NAME)
    pls_name = str(opts["pls_name"] or "%s-pls" % service_name)
    if len(pls_name) > 80 or not re.match(r"^[A-Za-z0-9]([-._A-Za-z0-9]*[_A-Za-z0-9])?$", pls_name):
        raise field_error("azure.pls_name", "%r is not a valid Azure resource name" % pls_name,
                          "1-80 letters, digits, '-', '.', '_', starting with a letter or digit.")
    annotations = {
        AZURE + "azure-load-balancer-internal": "true",
        AZURE + "azure-pls-create": "true",
        AZURE + "azure-pls-name": pls_name,
        AZURE + "azure-pls-ip-configuration-subnet": str(opts["pls_subnet"]),
    }
    if opts["internal_subnet"]:
        annotations[AZURE + "azure-load-balancer-internal-subnet"] = str(opts["internal_subnet"])
    if opts["load_balancer_ip"]:
        address = str(opts["load_balancer_ip"])
        parts = address.split(".")
        if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            raise field_error("azure.load_balancer_ip", "%r is not an IPv4 address" % address,
                              "Give a free address of the internal LB subnet, e.g. 10.240.0.100.")
        annotations[AZURE + "azure-load-balancer-ipv4"] = address
    visibility = _text_list(opts["visibility"], "azure.visibility")
    approval = _text_list(opts["auto_approval"], "azure.auto_approval")
    if approval and "*" not in visibility and not set(approval) <= set(visibility):
        raise field_error("azure.auto_approval", "lists subscriptions the Private Link Service is not visible to",
                          "Add them to azure.visibility (or set visibility ['*']).")
    if visibility:
        annotations[AZURE + "azure-pls-visibility"] = " ".join(visibility)
    if approval:
        annotations[AZURE + "azure-pls-auto-approval"] = " ".join(approval)
    for port in ports:
        if port["protocol"] != "TCP" or port is status:
            continue
        prefix = "%sport_%d_health-probe_" % (AZURE, port["port"])
        annotations[prefix + "protocol"] = "http"
        annotations[prefix + "port"] = str(status["port"])
        annotations[prefix + "request-path"] = health_check_path
    if not opts["expose_status_port"]:
        annotations["%sport_%d_no_lb_rule" % (AZURE, status["port"])] = "true"
    interval = probes = None
    if opts["probe_interval"] is not None:
        interval = as_int(opts["probe_interval"], "azure.probe_interval", 5, 119)
        annotations[AZURE + "azure-load-balancer-health-probe-interval"] = str(interval)
    if opts["probe_threshold"] is not None:
        probes = as_int(opts["probe_threshold"], "azure.probe_threshold", 2, 59)
        annotations[AZURE + "azure-load-balancer-health-probe-num-of-probe"] = str(probes)
    if (interval or 5) * (probes or 2) >= 120:
        raise field_error("azure.probe_interval", "probe_interval x probe_threshold must stay under 120 seconds",
                          "Lower azure.probe_interval or azure.probe_threshold.")
    return annotations
