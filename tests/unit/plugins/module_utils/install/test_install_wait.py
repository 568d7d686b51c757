# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness predicates of the install waits (pure): CRD Established, rollout complete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.install.wait import (
    crd_established, workload_ready)


def crd(**conds):
    return {"status": {"conditions": [{"type": k, "status": v} for k, v in conds.items()]}}


def test_crd_established():
    assert crd_established(crd(Established="True", NamesAccepted="True"))
    assert not crd_established(crd(Established="False", NamesAccepted="True"))
    assert not crd_established(crd(Established="True", NamesAccepted="False"))
    assert not crd_established({}) and not crd_established(None)


def deployment(spec_replicas=2, generation=3, **status):
    return {"kind": "Deployment", "metadata": {"generation": generation}, "spec": {"replicas": spec_replicas},
            "status": status}


def test_deployment_rollout():
    ready = deployment(observedGeneration=3, replicas=2, updatedReplicas=2, availableReplicas=2)
    assert workload_ready(ready) == (True, "2/2 replicas available")
    assert not workload_ready(deployment(observedGeneration=2, updatedReplicas=2, availableReplicas=2))[0]
    assert workload_ready(deployment(observedGeneration=3, replicas=3, updatedReplicas=2, availableReplicas=2)) == (
        False, "1 old replicas still terminating")
    assert workload_ready(deployment(observedGeneration=3, replicas=2, updatedReplicas=1, availableReplicas=1)) == (
        False, "1/2 replicas updated")
    assert workload_ready(deployment(observedGeneration=3, replicas=2, updatedReplicas=2, availableReplicas=0)) == (
        False, "0/2 updated replicas available")
    # the test bed: no kubelet, so pods never become available
    assert workload_ready(deployment(1, 1, observedGeneration=1, replicas=1, updatedReplicas=1,
                                     unavailableReplicas=1))[0] is False
    stuck = deployment(observedGeneration=3, conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded",
                                                          "message": "timed out"}])
    assert "progress deadline" in workload_ready(stuck)[1]
    assert workload_ready(None) == (False, "not found")


def test_daemonset_rollout():
    ds = {"kind": "DaemonSet", "metadata": {"generation": 1}, "status": {
        "observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2}}
    assert workload_ready(ds) == (False, "3/3 pods updated, 2 available")
    ds["status"]["numberAvailable"] = 3
    assert workload_ready(ds)[0]
