# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``frontdoor_origin`` runner: validate, read, plan, then write (private).

present: options checked -> gateway Service / probe route read -> token -> Private Link Service and WAF policy
checked -> every AFD resource read and planned (create / update / nothing, owned fields only) -> in order
profile, endpoint, origin group, origin, custom domains, route, security policy created or patched, each
waited for -> Front Door's private endpoint connection found on the PLS (by the name remembered in a profile
tag, else the request message), its name remembered, and approved. Every input error is
raised before the first write; check mode stops after the plan. absent: the same resources deleted in reverse.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.clients import AzureClients
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.frontdoor import FrontDoorApplier, describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.gateway import GatewayReader
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.private_link import (
    PrivateLinkApplier, connection_summary, find_connection, resolve_target)
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import diff_dict
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.writes import Writes
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor import models as fdb
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.params import validate_present
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.report import (
    plan_step, step_diff, summary)

WAF_API_VERSION = "2024-02-01"


def run(params, check_mode=False, diff=False):
    writes = Writes(check_mode)  # a failure after a write reports changed=true and what was written
    with writes.reporting():
        if params["state"] == "absent":
            from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.absent import run_absent
            return run_absent(params, check_mode, writes)
        return Present(params, check_mode, writes).run()


class Present:
    def __init__(self, params, check_mode, writes=None):
        self.params = params
        self.check_mode = check_mode
        self.writes = writes if writes is not None else Writes(check_mode)
        self.warnings = []
        self.actions = []
        self.remembered = None      # the profile tag written for the connection's name, when one was

    # -- phase 1: inputs, cluster, prerequisites in Azure (no write) -----------------------------------
    def gateway_facts(self):
        p = self.params
        origin, link = p["origin"], p.get("private_link")
        needs_service = not origin.get("host_name") or (link and not link.get("id") and not link.get("name"))
        if not (needs_service or p["health_route_check"]):
            return origin["host_name"], {}, None
        # imported here: without cluster access (origin.host_name, private_link.name, no probe check) the
        # kubernetes library is not needed at all
        from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier
        gw = GatewayReader(KubeApplier(p, check_mode=self.check_mode), p["gateway_name"], p["gateway_namespace"])
        service = gw.service()
        host = origin.get("host_name") or gw.origin_host(service, origin["wait_for_ip"], self.check_mode,
                                                         self.warnings)
        annotations = gw.check_private_link_annotations(service, self.warnings) if link else {}
        route = None
        if p["health_route_check"]:
            group = p["origin_group"]
            route = gw.probe_route(service, group["probe_path"], origin.get("origin_host_header") or host,
                                   443 if group["probe_protocol"] == "Https" else 80, self.check_mode, self.warnings)
        return host, annotations, route

    def private_link(self, clients, annotations):
        p = self.params
        link = p.get("private_link")
        if not link:
            return None, None
        target = resolve_target(link, clients.subscription_id, annotations)
        applier = PrivateLinkApplier(clients, self.check_mode)
        service = applier.read_service(target)
        resolved = dict(target, id=service.get("id") or target["id"],
                        location=applier.location(service, link.get("location")),
                        request_message=link.get("request_message") or fdb.default_request_message(p))
        return applier, resolved

    # -- phase 2: read and plan ------------------------------------------------------------------------
    def plan(self, fd, sub, host, link):
        p = self.params
        n = fdb.names(p)
        rg, prof = n["resource_group"], n["profile"]
        domain_ids = [fdb.child_id(sub, rg, prof, "customDomains", d) for d in n["custom_domains"]]
        og_id = fdb.child_id(sub, rg, prof, "originGroups", n["origin_group"])
        endpoint_id = fdb.child_id(sub, rg, prof, "afdEndpoints", n["endpoint"])
        wanted = [
            ("profile", (rg, prof), fdb.profile_body(p), "profile_name"),
            ("endpoint", (rg, prof, n["endpoint"]), fdb.endpoint_body(p), "endpoint_name"),
            ("origin_group", (rg, prof, n["origin_group"]), fdb.origin_group_body(p["origin_group"]), "origin_group"),
            ("origin", (rg, prof, n["origin_group"], n["origin"]), fdb.origin_body(p["origin"], host, link), "origin"),
        ]
        for i, domain in enumerate(p.get("custom_domains") or []):
            wanted.append(("custom_domain", (rg, prof, domain["name"]), fdb.custom_domain_body(domain),
                           "custom_domains[%d].host_name" % i))
        wanted.append(("route", (rg, prof, n["endpoint"], n["route"]),
                       fdb.route_body(p["route"], og_id, domain_ids), "route"))
        if p.get("waf_policy"):
            wanted.append(("security_policy", (rg, prof, n["security_policy"]),
                           fdb.security_policy_body(p["waf_policy"], [endpoint_id] + domain_ids), "waf_policy"))
        steps, profile_exists = [], True
        for kind, args, desired, field in wanted:
            live = fd.read(kind, args) if profile_exists else None
            if kind == "profile":
                profile_exists = live is not None
            step = plan_step(kind, desired, live, field, describe(kind, args))
            step["args"] = args
            steps.append(step)
        return steps

    # -- phase 3: write --------------------------------------------------------------------------------
    def apply(self, fd, steps):
        for step in steps:
            if step["action"] == "create":
                step["result"] = fd.create(step["kind"], step["args"], step["desired"])
            elif step["action"] == "update":
                step["result"] = fd.update(step["kind"], step["args"], step["patch"])
            else:
                step["result"] = step["live"]

    @staticmethod
    def new_connection_expected(origin_step):
        """Front Door makes a new private endpoint when the origin is created or its private link changes."""
        return origin_step["action"] == "create" or any(
            c.startswith("properties.sharedPrivateLinkResource") for c in origin_step["changes"])

    def approve(self, fd, applier, link, steps):
        """Find Front Door's connection for this origin, remember its name, approve it when Pending."""
        p = self.params
        opts = p["private_link"]
        origin_step = [s for s in steps if s["kind"] == "origin"][0]
        fresh = self.new_connection_expected(origin_step)
        tag = fdb.connection_tag(p)
        remembered = None if fresh else ((steps[0]["live"] or {}).get("tags") or {}).get(tag)
        if self.check_mode and fresh:
            conn, how = None, None
        elif self.check_mode:
            conn, how = find_connection(applier.connections(link), link["request_message"], remembered)
        else:
            conn, how = applier.wait_for_connection(link, link["request_message"], opts["approval_timeout"] if fresh
                                                    else 0, p.get("polling_interval") or 10, remembered)
        origin_status = None if fresh else (((origin_step["live"] or {}).get("properties") or {}).get(
            "sharedPrivateLinkResource") or {}).get("status")
        if conn is None and origin_status == "Approved":
            # Front Door says the connection is approved, but which one on the service is not known
            return {"name": None, "status": "Approved", "description": None, "matched_by": "origin"}, False
        if conn is None and self.check_mode:
            self.actions.append("approve Front Door's private endpoint connection on %s" % link["name"]
                                if opts["approve"] else "(Front Door's connection will wait for approval)")
            status = "Approved" if opts["approve"] else "Pending"
            return {"name": None, "status": status, "description": link["request_message"]}, opts["approve"]
        if conn is None:
            self.warnings.append(
                "No private endpoint connection for this origin on %s%s (none with the description '%s'%s): Front "
                "Door cannot reach the origin until one is approved. Re-run to approve it, or check the connections "
                "on the Private Link Service: az network private-link-service show -g %s -n %s --query "
                "privateEndpointConnections"
                % (link["id"], " after %ss" % opts["approval_timeout"] if fresh else "", link["request_message"],
                   ", none named '%s' as remembered" % remembered if remembered else "", link["resource_group"],
                   link["name"]))
            return None, False
        state = dict(connection_summary(conn), matched_by=how)
        if state["status"] == "Rejected":
            raise field_error("private_link.approve", "Front Door's private endpoint connection '%s' on %s was "
                              "rejected" % (state["name"], link["name"]),
                              "A rejected connection cannot be approved: delete the origin (state=absent) and "
                              "re-create it so Front Door makes a new private endpoint.")
        self.remember(fd, steps[0], tag, state["name"])
        if state["status"] == "Pending" and opts["approve"]:
            if not self.check_mode:
                state = dict(connection_summary(applier.approve(link, conn)), matched_by=how)
                self.writes.record("approved private endpoint connection '%s' on %s" % (state["name"], link["id"]))
            else:
                state = dict(state, status="Approved")
            self.actions.append("approve private endpoint connection '%s'" % state["name"])
            return state, True
        return state, False

    def remember(self, fd, profile_step, tag, name):
        """Keep the connection's name in a tag of the profile, so later runs know it whatever its description
        (ARM replaces the whole tag set on a PATCH: the live tags are sent along)."""
        body = profile_step["predicted"] if self.check_mode else profile_step.get("result")
        tags = dict((body or {}).get("tags") or {})
        if not name or tags.get(tag) == name or len(name) > 256:
            return
        self.actions.append("remember private endpoint connection '%s' in tag %s of profile '%s'"
                            % (name, tag, profile_step["args"][-1]))
        self.remembered = {"tag": tag, "before": tags.get(tag), "after": name}
        if not self.check_mode:
            tags[tag] = name
            profile_step["result"] = fd.update("profile", profile_step["args"], {"tags": tags})

    # -- the run ---------------------------------------------------------------------------------------
    def run(self):
        p = self.params
        validate_present(p)
        clients = AzureClients(p, polling_interval=p.get("polling_interval"))
        host, annotations, probe_route = self.gateway_facts()
        clients.check()
        applier, link = self.private_link(clients, annotations)
        fd = FrontDoorApplier(clients, p["wait_timeout"], writes=self.writes)
        if p.get("waf_policy") and fd.read_by_id(p["waf_policy"]["id"], WAF_API_VERSION) is None:
            raise field_error("waf_policy.id", "the WAF policy %s does not exist" % p["waf_policy"]["id"],
                              "Create the Front Door WAF policy first (sku %s), or fix waf_policy.id." % p["sku"])
        steps = self.plan(fd, clients.subscription_id, host, link)
        for step in steps:
            if step.get("repair"):
                self.actions.append("re-create %s (its provisioningState is Failed)" % step["label"])
            elif step["action"] == "create":
                self.actions.append("create %s" % step["label"])
            elif step["action"] == "update":
                self.actions.append("update %s (%s)" % (step["label"], ", ".join(step["changes"])))
        if not self.check_mode:
            self.apply(fd, steps)
        connection, approved = None, False
        if link:
            connection, approved = self.approve(fd, applier, link, steps)
        return self.result(steps, link, connection, approved, probe_route)

    def warn_token_not_issued(self, step, entry):
        """Front Door issues a custom domain's validation token some time after the domain is created."""
        if entry.get("validation_token") or (entry.get("validation_state") or "").lower() == "approved":
            return
        if self.check_mode and step["live"] is None:        # created by this run: no token can be known yet
            return
        self.warnings.append(
            "Front Door has not issued the domain validation token of custom domain '%s' (%s) yet (validation state "
            "%s): the DNS TXT record %s cannot be created before it is. Run again in a few minutes, or read it with "
            "az afd custom-domain show -g %s --profile-name %s --custom-domain-name %s --query validationProperties"
            % (step["args"][-1], entry.get("host_name"), entry.get("validation_state") or "unknown",
               entry.get("dns_txt_record"), self.params["resource_group"], self.params["profile_name"],
               step["args"][-1]))

    def result(self, steps, link, connection, approved, probe_route):
        changed = approved or bool(self.remembered) or any(s["action"] != "none" for s in steps)
        res = {"changed": changed, "actions": self.actions, "warnings": self.warnings}
        before, after = {}, {}
        domains = []
        for step in steps:
            body = step.get("result") if not self.check_mode else step["predicted"]
            entry = summary(step["kind"], body, name=step["args"][-1])
            if step["kind"] == "custom_domain":
                domains.append(entry)
                key = "custom_domains/%s" % step["args"][-1]
                self.warn_token_not_issued(step, entry)
            else:
                res[step["kind"]] = entry
                key = step["kind"]
            if step["action"] != "none":
                before[key], after[key] = step_diff(step)
        res["custom_domains"] = domains
        res.setdefault("security_policy", None)
        res["endpoint_hostname"] = (res.get("endpoint") or {}).get("host_name")
        res["private_link"] = None
        if link:
            res["private_link"] = {"id": link["id"], "name": link["name"], "resource_group": link["resource_group"],
                                   "location": link["location"], "request_message": link["request_message"],
                                   "connection": connection}
            if approved:
                before["private_endpoint_connection"] = {"status": "Pending"}
                after["private_endpoint_connection"] = {"status": "Approved"}
            if self.remembered:
                before["profile_tags"] = {self.remembered["tag"]: self.remembered["before"]}
                after["profile_tags"] = {self.remembered["tag"]: self.remembered["after"]}
        res["connection_state"] = (connection or {}).get("status")
        res["health_route"] = probe_route
        if changed:
            res["diff"] = diff_dict(before, after, "Azure Front Door (before)", "Azure Front Door (after)")
        return res
