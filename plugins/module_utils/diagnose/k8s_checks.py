# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the gateway Service and the gateway workload (private, pure).

Inputs are the live objects as dicts (``snap`` from the collectors); outputs are :class:`Hop` objects.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.hops import Hop
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import fmt_labels, meta, ref
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import events, service_checks
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import (
    pod_ready, ready_addresses, service_ports, status_port_entry, template_labels)
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import (
    label_selector_matches, service_selects)


# -- gateway Service -------------------------------------------------------------------------------------
def check_gateway_service(snap):
    opts = snap["options"]
    svc = snap.get("gateway_service")
    name = "%s/%s" % (opts["gateway_namespace"], opts["gateway_name"])
    hop = Hop("gateway_service", "Service %s" % name)
    if svc is None:
        return hop.broken(
            "service_missing", "The gateway Service %s does not exist." % name,
            "Install the gateway (role meshops.istio_edge.istio / module istio_install), or point gateway_name and "
            "gateway_namespace at the gateway that serves this app.")
    spec = svc.get("spec") or {}
    hop.see("type %s, selector %s", spec.get("type", "ClusterIP"), fmt_labels(spec.get("selector")))
    hop.see("ports: %s", ", ".join(
        "%s %s->%s%s" % (p.get("name") or "-", p.get("port"), p.get("targetPort", p.get("port")),
                         " nodePort %s" % p["nodePort"] if p.get("nodePort") else "")
        for p in service_ports(svc)) or "(none)")
    hop.details = {"type": spec.get("type", "ClusterIP"),
                   "node_ports": dict((p.get("name") or str(p.get("port")), p.get("nodePort"))
                                      for p in service_ports(svc) if p.get("nodePort")),
                   "annotations": dict((k, v) for k, v in (meta(svc).get("annotations") or {}).items()
                                       if k != "kubectl.kubernetes.io/last-applied-configuration")}
    status = status_port_entry(svc, opts["status_port"])
    if status is None:
        hop.broken("status_port_missing",
                   "The Service has no status-port (%d): the load balancer cannot probe Envoy's readiness."
                   % opts["status_port"],
                   "Keep the status-port entry (15021 -> 15021) in the gateway Service ports (a service.ports list "
                   "in the gateway chart values replaces the defaults).")
    service_checks.check_type(hop, snap, svc)
    service_checks.check_node_ports(hop, snap, svc)
    service_checks.check_health_annotations(hop, snap, svc)
    if not hop.findings:
        hop.ok("service_ok", "The gateway Service is shaped for the %s edge." % (opts.get("provider") or "(no)"))
    return hop


# -- gateway workload ------------------------------------------------------------------------------------
def _pod_state(pod):
    status = pod.get("status") or {}
    phase = status.get("phase") or "Unknown"
    if not (pod.get("spec") or {}).get("nodeName"):
        return "%s, not scheduled to any node" % phase
    waiting = [c.get("state", {}).get("waiting", {}).get("reason") for c in status.get("containerStatuses") or []]
    waiting = [w for w in waiting if w]
    return "%s on %s%s" % (phase, pod["spec"]["nodeName"], " (%s)" % ", ".join(waiting) if waiting else "")


def check_gateway_workload(snap):
    opts = snap["options"]
    svc = snap.get("gateway_service")
    deploy = snap.get("gateway_deployment")
    pods = snap.get("gateway_pods") or []
    name = "%s/%s" % (opts["gateway_namespace"], opts["gateway_name"])
    hop = Hop("gateway_workload", "Deployment %s" % name)
    if deploy is None:
        if pods:
            hop.see("no Deployment %s; %d pod(s) match the Service selector", name, len(pods))
        else:
            return hop.broken(
                "workload_missing", "No gateway Deployment %s and no pod matches the gateway Service." % name,
                "Install the gateway chart (role meshops.istio_edge.istio), or set gateway_name/gateway_namespace.")
    else:
        dstatus = deploy.get("status") or {}
        hop.see("Deployment %s: %s/%s replicas ready, pod template labels %s", ref(deploy),
                dstatus.get("readyReplicas") or 0, (deploy.get("spec") or {}).get("replicas", 1),
                fmt_labels(template_labels(deploy)))
        containers = ((deploy.get("spec") or {}).get("template", {}).get("spec") or {}).get("containers") or []
        hop.details["images"] = [c.get("image") for c in containers]
    if svc is not None:
        selector = (svc.get("spec") or {}).get("selector") or {}
        labels = template_labels(deploy) if deploy else (meta(pods[0]).get("labels") if pods else {})
        if not selector:
            hop.warn("service_without_selector",
                     "The gateway Service has no selector: its Endpoints are managed by hand.",
                     "Give the gateway Service the selector of the gateway pods (app/istio labels).")
        elif not service_selects(selector, labels):
            hop.broken(
                "service_selector_mismatch",
                "The gateway Service selects %s but the gateway pods are labelled %s." % (
                    fmt_labels(selector), fmt_labels(labels)),
                "Make the Service selector a subset of the pod labels (the gateway chart does this when the "
                "Service and Deployment come from the same release).")
    if deploy is not None and pods:
        pod_selector = (deploy.get("spec") or {}).get("selector")
        pods = [p for p in pods if label_selector_matches(pod_selector, meta(p).get("labels"))] or pods
    ready = [p for p in pods if pod_ready(p)]
    for pod in pods[:5]:
        hop.see("pod %s: %s, %s", meta(pod).get("name"), _pod_state(pod), "Ready" if pod_ready(pod) else "not Ready")
    for pod in pods:
        images = [c.get("image") for c in (pod.get("spec") or {}).get("containers") or []]
        if "auto" in images:
            hop.broken(
                "not_injected",
                "Gateway pod %s still runs image 'auto': istiod's injection webhook did not process it."
                % meta(pod).get("name"),
                "Check that istiod is running and its mutating webhook reaches the gateway namespace, then "
                "restart the gateway pods (kubectl rollout restart).")
            break
    hop.details.update(pods=len(pods), ready_pods=len(ready))
    if not pods:
        said, fix, quotes = events.explain_no_pods(snap.get("gateway_why"), opts["gateway_namespace"])
        for line in quotes:
            hop.see("%s", line)
        hop.broken("no_pods", "No gateway pod exists (the Deployment has not created any)." + said,
                   fix or "Check the Deployment's events and the ReplicaSet (quota, admission, scheduling).")
    elif not ready:
        said, quotes = events.explain_pods((snap.get("gateway_why") or {}).get("pods"))
        for line in quotes:
            hop.see("%s", line)
        hop.broken(
            "no_ready_pods", "None of the %d gateway pod(s) is Ready: no Envoy can answer.%s" % (len(pods), said),
            "Look at the pods' events and istio-proxy logs (kubectl -n %s describe pod / logs); a pod that is "
            "never scheduled means no node can run it (or no kubelet is running)." % opts["gateway_namespace"])
    if svc is not None:
        ep = snap.get("gateway_endpoints")
        ready_n, not_ready_n = ready_addresses(ep)
        hop.see("Endpoints %s: %d ready, %d not ready address(es)", name, ready_n, not_ready_n)
        hop.details["ready_endpoints"] = ready_n
        if ready_n == 0 and not hop.has("no_ready_pods") and not hop.has("no_pods"):
            hop.broken("no_ready_endpoints",
                       "The gateway Service has no ready endpoint although gateway pods are Ready.",
                       "Make the Service selector match the pods and the pods Ready; check kube-controller-manager.")
    if not hop.findings:
        hop.ok("workload_ready", "%d of %d gateway pod(s) Ready behind the Service." % (len(ready), len(pods)))
    return hop
