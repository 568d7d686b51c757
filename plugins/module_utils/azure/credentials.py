# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure connection options and credentials (private).

The options are those azure.azcollection users know (``subscription_id``, ``client_id``, ``secret``,
``tenant``, ``auth_source``, ``cloud_environment`` and the ``AZURE_*`` variables), plus ``base_url`` /
``authority_host`` for sovereign or private clouds. ``auth_plan()`` and ``arm_endpoints()`` are pure (unit
tested); ``make_credential()`` builds the azure-identity credential.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error

try:
    from azure.identity import (AzureCliCredential, ClientSecretCredential, DefaultAzureCredential,
                                EnvironmentCredential, ManagedIdentityCredential)
    HAS_AZURE_IDENTITY = True
except ImportError:
    HAS_AZURE_IDENTITY = False

AUTH_SOURCES = ["auto", "credentials", "env", "cli", "msi"]

# ARM endpoint, default AAD authority and token scope per cloud (as azure.mgmt.core.tools.get_arm_endpoints)
CLOUDS = {
    "AzureCloud": ("https://management.azure.com", "login.microsoftonline.com",
                   "https://management.azure.com/.default"),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "login.chinacloudapi.cn",
                        "https://management.chinacloudapi.cn/.default"),
    "AzureUSGovernment": ("https://management.usgovcloudapi.net", "login.microsoftonline.us",
                          "https://management.core.usgovcloudapi.net/.default"),
}

AZURE_AUTH_ARG_SPEC = dict(
    auth_source=dict(type="str", default="auto", choices=AUTH_SOURCES,
                     fallback=(env_fallback, ["ANSIBLE_AZURE_AUTH_SOURCE"])),
    subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
    client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
    secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_SECRET", "AZURE_CLIENT_SECRET"])),
    tenant=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT", "AZURE_TENANT_ID"])),
    cloud_environment=dict(type="str", default="AzureCloud", choices=sorted(CLOUDS),
                           fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"])),
    base_url=dict(type="str", fallback=(env_fallback, ["AZURE_RESOURCE_MANAGER_URL"])),
    authority_host=dict(type="str", fallback=(env_fallback, ["AZURE_AUTHORITY_HOST"])),
    disable_instance_discovery=dict(type="bool", default=False),
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def auth_plan(params):
    """Which credential to build, validated: ``dict(kind=credentials|default|env|cli|msi, ...)``. Pure.

    ``auto`` uses the service principal when a secret is given, otherwise azure-identity's
    DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...).
    """
    source = params.get("auth_source") or "auto"
    client_id, secret, tenant = params.get("client_id"), params.get("secret"), params.get("tenant")
    if source == "credentials" or (source == "auto" and secret):
        for name, value, env in (("client_id", client_id, "AZURE_CLIENT_ID"), ("secret", secret, "AZURE_SECRET"),
                                 ("tenant", tenant, "AZURE_TENANT")):
            if not value:
                raise field_error(name, "a service principal needs client_id, secret and tenant, and %s is not set"
                                  % name, "Set %s (or %s), or use auth_source=auto without a secret to let "
                                  "DefaultAzureCredential find a managed identity or an Azure CLI login." % (name, env))
        return dict(kind="credentials", client_id=client_id, secret=secret, tenant=tenant)
    if source == "auto":
        return dict(kind="default", client_id=client_id, tenant=tenant)
    if source == "msi":
        return dict(kind="msi", client_id=client_id)
    return dict(kind=source)


def check_subscription(params):
    sub = params.get("subscription_id")
    if not sub:
        raise field_error("subscription_id", "no Azure subscription given",
                          "Set subscription_id (or the AZURE_SUBSCRIPTION_ID environment variable).")
    if not _GUID.match(sub):
        raise field_error("subscription_id", "'%s' is not a subscription id (a GUID)" % sub,
                          "Use the subscription's id, e.g. from 'az account show --query id', not its name.")
    return sub


def arm_endpoints(params):
    """``dict(base_url, authority, scope)`` for the options. Pure."""
    cloud = params.get("cloud_environment") or "AzureCloud"
    if cloud not in CLOUDS:
        raise field_error("cloud_environment", "unknown cloud '%s'" % cloud, "Use one of %s." % ", ".join(sorted(CLOUDS)))
    base_url, authority, scope = CLOUDS[cloud]
    if params.get("base_url"):
        base_url = params["base_url"].rstrip("/")
        if not base_url.startswith("https://"):
            raise field_error("base_url", "'%s' is not an https:// URL" % base_url,
                              "ARM is only reached over HTTPS (the SDK refuses to send tokens over plain HTTP).")
        scope = base_url + "/.default"
    if params.get("authority_host"):
        authority = params["authority_host"].rstrip("/")
        if not authority.startswith("https://"):
            raise field_error("authority_host", "'%s' is not an https:// URL" % authority,
                              "Give the Microsoft Entra authority as https://host.")
    elif cloud != "AzureCloud":
        authority = "https://" + authority
    else:
        authority = None        # azure-identity's default (or AZURE_AUTHORITY_HOST)
    return dict(base_url=base_url, authority=authority, scope=scope)


def make_credential(params):
    """The azure-identity credential for the options (no token is requested yet)."""
    try:
        return _make_credential(params)
    except ValueError as exc:        # azure-identity's own argument checks (e.g. an empty AZURE_CLIENT_ID)
        raise invalid_credential(exc)


def invalid_credential(exc):
    return EdgeError("Azure credentials cannot be used: %s" % exc, field="client_id", code="InvalidCredential",
                     hint="Check client_id / tenant (and AZURE_CLIENT_ID / AZURE_TENANT_ID: set but empty counts as "
                          "set). Nothing was changed.")


def _make_credential(params):
    if not HAS_AZURE_IDENTITY:
        raise EdgeError("The azure-identity Python library is required (pip install azure-identity).")
    plan = auth_plan(params)
    endpoints = arm_endpoints(params)
    kwargs = {}
    if endpoints["authority"]:
        kwargs["authority"] = endpoints["authority"]
    if params.get("disable_instance_discovery"):
        kwargs["disable_instance_discovery"] = True
    if plan["kind"] == "credentials":
        return ClientSecretCredential(plan["tenant"], plan["client_id"], plan["secret"], **kwargs)
    if plan["kind"] == "env":
        return EnvironmentCredential(**kwargs)
    if plan["kind"] == "cli":
        return AzureCliCredential(tenant_id=params.get("tenant") or None)
    if plan["kind"] == "msi":
        return ManagedIdentityCredential(client_id=plan.get("client_id") or None)
    if plan.get("client_id"):
        kwargs["managed_identity_client_id"] = plan["client_id"]
    return DefaultAzureCredential(**kwargs)
