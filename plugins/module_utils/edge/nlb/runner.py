# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``nlb_info`` runner (private, read-only): find the NLB of the gateway Service and verify it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AwsConnection
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws import elbv2 as elb
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import wait_until
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.runner import POLL_SECONDS
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.waits import (
    nlb_causes, service_state, settled_snapshot)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.verify import (
    strict_error, verification_result)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.nlb.verify import nlb_expectations, verify_nlb


def run_nlb_info(params, check_mode=False, diff=False):
    kube = KubeApplier(params, check_mode=check_mode)
    aws = AwsConnection(params).check()
    name, namespace = params["name"], params["namespace"]
    service = kube.get("v1", "Service", name, namespace)
    if service is None:
        raise EdgeError("name: Service %s/%s does not exist." % (namespace, name), field="name",
                        hint="Name the gateway Service and its namespace (role istio installs it).")
    expected, notes = nlb_expectations(service, params["health_check"], params["status_port_name"],
                                       params["health_check_path"])
    meta = service.get("metadata") or {}
    result = {
        "changed": False,
        "service": {"name": name, "namespace": namespace, "type": (service.get("spec") or {}).get("type"),
                    "annotations": dict((k, v) for k, v in (meta.get("annotations") or {}).items()
                                        if k.startswith("service.beta.kubernetes.io/aws-load-balancer-"))},
        "expected": expected,
    }
    address = load_balancer_address(service)
    if not address and params["wait"]:
        def poll():
            live = kube.get("v1", "Service", name, namespace)
            found = load_balancer_address(live)
            return bool(found), found or service_state(live)
        address = wait_until(poll, params["wait_timeout"], "the NLB address on Service %s/%s" % (namespace, name),
                             interval=POLL_SECONDS, causes=nlb_causes(namespace, name),
                             hint="Raise wait_timeout if the NLB is only slow to provision.")
    result["address"] = address
    if not address:
        result["verification"] = {"status": "pending", "findings": notes, "errors": len(notes),
                                  "reason": "the Service has no load balancer address yet (set wait: true)"}
        if params["verify"] == "strict":
            raise EdgeError("verify: Service %s/%s has no NLB address yet." % (namespace, name), field="verify",
                            code="Pending", hint="Set wait: true, or check the AWS Load Balancer Controller's logs.",
                            findings=notes)
        return result
    client = aws.client("elbv2")
    lb, tags, lookup_notes = elb.find_load_balancer(client, elb.SERVICE_STACK_TAG, expected["stack"],
                                                    params.get("cluster_name"), address)
    elb.require_load_balancer(lb, "Service %s/%s (address %s)" % (namespace, name, address), elb.SERVICE_STACK_TAG,
                              expected["stack"], lookup_notes)
    if params["wait"]:
        snap = settled_snapshot(lambda: elb.snapshot(client, lb, tags), params["wait_timeout"])
    else:
        snap = elb.snapshot(client, lb, tags)
    findings = notes + verify_nlb(snap, expected)
    result.update(load_balancer=snap["load_balancer"], listeners=snap["listeners"],
                  target_groups=snap["target_groups"], verification=verification_result(findings))
    if lookup_notes:
        result["warnings"] = lookup_notes
    if params["verify"] == "strict" and findings:
        raise strict_error("the NLB of Service %s/%s" % (namespace, name), findings,
                           load_balancer=snap["load_balancer"])
    return result
