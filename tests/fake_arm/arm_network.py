# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.Network and resource groups in the fake ARM (private to the tests).

Private Link Services are seeded by the tests (on AKS the cloud provider creates them from the gateway
Service annotations). Their ``privateEndpointConnections`` follow the azure-rest-api-specs examples
(PrivateLinkServiceGet / ...ListPrivateEndpointConnection / ...UpdatePrivateEndpointConnection): a Front Door
origin with a shared private link adds a *Pending* connection whose description is the origin's request
message; the owner approves it by PUTting the connection (by its name) with status Approved - and whatever
description the approver gives (``az network private-endpoint-connection approve --description Approved``, the
portal's default text), which the control endpoint ``/_fake/connection`` plays for the tests.
"""

import copy
import re
import uuid

from arm_spec import Spec, bad_request, norm_location
from arm_store import ArmError, Ref

PLS_TYPE = "microsoft.network/privatelinkservices"
CONN_TYPE = "microsoft.network/privatelinkservices/privateendpointconnections"
# the subscription Front Door's own private endpoints live in (never the customer's)
FRONT_DOOR_SUBSCRIPTION = "f3d0a2c1-0000-4000-8000-00000000afd0"
NAME_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$")


class NetworkSpec(Spec):
    provider = "Microsoft.Network"
    rg_segment = "resourceGroups"
    lro = {"PUT": None, "PATCH": None, "DELETE": None}

    def check_name(self, ref):
        name = ref.name or ""
        if not 1 <= len(name) <= 80 or not NAME_RE.match(name):
            raise bad_request("The resource name '%s' is invalid." % name, "InvalidResourceName")


class PrivateLinkService(NetworkSpec):
    display_types = ["privateLinkServices"]
    arm_type = "Microsoft.Network/privateLinkServices"
    top_level = ("location", "tags")
    defaults = {"visibility": {"subscriptions": []}, "autoApproval": {"subscriptions": []}, "fqdns": [],
                "loadBalancerFrontendIpConfigurations": [], "ipConfigurations": [], "privateEndpointConnections": []}
    read_only = ("alias", "privateEndpointConnections")

    def validate(self, store, ref, body, existing):
        if not body.get("location"):
            raise bad_request("The 'location' property is required.", "LocationRequired")
        body["properties"].setdefault("alias", "%s.%s.%s.azure.privatelinkservice"
                                      % (ref.name, uuid.uuid4(), norm_location(body["location"])))

    def check_delete(self, store, ref, res):
        if res.body["properties"].get("privateEndpointConnections"):
            raise ArmError(400, "PrivateLinkServiceInUse", "Private link service %s has private endpoint "
                           "connections; remove them first." % ref.name)


class FrontDoorWafPolicy(NetworkSpec):
    display_types = ["FrontDoorWebApplicationFirewallPolicies"]
    arm_type = "Microsoft.Network/frontdoorwebapplicationfirewallpolicies"
    top_level = ("location", "tags", "sku")
    defaults = {"policySettings": {"enabledState": "Enabled", "mode": "Prevention"}}


class PrivateEndpointConnection(NetworkSpec):
    """Lives inside the Private Link Service's body, like ARM shows it."""

    arm_type = "Microsoft.Network/privateLinkServices/privateEndpointConnections"

    def handle(self, store, method, ref, body, path):
        pls_ref = Ref(ref.sub, ref.rg, ref.provider, ref.pairs[:1])
        pls = store.get(pls_ref)
        if pls is None:
            raise store.not_found(pls_ref)
        conns = pls.body["properties"]["privateEndpointConnections"]
        if ref.collection:
            if method != "GET":
                raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed on a collection.")
            return 200, {"value": copy.deepcopy(conns)}, {}
        found = [c for c in conns if c["name"].lower() == ref.name.lower()]
        if not found:
            raise ArmError(404, "NotFound", "Private endpoint connection '%s' of private link service '%s' was "
                           "not found." % (ref.name, pls_ref.name))
        conn = found[0]
        if method == "GET":
            return 200, copy.deepcopy(conn), {}
        if method == "DELETE":
            conns.remove(conn)
            _sync_origin(store, conn, "Disconnected")
            return 200, None, {}
        if method != "PUT":
            raise ArmError(405, "MethodNotAllowed", "The requested method %s is not allowed." % method)
        state = ((body or {}).get("properties") or {}).get("privateLinkServiceConnectionState") or {}
        return 200, set_connection_state(store, conn, state), {}


def set_connection_state(store, conn, state):
    """What a PUT of the connection does (the module's approval, ``az network private-endpoint-connection
    approve --description ...``, the portal): status, description and actionsRequired as given."""
    wanted = state.get("status")
    current = conn["properties"]["privateLinkServiceConnectionState"]["status"]
    if wanted not in ("Approved", "Rejected", "Pending"):
        raise bad_request("privateLinkServiceConnectionState.status must be Approved, Rejected or Pending, "
                          "not '%s'." % wanted, "InvalidRequestContent")
    if current == "Rejected" and wanted == "Approved":
        raise bad_request("Private endpoint connection %s was rejected and cannot be approved; the consumer "
                          "must create a new private endpoint." % conn["name"],
                          "CannotApproveRejectedPrivateEndpointConnection")
    conn["properties"]["privateLinkServiceConnectionState"] = {
        "status": wanted, "description": state.get("description", ""),
        "actionsRequired": state.get("actionsRequired") or "None"}
    conn["etag"] = 'W/"%s"' % uuid.uuid4()
    _sync_origin(store, conn, wanted)
    return copy.deepcopy(conn)


def third_party_update(store, body):
    """``/_fake/connection``: someone else (the portal, the az CLI) sets a connection's state and description -
    ``{"pls_id", "name", "status", "description"}``; the connection as it is then."""
    pls = store.get(Ref.parse(body["pls_id"]))
    if pls is None:
        raise ArmError(404, "NotFound", "Private link service %s was not found." % body["pls_id"])
    found = [c for c in pls.body["properties"]["privateEndpointConnections"] if c["name"] == body["name"]]
    if not found:
        raise ArmError(404, "NotFound", "Private endpoint connection '%s' was not found." % body["name"])
    return set_connection_state(store, found[0], {"status": body.get("status", "Approved"),
                                                  "description": body.get("description", "Approved"),
                                                  "actionsRequired": "None"})


def _sync_origin(store, conn, status):
    """Front Door shows the connection state on the origin's sharedPrivateLinkResource.status."""
    for res in store.resources.values():
        link = res.meta.get("connection")
        if link and link["name"] == conn["name"]:
            spl = res.body["properties"].get("sharedPrivateLinkResource")
            if spl:
                spl["status"] = status


def add_connection(store, spl, origin_id):
    """The Pending connection Front Door's managed private endpoint makes on the PLS; returns its name."""
    pls = store.get(Ref.parse(spl["privateLink"]["id"]))
    location = norm_location(spl.get("privateLinkLocation"))
    pe_name = str(uuid.uuid4())
    name = "%s.%s" % (pls.ref.name, uuid.uuid4())
    pls.body["properties"]["privateEndpointConnections"].append({
        "name": name,
        "id": "%s/privateEndpointConnections/%s" % (pls.body["id"], name),
        "type": "Microsoft.Network/privateLinkServices/privateEndpointConnections",
        "etag": 'W/"%s"' % uuid.uuid4(),
        "properties": {
            "provisioningState": "Succeeded",
            "privateEndpoint": {"id": "/subscriptions/%s/resourceGroups/eafd-Prod-%s/providers/Microsoft.Network/"
                                      "privateEndpoints/%s" % (FRONT_DOOR_SUBSCRIPTION, location, pe_name)},
            "privateEndpointLocation": location,
            "linkIdentifier": str(abs(hash(origin_id)) % 10 ** 9),
            "privateLinkServiceConnectionState": {"status": "Pending", "description": spl.get("requestMessage") or "",
                                                  "actionsRequired": "None"},
        },
    })
    return name


def remove_connection(store, pls_id, name):
    pls = store.get(Ref.parse(pls_id))
    if pls is None:
        return
    conns = pls.body["properties"]["privateEndpointConnections"]
    conns[:] = [c for c in conns if c["name"] != name]


def handle_resource_group(store, method, ref, body):
    """/subscriptions/{s}/resourcegroups[/{rg}]."""
    if ref.sub.lower() not in store.subscriptions:
        raise ArmError(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % ref.sub)
    if ref.rg is None:
        return 200, {"value": [copy.deepcopy(g) for g in store.resource_groups.values()]}, {}
    key = ("/subscriptions/%s/resourcegroups/%s" % (ref.sub, ref.rg)).lower()
    existing = store.resource_groups.get(key)
    if method == "GET":
        if existing is None:
            raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % ref.rg)
        return 200, copy.deepcopy(existing), {}
    if method == "PUT":
        if not (body or {}).get("location"):
            raise bad_request("The 'location' property is required.", "LocationRequired")
        group = {"id": "/subscriptions/%s/resourceGroups/%s" % (ref.sub, ref.rg), "name": ref.rg,
                 "type": "Microsoft.Resources/resourceGroups", "location": norm_location(body["location"]),
                 "tags": (body or {}).get("tags") or {}, "properties": {"provisioningState": "Succeeded"}}
        store.resource_groups[key] = group
        return (200 if existing else 201), copy.deepcopy(group), {}
    if method == "DELETE":
        if existing is None:
            return 204, None, {}
        del store.resource_groups[key]
        for rkey in [k for k in store.resources if k.startswith(key + "/")]:
            store.resources.pop(rkey)
        return 200, None, {}
    raise ArmError(405, "MethodNotAllowed", "The requested method %s is not allowed." % method)


SPECS = {
    PLS_TYPE: PrivateLinkService(),
    CONN_TYPE: PrivateEndpointConnection(),
    "microsoft.network/frontdoorwebapplicationfirewallpolicies": FrontDoorWafPolicy(),
}
