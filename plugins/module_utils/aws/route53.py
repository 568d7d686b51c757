# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route53 alias records to a load balancer, for clusters without external-dns (private).

Reads first and writes only what differs (an UPSERT per record that is missing or points elsewhere); in
check mode it predicts without writing. Deleting only touches alias records that point at our load balancer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import call, paginate
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.elbv2 import norm_dns


def fqdn(name):
    """Route53's spelling: lower case, trailing dot, ``\\052`` for a leading ``*``."""
    name = (name or "").strip().lower().replace("\\052", "*")
    return name if name.endswith(".") else name + "."


def zone_short_id(zone_id):
    return (zone_id or "").split("/")[-1]


def resolve_zone(r53, zone_id=None, zone_name=None, private_zone=None):
    """``{id, name, private}`` of the hosted zone given by id or by name (EdgeError when absent/ambiguous)."""
    if zone_id:
        zone = call(r53, "get_hosted_zone", "read hosted zone %s" % zone_id, Id=zone_short_id(zone_id))["HostedZone"]
        zones = [zone]
    else:
        want = fqdn(zone_name)
        zones = [z for z in paginate(r53, "list_hosted_zones", "HostedZones", "list hosted zones")
                 if fqdn(z["Name"]) == want]
        if private_zone is not None:
            zones = [z for z in zones if bool((z.get("Config") or {}).get("PrivateZone")) == private_zone]
        if not zones:
            raise EdgeError("route53.zone_name: no hosted zone %s in this account." % want, field="route53.zone_name",
                            code="NoSuchHostedZone",
                            hint="Create the zone, or set route53.zone_id. Nothing was changed.")
        if len(zones) > 1:
            raise EdgeError(
                "route53.zone_name: %d hosted zones are named %s (%s)." % (
                    len(zones), want, ", ".join(zone_short_id(z["Id"]) for z in zones)),
                field="route53.zone_name", hint="Set route53.zone_id, or route53.private_zone. Nothing was changed.")
    zone = zones[0]
    return {"id": zone_short_id(zone["Id"]), "name": fqdn(zone["Name"]),
            "private": bool((zone.get("Config") or {}).get("PrivateZone"))}


def records_at(r53, zone, name):
    """Record sets named exactly ``name`` in the zone."""
    resp = call(r53, "list_resource_record_sets", "read records %s" % name, HostedZoneId=zone["id"],
                StartRecordName=fqdn(name), MaxItems="20")
    return [rr for rr in resp.get("ResourceRecordSets") or [] if fqdn(rr["Name"]) == fqdn(name)]


def _summary(rr):
    if rr is None:
        return None
    out = {"name": fqdn(rr["Name"]), "type": rr["Type"]}
    if rr.get("AliasTarget"):
        out["alias"] = {"dns_name": norm_dns(rr["AliasTarget"]["DNSName"]),
                        "hosted_zone_id": rr["AliasTarget"]["HostedZoneId"],
                        "evaluate_target_health": rr["AliasTarget"].get("EvaluateTargetHealth", False)}
    else:
        out["values"] = [r.get("Value") for r in rr.get("ResourceRecords") or []]
    return out


def precheck(r53, zone, names, types):
    """Raise before any write when a name is outside the zone or held by a CNAME."""
    current = {}
    for i, name in enumerate(names):
        if not (fqdn(name) == zone["name"] or fqdn(name).endswith("." + zone["name"])):
            raise EdgeError("route53.record_names[%d]: %s is not inside zone %s." % (i, name, zone["name"]),
                            field="route53.record_names[%d]" % i,
                            hint="Use names under the zone, or another zone. Nothing was changed.")
        existing = records_at(r53, zone, name)
        cname = [rr for rr in existing if rr["Type"] == "CNAME"]
        if cname:
            raise EdgeError(
                "route53.record_names[%d]: %s already has a CNAME record (%s); an alias A record cannot coexist."
                % (i, name, _summary(cname[0]).get("values")), field="route53.record_names[%d]" % i,
                code="InvalidChangeBatch",
                hint="Delete the CNAME (or let external-dns own the name and drop route53). Nothing was changed.")
        current[fqdn(name)] = dict((rr["Type"], rr) for rr in existing if rr["Type"] in types)
    return current


def _alias(name, rtype, lb, evaluate):
    return {"Name": fqdn(name), "Type": rtype, "AliasTarget": {
        "HostedZoneId": lb["canonical_hosted_zone_id"], "DNSName": lb["dns_name"],
        "EvaluateTargetHealth": bool(evaluate)}}


def _same_alias(rr, want):
    alias = (rr or {}).get("AliasTarget")
    if not alias:
        return False
    return (norm_dns(alias["DNSName"]) == norm_dns(want["AliasTarget"]["DNSName"])
            and alias["HostedZoneId"] == want["AliasTarget"]["HostedZoneId"]
            and bool(alias.get("EvaluateTargetHealth")) == want["AliasTarget"]["EvaluateTargetHealth"])


def ensure_aliases(r53, zone, current, names, types, lb, evaluate, check_mode):
    """UPSERT what differs; returns ``dict(changed, before, after, records)``."""
    changes, before, after = [], [], []
    for name in names:
        for rtype in types:
            have = current.get(fqdn(name), {}).get(rtype)
            want = _alias(name, rtype, lb, evaluate)
            if have:
                before.append(_summary(have))
            after.append(_summary(want))
            if not _same_alias(have, want):
                changes.append({"Action": "UPSERT", "ResourceRecordSet": want})
    if changes and not check_mode:
        call(r53, "change_resource_record_sets", "write alias records in zone %s" % zone["name"],
             HostedZoneId=zone["id"], ChangeBatch={"Comment": "meshops.istio_edge alb_ingress", "Changes": changes})
    return {"changed": bool(changes), "before": before, "after": after, "zone": zone,
            "records": after, "changes": len(changes)}


def remove_aliases(r53, zone, current, names, types, lb_dns, check_mode):
    """DELETE the alias records that point at ``lb_dns`` (others are left alone and reported)."""
    changes, before, kept = [], [], []
    for name in names:
        for rtype in types:
            have = current.get(fqdn(name), {}).get(rtype)
            if not have:
                continue
            alias = have.get("AliasTarget") or {}
            if lb_dns and norm_dns(alias.get("DNSName")) == norm_dns(lb_dns):
                changes.append({"Action": "DELETE", "ResourceRecordSet": have})
                before.append(_summary(have))
            else:
                kept.append(_summary(have))
    if changes and not check_mode:
        call(r53, "change_resource_record_sets", "delete alias records in zone %s" % zone["name"],
             HostedZoneId=zone["id"], ChangeBatch={"Comment": "meshops.istio_edge alb_ingress", "Changes": changes})
    return {"changed": bool(changes), "before": before, "after": [], "zone": zone, "records": [],
            "kept": kept, "changes": len(changes)}
