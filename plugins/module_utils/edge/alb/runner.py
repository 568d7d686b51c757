# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``alb_ingress`` runner (private): validate everything, write the Ingress, wait, verify, alias.

Order matters: every check that can fail on bad input (options, gateway Service, IngressClass, IngressGroup
conflicts, ACM certificates, AWS region/credentials, Route53 zone) runs before the one Kubernetes write, so a
failure leaves the cluster as it was. The ALB itself is the AWS Load Balancer Controller's work; this runner only
reads it - and after a write waits until the Ingress address is the ALB asked for (a scheme or group change
makes the controller create a new ALB while the Ingress still shows the old one).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import diff_dict
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import (
    poll_until, timeout_error, wait_until)
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.writes import Writes
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AwsConnection
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.acm import check_certificates, find_certificate
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws import elbv2 as elb
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws import route53 as r53
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb import ingress as build
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.checks import (
    address_state, alb_mismatches, ingress_class_error)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.verify import (
    alb_expectations, strict_error, verification_result, verify_alb)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.waits import (
    AWS_POLL_SECONDS, alb_causes, alb_delete_causes, events_state, ingress_state, settled_snapshot)

INGRESS = ("networking.k8s.io/v1", "Ingress")
POLL_SECONDS = 1.0


def _https(p):
    return any(x["protocol"] == "HTTPS" for x in p["listen_ports"])


def _needs_aws(p):
    if p["state"] == "absent":
        return bool(p.get("route53"))
    acm_arns = _https(p) and any(":acm:" in arn for arn in p.get("certificate_arn") or [])
    return bool(p.get("certificate_domain") or acm_arns or p["verify"] != "none" or p.get("route53"))


def _replaced_address(live, desired):
    """The live address when the desired Ingress makes the controller replace its ALB (scheme or group change)."""
    if live is None:
        return None
    old, new = live["metadata"].get("annotations") or {}, desired["metadata"]["annotations"]
    keys = (build.PREFIX + "scheme", build.PREFIX + "group.name")
    return load_balancer_address(live) if any(old.get(k) != new.get(k) for k in keys) else None


def _route53_types(p):
    return p["route53"].get("record_types") or ["A"]


class AlbIngressRunner:
    def __init__(self, params, check_mode=False):
        self.p = build.validate_params(params)
        self.params = params
        self.check_mode = check_mode
        self.kube = KubeApplier(params, check_mode=check_mode)
        self.aws = AwsConnection(params).check() if _needs_aws(self.p) else None
        self.result = {"changed": False, "warnings": []}
        self.writes = Writes(check_mode)

    # -- steps ----------------------------------------------------------------------------------------
    def gateway_service(self):
        p = self.p
        svc = self.kube.get("v1", "Service", p["gateway_service"], p["namespace"])
        if svc is None:
            raise EdgeError(
                "gateway_service: Service %s/%s does not exist." % (p["namespace"], p["gateway_service"]),
                field="gateway_service",
                hint="Install the gateway first (role meshops.istio_edge.istio) or name the gateway Service and its "
                     "namespace. Nothing was changed.")
        return svc

    def certificates(self):
        p = self.p
        arns = list(p.get("certificate_arn") or [])
        if p.get("certificate_domain"):
            cert, candidates = find_certificate(self.aws.client("acm"), p["certificate_domain"])
            self.result["certificate"] = dict(cert, candidates=candidates)
            arns = [cert["arn"]]
        self.result["certificate_arns"] = arns
        return arns

    def ingress_class(self):
        """The IngressClass must exist and belong to the AWS Load Balancer Controller."""
        name = self.p.get("ingress_class") or "alb"
        live = self.kube.get("networking.k8s.io/v1", "IngressClass", name)
        if ingress_class_error(name, live) is None:
            return
        try:
            classes = self.kube.list("networking.k8s.io/v1", "IngressClass")
        except EdgeError:            # listing only names the right class; the refusal stands without it
            classes = None
        raise ingress_class_error(name, live, classes)

    def check_certificates(self, arns, members):
        """The listener's certificates as the controller will use them (ACM: region, ISSUED, not expired, the host
        names covered, with the certificates other IngressGroup members add)."""
        p = self.p
        if not arns or not _https(p) or not any(":acm:" in arn for arn in arns):
            return
        others = [arn.strip() for m in members for arn in ((m["metadata"].get("annotations") or {}).get(
            build.PREFIX + "certificate-arn") or "").split(",") if arn.strip()]
        checked = check_certificates(self.aws.client("acm"), arns, p["hostnames"], others,
                                     field="certificate_domain" if p.get("certificate_domain") else "certificate_arn")
        if p.get("certificate_arn"):
            self.result["certificates"] = checked

    def group_check(self, annotations):
        p = self.p
        if not p.get("group_name"):
            return []
        members = build.group_members(self.kube.list(*INGRESS), p["group_name"], p["ingress_class"],
                                      (p["namespace"], p["name"]))
        build.group_conflicts(annotations, members)
        self.result["group_members"] = ["%s/%s" % (m["metadata"]["namespace"], m["metadata"]["name"])
                                        for m in members]
        return members

    def route53_precheck(self, live):
        p = self.p
        if not p.get("route53"):
            return None
        if not p["wait"] and not load_balancer_address(live):
            raise EdgeError(
                "route53: the alias needs the ALB address, which the Ingress does not have yet.", field="route53",
                hint="Set wait: true so the module waits for the ALB before writing the records. Nothing was "
                     "changed.")
        cfg = p["route53"]
        client = self.aws.client("route53")
        zone = r53.resolve_zone(client, cfg.get("zone_id"), cfg.get("zone_name"), cfg.get("private_zone"))
        current = r53.precheck(client, zone, cfg["record_names"], _route53_types(p))
        return zone, current

    def wait_address(self, obj, changed, before=None):
        """The Ingress address once it is the ALB asked for: its scheme and the controller's stack and cluster tags
        (read in ELBv2), or without AWS access a new address when the write replaces the ALB (``before``)."""
        p = self.p
        address = load_balancer_address(obj)
        if not p["wait"]:
            return address
        if self.check_mode and (changed or obj is None):
            if address and before is None:
                return address          # the change keeps the ALB
            self.result["warnings"].append("check mode: not waiting for the ALB of an Ingress that is not written.")
            return None
        client = self.aws.client("elbv2") if self.aws else None
        stack, seen = build.stack_name(p), {}

        def poll():
            live = self.kube.get(INGRESS[0], INGRESS[1], p["name"], p["namespace"])
            address = load_balancer_address(live)
            if not address:
                return False, ingress_state(live)
            if client is None:
                if address == before:
                    return False, "address %s: still the ALB the change replaces" % address
                return True, address
            last = seen.get(address)
            if last is None or time.monotonic() - last[0] >= AWS_POLL_SECONDS:
                lb, tags = elb.load_balancer_at(client, address)
                last = seen[address] = (time.monotonic(), lb, alb_mismatches(lb, tags, p["scheme"], stack,
                                                                             p.get("cluster_name")))
            return not last[2], address if not last[2] else address_state(address, last[1], last[2])
        done, state = poll_until(poll, p["wait_timeout"], POLL_SECONDS)
        if done:
            return state
        events = self.ingress_events()
        raise timeout_error("the ALB asked for (%s, stack %s) at the address of Ingress %s/%s"
                            % (p["scheme"], stack, p["namespace"], p["name"]), p["wait_timeout"],
                            "; ".join(x for x in (state, events) if x), alb_causes(p),
                            hint="Raise wait_timeout if the ALB is only slow to provision.")

    def ingress_events(self):
        """The controller's Warning events on the Ingress, for a timeout message ('' when none or unreadable)."""
        p = self.p
        try:
            return events_state(self.kube.list("v1", "Event", p["namespace"], field_selector=(
                "involvedObject.kind=Ingress,involvedObject.name=%s" % p["name"])))
        except EdgeError as exc:
            return "the Ingress's events could not be read (%s)" % (exc.code or exc.msg)

    def verify(self, address, expected):
        p = self.p
        if p["verify"] == "none":
            return None
        if not address:
            self.result["verification"] = {"status": "pending", "findings": [], "errors": 0,
                                           "reason": "the Ingress has no ALB address yet (set wait: true)"}
            return None
        client = self.aws.client("elbv2")
        stack = build.stack_name(p)
        lb, tags, notes = elb.find_load_balancer(client, elb.INGRESS_STACK_TAG, stack, p.get("cluster_name"), address)
        self.result["warnings"].extend(notes)
        elb.require_load_balancer(lb, "Ingress %s/%s (address %s)" % (p["namespace"], p["name"], address),
                                  elb.INGRESS_STACK_TAG, stack, notes)
        if p["wait"]:
            snap = settled_snapshot(lambda: elb.snapshot(client, lb, tags), p["wait_timeout"])
        else:
            snap = elb.snapshot(client, lb, tags)
        expected = dict(expected, certificate_arns=self.result.get("certificate_arns") or [])
        findings = verify_alb(snap, expected)
        self.result.update(load_balancer=snap["load_balancer"], listeners=snap["listeners"],
                           target_groups=snap["target_groups"], verification=verification_result(findings))
        self.result["verification"]["expected"] = expected
        return snap["load_balancer"]

    # -- state ----------------------------------------------------------------------------------------
    def present(self):
        p = self.p
        live = self.kube.get(INGRESS[0], INGRESS[1], p["name"], p["namespace"])
        service = self.gateway_service()
        expected = alb_expectations(service, p)
        self.ingress_class()
        arns = self.certificates()
        annotations = build.build_annotations(p, arns)
        members = self.group_check(annotations)
        r53_state = self.route53_precheck(live)
        self.check_certificates(arns, members)
        desired = build.build_ingress(p, annotations)
        res = self.kube.ensure(desired, live=live, fetch=False)
        self.result["changed"] = res["changed"]
        self.result.update(ingress=res["after"], annotations=annotations, stack=build.stack_name(p))
        diffs = []
        if res["changed"]:
            self.writes.record("%s Ingress %s/%s" % ("updated" if live is not None else "created", p["namespace"],
                                                     p["name"]))
            diffs.append(diff_dict(res["before"], res["after"], "Ingress %s/%s (live)" % (p["namespace"], p["name"]),
                                   "Ingress %s/%s (desired)" % (p["namespace"], p["name"])))
        written = res["object"] if (live is not None or not self.check_mode) else None
        address = self.wait_address(written, res["changed"], before=_replaced_address(live, desired))
        self.result["address"] = address
        lb = self.verify(address, expected)
        if r53_state and address:
            lb = lb or self._lb_for(address)
            zone, current = r53_state
            out = r53.ensure_aliases(self.aws.client("route53"), zone, current, p["route53"]["record_names"],
                                     _route53_types(p), lb, p["route53"].get("evaluate_target_health", True),
                                     self.check_mode)
            self.result["route53"] = out
            if out["changed"]:
                self.result["changed"] = True
                self.writes.record("changed the Route53 alias records of %s in zone %s"
                                   % (", ".join(p["route53"]["record_names"]), zone["name"]))
                diffs.append(diff_dict(out["before"], out["after"], "Route53 %s (live)" % zone["name"],
                                       "Route53 %s (desired)" % zone["name"]))
        if diffs:
            self.result["diff"] = diffs[0] if len(diffs) == 1 else diffs
        verification = self.result.get("verification") or {}
        if p["verify"] == "strict" and verification.get("findings"):
            raise strict_error("the ALB of Ingress %s/%s" % (p["namespace"], p["name"]), verification["findings"],
                               changed=self.result["changed"], load_balancer=self.result.get("load_balancer"))
        return self.result

    def _lb_for(self, address):
        client = self.aws.client("elbv2")
        stack = build.stack_name(self.p)
        lb, _tags, notes = elb.find_load_balancer(client, elb.INGRESS_STACK_TAG, stack, self.p.get("cluster_name"),
                                                  address)
        elb.require_load_balancer(lb, "the Route53 alias", elb.INGRESS_STACK_TAG, stack, notes)
        return elb.snapshot(client, lb, with_health=False)["load_balancer"]

    def absent(self):
        p = self.p
        live = self.kube.get(INGRESS[0], INGRESS[1], p["name"], p["namespace"])
        diffs = []
        if p.get("route53"):
            cfg = p["route53"]
            client = self.aws.client("route53")
            zone = r53.resolve_zone(client, cfg.get("zone_id"), cfg.get("zone_name"), cfg.get("private_zone"))
            current = r53.precheck(client, zone, cfg["record_names"], _route53_types(p))
            out = r53.remove_aliases(client, zone, current, cfg["record_names"], _route53_types(p),
                                     load_balancer_address(live), self.check_mode)
            self.result["route53"] = out
            for kept in out.get("kept") or []:
                self.result["warnings"].append("route53: left %s %s alone: it does not point at this Ingress's ALB."
                                               % (kept["type"], kept["name"]))
            if out["changed"]:
                self.result["changed"] = True
                self.writes.record("deleted the Route53 alias records of %s in zone %s"
                                   % (", ".join(cfg["record_names"]), zone["name"]))
                diffs.append(diff_dict(out["before"], [], "Route53 %s (live)" % zone["name"], "Route53 (absent)"))
        res = self.kube.delete(INGRESS[0], INGRESS[1], p["name"], p["namespace"], live=live)
        if res["changed"]:
            self.result["changed"] = True
            self.writes.record("deleted Ingress %s/%s" % (p["namespace"], p["name"]))
            diffs.insert(0, diff_dict(res["before"], {}, "Ingress %s/%s (live)" % (p["namespace"], p["name"]),
                                      "Ingress (absent)"))
            if p["wait"] and not self.check_mode:
                def gone():
                    live = self.kube.get(INGRESS[0], INGRESS[1], p["name"], p["namespace"])
                    return live is None, ingress_state(live)
                wait_until(gone, p["wait_timeout"], "the deletion of Ingress %s/%s (the controller removes its "
                           "finalizer once the ALB is cleaned up)" % (p["namespace"], p["name"]),
                           interval=POLL_SECONDS, causes=alb_delete_causes(p),
                           hint="Raise wait_timeout, or set wait: false to leave the clean-up to the controller.")
        if diffs:
            self.result["diff"] = diffs[0] if len(diffs) == 1 else diffs
        return self.result


def run_alb_ingress(params, check_mode=False, diff=False):
    runner = AlbIngressRunner(params, check_mode=check_mode)
    with runner.writes.reporting():
        result = runner.absent() if runner.p["state"] == "absent" else runner.present()
    if not result["warnings"]:
        result.pop("warnings")
    return result
