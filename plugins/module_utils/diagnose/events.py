# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why, in the cluster's own words: events, pod conditions and refusing admission webhooks (private, pure).

The collector reads the events of the gateway's ReplicaSet and of pods that are not ready; these helpers
slim them, pick the ones worth quoting (``FailedCreate``, readiness-probe failures...) and write the quotes
the findings carry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta

MAX_QUOTE = 400
_WEBHOOK = re.compile(r'webhook "([^"]+)"')
_WEBHOOK_SERVICE = re.compile(r'https://([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\b')
_NO_ENDPOINTS = re.compile(r'no endpoints available for service "([^"]+)"')
# reasons worth quoting, most telling first
_POD_REASONS = ("Unhealthy", "FailedScheduling", "FailedMount", "FailedCreatePodSandBox", "BackOff", "Failed",
                "FailedAttachVolume", "ErrImagePull", "Killing")


def slim_event(event):
    """``{type, reason, message, count, last, object}`` of a core/v1 (or events.k8s.io/v1) Event."""
    series = event.get("series") or {}
    involved = event.get("involvedObject") or event.get("regarding") or {}
    return {
        "type": event.get("type") or "Normal",
        "reason": event.get("reason") or "",
        "message": " ".join(str(event.get("message") or event.get("note") or "").split()),
        "count": series.get("count") or event.get("count") or event.get("deprecatedCount") or 1,
        "last": (event.get("lastTimestamp") or series.get("lastObservedTime") or event.get("eventTime")
                 or event.get("firstTimestamp") or (meta(event).get("creationTimestamp")) or ""),
        "object": "%s %s" % (involved.get("kind") or "?", involved.get("name") or "?"),
    }


def latest(events, reasons=None, limit=3):
    """The most recent slim events (newest first), of the given reasons when set, one per (reason, message)."""
    picked = [e for e in events if reasons is None or e["reason"] in reasons]
    picked.sort(key=lambda e: e["last"], reverse=True)
    seen, out = set(), []
    for event in picked:
        key = (event["reason"], event["message"])
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out[:limit]


def quote(event):
    """``FailedCreate (x12, last 2026-11-21T10:00:00Z): "Error creating: ..."``."""
    message = event["message"]
    if len(message) > MAX_QUOTE:
        message = message[:MAX_QUOTE - 3] + "..."
    times = "x%d, " % event["count"] if event["count"] and event["count"] > 1 else ""
    when = "last %s" % event["last"] if event["last"] else "time unknown"
    return '%s (%s%s): "%s"' % (event["reason"], times, when, message)


def refusing_webhooks(events):
    """``[{name, service}]`` of the admission webhooks named in events' messages (``service`` is ``ns/name`` of
    the webhook's backend Service when the message shows it, else None), in order, once each."""
    found = []
    for event in events:
        message = event.get("message") or ""
        names = _WEBHOOK.findall(message)
        if not names:
            continue
        service = _WEBHOOK_SERVICE.search(message)
        backend = "%s/%s" % (service.group(3), service.group(1)) if service else None
        if backend is None:
            missing = _NO_ENDPOINTS.search(message)
            backend = "?/%s" % missing.group(1) if missing else None
        for name in names:
            if not any(w["name"] == name for w in found):
                found.append({"name": name, "service": backend})
    return found


def backend_state(state):
    """A sentence about a webhook backend: ``{service, exists, ready, deployment: {name, ready, replicas}}``."""
    if not state.get("exists"):
        return "Service %s does not exist" % state["service"]
    text = "Service %s has %d ready endpoint(s)" % (state["service"], state.get("ready") or 0)
    deployment = state.get("deployment")
    if deployment:
        text += ", Deployment %s has %s/%s ready replica(s)" % (
            deployment["name"], deployment.get("ready") or 0, deployment.get("replicas", 1))
    return text


def webhook_sentence(webhooks, states):
    """``admission webhook "x" (Service istio-system/istiod has 0 ready endpoint(s), ...)`` for each webhook."""
    parts = []
    for hook in webhooks:
        state = states.get(hook["service"] or "")
        detail = backend_state(state) if state else (
            "backend %s" % hook["service"] if hook["service"] else "backend not named in the event")
        parts.append('admission webhook "%s" (%s)' % (hook["name"], detail))
    return "; ".join(parts)


def slim_pod_report(pod, events):
    """``{name, phase, conditions, events}`` of a pod that is not ready: its conditions that are not True
    (with reason and message) and its latest telling events (readiness-probe failures first)."""
    status = pod.get("status") or {}
    conditions = [] if status.get("conditions") else ["no condition reported yet"]
    for cond in status.get("conditions") or []:
        if cond.get("status") != "True":
            text = "%s=%s" % (cond.get("type"), cond.get("status"))
            detail = ": ".join(x for x in (cond.get("reason"), cond.get("message")) if x)
            conditions.append("%s (%s)" % (text, detail) if detail else text)
    slim = [slim_event(e) for e in events]
    probes = latest([e for e in slim if "probe" in e["message"].lower() or e["reason"] == "Unhealthy"], limit=2)
    others = latest([e for e in slim if e not in probes and e["type"] == "Warning"], _POD_REASONS, limit=2)
    return {"name": meta(pod).get("name"), "phase": status.get("phase") or "Unknown", "conditions": conditions,
            "events": probes + others}


def pod_sentence(report):
    """``pod web-1 (Running): Ready=False (ContainersNotReady: ...); Unhealthy (x5, last ...): "..."``."""
    parts = list(report.get("conditions") or []) or ["no condition is False"]
    parts.extend(quote(e) for e in report.get("events") or [])
    return "pod %s (%s): %s" % (report.get("name"), report.get("phase"), "; ".join(parts))


# -- what the findings say --------------------------------------------------------------------------------
def _refused_by_quota(events):
    for event in events:
        if "exceeded quota" in event["message"]:
            return True
    return False


def explain_no_pods(why, namespace):
    """(message addition, fix or None, evidence lines) for a gateway Deployment that has no pod, from
    ``collect_workload.gateway_why``."""
    if not why or not why.get("events"):
        return "", None, []
    events = why["events"]
    owner = "ReplicaSet %s" % why["replicaset"] if why.get("replicaset") else "The Deployment"
    evidence = ["%s: %s" % (owner if why.get("replicaset") else "Deployment", quote(e)) for e in events]
    text = " %s cannot create them; its latest event: %s." % (owner, quote(events[0]))
    fix = None
    hooks = why.get("webhooks") or []
    if hooks:
        states = why.get("states") or {}
        text += " The pods are refused by %s." % webhook_sentence(hooks, states)
        down = [s for s in states.values() if not s.get("ready")]
        istiod = [s for s in down if s["service"].split("/", 1)[-1].startswith("istiod")]
        if istiod:
            target = istiod[0]["service"].split("/", 1)
            fix = ("istiod answers Istio's injection webhook and is not running: make it ready first (kubectl -n %s "
                   "get deploy,pods,events; its own pods' events say why), then the ReplicaSet creates the gateway "
                   "pods on its next retry (or kubectl -n %s rollout restart deployment)." % (target[0], namespace))
        else:
            fix = ("Make the webhook's backend answer (or correct the webhook configuration); the ReplicaSet then "
                   "creates the pods on its next retry.")
    elif _refused_by_quota(events):
        fix = ("Raise or remove the ResourceQuota that refuses the pods (kubectl -n %s describe resourcequota), or "
               "lower the gateway's resource requests; the ReplicaSet then retries." % namespace)
    else:
        fix = "Fix what the event says (kubectl -n %s describe replicaset); the ReplicaSet then retries." % namespace
    return text, fix, evidence


def explain_pods(reports):
    """(message addition, evidence lines) for pods that are not ready, from ``slim_pod_report``s."""
    if not reports:
        return "", []
    lines = [pod_sentence(r) for r in reports]
    return " The cluster says: %s." % " | ".join(lines), lines
