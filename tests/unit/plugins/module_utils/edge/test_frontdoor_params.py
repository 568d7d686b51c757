# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""frontdoor_origin option checks (edge.frontdoor_params): each error names the dotted option and the fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.params import (
    validate_common, validate_present)

SUB = "3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PLS = "/subscriptions/%s/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/pls-istio" % SUB
WAF = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/w" % SUB


def params(**options):
    base = dict(resource_group="rg-edge", profile_name="fd-shop", endpoint_name="shop", subscription_id=SUB,
                private_link={"id": PLS})
    base.update(options)
    result = ArgumentSpecValidator(argument_spec()).validate(base)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def error(**options):
    with pytest.raises(EdgeError) as err:
        validate_present(params(**options))
    return err.value


def test_valid_options_pass():
    validate_present(params())
    validate_present(params(private_link={"resource_group": "MC_rg"}, custom_domains=[
        {"name": "shop", "host_name": "shop.example.com"}], waf_policy={"id": WAF}))
    validate_present(params(private_link=None, sku="Standard_AzureFrontDoor", origin={"host_name": "origin.example.com"}))


@pytest.mark.parametrize("options, field", [
    (dict(sku="Standard_AzureFrontDoor"), "sku"),
    (dict(private_link={"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/loadBalancers/lb"}),
     "private_link.id"),
    (dict(private_link={"id": PLS, "name": "other"}), "private_link.name"),
    (dict(private_link={"name": "pls-istio"}), "private_link.resource_group"),
    (dict(private_link={"id": PLS, "request_message": "x" * 141}), "private_link.request_message"),
    (dict(origin_group={"probe_path": "probe"}), "origin_group.probe_path"),
    (dict(origin_group={"probe_interval": 0}), "origin_group.probe_interval"),
    (dict(origin_group={"sample_size": 2, "successful_samples_required": 3}),
     "origin_group.successful_samples_required"),
    (dict(origin={"priority": 6}), "origin.priority"),
    (dict(origin={"host_name": "not a host"}), "origin.host_name"),
    (dict(origin_response_timeout=5), "origin_response_timeout"),
    (dict(route={"patterns": []}), "route.patterns"),
    (dict(route={"patterns": ["/*", "api/*"]}), "route.patterns[1]"),
    (dict(route={"supported_protocols": ["Http"]}), "route.https_redirect"),
    (dict(route={"link_to_default_domain": False}), "route.link_to_default_domain"),
    (dict(custom_domains=[{"name": "a", "host_name": "localhost"}]), "custom_domains[0].host_name"),
    (dict(custom_domains=[{"name": "a", "host_name": "a.example.com"}, {"name": "A", "host_name": "b.example.com"}]),
     "custom_domains[1].name"),
    (dict(custom_domains=[{"name": "a", "host_name": "a.example.com", "certificate_type": "CustomerCertificate"}]),
     "custom_domains[0].secret_id"),
    (dict(waf_policy={"id": PLS}), "waf_policy.id"),
    (dict(endpoint_name="-shop"), "endpoint_name"),
    (dict(endpoint_name="e" * 47), "endpoint_name"),
    (dict(origin_group={"name": "og_1"}), "origin_group.name"),
])
def test_bad_options_name_their_field(options, field):
    err = error(**options)
    assert err.field == field
    assert str(err).startswith(field + ":")
    assert err.hint


def test_absent_checks_only_names():
    validate_common(params(sku="Standard_AzureFrontDoor"))      # tier rules do not matter to delete
    with pytest.raises(EdgeError) as err:
        validate_common(params(resource_group="rg/edge"))
    assert err.value.field == "resource_group"
