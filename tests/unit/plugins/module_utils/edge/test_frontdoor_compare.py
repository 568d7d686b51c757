# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owned-field comparison with ARM's respelling (edge.frontdoor_compare) and the per-resource plan
(edge.frontdoor_report). The "live" bodies are shaped on the azure-rest-api-specs examples (AFDOrigins_Get,
Routes_Get, Profiles_Get): lower-case /resourcegroups/ and child types, extra read-only fields."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.compare import (
    differences, predict, project)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.report import (
    plan_step, step_diff, summary)

PLS = "/subscriptions/s1/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/pls-istio"
OG = "/subscriptions/s1/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/fd/originGroups/og"

DESIRED_ORIGIN = {"properties": {
    "hostName": "10.224.0.50", "originHostHeader": None, "httpPort": 80, "httpsPort": 443,
    "priority": 1, "weight": 1000, "enabledState": "Enabled", "enforceCertificateNameCheck": True,
    "sharedPrivateLinkResource": {"privateLink": {"id": PLS}, "privateLinkLocation": "East US",
                                  "requestMessage": "fd please"}}}


def live_origin(**props):
    body = {"name": "o", "type": "Microsoft.Cdn/profiles/origingroups/origins",
            "id": "/subscriptions/s1/resourcegroups/rg-edge/providers/Microsoft.Cdn/profiles/fd/origingroups/og/origins/o",
            "properties": {
                "hostName": "10.224.0.50", "originHostHeader": None, "httpPort": 80, "httpsPort": 443,
                "priority": 1, "weight": 1000, "enabledState": "Enabled", "enforceCertificateNameCheck": True,
                "originGroupName": "og", "provisioningState": "Succeeded", "deploymentStatus": "NotStarted",
                "sharedPrivateLinkResource": {"privateLink": {"id": PLS.lower()}, "groupId": None,
                                              "privateLinkLocation": "eastus", "requestMessage": "fd please",
                                              "status": "Approved"}}}
    body["properties"].update(props)
    return body


def test_arm_respelling_is_not_drift():
    assert differences(DESIRED_ORIGIN, live_origin()) == []
    route = {"properties": {"originGroup": {"id": OG}, "supportedProtocols": ["Http", "Https"],
                            "patternsToMatch": ["/*", "/api/*"], "httpsRedirect": "Enabled",
                            "customDomains": [{"id": OG + "/../d1"}]}}
    live = {"properties": {"originGroup": {"id": OG.lower().replace("origingroups", "origingroups")},
                           "supportedProtocols": ["https", "http"], "patternsToMatch": ["/api/*", "/*"],
                           "httpsRedirect": "enabled", "customDomains": [{"id": (OG + "/../d1").upper(),
                                                                          "isActive": True}],
                           "cacheConfiguration": None, "provisioningState": "Succeeded"}}
    assert differences(route, live) == []


def test_real_changes_are_reported_by_path():
    assert differences(DESIRED_ORIGIN, live_origin(hostName="10.224.0.51")) == ["properties.hostName"]
    assert differences(DESIRED_ORIGIN, live_origin(sharedPrivateLinkResource=None)) == [
        "properties.sharedPrivateLinkResource"]
    moved = live_origin()
    moved["properties"]["sharedPrivateLinkResource"]["privateLinkLocation"] = "westus"
    assert differences(DESIRED_ORIGIN, moved) == ["properties.sharedPrivateLinkResource.privateLinkLocation"]
    # paths are case-sensitive, request messages too
    probe = {"properties": {"healthProbeSettings": {"probePath": "/probe"}}}
    assert differences(probe, {"properties": {"healthProbeSettings": {"probePath": "/Probe"}}}) == [
        "properties.healthProbeSettings.probePath"]
    assert differences({"properties": {"patternsToMatch": ["/*"]}},
                       {"properties": {"patternsToMatch": ["/*", "/x"]}}) == ["properties.patternsToMatch"]


def test_none_means_must_be_unset():
    public = {"properties": {"sharedPrivateLinkResource": None}}
    assert differences(public, {"properties": {"sharedPrivateLinkResource": None}}) == []
    assert differences(public, {"properties": {}}) == []
    assert differences(public, live_origin()) == ["properties.sharedPrivateLinkResource"]


def test_tags_are_compared_key_by_key():
    assert differences({"tags": {"env": "prod"}}, {"tags": {"env": "prod", "team": "edge"}}) == []
    assert differences({"tags": {"env": "prod"}}, {"tags": {"team": "edge"}}) == ["tags.env"]


def test_project_and_predict():
    spl = project(DESIRED_ORIGIN, live_origin())["properties"]["sharedPrivateLinkResource"]
    assert spl == {"privateLink": {"id": PLS.lower()}, "privateLinkLocation": "eastus", "requestMessage": "fd please"}
    assert "provisioningState" not in project(DESIRED_ORIGIN, live_origin())["properties"]
    assert project(DESIRED_ORIGIN, None) is None
    # what ARM adds and nobody sets is not "before" in a diff: an empty desired mapping owns nothing of the live one
    live_profile = {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "tags": {"team": "edge"},
                    "properties": {"frontDoorId": "1f2e", "provisioningState": "Succeeded",
                                   "originResponseTimeoutSeconds": 60}}
    desired_profile = {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "tags": {"env": "prod"},
                       "properties": {}}
    assert project(desired_profile, live_profile) == {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"},
                                                      "tags": {}, "properties": {}}
    route = {"properties": {"customDomains": [{"id": "/d/a"}]}}
    live_route = {"properties": {"customDomains": [{"id": "/D/A", "isActive": True}], "deploymentStatus": "x"}}
    assert project(route, live_route) == {"properties": {"customDomains": [{"id": "/D/A"}]}}
    after = predict(DESIRED_ORIGIN, live_origin(hostName="10.0.0.1"))
    assert after["properties"]["hostName"] == "10.224.0.50" and after["id"].endswith("/origins/o")


def test_plan_create_update_none():
    assert plan_step("origin", DESIRED_ORIGIN, None)["action"] == "create"
    assert plan_step("origin", DESIRED_ORIGIN, live_origin())["action"] == "none"
    step = plan_step("origin", DESIRED_ORIGIN, live_origin(weight=50), label="origin 'fd/og/o'")
    assert step["action"] == "update" and step["changes"] == ["properties.weight"]
    assert step["patch"]["properties"]["weight"] == 1000
    before, after = step_diff(step)
    assert before["properties"]["weight"] == 50 and after["properties"]["weight"] == 1000


def test_plan_retries_a_failed_resource():
    step = plan_step("origin", DESIRED_ORIGIN, live_origin(provisioningState="Failed"))
    assert step["action"] == "create" and step.get("repair") is True


def test_plan_refuses_changes_arm_cannot_make():
    live = {"name": "fd", "location": "Global", "sku": {"name": "Standard_AzureFrontDoor"}, "properties": {}}
    desired = {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}, "properties": {}}
    with pytest.raises(EdgeError) as err:
        plan_step("profile", desired, live)
    assert err.value.field == "sku" and "az afd profile upgrade" in str(err.value)
    assert plan_step("profile", desired, dict(live, sku={"name": "premium_azurefrontdoor"}))["action"] == "none"
    domain = {"properties": {"hostName": "new.example.com"}}
    with pytest.raises(EdgeError) as err:
        plan_step("custom_domain", domain, {"name": "d", "properties": {"hostName": "old.example.com"}},
                  field="custom_domains[0].host_name")
    assert err.value.field == "custom_domains[0].host_name"


def test_summaries():
    assert summary("origin", live_origin())["private_link_status"] == "Approved"
    domain = summary("custom_domain", {"name": "d", "properties": {
        "hostName": "shop.example.com", "domainValidationState": "Pending",
        "validationProperties": {"validationToken": "tok"}, "tlsSettings": {"certificateType": "ManagedCertificate"}}})
    assert domain["dns_txt_record"] == "_dnsauth.shop.example.com" and domain["validation_token"] == "tok"
    assert summary("endpoint", None) is None
    assert summary("route", {"properties": {}}, name="r", rid="/x") == {
        "name": "r", "id": "/x", "provisioning_state": None, "patterns": None, "supported_protocols": None,
        "https_redirect": None, "forwarding_protocol": None, "link_to_default_domain": None, "custom_domains": []}
