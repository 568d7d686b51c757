# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure options (azure.credentials), sign-in errors (azure.errors) and the Private Link helpers (pure parts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import set_fallbacks

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.credentials import (
    AZURE_AUTH_ARG_SPEC, arm_endpoints, auth_plan, check_subscription)
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.errors import credential_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.private_link import (
    connection_summary, find_connection, front_door_made, resolve_target)
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

SUB = "3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def test_service_principal_from_the_environment_is_no_log(monkeypatch):
    for name in ("AZURE_SECRET", "AZURE_TENANT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-id")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-id")
    result = ArgumentSpecValidator(AZURE_AUTH_ARG_SPEC).validate({})
    assert not result.error_messages
    plan = auth_plan(result.validated_parameters)
    assert (plan["kind"], plan["client_id"], plan["secret"], plan["tenant"]) == \
        ("credentials", "app-id", "env-secret", "tenant-id")
    assert set_fallbacks(AZURE_AUTH_ARG_SPEC, {}) == {"env-secret"}


def test_auth_plan():
    sp = dict(client_id="c", secret="s", tenant="t")
    assert auth_plan(dict(sp, auth_source="auto"))["kind"] == "credentials"
    assert auth_plan({"auth_source": "auto"}) == {"kind": "default", "client_id": None, "tenant": None}
    assert auth_plan({"auth_source": "auto", "client_id": "mi"})["client_id"] == "mi"     # user-assigned identity
    assert auth_plan({"auth_source": "msi", "client_id": "mi"}) == {"kind": "msi", "client_id": "mi"}
    assert auth_plan({"auth_source": "cli"}) == {"kind": "cli"}
    for missing in ("client_id", "tenant"):
        with pytest.raises(EdgeError) as err:
            auth_plan(dict(sp, auth_source="auto", **{missing: None}))
        assert err.value.field == missing
    with pytest.raises(EdgeError) as err:
        auth_plan(dict(sp, auth_source="credentials", secret=None))
    assert err.value.field == "secret"


def test_subscription_is_required_and_a_guid():
    assert check_subscription({"subscription_id": SUB}) == SUB
    for bad, fix in ((None, "AZURE_SUBSCRIPTION_ID"), ("", "AZURE_SUBSCRIPTION_ID"), ("Pay-As-You-Go", "az account")):
        with pytest.raises(EdgeError) as err:
            check_subscription({"subscription_id": bad})
        assert err.value.field == "subscription_id" and fix in err.value.hint


def test_arm_endpoints_per_cloud_and_overrides():
    assert arm_endpoints({}) == {"base_url": "https://management.azure.com", "authority": None,
                                 "scope": "https://management.azure.com/.default"}
    china = arm_endpoints({"cloud_environment": "AzureChinaCloud"})
    assert china["authority"] == "https://login.chinacloudapi.cn"
    assert arm_endpoints({"cloud_environment": "AzureUSGovernment"})["scope"] == \
        "https://management.core.usgovcloudapi.net/.default"
    own = arm_endpoints({"base_url": "https://127.0.0.1:8443/", "authority_host": "https://127.0.0.1:8443"})
    assert own == {"base_url": "https://127.0.0.1:8443", "authority": "https://127.0.0.1:8443",
                   "scope": "https://127.0.0.1:8443/.default"}
    for field, value in (("base_url", "http://arm.local"), ("authority_host", "login.example")):
        with pytest.raises(EdgeError) as err:
            arm_endpoints({field: value})
        assert err.value.field == field


def test_credential_errors_name_the_option():
    from azure.core.exceptions import ClientAuthenticationError
    wrong = credential_error(ClientAuthenticationError(
        message="ClientSecretCredential.get_token failed: (invalid_client) AADSTS7000215: Invalid client secret."))
    assert (wrong.field, wrong.code) == ("secret", "AADSTS7000215")
    tenant = credential_error(ClientAuthenticationError(message="AADSTS90002: Tenant 'x' not found."))
    assert tenant.field == "tenant"
    nothing = credential_error(ClientAuthenticationError(
        message="DefaultAzureCredential failed to retrieve a token from the included credentials."))
    assert (nothing.field, nothing.code) == ("auth_source", "CredentialUnavailable")
    assert "az login" in str(nothing)


def test_resolve_target():
    pls = "/subscriptions/%s/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/p" % SUB
    assert resolve_target({"id": pls}, "other")["subscription"] == SUB
    by_annotation = resolve_target({"resource_group": "MC_rg"}, SUB,
                                   {"service.beta.kubernetes.io/azure-pls-name": "pls-istio"})
    assert by_annotation["id"].endswith("/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/"
                                        "pls-istio")
    assert resolve_target({"resource_group": "MC_rg", "name": "mine"}, SUB, {})["name"] == "mine"
    with pytest.raises(EdgeError) as err:
        resolve_target({"resource_group": "MC_rg"}, SUB, {})
    assert err.value.field == "private_link.name"


AFD_PE = "/subscriptions/f3d0/resourceGroups/eafd-Prod-eastus/providers/Microsoft.Network/privateEndpoints/"


def conn(name, status, description, endpoint=None):
    return {"name": name, "properties": {"privateEndpoint": {"id": endpoint or "/pe/" + name},
                                         "privateLinkServiceConnectionState": {"status": status,
                                                                               "description": description}}}


def test_find_connection_by_request_message():
    conns = [conn("old", "Disconnected", "fd msg"), conn("other", "Pending", "someone else"),
             conn("mine", "Pending", "fd msg")]
    assert find_connection(conns, "fd msg") == (conns[2], "request_message")
    assert find_connection(conns, "nobody") == (None, None)
    assert connection_summary(conns[2]) == {"name": "mine", "status": "Pending", "description": "fd msg",
                                            "actions_required": None, "private_endpoint_id": "/pe/mine"}


def test_find_connection_by_remembered_name_whatever_its_description():
    conns = [conn("mine", "Approved", "Approved", AFD_PE + "1"), conn("next", "Pending", "fd msg", AFD_PE + "2")]
    assert find_connection(conns, "fd msg", remembered="MINE") == (conns[0], "name")
    # a remembered connection that is gone: the request message decides again
    assert find_connection(conns, "fd msg", remembered="gone") == (conns[1], "request_message")


def test_find_connection_made_by_front_door_only_when_approved_and_alone():
    approved = conn("pls.1", "Approved", "Approved", AFD_PE + "1")
    customer = conn("pls.2", "Approved", "Approved",
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/mine")
    assert front_door_made(approved) and not front_door_made(customer)
    assert find_connection([approved, customer], "fd msg") == (approved, "front_door")
    # someone else's pending request is never taken for ours
    assert find_connection([conn("pls.3", "Pending", "other team", AFD_PE + "3")], "fd msg") == (None, None)
    # two origins' connections approved with the same text: which is ours cannot be told
    twice = [approved, conn("pls.4", "Approved", "Approved", AFD_PE + "4")]
    assert find_connection(twice, "fd msg") == (None, None)


def test_new_connection_expected_only_when_the_private_link_changes():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.runner import Present
    assert Present.new_connection_expected({"action": "create", "changes": ["(new)"]})
    assert Present.new_connection_expected({"action": "update", "changes": [
        "properties.sharedPrivateLinkResource.privateLink.id"]})
    assert not Present.new_connection_expected({"action": "update", "changes": ["properties.weight"]})
    assert not Present.new_connection_expected({"action": "none", "changes": []})
