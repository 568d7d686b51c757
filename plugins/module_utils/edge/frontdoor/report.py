# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plans and result summaries of ``frontdoor_origin`` (pure, private).

``plan_step()`` decides create / update / nothing for one resource from its desired body and the live one;
``summary()`` turns an ARM body into the snake_case dict the module returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.models import patch_body
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.compare import (
    differences, get_path, norm_location, predict, project)


def plan_step(kind, desired, live, field=None, label=None):
    """``dict(kind, action=create|update|none, changes, desired, live, patch, predicted)``.

    Raises an EdgeError (before anything is written) when a field ARM cannot change differs.
    """
    step = dict(kind=kind, label=label or kind, desired=desired, live=live, changes=[], patch=None)
    if live is None:
        step.update(action="create", changes=["(new)"], predicted=desired)
        return step
    if get_path(live, ("properties", "provisioningState")) == "Failed":
        # ARM's way to retry a resource whose last operation failed: PUT it again
        step.update(action="create", repair=True, changes=["provisioningState Failed"], predicted=desired)
        return step
    changes = differences(desired, live)
    if kind == "profile" and "sku.name" in changes:
        raise field_error("sku", "profile '%s' is %s and cannot be switched to %s by this module"
                          % (live.get("name"), get_path(live, ("sku", "name")), get_path(desired, ("sku", "name"))),
                          "Upgrade it with 'az afd profile upgrade' (Standard to Premium), or use another "
                          "profile_name. Nothing was changed.")
    if kind == "custom_domain" and "properties.hostName" in changes:
        raise field_error(field or "custom_domains", "custom domain '%s' already serves %s, not %s"
                          % (live.get("name"), get_path(live, ("properties", "hostName")),
                             get_path(desired, ("properties", "hostName"))),
                          "Give the new host its own custom domain name, or remove the old one first. "
                          "Nothing was changed.")
    changes = [c for c in changes if c != "location"
               or norm_location(desired.get("location")) != norm_location(live.get("location"))]
    if not changes:
        step.update(action="none", predicted=live)
        return step
    step.update(action="update", changes=changes, patch=patch_body(kind, desired, live),
                predicted=predict(desired, live))
    return step


def step_diff(step):
    """(before, after) of one step for Ansible's diff: only the owned fields."""
    before = project(step["desired"], step["live"]) if step["live"] is not None else None
    return before, step["desired"]


def _props(body):
    return (body or {}).get("properties") or {}


def summary(kind, body, name=None, rid=None):
    """The result entry for one resource (``body`` may be a check-mode prediction without read-only fields)."""
    if body is None:
        return None
    props = _props(body)
    out = {"name": body.get("name") or name, "id": body.get("id") or rid,
           "provisioning_state": props.get("provisioningState")}
    if kind == "profile":
        out.update(sku=get_path(body, ("sku", "name")), front_door_id=props.get("frontDoorId"),
                   resource_state=props.get("resourceState"))
    elif kind == "endpoint":
        out.update(host_name=props.get("hostName"), enabled_state=props.get("enabledState"),
                   deployment_status=props.get("deploymentStatus"))
    elif kind == "origin_group":
        probe = props.get("healthProbeSettings") or {}
        out.update(probe={"path": probe.get("probePath"), "protocol": probe.get("probeProtocol"),
                          "method": probe.get("probeRequestType"), "interval": probe.get("probeIntervalInSeconds")},
                   load_balancing=props.get("loadBalancingSettings"))
    elif kind == "origin":
        spl = props.get("sharedPrivateLinkResource") or {}
        out.update(host_name=props.get("hostName"), origin_host_header=props.get("originHostHeader"),
                   enabled_state=props.get("enabledState"), deployment_status=props.get("deploymentStatus"),
                   private_link_id=get_path(spl, ("privateLink", "id")),
                   private_link_status=spl.get("status"))
    elif kind == "route":
        out.update(patterns=props.get("patternsToMatch"), supported_protocols=props.get("supportedProtocols"),
                   https_redirect=props.get("httpsRedirect"), forwarding_protocol=props.get("forwardingProtocol"),
                   link_to_default_domain=props.get("linkToDefaultDomain"),
                   custom_domains=[d.get("id") for d in props.get("customDomains") or []])
    elif kind == "custom_domain":
        validation = props.get("validationProperties") or {}
        host = props.get("hostName")
        out.update(host_name=host, validation_state=props.get("domainValidationState"),
                   validation_token=validation.get("validationToken"),
                   dns_txt_record="_dnsauth.%s" % host if host else None,
                   certificate_type=get_path(props, ("tlsSettings", "certificateType")))
    elif kind == "security_policy":
        out.update(waf_policy_id=get_path(props, ("parameters", "wafPolicy", "id")))
    return out
