# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waits of the Istio install: CRDs Established, istiod / gateway workloads rolled out (private).

The predicates are pure (``crd_established``, ``workload_ready``); the ``wait_*`` functions poll through
``KubeApplier`` with :func:`common.wait.wait_until`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import wait_until

# The kinds the collection creates after the install (app_route): wait for these even when the base
# release is managed elsewhere (base.enabled=false).
ISTIO_CRDS = ("gateways.networking.istio.io", "virtualservices.networking.istio.io",
              "destinationrules.networking.istio.io")


def crd_established(crd):
    """True when the CRD's Established and NamesAccepted conditions are True."""
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    status = dict((c.get("type"), c.get("status")) for c in conditions if isinstance(c, dict))
    return status.get("Established") == "True" and status.get("NamesAccepted", "True") == "True"


def workload_ready(obj):
    """``(ready, reason)`` for a Deployment or DaemonSet, as ``kubectl rollout status`` judges it."""
    if not obj:
        return False, "not found"
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation") or 0
    if (status.get("observedGeneration") or 0) < generation:
        return False, "the controller has not seen generation %s yet" % generation
    if obj.get("kind") == "DaemonSet":
        wanted = status.get("desiredNumberScheduled") or 0
        updated = status.get("updatedNumberScheduled") or 0
        available = status.get("numberAvailable") or 0
        if updated < wanted or available < wanted:
            return False, "%d/%d pods updated, %d available" % (updated, wanted, available)
        return True, "%d/%d pods available" % (available, wanted)
    wanted = spec.get("replicas", 1)
    if wanted is None:
        wanted = 1
    updated = status.get("updatedReplicas") or 0
    available = status.get("availableReplicas") or 0
    total = status.get("replicas") or 0
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return False, "rollout exceeded its progress deadline: %s" % cond.get("message", "")
    if updated < wanted:
        return False, "%d/%d replicas updated" % (updated, wanted)
    if total > updated:
        return False, "%d old replicas still terminating" % (total - updated)
    if available < updated:
        return False, "%d/%d updated replicas available" % (available, updated)
    return True, "%d/%d replicas available" % (available, wanted)


def wait_crds(kube, names, timeout, interval=1.0, release=None, clock=None, sleep=None):
    """Poll until every CRD in ``names`` is Established; an EdgeError naming the missing ones otherwise.

    ``release``: ``(name, namespace)`` of the Helm release that installs them, when this run manages it.
    """
    names = list(names)
    if not names:
        return []

    def poll():
        live = dict((crd["metadata"]["name"], crd)
                    for crd in kube.list("apiextensions.k8s.io/v1", "CustomResourceDefinition"))
        pending = [name for name in names if not crd_established(live.get(name))]
        missing = [name for name in pending if name not in live]
        absent = " (%s do not exist)" % ", ".join(missing) if missing else ""
        state = "not Established: %s%s" % (", ".join(pending), absent)
        return not pending, state if pending else names
    first = names[0]
    return wait_until(
        poll, timeout, "the Istio CRDs to be Established", interval=interval, field="wait_crds",
        code="crds_not_established", clock=clock, sleep=sleep,
        causes=[("the base release is not installed or failed (the CRDs are its templates)",
                 "helm status %s -n %s; helm history %s -n %s" % (release * 2) if release else
                 "helm list --all-namespaces --all"),
                ("a CRD's names clash with another CRD (NamesAccepted False)",
                 "kubectl get crd %s -o jsonpath='{.status.conditions}'" % first),
                ("the API server is not healthy", "kubectl get --raw '/readyz?verbose'")],
        hint="Install the base chart (base.enabled) if the CRDs are managed nowhere else, or raise timeout.")


def _look(kind, name, namespace):
    return ("kubectl -n %s describe %s %s; kubectl -n %s get pods; kubectl -n %s get events "
            "--sort-by=.lastTimestamp" % (namespace, kind.lower(), name, namespace, namespace))


def wait_workloads(kube, workloads, timeout, field, interval=2.0, clock=None, sleep=None):
    """Poll until every ``(kind, name, namespace)`` is rolled out; an EdgeError naming the laggards."""
    if not workloads:
        return

    def poll():
        laggards = []
        for kind, name, namespace in workloads:
            ready, reason = workload_ready(kube.get("apps/v1", kind, name, namespace))
            if not ready:
                laggards.append("%s %s/%s: %s" % (kind, namespace, name, reason))
        return not laggards, "; ".join(laggards)
    kind, name, namespace = workloads[0]
    what = "the rollout of %s" % ", ".join("%s %s/%s" % (k, ns, n) for k, n, ns in workloads)
    wait_until(
        poll, timeout, what, interval=interval, field=field, code="not_ready", clock=clock, sleep=sleep,
        causes=[("the pods cannot start: image pull (registry access, image name), scheduling (no node with room, "
                 "taints), or a crash", _look(kind, name, namespace)),
                ("the pods start but do not become ready (gateways: istiod unreachable, the injection webhook "
                 "failing)", "kubectl -n %s logs %s/%s" % (namespace, kind.lower(), name)),
                ("the cluster is slow to pull the images", None)],
        hint="Raise timeout for slow clusters, or turn the wait off.")
