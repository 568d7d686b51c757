# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read endpoints, and the cluster's own account of why pods are missing or not ready (private; reads only).

- Endpoints come from EndpointSlices (``discovery.k8s.io/v1``, ``v1beta1`` on older clusters); v1 Endpoints
  (deprecated from Kubernetes 1.33) is read only where no EndpointSlice API is served.
- When the gateway has no pod, the events of its ReplicaSet (``FailedCreate``: quota, admission webhooks...)
  and the state of the backend of every admission webhook they name (e.g. istiod); when pods are not ready,
  their conditions and latest events (readiness-probe failures).

Every read here is optional: a refused or failed read leaves the evidence out, never aborts the diagnosis.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import endpoints as endpoints_mod
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import events as events_mod
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import pod_ready

MAX_PODS = 3
REVISION = "deployment.kubernetes.io/revision"


def _optional(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except EdgeError:
        return None


def slice_api(applier):
    """The EndpointSlice API version the cluster serves, or None (then v1 Endpoints is read)."""
    for version in endpoints_mod.SLICE_VERSIONS:
        if applier.has_kind(version, "EndpointSlice"):
            return version
    return None


def read_endpoints(applier, name, namespace, api=False):
    """The endpoints of Service ``namespace/name`` as one Endpoints-shaped dict (see ``endpoints.from_slices``),
    or None. ``api``: the result of :func:`slice_api` when the caller has it."""
    version = slice_api(applier) if api is False else api
    if version is None:
        return applier.get("v1", "Endpoints", name, namespace)
    slices = applier.list(version, "EndpointSlice", namespace,
                          label_selector="%s=%s" % (endpoints_mod.SERVICE_NAME_LABEL, name))
    return endpoints_mod.from_slices(slices, name, namespace)


def _events_of(applier, namespace, kind, name):
    items = _optional(applier.list, "v1", "Event", namespace,
                      field_selector="involvedObject.kind=%s,involvedObject.name=%s" % (kind, name))
    return items or []


def _replica_set(applier, deployment):
    """The newest ReplicaSet the Deployment owns (its current revision), or None."""
    spec = deployment.get("spec") or {}
    labels = ((spec.get("selector") or {}).get("matchLabels")) or {}
    selector = ",".join("%s=%s" % kv for kv in sorted(labels.items()))
    items = _optional(applier.list, "apps/v1", "ReplicaSet", meta(deployment).get("namespace"),
                      label_selector=selector or None) or []
    owned = [rs for rs in items if any(o.get("kind") == "Deployment" and o.get("name") == meta(deployment).get("name")
                                       for o in meta(rs).get("ownerReferences") or [])]

    def revision(rs):
        try:
            return int((meta(rs).get("annotations") or {}).get(REVISION) or 0)
        except ValueError:
            return 0
    owned.sort(key=lambda rs: (revision(rs), meta(rs).get("creationTimestamp") or ""), reverse=True)
    return owned[0] if owned else None


def _backend_state(applier, service):
    """``{service, exists, ready, deployment}`` of a webhook's backend Service ``ns/name``."""
    namespace, name = service.split("/", 1)
    state = {"service": service, "exists": False, "ready": 0, "deployment": None}
    if namespace == "?":
        return state
    if _optional(applier.get, "v1", "Service", name, namespace) is None:
        return state
    state["exists"] = True
    eps = _optional(read_endpoints, applier, name, namespace)
    state["ready"] = sum(len(s.get("addresses") or []) for s in (eps or {}).get("subsets") or [])
    deployment = _optional(applier.get, "apps/v1", "Deployment", name, namespace)
    if deployment:
        state["deployment"] = {"name": "%s/%s" % (namespace, name),
                               "ready": (deployment.get("status") or {}).get("readyReplicas") or 0,
                               "replicas": (deployment.get("spec") or {}).get("replicas", 1)}
    return state


def pod_reports(applier, namespace, pods):
    """Reports (``events.slim_pod_report``) of up to MAX_PODS pods that are not ready."""
    reports = []
    for pod in [p for p in pods if not pod_ready(p)][:MAX_PODS]:
        events = _events_of(applier, namespace, "Pod", meta(pod).get("name"))
        reports.append(events_mod.slim_pod_report(pod, events))
    return reports


def gateway_why(applier, deployment, pods):
    """Why the gateway has no (ready) pod, in the cluster's words: ``{replicaset, events, webhooks, states,
    pods}``; None when every pod is ready or there is no Deployment and no pod."""
    if pods and all(pod_ready(p) for p in pods):
        return None
    why = {"replicaset": None, "events": [], "webhooks": [], "states": {}, "pods": []}
    if pods:
        why["pods"] = pod_reports(applier, meta(pods[0]).get("namespace"), pods)
        return why
    if deployment is None:
        return None
    rs = _replica_set(applier, deployment)
    if rs is None:
        events = _events_of(applier, meta(deployment).get("namespace"), "Deployment", meta(deployment).get("name"))
        why["events"] = events_mod.latest([events_mod.slim_event(e) for e in events
                                           if (e.get("type") or "") == "Warning"])
        return why
    why["replicaset"] = "%s/%s" % (meta(rs).get("namespace"), meta(rs).get("name"))
    events = _events_of(applier, meta(rs).get("namespace"), "ReplicaSet", meta(rs).get("name"))
    slim = [events_mod.slim_event(e) for e in events]
    why["events"] = events_mod.latest([e for e in slim if e["type"] == "Warning"])
    why["webhooks"] = events_mod.refusing_webhooks(why["events"])
    for hook in why["webhooks"]:
        if hook["service"] and hook["service"] not in why["states"]:
            why["states"][hook["service"]] = _backend_state(applier, hook["service"])
    return why


def destination_why(applier, service, endpoints):
    """Reports of the pods behind a destination Service that has no ready endpoint: the pods its not-ready
    endpoints name, else the pods its selector matches. ``[]`` when there is nothing to report."""
    namespace = meta(service).get("namespace")
    names = endpoints_mod.pods_of(endpoints)
    pods = []
    if names:
        for name in names[:MAX_PODS]:
            pods.extend(_optional(applier.list, "v1", "Pod", namespace, field_selector="metadata.name=%s" % name)
                        or [])
    else:
        selector = (service.get("spec") or {}).get("selector") or {}
        if selector:
            pods = _optional(applier.list, "v1", "Pod", namespace,
                             label_selector=",".join("%s=%s" % kv for kv in sorted(selector.items()))) or []
    return pod_reports(applier, namespace, pods)
