# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Front Door Standard/Premium request bodies and resource ids (pure, private).

Inputs are the ``frontdoor_origin`` module options; outputs are ARM REST bodies (the JSON shape of the REST API
and of azure-mgmt-cdn's models, which accept them as mappings). Only the fields the collection owns are set, so
the same dicts serve as "desired state" for the owned-field comparison (``frontdoor_compare``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

PREMIUM = "Premium_AzureFrontDoor"
STANDARD = "Standard_AzureFrontDoor"
LOCATION = "Global"
PLS_TYPE = "microsoft.network/privatelinkservices"
WAF_TYPE = "microsoft.network/frontdoorwebapplicationfirewallpolicies"

# the order resources are created in; deleted in the reverse order
CHAIN = ("profile", "endpoint", "origin_group", "origin", "custom_domain", "route", "security_policy")


def _enabled(flag):
    return "Enabled" if flag else "Disabled"


# -- resource ids -----------------------------------------------------------------------------------------
def profile_id(sub, rg, profile):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Cdn/profiles/%s" % (sub, rg, profile)


def child_id(sub, rg, profile, *pairs):
    """Id of a profile's child: ``child_id(s, rg, p, "originGroups", "og", "origins", "o")``."""
    return profile_id(sub, rg, profile) + "".join("/%s" % p for p in pairs)


def pls_id(sub, rg, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/privateLinkServices/%s" % (sub, rg, name)


def parse_resource_id(rid):
    """``dict(subscription, resource_group, provider, type, name)`` of a top-level ARM id, or None."""
    seg = [s for s in (rid or "").split("/") if s]
    if len(seg) != 8 or seg[0].lower() != "subscriptions" or seg[2].lower() != "resourcegroups" \
            or seg[4].lower() != "providers":
        return None
    return dict(subscription=seg[1], resource_group=seg[3], provider=seg[5], name=seg[7],
                type=("%s/%s" % (seg[5], seg[6])).lower())


def names(params):
    """The names of every resource of the chain, from the options."""
    return dict(
        resource_group=params["resource_group"], profile=params["profile_name"], endpoint=params["endpoint_name"],
        origin_group=params["origin_group"]["name"], origin=params["origin"]["name"], route=params["route"]["name"],
        custom_domains=[d["name"] for d in params.get("custom_domains") or []],
        security_policy=(params.get("waf_policy") or {}).get("name"))


def default_request_message(params):
    """Unique per origin: it is how the module recognises Front Door's connection on the Private Link Service."""
    return "Azure Front Door %s/%s/%s (meshops.istio_edge)" % (
        params["profile_name"], params["origin_group"]["name"], params["origin"]["name"])


def connection_tag(params):
    """The profile tag that remembers the name of this origin's private endpoint connection on the Private Link
    Service (AFD origins take no tags; Front Door tag names take no ':' or '#')."""
    name = "meshops-istio-edge.connection.%s.%s" % (params["origin_group"]["name"], params["origin"]["name"])
    if len(name) > 512:
        name = name[:490] + "." + hashlib.sha256(name.encode()).hexdigest()[:20]
    return name


# -- bodies -----------------------------------------------------------------------------------------------
def profile_body(params):
    body = {"location": LOCATION, "sku": {"name": params["sku"]}, "properties": {}}
    if params.get("tags"):
        body["tags"] = dict(params["tags"])
    if params.get("origin_response_timeout") is not None:
        body["properties"]["originResponseTimeoutSeconds"] = params["origin_response_timeout"]
    return body


def endpoint_body(params):
    body = {"location": LOCATION, "properties": {"enabledState": "Enabled"}}
    if params.get("tags"):
        body["tags"] = dict(params["tags"])
    return body


def origin_group_body(group):
    return {"properties": {
        "healthProbeSettings": {
            "probePath": group["probe_path"], "probeProtocol": group["probe_protocol"],
            "probeRequestType": group["probe_method"], "probeIntervalInSeconds": group["probe_interval"]},
        "loadBalancingSettings": {
            "sampleSize": group["sample_size"], "successfulSamplesRequired": group["successful_samples_required"],
            "additionalLatencyInMilliseconds": group["additional_latency_ms"]},
        "sessionAffinityState": _enabled(group.get("session_affinity")),
    }}


def origin_body(origin, host_name, private_link=None):
    """``private_link``: ``dict(id, location, request_message)`` resolved by the runner, or None."""
    props = {
        "hostName": host_name,
        # unset: Front Door forwards the client's Host header, which Istio routes by (probes carry the origin host)
        "originHostHeader": origin.get("origin_host_header") or None,
        "httpPort": origin["http_port"], "httpsPort": origin["https_port"],
        "priority": origin["priority"], "weight": origin["weight"],
        "enabledState": _enabled(origin["enabled"]),
        "enforceCertificateNameCheck": origin["enforce_certificate_name_check"],
        "sharedPrivateLinkResource": None,
    }
    if private_link:
        props["sharedPrivateLinkResource"] = {
            "privateLink": {"id": private_link["id"]}, "privateLinkLocation": private_link["location"],
            "requestMessage": private_link["request_message"]}
    return {"properties": props}


def route_body(route, origin_group_id, custom_domain_ids=()):
    return {"properties": {
        "originGroup": {"id": origin_group_id},
        "patternsToMatch": list(route["patterns"]),
        "supportedProtocols": list(route["supported_protocols"]),
        "httpsRedirect": _enabled(route["https_redirect"]),
        "forwardingProtocol": route["forwarding_protocol"],
        "linkToDefaultDomain": _enabled(route["link_to_default_domain"]),
        "enabledState": _enabled(route["enabled"]),
        "customDomains": [{"id": i} for i in custom_domain_ids],
    }}


def custom_domain_body(domain):
    tls = {"certificateType": domain["certificate_type"], "minimumTlsVersion": domain["minimum_tls_version"]}
    if domain.get("secret_id"):
        tls["secret"] = {"id": domain["secret_id"]}
    return {"properties": {"hostName": domain["host_name"], "tlsSettings": tls}}


def security_policy_body(waf, domain_ids):
    return {"properties": {"parameters": {
        "type": "WebApplicationFirewall",
        "wafPolicy": {"id": waf["id"]},
        "associations": [{"domains": [{"id": i} for i in domain_ids], "patternsToMatch": list(waf["patterns"])}],
    }}}


# fields ARM only accepts at creation (a PATCH cannot change them)
CREATE_ONLY = {
    "profile": (("sku", "name"), ("location",)),
    "endpoint": (("location",),),
    "custom_domain": (("properties", "hostName"),),
}

# ARM update operations take only these top-level keys
PATCHABLE = ("properties", "tags")


def patch_body(kind, desired, live):
    """The PATCH body for ``kind``: owned fields minus create-only ones; tags merged with the live ones."""
    body = dict((k, v) for k, v in desired.items() if k in PATCHABLE)
    props = dict(body.get("properties") or {})
    for path in CREATE_ONLY.get(kind, ()):
        if path[0] == "properties" and len(path) == 2:
            props.pop(path[1], None)
    body["properties"] = props
    if "tags" in body:
        merged = dict((live or {}).get("tags") or {})
        merged.update(body["tags"])
        body["tags"] = merged
    return body
