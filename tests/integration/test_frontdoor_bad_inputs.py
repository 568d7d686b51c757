# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""frontdoor_origin refuses bad inputs with an error naming the option and the fix, before writing anything:
each case asserts the failure's ``field``/``code`` and that the fake ARM saw no write request and holds no new
resource. The real azure SDKs run inside ansible-playbook against the project's fake ARM + AAD.
"""

import pytest

from conftest_azure import FD_RG, LB_IP, PLS_NAME, PLS_RG, azure_args

FD = dict(resource_group=FD_RG, profile_name="fd-shop", endpoint_name="shop")


def _clusterless(arm, **extra):
    """Options that need no cluster: explicit origin host and PLS id, probe check off."""
    args = azure_args(arm, health_route_check=False, origin={"host_name": LB_IP},
                      private_link={"id": arm.pls_id(PLS_RG, PLS_NAME)}, **FD)
    args.update(extra)
    return args


def _fails(ansible, arm, args, field, code=None, env=None, text=()):
    before = arm.resource_ids()
    arm.clear_requests()
    result = ansible.module("frontdoor_origin", args, env=env or {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]})
    assert result["failed"] is True, result
    assert result.get("field") == field, (result.get("field"), result.get("msg"))
    if code is not None:
        assert result.get("code") == code, (result.get("code"), result.get("msg"))
    for part in text:
        assert part in result["msg"], result["msg"]
    assert arm.writes() == [], arm.writes()
    assert arm.resource_ids() == before
    assert result["changed"] is False
    return result


def test_standard_sku_cannot_use_private_link(ansible, azure_arm):
    result = _fails(ansible, azure_arm, _clusterless(azure_arm, sku="Standard_AzureFrontDoor"), "sku",
                    text=("Premium",))
    assert azure_arm.counts() == {}                    # refused before any request


def test_private_link_service_not_found(ansible, azure_arm):
    args = _clusterless(azure_arm, private_link={"name": "pls-missing", "resource_group": PLS_RG})
    _fails(ansible, azure_arm, args, "private_link.name", "ResourceNotFound", text=("pls-missing", PLS_RG))


def test_private_link_in_another_region(ansible, azure_arm):
    args = _clusterless(azure_arm, private_link={"id": azure_arm.pls_id(PLS_RG, PLS_NAME), "location": "westus"})
    _fails(ansible, azure_arm, args, "private_link.location", text=("westus", "eastus"))


@pytest.mark.parametrize("subscription, code", [("", None), ("my-subscription", None),
                                                ("0c0c0c0c-1111-4222-8333-444455556666", "SubscriptionNotFound")])
def test_bad_subscription(ansible, azure_arm, subscription, code):
    args = _clusterless(azure_arm)
    del args["subscription_id"]
    env = {"REQUESTS_CA_BUNDLE": azure_arm.info["ca_cert"], "AZURE_SUBSCRIPTION_ID": subscription}
    _fails(ansible, azure_arm, args, "subscription_id", code, env=env)


def test_wrong_secret(ansible, azure_arm):
    args = _clusterless(azure_arm, secret="not-the-secret")
    result = _fails(ansible, azure_arm, args, "secret", "AADSTS7000215")
    assert "not-the-secret" not in result["_stdout"]          # no_log


def test_no_credentials_at_all(ansible, azure_arm):
    """auth_source=auto without a secret: DefaultAzureCredential finds nothing (no AZURE_* variables, no Azure CLI
    on this machine, no managed identity endpoint)."""
    args = _clusterless(azure_arm)
    for key in ("client_id", "secret", "tenant"):
        del args[key]
    saved = dict((k, ansible.env.pop(k)) for k in list(ansible.env) if k.startswith("AZURE_"))
    try:
        _fails(ansible, azure_arm, args, "auth_source", "CredentialUnavailable", text=("az login",))
    finally:
        ansible.env.update(saved)


def test_empty_credential_variables(ansible, azure_arm):
    """AZURE_* variables set but empty (a half-filled CI secret): azure-identity's own argument check, reported
    against client_id instead of a traceback."""
    args = _clusterless(azure_arm)
    for key in ("client_id", "secret", "tenant"):
        del args[key]
    env = {"REQUESTS_CA_BUNDLE": azure_arm.info["ca_cert"], "AZURE_CLIENT_ID": "", "AZURE_SECRET": "",
           "AZURE_CLIENT_SECRET": "", "AZURE_TENANT": "", "AZURE_TENANT_ID": ""}
    _fails(ansible, azure_arm, args, "client_id", "InvalidCredential", env=env)


def test_partial_service_principal(ansible, azure_arm):
    args = _clusterless(azure_arm)
    del args["tenant"]
    env = {"REQUESTS_CA_BUNDLE": azure_arm.info["ca_cert"], "AZURE_TENANT": "", "AZURE_TENANT_ID": ""}
    _fails(ansible, azure_arm, args, "tenant", env=env)


def test_probe_path_without_health_route(ansible, azure_arm, frontdoor_gateway):
    """A probe nothing routes would get Envoy's 404: an app route on /app and a probe route bound to another
    Gateway (selecting other pods) do not count."""
    frontdoor_gateway.build()
    frontdoor_gateway.health_route(probe_path="/app", match="prefix", name="shop")
    from app_route_support import apply
    apply(frontdoor_gateway.kube, {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
                                   "metadata": {"name": "internal", "namespace": frontdoor_gateway.namespace},
                                   "spec": {"selector": {"istio": "internal"}, "servers": [
                                       {"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                                        "hosts": ["*"]}]}})
    frontdoor_gateway.health_route(gateway="internal", name="probe-elsewhere")
    args = azure_args(azure_arm, private_link={"resource_group": PLS_RG}, **FD)
    args.update(frontdoor_gateway.args())
    result = _fails(ansible, azure_arm, args, "origin_group.probe_path", "NoProbeRoute", text=("/probe",))
    assert "/healthz/ready" in result["hint"]
    # check mode only warns: the route may come from an earlier task's dry run
    arm = azure_arm
    arm.clear_requests()
    predicted = ansible.module("frontdoor_origin", args, check=True, env={"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]})
    assert predicted["failed"] is False and predicted["changed"] is True
    assert any("/probe" in w for w in predicted.get("warnings", []))
    assert arm.writes() == []


def test_gateway_without_load_balancer_ip(ansible, azure_arm, frontdoor_gateway):
    frontdoor_gateway.build(lb_ip=None)
    frontdoor_gateway.health_route()
    args = azure_args(azure_arm, private_link={"resource_group": PLS_RG}, origin={"wait_for_ip": 0}, **FD)
    args.update(frontdoor_gateway.args())
    _fails(ansible, azure_arm, args, "origin.host_name", text=("status.loadBalancer",))


def test_existing_standard_profile_is_not_switched(ansible, azure_arm):
    arm = azure_arm
    standard = azure_args(arm, sku="Standard_AzureFrontDoor", health_route_check=False,
                          origin={"host_name": "shop-origin.example.com"}, **FD)
    created = ansible.module("frontdoor_origin", standard, env={"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]})
    assert created["failed"] is False and created["profile"]["sku"] == "Standard_AzureFrontDoor", created.get("msg")
    _fails(ansible, arm, _clusterless(arm), "sku", text=("az afd profile upgrade",))


def test_missing_waf_policy(ansible, azure_arm):
    waf = ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/"
           "nowaf" % (azure_arm.info["subscription_id"], FD_RG))
    _fails(ansible, azure_arm, _clusterless(azure_arm, waf_policy={"id": waf}), "waf_policy.id", text=("nowaf",))


def test_option_checks_name_the_dotted_path(ansible, azure_arm):
    args = _clusterless(azure_arm, route={"supported_protocols": ["Http"]})
    _fails(ansible, azure_arm, args, "route.https_redirect", text=("Https",))
    assert azure_arm.counts() == {}
