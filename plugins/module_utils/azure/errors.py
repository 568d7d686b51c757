# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure SDK errors turned into messages a person can act on (private).

Every message carries ARM's own error code (``code``), the HTTP status and the ``x-ms-request-id`` to quote to
Azure support.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
except ImportError:
    ClientAuthenticationError = ServiceRequestError = None

# ARM error code -> (option the user should look at, how to fix)
_CODE_HINTS = {
    "SubscriptionNotFound": ("subscription_id", "Check subscription_id (AZURE_SUBSCRIPTION_ID) and that the identity "
                                                "can see the subscription ('az account list')."),
    "ResourceGroupNotFound": ("resource_group", "Create the resource group first, or fix resource_group."),
    "AuthorizationFailed": (None, "Grant the identity a role on that scope: 'CDN Profile Contributor' on the Front "
                                  "Door resource group, 'Network Contributor' on the Private Link Service's "
                                  "resource group (to approve its connection)."),
    "LinkedAuthorizationFailed": (None, "The identity also needs read access to the linked resource (the Private "
                                        "Link Service or the WAF policy)."),
    "InvalidAuthenticationToken": (None, "The token is not valid for this ARM endpoint: check cloud_environment / "
                                         "base_url and the tenant."),
    "AuthenticationFailed": (None, "Check client_id / secret / tenant or the managed identity."),
    "MissingSubscriptionRegistration": ("subscription_id", "Register the provider: 'az provider register "
                                                           "--namespace Microsoft.Cdn'."),
    "Conflict": (None, "Another operation is running on the resource (or it is in use): wait and re-run."),
    "TooManyRequests": (None, "ARM throttled the requests even after the SDK's retries: re-run later."),
}
_STATUS_HINTS = {
    400: "ARM rejected the request: fix the option named in the message.",
    401: "The credentials were refused: check client_id / secret / tenant (or the managed identity).",
    403: "The identity lacks a permission on that scope.",
    404: "The resource does not exist (or the identity cannot see it).",
    409: "The resource is busy or in use: wait and re-run.",
    429: "ARM throttled the requests even after the SDK's retries: re-run later.",
}


def _request_id(exc):
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        return headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id")
    except AttributeError:
        return None


def azure_error(exc, action, field=None):
    """EdgeError from an azure-core exception raised while doing ``action``."""
    if ClientAuthenticationError is not None and isinstance(exc, ClientAuthenticationError) \
            and getattr(exc, "status_code", None) is None:
        return credential_error(exc)
    if ServiceRequestError is not None and isinstance(exc, ServiceRequestError):
        return EdgeError("Cannot reach Azure Resource Manager while trying to %s: %s" % (action, exc),
                         field="base_url", code="unreachable",
                         hint="Check network access to the ARM endpoint (cloud_environment / base_url), proxies "
                              "and REQUESTS_CA_BUNDLE. Nothing further was changed.")
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or getattr(exc, "reason", None) or status
    message = getattr(error, "message", None) or str(getattr(exc, "message", None) or exc)
    message = message.strip().splitlines()[0] if message.strip() else str(exc)
    hint_field, hint = _CODE_HINTS.get(code, (None, None))
    hint = hint or _STATUS_HINTS.get(status)
    text = "Azure error while trying to %s: %s (%s %s)" % (action, message, status, code)
    request_id = _request_id(exc)
    details = {"status": status}
    if request_id:
        details["request_id"] = request_id
    return EdgeError(text, field=hint_field or field, hint=hint, code=code, **details)


_AADSTS = re.compile(r"AADSTS(\d+)")
_AAD_FIELDS = {"7000215": "secret", "7000222": "secret", "700016": "client_id", "90002": "tenant",
               "900023": "tenant"}


def credential_error(exc):
    """EdgeError for a credential that could not get a token (before anything was written)."""
    text = str(getattr(exc, "message", None) or exc)
    match = _AADSTS.search(text)
    if match:
        field = _AAD_FIELDS.get(match.group(1), "client_id")
        first = text.strip().splitlines()[0][:400]
        return EdgeError("Azure sign-in failed: %s" % first, field=field, code="AADSTS" + match.group(1),
                         hint="Check client_id, secret and tenant (or AZURE_CLIENT_ID / AZURE_SECRET / AZURE_TENANT). "
                              "Nothing was changed.")
    if "DefaultAzureCredential failed" in text or "CredentialUnavailable" in exc.__class__.__name__:
        return EdgeError(
            "No Azure credentials found: set client_id, secret and tenant (or AZURE_CLIENT_ID, AZURE_SECRET, "
            "AZURE_TENANT), sign in with 'az login', or run where a managed identity is available.",
            field="auth_source", code="CredentialUnavailable",
            hint="Nothing was changed. azure-identity said: %s" % " ".join(text.split())[:600])
    return EdgeError("Azure sign-in failed: %s" % " ".join(text.split())[:600], field="auth_source",
                     code="ClientAuthenticationError", hint="Check the Azure credentials. Nothing was changed.")
