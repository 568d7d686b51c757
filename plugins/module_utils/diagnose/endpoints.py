# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoints of a Service from its EndpointSlices, in the shape the checks read (private, pure).

Current clusters publish a Service's endpoints as EndpointSlices (``discovery.k8s.io/v1``, ``v1beta1`` up to
1.24) labelled ``kubernetes.io/service-name``; v1 Endpoints is deprecated from Kubernetes 1.33. The collector
reads the slices and :func:`from_slices` turns them into one Endpoints-shaped dict (``subsets`` with
``addresses`` / ``notReadyAddresses`` / ``ports``), so every check has one shape to read, whichever API
answered.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
SLICE_VERSIONS = ("discovery.k8s.io/v1", "discovery.k8s.io/v1beta1")


def _ready(endpoint):
    """An endpoint is ready unless its conditions say otherwise (nil means ready, as kube-proxy reads it)."""
    conditions = endpoint.get("conditions") or {}
    if conditions.get("terminating") and conditions.get("ready") is None:
        return False
    return conditions.get("ready") is not False


def _address_type(slices):
    """The address family the checks count: IPv4 when any slice has it (a dual-stack Service has a slice per
    family listing the same pods), else the first one given."""
    types = [s.get("addressType") for s in slices if s.get("addressType")]
    if "IPv4" in types:
        return "IPv4"
    return types[0] if types else None


def from_slices(slices, name, namespace):
    """One Endpoints-shaped dict from a Service's EndpointSlices, or None when it has none.

    Each slice becomes a subset (its ports, its ready and not-ready addresses); an endpoint's ``targetRef``
    (the pod) is kept on its address.
    """
    if not slices:
        return None
    family = _address_type(slices)
    subsets = []
    for item in sorted(slices, key=lambda s: (s.get("metadata") or {}).get("name") or ""):
        if family and item.get("addressType") not in (family, None):
            continue
        ready, not_ready = [], []
        for endpoint in item.get("endpoints") or []:
            for ip in (endpoint.get("addresses") or [])[:1]:
                address = {"ip": ip}
                if endpoint.get("targetRef"):
                    address["targetRef"] = endpoint["targetRef"]
                if endpoint.get("nodeName"):
                    address["nodeName"] = endpoint["nodeName"]
                (ready if _ready(endpoint) else not_ready).append(address)
        subset = {"ports": [dict((k, v) for k, v in p.items() if k in ("name", "port", "protocol", "appProtocol"))
                            for p in item.get("ports") or []]}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subsets.append(subset)
    names = sorted((s.get("metadata") or {}).get("name") or "?" for s in slices)
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace},
            "subsets": subsets, "source": "EndpointSlice %s" % ", ".join(names)}


def pods_of(endpoints, ready=False):
    """Names of the pods behind the (not) ready addresses of an Endpoints-shaped dict, in order, once each."""
    key = "addresses" if ready else "notReadyAddresses"
    names = []
    for subset in (endpoints or {}).get("subsets") or []:
        for address in subset.get(key) or []:
            target = address.get("targetRef") or {}
            if target.get("kind", "Pod") == "Pod" and target.get("name") and target["name"] not in names:
                names.append(target["name"])
    return names
