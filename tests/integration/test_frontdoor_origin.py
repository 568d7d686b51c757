# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""frontdoor_origin end to end: ansible-playbook runs the module, the real azure-identity / azure-mgmt-cdn /
azure-mgmt-network SDKs talk HTTPS to the project's fake ARM + AAD (tests/fake_arm), the gateway Service and
the probe VirtualService live on the test bed's kube-apiserver.

Stand-ins (nothing of Azure runs here): the fake ARM plays Resource Manager (long-running operations, ARM
error bodies, the Pending private endpoint connection a Private Link origin puts on the PLS); the test writes
the internal load balancer IP into the Service status (the Azure cloud provider's part) and seeds the Private
Link Service AKS would have made. Front Door's real probing and the Private Link data path are not observable.
"""

from conftest_azure import (FD, FD_RG, LB_IP, PLS_NAME, PLS_RG, frontdoor_args as _args, run_frontdoor as _run,
                            succeeded as _ok)


def test_private_link_chain_lifecycle(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = _args(arm, frontdoor_gateway)
    seeded = arm.resource_ids()

    # check mode: predicts every create and the approval, writes nothing
    arm.clear_requests()
    predicted = _ok(_run(ansible, arm, args, check=True, diff=True))
    assert predicted["changed"] is True
    assert predicted["actions"][:5] == [
        "create Front Door profile 'fd-shop'", "create endpoint 'fd-shop/shop'",
        "create origin group 'fd-shop/istio-edge'", "create origin 'fd-shop/istio-edge/istio-ingress'",
        "create route 'fd-shop/shop/istio-edge'"]
    assert "approve" in predicted["actions"][-1]
    assert predicted["connection_state"] == "Approved"
    assert arm.writes() == [] and arm.resource_ids() == seeded

    # apply
    arm.clear_requests()
    first = _ok(_run(ansible, arm, args, diff=True))
    assert first["changed"] is True
    assert first["endpoint_hostname"].startswith("shop-") and first["endpoint_hostname"].endswith(".z01.azurefd.net")
    assert first["profile"]["sku"] == "Premium_AzureFrontDoor"
    assert first["origin"]["host_name"] == LB_IP                       # read from status.loadBalancer
    assert first["origin"]["private_link_id"].lower() == arm.pls_id(PLS_RG, PLS_NAME).lower()
    assert first["origin_group"]["probe"] == {"path": "/probe", "protocol": "Http", "method": "GET", "interval": 100}
    assert first["route"]["https_redirect"] == "Enabled" and first["route"]["link_to_default_domain"] == "Enabled"
    assert first["health_route"]["name"] == "frontdoor-health"
    assert first["connection_state"] == "Approved"
    conns = arm.connections(PLS_RG, PLS_NAME)
    assert len(conns) == 1
    assert conns[0]["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert first["private_link"]["connection"]["name"] == conns[0]["name"]
    assert first["private_link"]["location"] == "eastus"
    assert first["diff"]["before"]["origin"] is None
    assert first["diff"]["after"]["origin"]["properties"]["sharedPrivateLinkResource"]["privateLinkLocation"] == "eastus"
    assert first["diff"]["after"]["private_endpoint_connection"] == {"status": "Approved"}
    writes = arm.writes()
    assert [write[0] for write in writes].count("PUT") == 6                    # 5 AFD resources + the approval
    assert writes[-1][1].lower().endswith("/privateendpointconnections/%s" % conns[0]["name"].lower())

    # second run: nothing to do, and not a single write request (ARM respells ids, enums, locations)
    arm.clear_requests()
    second = _ok(_run(ansible, arm, args, diff=True))
    assert second["changed"] is False, second["actions"]
    assert arm.writes() == []
    assert set(arm.counts()) == {"GET"}
    assert second["connection_state"] == "Approved"
    assert second["endpoint_hostname"] == first["endpoint_hostname"]
    assert _ok(_run(ansible, arm, args, check=True))["changed"] is False

    # state=absent: check mode predicts, then the chain goes in reverse order and the connection leaves the PLS
    absent = dict(args, state="absent")
    arm.clear_requests()
    planned = _ok(_run(ansible, arm, absent, check=True))
    assert planned["changed"] is True and arm.writes() == []
    gone = _ok(_run(ansible, arm, absent, diff=True))
    assert gone["deleted"] == ["route 'fd-shop/shop/istio-edge'", "origin 'fd-shop/istio-edge/istio-ingress'",
                               "origin group 'fd-shop/istio-edge'", "endpoint 'fd-shop/shop'",
                               "Front Door profile 'fd-shop'"]
    assert gone["profile_kept"] is False
    assert [write[0] for write in arm.writes()] == ["DELETE"] * 5
    assert arm.resource_ids() == seeded
    assert arm.connections(PLS_RG, PLS_NAME) == []
    arm.clear_requests()
    assert _ok(_run(ansible, arm, absent))["changed"] is False
    assert arm.writes() == []


def test_probe_route_bound_by_the_legacy_gateway_reference(ansible, azure_arm, frontdoor_gateway):
    """gateways: [edge.<namespace>] is Istio's legacy form of <namespace>/edge: the probe route counts (check mode:
    the probe check runs, nothing is written)."""
    from app_route_support import apply
    arm = azure_arm
    frontdoor_gateway.build()
    ns = frontdoor_gateway.namespace
    apply(frontdoor_gateway.kube, {
        "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
        "metadata": {"name": "frontdoor-health", "namespace": ns},
        "spec": {"hosts": ["*"], "gateways": ["edge.%s" % ns], "http": [{
            "match": [{"uri": {"exact": "/probe"}}], "rewrite": {"uri": "/healthz/ready"},
            "route": [{"destination": {"host": frontdoor_gateway.service_host, "port": {"number": 15021}}}]}]}})
    arm.clear_requests()
    predicted = _ok(_run(ansible, arm, _args(arm, frontdoor_gateway), check=True))
    assert predicted["health_route"]["name"] == "frontdoor-health"
    assert not [w for w in predicted.get("warnings", []) if "/probe" in w], predicted.get("warnings")
    assert arm.writes() == []


def test_update_patches_only_what_changed(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = _args(arm, frontdoor_gateway, tags={"team": "edge"})
    _ok(_run(ansible, arm, args))
    args["origin_group"] = {"probe_interval": 30}
    args["tags"] = {"env": "prod"}
    # check mode: the diff holds the fields the module sets, not what ARM adds (frontDoorId, provisioningState)
    arm.clear_requests()
    predicted = _ok(_run(ansible, arm, args, check=True, diff=True))
    assert predicted["changed"] is True and arm.writes() == []
    assert predicted["diff"]["before"]["profile"]["properties"] == predicted["diff"]["after"]["profile"]["properties"]
    assert "frontDoorId" not in str(predicted["diff"]) and "provisioningState" not in str(predicted["diff"])
    assert predicted["diff"]["before"]["profile"]["tags"] == {} and predicted["diff"]["after"]["profile"]["tags"] == {
        "env": "prod"}
    arm.clear_requests()
    changed = _ok(_run(ansible, arm, args, diff=True))
    assert changed["changed"] is True
    assert changed["actions"] == [
        "update Front Door profile 'fd-shop' (tags.env)", "update endpoint 'fd-shop/shop' (tags.env)",
        "update origin group 'fd-shop/istio-edge' (properties.healthProbeSettings.probeIntervalInSeconds)"]
    assert [write[0] for write in arm.writes()] == ["PATCH", "PATCH", "PATCH"]        # no PUT, no approval again
    assert changed["diff"]["before"]["origin_group"]["properties"]["healthProbeSettings"]["probeIntervalInSeconds"] == 100
    assert changed["origin_group"]["probe"]["interval"] == 30
    profile = arm.resources("microsoft.cdn/profiles")[0]
    name = changed["private_link"]["connection"]["name"]
    remembered = {"meshops-istio-edge.connection.istio-edge.istio-ingress": name}
    assert profile["tags"] == dict(remembered, team="edge", env="prod")   # tags set before are kept


def test_connection_left_pending_then_approved(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = _args(arm, frontdoor_gateway)
    args["private_link"] = {"resource_group": PLS_RG, "name": PLS_NAME, "approve": False,
                            "request_message": "fd-shop to the istio gateway"}
    pending = _ok(_run(ansible, arm, args))
    assert pending["connection_state"] == "Pending"
    assert pending["private_link"]["connection"]["description"] == "fd-shop to the istio gateway"
    args["private_link"]["approve"] = True
    arm.clear_requests()
    approved = _ok(_run(ansible, arm, args, diff=True))
    assert approved["changed"] is True
    assert approved["connection_state"] == "Approved"
    assert len(arm.writes()) == 1 and "/privateEndpointConnections/" in arm.writes()[0][1]
    origin = arm.resources("microsoft.cdn/profiles/origingroups/origins")[0]
    assert origin["properties"]["sharedPrivateLinkResource"]["status"] == "Approved"


def test_custom_domain_and_waf_policy(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    waf = arm.seed_waf_policy(FD_RG, "shopwaf")
    args = _args(arm, frontdoor_gateway, custom_domains=[{"name": "shop-example-com", "host_name": "shop.example.com"}],
                 waf_policy={"id": waf["id"]})
    first = _ok(_run(ansible, arm, args))
    domain = first["custom_domains"][0]
    assert domain["host_name"] == "shop.example.com" and domain["dns_txt_record"] == "_dnsauth.shop.example.com"
    assert domain["validation_token"] and domain["validation_state"] == "Pending"
    assert domain["certificate_type"] == "ManagedCertificate"
    assert first["route"]["custom_domains"][0].lower().endswith("/customdomains/shop-example-com")
    assert first["security_policy"]["waf_policy_id"].lower() == waf["id"].lower()
    policy = arm.resources("microsoft.cdn/profiles/securitypolicies")[0]
    domains = sorted(d["id"].lower().rsplit("/", 2)[-2] for d in
                     policy["properties"]["parameters"]["associations"][0]["domains"])
    assert domains == ["afdendpoints", "customdomains"]
    arm.clear_requests()
    assert _ok(_run(ansible, arm, args))["changed"] is False
    assert arm.writes() == []
    gone = _ok(_run(ansible, arm, dict(args, state="absent", keep_profile=True)))
    assert gone["deleted"][0] == "security policy 'fd-shop/istio-edge-waf'"
    assert "custom domain 'fd-shop/shop-example-com'" in gone["deleted"]
    assert gone["profile_kept"] is True
    assert len(arm.resources("microsoft.cdn/profiles")) == 1


def test_custom_domain_before_front_door_issued_its_validation_token(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    arm.configure(domain_validation_token=False)
    args = _args(arm, frontdoor_gateway, custom_domains=[{"name": "shop-example-com", "host_name": "shop.example.com"}])
    first = _ok(_run(ansible, arm, args))
    domain = first["custom_domains"][0]
    assert domain["validation_token"] is None and domain["validation_state"] != "Approved"
    [warning] = [w for w in first.get("warnings", []) if "validation token" in w]
    assert "has not issued the domain validation token of custom domain 'shop-example-com'" in warning
    assert "_dnsauth.shop.example.com" in warning and "Run again" in warning
    # once issued, it is returned and nothing warns about it
    arm.configure(domain_validation_token=True)
    arm.clear_requests()
    domains = [{"name": "shop-example-com", "host_name": "shop.example.com", "minimum_tls_version": "TLS13"}]
    again = _ok(_run(ansible, arm, dict(args, custom_domains=domains)))
    assert again["custom_domains"][0]["validation_token"]
    assert not [w for w in again.get("warnings", []) if "validation token" in w]


def test_credentials_from_the_environment(ansible, azure_arm):
    """azure.azcollection's variables (AZURE_CLIENT_ID/SECRET/TENANT/SUBSCRIPTION_ID) and the ARM/AAD URLs from
    the environment; no cluster access needed with an explicit host, PLS id and the probe check off."""
    arm = azure_arm
    args = dict(FD, disable_instance_discovery=True, polling_interval=0, health_route_check=False,
                origin={"host_name": LB_IP}, private_link={"id": arm.pls_id(PLS_RG, PLS_NAME), "location": "East US"})
    result = _ok(ansible.module("frontdoor_origin", args, env=arm.env))
    assert result["changed"] is True and result["connection_state"] == "Approved"
    assert result["private_link"]["location"] == "East US"               # ARM's "eastus", spelled differently
    arm.clear_requests()
    assert _ok(ansible.module("frontdoor_origin", args, env=arm.env))["changed"] is False
    assert arm.writes() == []


def test_throttling_and_failed_operations(ansible, azure_arm, frontdoor_gateway):
    """429 + Retry-After is retried by the SDK; an operation ending Failed is reported with ARM's code."""
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = _args(arm, frontdoor_gateway)
    arm.fault(method="PUT", path_contains="/originGroups/", status=429, retry_after=1, count=1)
    arm.fault(method="PUT", path_contains="/origins/", lro_fail=True, code="OriginValidationFailed",
              message="The origin host name could not be validated.")
    result = _run(ansible, arm, args)
    assert result["failed"] is True
    assert result["code"] == "OriginValidationFailed"
    assert "create origin 'fd-shop/istio-edge/istio-ingress'" in result["msg"]
    puts = [p for m, p in arm.writes() if m == "PUT"]
    assert sum(1 for p in puts if p.endswith("/originGroups/istio-edge")) == 2       # throttled, then retried
    # the next run picks up where ARM is: the failed origin is put again, the rest is left alone
    arm.clear_requests()
    again = _ok(_run(ansible, arm, args))
    assert again["actions"][:2] == ["re-create origin 'fd-shop/istio-edge/istio-ingress' (its provisioningState is "
                                    "Failed)", "create route 'fd-shop/shop/istio-edge'"]
    assert again["connection_state"] == "Approved"
