# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""frontdoor_origin finds its private endpoint connection on the Private Link Service however it was approved
(ansible-playbook, the real Azure SDKs, the project's fake ARM; the gateway Service on the test bed).

Front Door writes the origin's request message as the description of its Pending connection; whoever approves it
(``az network private-endpoint-connection approve --description Approved``, the portal) replaces the description.
The fake ARM plays that third party (``FakeArm.update_connection``). The module remembers the connection's name in
a tag of the profile once found and accepts it by name afterwards; an Approved connection is never reported as
missing.
"""

from conftest_azure import FD_RG, PLS_NAME, PLS_RG, frontdoor_args, run_frontdoor, succeeded

TAG = "meshops-istio-edge.connection.istio-edge.istio-ingress"


def _profile_id(arm, name="fd-shop"):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Cdn/profiles/%s" % (
        arm.info["subscription_id"], FD_RG, name)


def _forget(arm, name="fd-shop"):
    """The profile as a version of the module that did not remember connections left it (no tag)."""
    arm.seed(_profile_id(arm, name), {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}})


def test_connection_approved_elsewhere_with_another_description(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = frontdoor_args(arm, frontdoor_gateway)
    first = succeeded(run_frontdoor(ansible, arm, args))
    name = first["private_link"]["connection"]["name"]

    # someone re-approves it with their own text (az network private-endpoint-connection approve --description)
    arm.update_connection(PLS_RG, PLS_NAME, name, description="Approved")
    arm.clear_requests()
    again = succeeded(run_frontdoor(ansible, arm, args))
    assert again["connection_state"] == "Approved", again.get("warnings")
    assert not again.get("warnings")
    assert again["private_link"]["connection"]["name"] == name
    assert again["private_link"]["connection"]["description"] == "Approved"
    assert again["changed"] is False and arm.writes() == []
    assert succeeded(run_frontdoor(ansible, arm, args, check=True))["connection_state"] == "Approved"
    # how: the first run found it by the request message and remembered its name in a profile tag
    assert first["private_link"]["connection"]["matched_by"] == "request_message"
    assert any(a.startswith("remember private endpoint connection '%s'" % name) for a in first["actions"])
    assert arm.resources("microsoft.cdn/profiles")[0]["tags"] == {TAG: name}
    assert again["private_link"]["connection"]["matched_by"] == "name"
    # the origin goes, the profile stays: so does not the remembered name
    gone = succeeded(run_frontdoor(ansible, arm, dict(args, state="absent", keep_profile=True)))
    assert gone["actions"][-1] == "remove tag %s from Front Door profile 'fd-shop'" % TAG
    assert arm.resources("microsoft.cdn/profiles")[0]["tags"] == {}


def test_profile_without_the_remembered_name(ansible, azure_arm, frontdoor_gateway):
    """A connection approved by someone else before the module remembered it: the only one Front Door made on
    the service is taken (and remembered); a Pending one of someone else is never approved."""
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = frontdoor_args(arm, frontdoor_gateway)
    name = succeeded(run_frontdoor(ansible, arm, args))["private_link"]["connection"]["name"]
    _forget(arm)
    arm.update_connection(PLS_RG, PLS_NAME, name, description="Approved in the portal")
    arm.clear_requests()
    found = succeeded(run_frontdoor(ansible, arm, args, diff=True))
    assert found["connection_state"] == "Approved" and not found.get("warnings")
    assert found["private_link"]["connection"]["matched_by"] == "front_door"
    assert found["changed"] is True                                  # the tag is written, nothing else
    assert [m for m, _p in arm.writes()] == ["PATCH"]
    assert found["diff"]["after"]["profile_tags"] == {TAG: name}
    assert arm.resources("microsoft.cdn/profiles")[0]["tags"] == {TAG: name}


def test_two_origins_on_one_service_each_know_their_connection(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    shop = frontdoor_args(arm, frontdoor_gateway)
    docs = frontdoor_args(arm, frontdoor_gateway, profile_name="fd-docs", endpoint_name="docs")
    names = {}
    for key, args in (("shop", shop), ("docs", docs)):
        names[key] = succeeded(run_frontdoor(ansible, arm, args))["private_link"]["connection"]["name"]
    assert names["shop"] != names["docs"]
    for name in names.values():
        arm.update_connection(PLS_RG, PLS_NAME, name, description="Approved")
    for key, args in (("shop", shop), ("docs", docs)):
        result = succeeded(run_frontdoor(ansible, arm, args))
        assert result["private_link"]["connection"]["name"] == names[key]
        assert result["connection_state"] == "Approved" and not result.get("warnings")
    # without the remembered names the two cannot be told apart: the origin's own state is reported, no warning
    _forget(arm, "fd-docs")
    unknown = succeeded(run_frontdoor(ansible, arm, docs))
    assert unknown["connection_state"] == "Approved" and not unknown.get("warnings")
    assert unknown["private_link"]["connection"] == {"name": None, "status": "Approved", "description": None,
                                                     "matched_by": "origin"}


def test_pending_connection_of_someone_else_is_left_alone(ansible, azure_arm, frontdoor_gateway):
    """approve: false leaves Front Door's request Pending; a later run approves it by the request message, even
    after someone changed the description of *another* request on the same service."""
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    other = frontdoor_args(arm, frontdoor_gateway, profile_name="fd-other", endpoint_name="other")
    other["private_link"] = {"resource_group": PLS_RG, "approve": False}
    foreign = succeeded(run_frontdoor(ansible, arm, other))["private_link"]["connection"]["name"]
    arm.update_connection(PLS_RG, PLS_NAME, foreign, status="Pending", description="waiting for the network team")
    args = frontdoor_args(arm, frontdoor_gateway)
    mine = succeeded(run_frontdoor(ansible, arm, args))
    assert mine["private_link"]["connection"]["name"] != foreign
    states = dict((c["name"], c["properties"]["privateLinkServiceConnectionState"]["status"])
                  for c in arm.connections(PLS_RG, PLS_NAME))
    assert states[foreign] == "Pending" and states[mine["private_link"]["connection"]["name"]] == "Approved"
