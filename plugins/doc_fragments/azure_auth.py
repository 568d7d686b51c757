# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to sign in to Microsoft Entra ID.
      - V(auto) uses the service principal O(client_id)/O(secret)/O(tenant) when a secret is given (as an option
        or in the environment), otherwise azure-identity's C(DefaultAzureCredential) (a client certificate in
        E(AZURE_CLIENT_CERTIFICATE_PATH); workload identity; managed identity; Azure CLI login).
      - V(credentials) requires the service principal options; V(env) uses azure-identity's
        C(EnvironmentCredential); V(cli) the Azure CLI login (C(az login)); V(msi) the managed identity
        (user-assigned when O(client_id) is set).
      - Can also be set with E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    default: auto
    choices: [auto, credentials, env, cli, msi]
  subscription_id:
    description:
      - The Azure subscription (its id, a GUID). Required. Can also be set with E(AZURE_SUBSCRIPTION_ID).
    type: str
  client_id:
    description:
      - Application (client) id of the service principal, or of the user-assigned managed identity.
      - Can also be set with E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - Client secret of the service principal. Never logged, also when it comes from the environment.
      - Can also be set with E(AZURE_SECRET) (or E(AZURE_CLIENT_SECRET)).
    type: str
  tenant:
    description:
      - Directory (tenant) id of the service principal.
      - Can also be set with E(AZURE_TENANT) (or E(AZURE_TENANT_ID)).
    type: str
  cloud_environment:
    description:
      - The Azure cloud, which gives the Resource Manager endpoint, the sign-in authority and the token scope.
      - Can also be set with E(AZURE_CLOUD_ENVIRONMENT).
    type: str
    default: AzureCloud
    choices: [AzureChinaCloud, AzureCloud, AzureUSGovernment]
  base_url:
    description:
      - Azure Resource Manager URL overriding the one of O(cloud_environment) (private or sovereign clouds,
        test doubles). Must be C(https://); the token scope becomes C(<base_url>/.default).
      - Can also be set with E(AZURE_RESOURCE_MANAGER_URL).
    type: str
  authority_host:
    description:
      - Microsoft Entra authority host (C(https://login.microsoftonline.com) in the public cloud).
      - Can also be set with E(AZURE_AUTHORITY_HOST) (azure-identity's own variable).
    type: str
  disable_instance_discovery:
    description:
      - Skip Entra's instance discovery and authority validation (private clouds, Azure Stack, or an
        O(authority_host) that is not a Microsoft endpoint).
    type: bool
    default: false
requirements:
  - azure-identity >= 1.15.0, < 2
  - azure-core >= 1.30.0, < 2
notes:
  - The options and environment variables follow azure.azcollection, so existing AWX "Microsoft Azure
    Resource Manager" credentials carry over. Use the C(group/meshops.istio_edge.azure) action group to set
    them once per play.
  - TLS to Azure is verified with the system trust store; point E(REQUESTS_CA_BUNDLE) at a CA bundle behind
    an inspecting proxy.
"""
