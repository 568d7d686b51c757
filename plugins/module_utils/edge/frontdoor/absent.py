# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``frontdoor_origin state=absent``: delete the chain in reverse order (private).

security policies linked to our endpoint / custom domains -> route -> custom domains -> origin -> origin group
-> endpoint -> profile. The profile is kept when ``keep_profile`` is set or when it still holds endpoints,
origin groups, custom domains or security policies this run did not own (another team's). Deleting the origin
makes Front Door remove its private endpoint, so its connection leaves the Private Link Service; a kept profile
loses the tag that remembered the connection's name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.clients import AzureClients
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.frontdoor import FrontDoorApplier, describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import diff_dict
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor import models as fdb
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.compare import norm_id
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.params import validate_common
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.report import summary

_CHILD_KINDS = ("endpoint", "origin_group", "custom_domain", "security_policy")


def _ours(params):
    n = fdb.names(params)
    return n, {
        "endpoint": set([n["endpoint"].lower()]),
        "origin_group": set([n["origin_group"].lower()]),
        "custom_domain": set(d.lower() for d in n["custom_domains"]),
        "security_policy": set([n["security_policy"].lower()]) if n["security_policy"] else set(),
    }


def _linked_policies(fd, rg, prof, domain_ids):
    """Security policies whose associations cover one of our domains (they would block the endpoint delete)."""
    names = []
    for name in fd.list_children("security_policy", rg, prof):
        live = fd.read("security_policy", (rg, prof, name))
        params = ((live or {}).get("properties") or {}).get("parameters") or {}
        for assoc in params.get("associations") or []:
            if any(norm_id(d.get("id")) in domain_ids for d in assoc.get("domains") or []):
                names.append(name)
                break
    return names


def run_absent(params, check_mode, writes=None):
    validate_common(params)
    clients = AzureClients(params, polling_interval=params.get("polling_interval"))
    clients.check()
    fd = FrontDoorApplier(clients, params["wait_timeout"], writes=writes)
    sub = clients.subscription_id
    n, ours = _ours(params)
    rg, prof = n["resource_group"], n["profile"]
    result = {"changed": False, "actions": [], "warnings": [], "deleted": [], "profile_kept": True}
    profile = fd.read("profile", (rg, prof))
    if profile is None:
        return result
    domain_ids = set(norm_id(fdb.child_id(sub, rg, prof, kind, name)) for kind, name in
                     [("afdEndpoints", n["endpoint"])] + [("customDomains", d) for d in n["custom_domains"]])
    policies = _linked_policies(fd, rg, prof, domain_ids)
    if n["security_policy"] and n["security_policy"] not in policies:
        policies.append(n["security_policy"])
    ours["security_policy"].update(p.lower() for p in policies)
    order = [("security_policy", (rg, prof, name)) for name in policies]
    order += [("route", (rg, prof, n["endpoint"], n["route"]))]
    order += [("custom_domain", (rg, prof, d)) for d in n["custom_domains"]]
    order += [("origin", (rg, prof, n["origin_group"], n["origin"])),
              ("origin_group", (rg, prof, n["origin_group"])),
              ("endpoint", (rg, prof, n["endpoint"]))]
    before = {}
    for kind, args in order:
        live = fd.read(kind, args)
        if live is None:
            continue
        if not check_mode:
            fd.delete(kind, args)
        label = describe(kind, args)
        result["actions"].append("delete %s" % label)
        result["deleted"].append(label)
        before["%s/%s" % (kind, args[-1])] = summary(kind, live)
    foreign = []
    for kind in _CHILD_KINDS if not params["keep_profile"] else ():
        foreign.extend("%s '%s'" % (kind.replace("_", " "), name) for name in fd.list_children(kind, rg, prof)
                       if name.lower() not in ours[kind])
    if params["keep_profile"]:
        pass
    elif foreign:
        result["warnings"].append("Kept Front Door profile '%s': it still holds %s, which this task does not own."
                                  % (prof, ", ".join(foreign)))
    else:
        if not check_mode:
            fd.delete("profile", (rg, prof))
        label = describe("profile", (rg, prof))
        result["actions"].append("delete %s" % label)
        result["deleted"].append(label)
        result["profile_kept"] = False
        before["profile"] = summary("profile", profile)
    tag = fdb.connection_tag(params)
    if result["profile_kept"] and tag in (profile.get("tags") or {}):
        # the connection whose name the tag remembers went with the origin
        if not check_mode:
            fd.update("profile", (rg, prof), {"tags": dict((k, v) for k, v in profile["tags"].items() if k != tag)})
        result["actions"].append("remove tag %s from %s" % (tag, describe("profile", (rg, prof))))
        before["profile_tags"] = {tag: profile["tags"][tag]}
    result["changed"] = bool(result["deleted"]) or "profile_tags" in before
    if result["changed"]:
        result["diff"] = diff_dict(before, {}, "Azure Front Door (before)", "Azure Front Door (after)")
    return result
