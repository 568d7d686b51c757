# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the edge: the ALB/NLB through the collection's ELBv2 discovery (boto3), Front Door and the Private Link
Service through the collection's Azure appliers (private; reads only).

A cloud error does not abort the diagnosis: it becomes ``edge.error`` (with the API's code and the hint), so
the Kubernetes hops are still reported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta

ALB_PREFIX = "alb.ingress.kubernetes.io/"
NLB_PREFIX = "service.beta.kubernetes.io/aws-load-balancer-"
DEFAULT_ALB_INGRESS = "istio-edge-alb"    # role edge_alb's edge_alb_name


def _failed(edge, exc):
    edge["error"] = str(exc)
    edge["error_hint"] = getattr(exc, "hint", None)
    edge["error_code"] = getattr(exc, "code", None)
    return edge


def _gateway_groups(groups, resource_tag, stack_prefix, gateway_name):
    """The target groups of the gateway Service (an IngressGroup's ALB also carries other Services')."""
    mine = []
    for group in groups:
        resource = (group.get("tags") or {}).get(resource_tag)
        if resource is None or resource.startswith(stack_prefix) or ("-%s:" % gateway_name) in resource:
            mine.append(group)
    return mine or groups


def collect_alb(params, kube, opts, gateway_service):
    """``edge`` for an ALB made by the AWS Load Balancer Controller from an Ingress."""
    alb = params.get("alb") or {}
    namespace = alb.get("ingress_namespace") or opts["gateway_namespace"]
    name = alb.get("ingress_name") or DEFAULT_ALB_INGRESS
    edge = {"provider": "alb", "ingress_ref": "%s/%s" % (namespace, name), "target_groups": [], "listeners": []}
    ingress = kube.get("networking.k8s.io/v1", "Ingress", name, namespace)
    edge["ingress"] = _slim(ingress)
    if ingress is None:
        return edge
    annotations = meta(ingress).get("annotations") or {}
    svc_annotations = meta(gateway_service).get("annotations") or {}
    edge["target_type"] = svc_annotations.get(ALB_PREFIX + "target-type",
                                              annotations.get(ALB_PREFIX + "target-type", "instance"))
    edge["address"] = load_balancer_address(ingress)
    stack = annotations.get(ALB_PREFIX + "group.name") or edge["ingress_ref"]
    return _elbv2(params, edge, "ingress.k8s.aws/stack", stack, "ingress.k8s.aws/resource",
                  "%s-" % edge["ingress_ref"], opts["gateway_name"], alb.get("cluster_name"))


def collect_nlb(params, opts, gateway_service):
    """``edge`` for the NLB the AWS Load Balancer Controller made from the gateway Service."""
    nlb = params.get("nlb") or {}
    edge = {"provider": "nlb", "target_groups": [], "listeners": []}
    if gateway_service is None:
        return edge
    annotations = meta(gateway_service).get("annotations") or {}
    edge["target_type"] = "ip" if annotations.get(NLB_PREFIX + "type") == "nlb-ip" else annotations.get(
        NLB_PREFIX + "nlb-target-type", "instance")
    edge["address"] = load_balancer_address(gateway_service)
    stack = "%s/%s" % (opts["gateway_namespace"], opts["gateway_name"])
    if not edge["address"]:
        return edge
    return _elbv2(params, edge, "service.k8s.aws/stack", stack, "service.k8s.aws/resource", stack + ":",
                  opts["gateway_name"], nlb.get("cluster_name"))


def _elbv2(params, edge, stack_tag, stack, resource_tag, prefix, gateway_name, cluster_name):
    from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AwsConnection
    from ansible_collections.meshops.istio_edge.plugins.module_utils.aws import elbv2 as elb
    try:
        client = AwsConnection(params).check().client("elbv2")
        lb, tags, notes = elb.find_load_balancer(client, stack_tag, stack, cluster_name, edge.get("address"))
        edge["notes"] = notes
        if lb is None:
            edge["load_balancer"] = None
            return edge
        snap = elb.snapshot(client, lb, tags)
    except EdgeError as exc:
        return _failed(edge, exc)
    edge["load_balancer"] = snap["load_balancer"]
    edge["listeners"] = snap["listeners"]
    edge["target_groups"] = _gateway_groups(snap["target_groups"], resource_tag, prefix, gateway_name)
    if edge["target_groups"] and edge["target_groups"][0].get("target_type"):
        edge["target_type"] = edge["target_groups"][0]["target_type"]
    return edge


def _slim(ingress):
    if ingress is None:
        return None
    return {"metadata": {"name": meta(ingress).get("name"), "namespace": meta(ingress).get("namespace"),
                         "annotations": meta(ingress).get("annotations") or {}},
            "spec": ingress.get("spec") or {}, "status": ingress.get("status") or {}}


# -- Azure Front Door -------------------------------------------------------------------------------------
def _endpoint(raw):
    if raw is None:
        return None
    props = raw.get("properties") or raw
    return {"name": raw.get("name"), "host_name": props.get("host_name") or props.get("hostName"),
            "enabled_state": props.get("enabled_state") or props.get("enabledState"),
            "provisioning_state": props.get("provisioning_state") or props.get("provisioningState"),
            "deployment_status": props.get("deployment_status") or props.get("deploymentStatus")}


def _origin_group(raw):
    if raw is None:
        return None
    props = raw.get("properties") or raw
    probe = props.get("health_probe_settings") or props.get("healthProbeSettings") or {}
    return {"name": raw.get("name"), "health_probe": {
        "path": probe.get("probe_path") or probe.get("probePath"),
        "protocol": probe.get("probe_protocol") or probe.get("probeProtocol"),
        "request_type": probe.get("probe_request_type") or probe.get("probeRequestType"),
        "interval": probe.get("probe_interval_in_seconds") or probe.get("probeIntervalInSeconds")}}


def _origin(raw):
    if raw is None:
        return None
    props = raw.get("properties") or raw
    shared = props.get("shared_private_link_resource") or props.get("sharedPrivateLinkResource") or {}
    link = shared.get("private_link") or shared.get("privateLink") or {}
    return {"name": raw.get("name"), "host_name": props.get("host_name") or props.get("hostName"),
            "origin_host_header": props.get("origin_host_header") or props.get("originHostHeader"),
            "http_port": props.get("http_port") or props.get("httpPort"),
            "enabled_state": props.get("enabled_state") or props.get("enabledState"),
            "private_link": {"id": link.get("id"),
                             "location": shared.get("private_link_location") or shared.get("privateLinkLocation"),
                             "request_message": shared.get("request_message") or shared.get("requestMessage"),
                             "status": shared.get("status")}}


def collect_frontdoor(params):
    """``edge`` for Front Door Premium: endpoint, origin group probe, origin, Private Link connections."""
    from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.clients import AzureClients
    from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.frontdoor import FrontDoorApplier
    from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.private_link import (
        PrivateLinkApplier, connection_summary, resolve_target)
    fd = params.get("frontdoor") or {}
    rg, profile = fd["resource_group"], fd["profile_name"]
    edge = {"provider": "frontdoor", "profile": profile, "endpoint_name": fd.get("endpoint_name"),
            "origin_group_name": fd.get("origin_group_name"), "origin_name": fd.get("origin_name")}
    try:
        clients = AzureClients(params)
        clients.check()
        afd = FrontDoorApplier(clients)
        edge["endpoint"] = _endpoint(afd.read("endpoint", (rg, profile, fd["endpoint_name"])))
        edge["origin_group"] = _origin_group(afd.read("origin_group", (rg, profile, fd["origin_group_name"])))
        edge["origin"] = _origin(afd.read("origin", (rg, profile, fd["origin_group_name"], fd["origin_name"])))
        link = fd.get("private_link") or {}
        if not link.get("id") and not link.get("name") and edge["origin"]:
            link = {"id": edge["origin"]["private_link"]["id"]}
        if link.get("id") or link.get("name"):
            target = resolve_target(link, clients.subscription_id)
            pls = PrivateLinkApplier(clients)
            try:
                service = pls.read_service(target)
            except EdgeError as exc:
                if exc.code not in ("ResourceNotFound", "NotFound"):
                    raise
                service = None
            if service is not None:
                edge["private_link_service"] = {
                    "id": target["id"], "name": target["name"],
                    "connections": [connection_summary(c) for c in pls.connections(target)]}
            else:
                edge["private_link_service"] = None
    except EdgeError as exc:
        return _failed(edge, exc)
    return edge
