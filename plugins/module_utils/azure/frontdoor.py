# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Front Door applier: read, create (PUT), update (PATCH) and delete AFD resources with azure-mgmt-cdn and
wait for ARM's long-running operations with the SDK's pollers (private).

Bodies are the REST-shaped dicts of ``edge.frontdoor`` (azure-mgmt-cdn's models accept mappings); reads return
plain dicts (``as_dict()``), in ARM's own spelling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.errors import azure_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
    from azure.core.rest import HttpRequest
except ImportError:  # the module reports the missing library before any of this runs
    HttpRequest = None

    class AzureError(Exception):
        pass

    class HttpResponseError(AzureError):
        pass

    class ResourceNotFoundError(HttpResponseError):
        pass

# kind -> (operations attribute of CdnManagementClient, update method, what users call it)
OPERATIONS = {
    "profile": ("profiles", "begin_update", "Front Door profile"),
    "endpoint": ("afd_endpoints", "begin_update", "endpoint"),
    "origin_group": ("afd_origin_groups", "begin_update", "origin group"),
    "origin": ("afd_origins", "begin_update", "origin"),
    "route": ("routes", "begin_update", "route"),
    "custom_domain": ("afd_custom_domains", "begin_update", "custom domain"),
    "security_policy": ("security_policies", "begin_patch", "security policy"),
}
# options a failing request is most likely about
FIELDS = {"profile": "profile_name", "endpoint": "endpoint_name", "origin_group": "origin_group",
          "origin": "origin", "route": "route", "custom_domain": "custom_domains", "security_policy": "waf_policy"}


def _plain(obj):
    if obj is None:
        return None
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    return dict(obj)


def scope_missing(exc):
    """True when a 404 is about the subscription or resource group, not the resource itself."""
    return getattr(getattr(exc, "error", None), "code", None) in ("SubscriptionNotFound", "ResourceGroupNotFound")


def describe(kind, args):
    """``origin 'fd/og/o1'`` - the resource's path below the resource group."""
    return "%s '%s'" % (OPERATIONS[kind][2], "/".join(args[1:]))


class FrontDoorApplier:
    """One run's Front Door reads and writes. ``args`` is (resource_group, profile, [parent, ] name)."""

    def __init__(self, clients, wait_timeout=1800, writes=None):
        self.clients = clients
        self.wait_timeout = wait_timeout
        self.writes = writes  # common.writes.Writes: a write ARM accepted is recorded before its operation is awaited

    def _ops(self, kind):
        return getattr(self.clients.cdn, OPERATIONS[kind][0])

    def read(self, kind, args):
        """The live resource as a dict, or None (a missing subscription or resource group is an error)."""
        try:
            return _plain(self._ops(kind).get(*args))
        except ResourceNotFoundError as exc:
            if scope_missing(exc):
                raise azure_error(exc, "read %s" % describe(kind, args))
            return None
        except AzureError as exc:
            raise azure_error(exc, "read %s" % describe(kind, args))

    def create(self, kind, args, body):
        action = "create %s" % describe(kind, args)
        try:
            poller = self._ops(kind).begin_create(*(tuple(args) + (body,)))
        except AzureError as exc:
            raise azure_error(exc, action, FIELDS.get(kind))
        self._record("created", kind, args)
        return self._wait(poller, action, kind)

    def update(self, kind, args, body):
        action = "update %s" % describe(kind, args)
        try:
            poller = getattr(self._ops(kind), OPERATIONS[kind][1])(*(tuple(args) + (body,)))
        except AzureError as exc:
            raise azure_error(exc, action, FIELDS.get(kind))
        self._record("updated", kind, args)
        return self._wait(poller, action, kind)

    def delete(self, kind, args):
        action = "delete %s" % describe(kind, args)
        try:
            poller = self._ops(kind).begin_delete(*args)
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise azure_error(exc, action, FIELDS.get(kind))
        self._record("deleted", kind, args)
        self._wait(poller, action, kind)

    def _record(self, verb, kind, args):
        if self.writes is not None:
            self.writes.record("%s %s" % (verb, describe(kind, args)))

    def _wait(self, poller, action, kind):
        try:
            result = poller.result(timeout=self.wait_timeout)
        except AzureError as exc:
            raise azure_error(exc, action, FIELDS.get(kind))
        if not poller.done():
            raise EdgeError("Timed out after %ss waiting for ARM to %s; the operation goes on in Azure."
                            % (self.wait_timeout, action), field="wait_timeout", code="timeout",
                            hint="Re-run later (the module picks up where ARM is), or raise wait_timeout.")
        return _plain(result)

    def list_children(self, kind, resource_group, profile):
        """Names of a profile's endpoints / origin groups / custom domains / security policies."""
        try:
            return [item["name"] for item in self._ops(kind).list_by_profile(resource_group, profile)]
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise azure_error(exc, "list the %ss of profile '%s'" % (OPERATIONS[kind][2], profile))

    def read_by_id(self, resource_id, api_version):
        """GET any ARM resource by id (e.g. the WAF policy a security policy links); None when absent."""
        request = HttpRequest("GET", "%s%s?api-version=%s" % (self.clients.endpoints["base_url"], resource_id,
                                                              api_version))
        try:
            response = self.clients.cdn.send_request(request)
        except AzureError as exc:
            raise azure_error(exc, "read %s" % resource_id)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise azure_error(HttpResponseError(response=response), "read %s" % resource_id)
        return response.json()
