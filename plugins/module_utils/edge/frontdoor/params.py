# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the ``frontdoor_origin`` options before anything is read or written (pure, private).

Every problem is an EdgeError naming the option by its dotted path and saying how to fix it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.models import (
    PLS_TYPE, PREMIUM, WAF_TYPE, parse_resource_id)

# Front Door resource names: letters, digits and hyphens, starting and ending with a letter or digit
_AFD_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,258}[a-zA-Z0-9])?$")
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,44}[a-zA-Z0-9])?$")
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$", re.UNICODE)


_AFD_NAME_RULE = "letters, digits and hyphens, starting and ending with a letter or digit"


def _name(field, value, pattern=_AFD_NAME, what=_AFD_NAME_RULE):
    if not value or not pattern.fullmatch(value):
        raise field_error(field, "'%s' is not a valid name" % value, "Use %s." % what)


def _is_host(value, min_labels=1):
    """A host name (any case; a trailing dot allowed) or an IPv4 address."""
    return names.is_hostname(value.lower(), wildcard=False, trailing_dot=True, min_labels=min_labels)


def _range(field, value, low, high):
    if value is None or not low <= value <= high:
        raise field_error(field, "%s is out of range" % value, "Use a value from %d to %d." % (low, high))


def _path(field, value):
    if not value or not value.startswith("/"):
        raise field_error(field, "'%s' is not a URL path" % value, "Give a path starting with '/', e.g. /probe.")


def validate_common(params):
    """Checks shared by state=present and state=absent."""
    if not params.get("resource_group") or not _RG_NAME.fullmatch(params["resource_group"]):
        raise field_error("resource_group", "'%s' is not a valid resource group name" % params.get("resource_group"),
                          "Use the name of the resource group that holds (or will hold) the Front Door profile.")
    _name("profile_name", params.get("profile_name"))
    _name("endpoint_name", params.get("endpoint_name"), _ENDPOINT_NAME,
          "2 to 46 letters, digits and hyphens, starting and ending with a letter or digit")
    for key in ("origin_group", "origin", "route"):
        _name("%s.name" % key, (params.get(key) or {}).get("name"))
    for i, domain in enumerate(params.get("custom_domains") or []):
        _name("custom_domains[%d].name" % i, domain.get("name"))
    if params.get("waf_policy"):
        _name("waf_policy.name", params["waf_policy"].get("name"))


def validate_present(params):
    """Everything ``state=present`` needs, checked before the first request."""
    validate_common(params)
    group, origin, route = params["origin_group"], params["origin"], params["route"]
    _path("origin_group.probe_path", group["probe_path"])
    _range("origin_group.probe_interval", group["probe_interval"], 1, 255)
    _range("origin_group.sample_size", group["sample_size"], 1, 255)
    _range("origin_group.successful_samples_required", group["successful_samples_required"], 1, group["sample_size"])
    _range("origin_group.additional_latency_ms", group["additional_latency_ms"], 0, 1000)
    _range("origin.http_port", origin["http_port"], 1, 65535)
    _range("origin.https_port", origin["https_port"], 1, 65535)
    _range("origin.priority", origin["priority"], 1, 5)
    _range("origin.weight", origin["weight"], 1, 1000)
    if origin.get("host_name") and not _is_host(origin["host_name"]):
        raise field_error("origin.host_name", "'%s' is neither an IP address nor a host name" % origin["host_name"],
                          "Give the internal load balancer's IP, or leave it unset to read it from the gateway "
                          "Service.")
    if params.get("origin_response_timeout") is not None:
        _range("origin_response_timeout", params["origin_response_timeout"], 16, 240)
    if not route["patterns"]:
        raise field_error("route.patterns", "no pattern given", "Give at least one pattern, e.g. ['/*'].")
    for i, pattern in enumerate(route["patterns"]):
        _path("route.patterns[%d]" % i, pattern)
    if not route["supported_protocols"]:
        raise field_error("route.supported_protocols", "no protocol given", "Use [Http, Https].")
    if route["https_redirect"] and "Https" not in route["supported_protocols"]:
        raise field_error("route.https_redirect", "redirecting to HTTPS needs Https in route.supported_protocols",
                          "Add Https to route.supported_protocols or set route.https_redirect=false.")
    if not route["link_to_default_domain"] and not params.get("custom_domains"):
        raise field_error("route.link_to_default_domain", "the route would serve no domain",
                          "Keep route.link_to_default_domain=true or add custom_domains.")
    _validate_private_link(params)
    _validate_domains(params)
    _validate_waf(params)


def _validate_private_link(params):
    link = params.get("private_link")
    if not link:
        return
    if params["sku"] != PREMIUM:
        raise field_error("sku", "Private Link origins need the Premium tier, and sku is %s" % params["sku"],
                          "Set sku=%s (or remove private_link for a public origin)." % PREMIUM)
    if link.get("id"):
        parsed = parse_resource_id(link["id"])
        if parsed is None or parsed["type"] != PLS_TYPE:
            raise field_error("private_link.id", "'%s' is not a Private Link Service id" % link["id"],
                              "Use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                              "privateLinkServices/<name> ('az network private-link-service show --query id').")
        if link.get("name") and link["name"].lower() != parsed["name"].lower():
            raise field_error("private_link.name", "'%s' contradicts private_link.id" % link["name"],
                              "Give either private_link.id or private_link.name with private_link.resource_group.")
    elif not link.get("resource_group"):
        raise field_error("private_link.resource_group", "needed to find the Private Link Service by name",
                          "Give the resource group AKS created it in (the node resource group, e.g. "
                          "MC_<rg>_<cluster>_<region>), or give private_link.id.")
    if link.get("request_message") is not None and not 1 <= len(link["request_message"]) <= 140:
        raise field_error("private_link.request_message", "must be 1 to 140 characters",
                          "Shorten the message (ARM limits it to 140 characters).")
    _range("private_link.approval_timeout", link.get("approval_timeout"), 0, 7200)


def _validate_domains(params):
    seen = set()
    for i, domain in enumerate(params.get("custom_domains") or []):
        field = "custom_domains[%d]" % i
        if domain["name"].lower() in seen:
            raise field_error(field + ".name", "'%s' is used twice" % domain["name"], "Give each domain its own name.")
        seen.add(domain["name"].lower())
        host = domain.get("host_name") or ""
        if not _is_host(host, min_labels=2):
            raise field_error(field + ".host_name", "'%s' is not a fully qualified host name" % host,
                              "Give the domain users will browse, e.g. shop.example.com.")
        if domain["certificate_type"] == "CustomerCertificate" and not domain.get("secret_id"):
            raise field_error(field + ".secret_id", "a CustomerCertificate needs the Front Door secret holding it",
                              "Give secret_id, or use certificate_type=ManagedCertificate.")


def _validate_waf(params):
    waf = params.get("waf_policy")
    if not waf:
        return
    parsed = parse_resource_id(waf.get("id"))
    if parsed is None or parsed["type"] != WAF_TYPE:
        raise field_error("waf_policy.id", "'%s' is not a Front Door WAF policy id" % waf.get("id"),
                          "Use /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                          "FrontDoorWebApplicationFirewallPolicies/<name>.")
    for i, pattern in enumerate(waf["patterns"]):
        _path("waf_policy.patterns[%d]" % i, pattern)
