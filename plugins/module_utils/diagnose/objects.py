# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small readers of live Kubernetes objects (dicts) used by the checks (private, pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.match import meta
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import path_owners, segment_values

STATUS_PORT_NAME = "status-port"


def template_labels(deployment):
    return ((((deployment or {}).get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def container_ports(deployment):
    """{port name: containerPort} of the Deployment's pod template."""
    ports = {}
    spec = ((deployment or {}).get("spec") or {}).get("template", {}).get("spec") or {}
    for container in spec.get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name"):
                ports[port["name"]] = port.get("containerPort")
    return ports


def service_ports(service):
    return ((service or {}).get("spec") or {}).get("ports") or []


def target_port(port, deployment=None):
    """The numeric targetPort of a Service port (a named one resolved through the pod template), or None."""
    value = port.get("targetPort", port.get("port"))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return container_ports(deployment).get(value)


def status_port_entry(service, status_port=15021):
    for port in service_ports(service):
        if port.get("name") == STATUS_PORT_NAME:
            return port
    for port in service_ports(service):
        if port.get("port") == status_port:
            return port
    return None


def traffic_ports(service, status_port=15021):
    """The Service ports that carry traffic (everything but the status port)."""
    status = status_port_entry(service, status_port)
    return [p for p in service_ports(service) if p is not status]


def gateway_pod_labels(snap):
    """Label sets of the gateway pods: the live pods, else the Deployment's pod template."""
    pods = snap.get("gateway_pods") or []
    if pods:
        return [meta(p).get("labels") or {} for p in pods]
    if snap.get("gateway_deployment"):
        return [template_labels(snap["gateway_deployment"])]
    return []


def pod_ready(pod):
    for cond in ((pod.get("status") or {}).get("conditions") or []):
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def ready_addresses(endpoints, port_name=None):
    """(ready, not ready) address counts of an Endpoints object, for one Service port name when given."""
    ready = not_ready = 0
    for subset in (endpoints or {}).get("subsets") or []:
        names = [p.get("name") or "" for p in subset.get("ports") or []]
        if port_name is not None and names and (port_name or "") not in names:
            continue
        ready += len(subset.get("addresses") or [])
        not_ready += len(subset.get("notReadyAddresses") or [])
    return ready, not_ready


def node_port_owners(service):
    """{service port number: [field managers that set its nodePort]} from managedFields.

    A nodePort that no manager owns was allocated by the API server (not pinned): it changes whenever the
    Service is re-created. Returns None when the object carries no managedFields (cannot tell).
    """
    owners = path_owners(service)
    if owners is None:
        return None
    out = {}
    for path, managers in owners.items():
        if len(path) == 4 and path[:2] == ("f:spec", "f:ports") and path[3] == "f:nodePort":
            port = (segment_values(path[2]) or {}).get("port")
            if port is not None:
                out[port] = managers
    return out
