# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure SDK clients of a module run (private).

One credential per run; it is tried once (``check()``) before any read or write so that a bad credential is
reported as such, with nothing changed. Clients honour ``base_url`` / ``cloud_environment``, use the SDK's
retry policy (429/5xx with Retry-After) and a configurable LRO polling interval.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.credentials import (
    arm_endpoints, check_subscription, invalid_credential, make_credential)
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.errors import azure_error, credential_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    from azure.core.exceptions import AzureError, ClientAuthenticationError
    HAS_AZURE_CORE = True
except ImportError:  # the module reports the missing library before any of this runs
    HAS_AZURE_CORE = False

    class AzureError(Exception):
        pass

    class ClientAuthenticationError(AzureError):
        pass

try:
    from azure.mgmt.cdn import CdnManagementClient
    HAS_CDN = True
except ImportError:
    HAS_CDN = False

try:
    from azure.mgmt.network import NetworkManagementClient
    HAS_NETWORK = True
except ImportError:
    HAS_NETWORK = False

USER_AGENT = "meshops.istio_edge"


class AzureClients:
    """Lazily built credential and management clients for one set of options."""

    def __init__(self, params, polling_interval=None):
        self.params = params
        self.subscription_id = check_subscription(params)
        self.endpoints = arm_endpoints(params)
        self.polling_interval = polling_interval
        self._credential = None
        self._cdn = None
        self._network = {}

    @property
    def credential(self):
        if self._credential is None:
            self._credential = make_credential(self.params)
        return self._credential

    def check(self):
        """Get one token now: credential problems surface before anything is read or written."""
        try:
            self.credential.get_token(self.endpoints["scope"])
        except ClientAuthenticationError as exc:
            raise credential_error(exc)
        except ValueError as exc:
            raise invalid_credential(exc)
        except AzureError as exc:
            raise azure_error(exc, "get a token for %s" % self.endpoints["base_url"])

    def _kwargs(self):
        kwargs = dict(base_url=self.endpoints["base_url"], credential_scopes=[self.endpoints["scope"]],
                      user_agent=USER_AGENT)
        if self.polling_interval is not None:
            kwargs["polling_interval"] = self.polling_interval
        return kwargs

    @property
    def cdn(self):
        if not HAS_CDN:
            raise EdgeError("The azure-mgmt-cdn Python library is required (pip install 'azure-mgmt-cdn>=13.1').")
        if self._cdn is None:
            self._cdn = CdnManagementClient(self.credential, self.subscription_id, **self._kwargs())
        return self._cdn

    def network(self, subscription_id=None):
        """A network client for ``subscription_id`` (the Private Link Service may live in another one)."""
        if not HAS_NETWORK:
            raise EdgeError("The azure-mgmt-network Python library is required (pip install azure-mgmt-network).")
        sub = subscription_id or self.subscription_id
        if sub not in self._network:
            self._network[sub] = NetworkManagementClient(self.credential, sub, **self._kwargs())
        return self._network[sub]
