# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Private Link side of a Front Door Premium origin, with azure-mgmt-network (private).

A Private Link origin makes Front Door create a managed private endpoint towards the Private Link Service in
front of the gateway's internal load balancer. That shows up on the PLS as a **Pending** private endpoint
connection, and traffic flows only once the PLS owner approves it - the step every existing tool leaves
manual. It is approved by its name on the PLS (not by the private endpoint's id, which lives in Front Door's
own subscription).

Which connection is this origin's: Front Door writes the origin's request message as the description of the
Pending connection, but whoever approves it (the portal, ``az network private-endpoint-connection approve
--description Approved``) sets the description anew. So the connection's name is remembered once found and
accepted by name later, whatever its description; a Pending connection is only ever matched by the request
message; and an Approved one made by Front Door (its private endpoint in Front Door's ``eafd-*`` resource
groups) is taken when it is the only one on the service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.errors import azure_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import poll_until
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.models import parse_resource_id, pls_id
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.compare import norm_location

try:
    from azure.core.exceptions import AzureError, ResourceNotFoundError
except ImportError:  # the module reports the missing library before any of this runs
    class AzureError(Exception):
        pass

    class ResourceNotFoundError(AzureError):
        pass

PLS_NAME_ANNOTATION = "service.beta.kubernetes.io/azure-pls-name"
# a connection that can still carry traffic, best first
_LIVE_STATES = ("Approved", "Pending")


def resolve_target(link, subscription_id, annotations=None):
    """``dict(id, subscription, resource_group, name, field)`` of the Private Link Service. Pure."""
    if link.get("id"):
        parsed = parse_resource_id(link["id"])
        return dict(id=link["id"], subscription=parsed["subscription"], resource_group=parsed["resource_group"],
                    name=parsed["name"], field="private_link.id")
    name = link.get("name") or (annotations or {}).get(PLS_NAME_ANNOTATION)
    if not name:
        raise field_error("private_link.name", "no Private Link Service named, and the gateway Service has no %s "
                          "annotation" % PLS_NAME_ANNOTATION,
                          "Give private_link.name (or private_link.id), or shape the gateway Service with "
                          "gateway_service profile=azure_private_link so AKS creates the PLS.")
    return dict(id=pls_id(subscription_id, link["resource_group"], name), subscription=subscription_id,
                resource_group=link["resource_group"], name=name, field="private_link.name")


def connection_summary(conn):
    if conn is None:
        return None
    props = conn.get("properties") or {}
    state = props.get("privateLinkServiceConnectionState") or {}
    return {"name": conn.get("name"), "status": state.get("status"), "description": state.get("description"),
            "actions_required": state.get("actionsRequired"),
            "private_endpoint_id": (props.get("privateEndpoint") or {}).get("id")}


def _state(conn):
    return ((conn.get("properties") or {}).get("privateLinkServiceConnectionState") or {})


def front_door_made(conn):
    """Whether Front Door's managed private endpoint made the connection (resource group ``eafd-<env>-<region>``
    of Front Door's own subscription)."""
    endpoint = (((conn.get("properties") or {}).get("privateEndpoint") or {}).get("id") or "").split("/")
    return len(endpoint) > 4 and endpoint[3].lower() == "resourcegroups" and endpoint[4].lower().startswith("eafd-")


def find_connection(connections, request_message, remembered=None):
    """``(connection, matched_by)`` of Front Door's connection for this origin, or ``(None, None)``. Pure.

    ``matched_by``: ``name`` (the name remembered from an earlier run, any description), ``request_message``
    (the description Front Door gave it; live states first), ``front_door`` (the only Approved connection Front
    Door made on the service, approved by someone with another description). A Pending connection is never taken
    on the last rule: approving someone else's request is not this module's call.
    """
    if remembered:
        named = [c for c in connections if (c.get("name") or "").lower() == remembered.lower()]
        if named:
            return named[0], "name"
    mine = [c for c in connections if _state(c).get("description") == request_message]

    def rank(conn):
        status = _state(conn).get("status")
        return _LIVE_STATES.index(status) if status in _LIVE_STATES else len(_LIVE_STATES)
    mine.sort(key=rank)
    if mine:
        return mine[0], "request_message"
    made = [c for c in connections if front_door_made(c)]
    if len(made) == 1 and _state(made[0]).get("status") == "Approved":
        return made[0], "front_door"
    return None, None


class PrivateLinkApplier:
    def __init__(self, clients, check_mode=False):
        self.clients = clients
        self.check_mode = check_mode

    def _ops(self, target):
        return self.clients.network(target["subscription"]).private_link_services

    def read_service(self, target):
        """The Private Link Service; a clear error when it does not exist."""
        try:
            return self._ops(target).get(target["resource_group"], target["name"]).as_dict()
        except ResourceNotFoundError as exc:
            code = getattr(getattr(exc, "error", None), "code", None)
            if code == "ResourceGroupNotFound":
                field = "private_link.resource_group" if target["field"] == "private_link.name" else target["field"]
                raise EdgeError("%s: resource group '%s' of the Private Link Service does not exist (subscription %s)."
                                % (field, target["resource_group"], target["subscription"]), field=field, code=code,
                                hint="Give the cluster's node resource group (MC_<rg>_<cluster>_<region>, see 'az aks "
                                     "show --query nodeResourceGroup'). Nothing was changed.")
            if code == "SubscriptionNotFound":
                raise azure_error(exc, "read Private Link Service %s" % target["id"])
            raise EdgeError(
                "%s: Private Link Service '%s' not found in resource group '%s' (subscription %s)."
                % (target["field"], target["name"], target["resource_group"], target["subscription"]),
                field=target["field"], code=getattr(getattr(exc, "error", None), "code", None) or "ResourceNotFound",
                hint="AKS creates it from the gateway Service annotations (azure-pls-create, azure-pls-name) in the "
                     "cluster's node resource group (MC_<rg>_<cluster>_<region>); check private_link.resource_group "
                     "and that the Service has its internal load balancer. Nothing was changed.")
        except AzureError as exc:
            raise azure_error(exc, "read Private Link Service %s" % target["id"], target["field"])

    @staticmethod
    def location(service, given):
        """The location for ``privateLinkLocation``: the PLS's own; a given one must agree with it."""
        actual = service.get("location")
        if given and norm_location(given) != norm_location(actual):
            raise field_error("private_link.location", "'%s' is not the region of Private Link Service '%s' (%s)"
                              % (given, service.get("name"), actual),
                              "Set private_link.location to %s, or leave it unset to use the service's region." % actual)
        return given or actual

    def connections(self, target):
        try:
            return [c.as_dict() for c in self._ops(target).list_private_endpoint_connections(
                target["resource_group"], target["name"])]
        except AzureError as exc:
            raise azure_error(exc, "list the private endpoint connections of %s" % target["id"], target["field"])

    def wait_for_connection(self, target, request_message, timeout, interval, remembered=None):
        """Front Door creates its private endpoint asynchronously (no ARM operation to follow): poll the PLS until
        the connection shows up; ``(connection, matched_by)`` as :func:`find_connection`, ``(None, None)`` when it
        did not within ``timeout`` (the caller reports it as pending)."""
        def poll():
            found = find_connection(self.connections(target), request_message, remembered)
            return found[0] is not None, found
        return poll_until(poll, timeout, max(1, interval))[1]

    def approve(self, target, conn):
        """Approve the connection by its name on the PLS (its description is kept); returns the updated
        connection."""
        props = conn.get("properties") or {}
        body = {"name": conn["name"], "properties": {
            "privateEndpoint": props.get("privateEndpoint"),
            "privateLinkServiceConnectionState": {
                "status": "Approved", "actionsRequired": "None",
                "description": (props.get("privateLinkServiceConnectionState") or {}).get("description")}}}
        try:
            return self._ops(target).update_private_endpoint_connection(
                target["resource_group"], target["name"], conn["name"], body).as_dict()
        except AzureError as exc:
            raise azure_error(exc, "approve private endpoint connection '%s' on %s" % (conn["name"], target["id"]),
                              "private_link.approve")
