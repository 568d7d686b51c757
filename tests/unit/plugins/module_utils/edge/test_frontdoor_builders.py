# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Front Door request bodies and ids (edge.frontdoor), from options validated by the module's real argument spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor import models as fd

SUB = "3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PLS = "/subscriptions/%s/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/pls-istio" % SUB


def params(**options):
    base = dict(resource_group="rg-edge", profile_name="fd-shop", endpoint_name="shop", subscription_id=SUB)
    base.update(options)
    result = ArgumentSpecValidator(argument_spec()).validate(base)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def test_profile_is_premium_and_global_with_owned_fields_only():
    assert fd.profile_body(params()) == {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"},
                                         "properties": {}}
    body = fd.profile_body(params(tags={"team": "edge"}, origin_response_timeout=60))
    assert body["tags"] == {"team": "edge"}
    assert body["properties"] == {"originResponseTimeoutSeconds": 60}


def test_origin_group_defaults_are_the_seed_probe():
    body = fd.origin_group_body(params()["origin_group"])
    assert body["properties"]["healthProbeSettings"] == {"probePath": "/probe", "probeProtocol": "Http",
                                                         "probeRequestType": "GET", "probeIntervalInSeconds": 100}
    assert body["properties"]["loadBalancingSettings"] == {"sampleSize": 4, "successfulSamplesRequired": 3,
                                                           "additionalLatencyInMilliseconds": 50}
    assert body["properties"]["sessionAffinityState"] == "Disabled"


def test_origin_with_shared_private_link():
    link = {"id": PLS, "location": "eastus", "request_message": "fd-shop please"}
    props = fd.origin_body(params()["origin"], "10.224.0.50", link)["properties"]
    assert props["hostName"] == "10.224.0.50"
    assert props["originHostHeader"] is None           # the client's Host header reaches Istio's host routing
    assert (props["httpPort"], props["httpsPort"], props["priority"], props["weight"]) == (80, 443, 1, 1000)
    assert props["enabledState"] == "Enabled" and props["enforceCertificateNameCheck"] is True
    assert props["sharedPrivateLinkResource"] == {"privateLink": {"id": PLS}, "privateLinkLocation": "eastus",
                                                  "requestMessage": "fd-shop please"}
    # a public origin says so explicitly: a private link set by hand is drift to remove
    public = fd.origin_body(params(origin={"origin_host_header": "shop.example.com"})["origin"], "203.0.113.9")
    assert public["properties"]["sharedPrivateLinkResource"] is None
    assert public["properties"]["originHostHeader"] == "shop.example.com"


def test_route_links_origin_group_and_domains():
    og = fd.child_id(SUB, "rg-edge", "fd-shop", "originGroups", "istio-edge")
    assert og == ("/subscriptions/%s/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/fd-shop/originGroups/"
                  "istio-edge" % SUB)
    domain = fd.child_id(SUB, "rg-edge", "fd-shop", "customDomains", "shop")
    props = fd.route_body(params()["route"], og, [domain])["properties"]
    assert props == {"originGroup": {"id": og}, "patternsToMatch": ["/*"], "supportedProtocols": ["Http", "Https"],
                     "httpsRedirect": "Enabled", "forwardingProtocol": "HttpOnly", "linkToDefaultDomain": "Enabled",
                     "enabledState": "Enabled", "customDomains": [{"id": domain}]}


def test_custom_domain_and_security_policy():
    p = params(custom_domains=[{"name": "shop", "host_name": "shop.example.com"}],
               waf_policy={"id": "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/"
                                 "FrontDoorWebApplicationFirewallPolicies/waf" % SUB})
    assert fd.custom_domain_body(p["custom_domains"][0]) == {"properties": {
        "hostName": "shop.example.com", "tlsSettings": {"certificateType": "ManagedCertificate",
                                                        "minimumTlsVersion": "TLS12"}}}
    params_ = fd.security_policy_body(p["waf_policy"], ["/e", "/d"])["properties"]["parameters"]
    assert params_["type"] == "WebApplicationFirewall"
    assert params_["associations"] == [{"domains": [{"id": "/e"}, {"id": "/d"}], "patternsToMatch": ["/*"]}]


def test_names_and_default_request_message():
    p = params(custom_domains=[{"name": "a", "host_name": "a.example.com"}])
    assert fd.names(p) == {"resource_group": "rg-edge", "profile": "fd-shop", "endpoint": "shop",
                           "origin_group": "istio-edge", "origin": "istio-ingress", "route": "istio-edge",
                           "custom_domains": ["a"], "security_policy": None}
    message = fd.default_request_message(p)
    assert message == "Azure Front Door fd-shop/istio-edge/istio-ingress (meshops.istio_edge)"
    assert len(message) <= 140


def test_parse_resource_id():
    assert fd.parse_resource_id(PLS) == {"subscription": SUB, "resource_group": "MC_rg",
                                         "provider": "Microsoft.Network", "name": "pls-istio",
                                         "type": "microsoft.network/privatelinkservices"}
    assert fd.parse_resource_id(PLS + "/privateEndpointConnections/x") is None
    assert fd.parse_resource_id("pls-istio") is None


def test_patch_body_drops_create_only_fields_and_keeps_foreign_tags():
    desired = fd.profile_body(params(tags={"env": "prod"}))
    patch = fd.patch_body("profile", desired, {"tags": {"team": "edge", "env": "dev"}})
    assert patch == {"properties": {}, "tags": {"team": "edge", "env": "prod"}}
    domain = fd.custom_domain_body({"host_name": "a.example.com", "certificate_type": "ManagedCertificate",
                                    "minimum_tls_version": "TLS13"})
    assert fd.patch_body("custom_domain", domain, {}) == {"properties": {
        "tlsSettings": {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS13"}}}
