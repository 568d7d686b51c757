# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fingerprints for "nothing changed" snapshots of the cluster (no test lives here)."""

import json

# What the cluster's own controllers write, on their own schedule, into any namespace: not a change made by a
# run. A snapshot taken right after a namespace is created races with them (kube-root-ca.crt, the default
# ServiceAccount token, Deployment status and its revision annotation), so they are left out of the fingerprint.
CONTROLLER_OBJECTS = (("ConfigMap", "kube-root-ca.crt"),)
CONTROLLER_SECRET_TYPES = ("kubernetes.io/service-account-token",)
CONTROLLER_ANNOTATIONS = ("deployment.kubernetes.io/revision",)


def fingerprint(obj):
    """What a writer of ``obj`` controls: labels, annotations (without the controllers' own), spec and data.
    Status, resourceVersion and managedFields are left out: controllers change them without anyone writing."""
    meta = obj.get("metadata") or {}
    annotations = dict((k, v) for k, v in (meta.get("annotations") or {}).items() if k not in CONTROLLER_ANNOTATIONS)
    content = {"labels": meta.get("labels") or {}, "annotations": annotations, "uid": meta.get("uid")}
    for key in ("spec", "data", "stringData", "binaryData", "type"):
        if key in obj:
            content[key] = obj[key]
    return json.dumps(content, sort_keys=True)


def controller_made(kind, obj):
    """True for the objects the cluster's controllers create in every namespace on their own."""
    return (kind, obj["metadata"]["name"]) in CONTROLLER_OBJECTS or obj.get("type") in CONTROLLER_SECRET_TYPES


def live_namespaces(kube):
    """The namespaces that are not being deleted (a Terminating one goes away on its own schedule)."""
    items = kube.resources.get(api_version="v1", kind="Namespace").get().items
    return sorted(n.metadata.name for n in items if n.status.phase != "Terminating")
