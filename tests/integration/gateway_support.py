# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the gateway_service integration tests: an istioctl-style gateway Service, and the API server's
own request counters (to prove that a no-op run sends no write request), and the fixtures ``gateway_ns`` and
``other_ns`` (namespaces whose Services are deleted at the end, freeing their cluster-wide nodePorts)."""

import re
import time

import pytest

ISTIOCTL_PORTS = [
    {"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP"},
    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
    {"name": "tcp", "port": 31400, "targetPort": 31400, "protocol": "TCP"},
]
FOREIGN_ANNOTATIONS = {"example.com/installed-by": "istioctl"}
FOREIGN_LABELS = {"app": "istio-ingressgateway", "istio": "ingressgateway"}


def services(kube):
    return kube.resources.get(api_version="v1", kind="Service")


def create_istioctl_service(kube, namespace, name="istio-ingressgateway", service_type="LoadBalancer",
                            field_manager="istioctl", server_side=False):
    """The gateway Service as istioctl leaves it (legacy targetPorts 8080/8443, a foreign port and annotation),
    written by another field manager - with a plain create, or with server-side apply like istio-operator."""
    body = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "annotations": dict(FOREIGN_ANNOTATIONS),
                     "labels": dict(FOREIGN_LABELS)},
        "spec": {"type": service_type, "selector": dict(FOREIGN_LABELS),
                 "ports": [dict(p) for p in ISTIOCTL_PORTS]},
    }
    if server_side:
        applied = services(kube).server_side_apply(body=body, name=name, namespace=namespace,
                                                   field_manager=field_manager, force_conflicts=True)
        return applied.to_dict()
    return services(kube).create(body=body, namespace=namespace, field_manager=field_manager).to_dict()


def create_service_with_node_port(kube, namespace, name, node_port, port=80):
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": "NodePort", "selector": {"app": name},
                     "ports": [{"name": "web", "port": port, "protocol": "TCP", "nodePort": node_port}]}}
    return services(kube).create(body=body, namespace=namespace).to_dict()


def read(kube, namespace, name):
    return services(kube).get(name=name, namespace=namespace).to_dict()


def delete_services(kube, namespace):
    """Free the nodePorts now (namespace deletion is asynchronous and nodePorts are cluster-wide)."""
    for item in services(kube).get(namespace=namespace).items:
        try:
            services(kube).delete(name=item.metadata.name, namespace=namespace)
        except Exception:  # noqa: BLE001 - best effort cleanup
            pass


@pytest.fixture
def gateway_ns(kube, namespace):
    yield namespace
    delete_services(kube, namespace)


@pytest.fixture
def other_ns(kube, other_namespace):
    yield other_namespace
    delete_services(kube, other_namespace)


def ports_by_name(service):
    return dict((p["name"], p) for p in service["spec"]["ports"])


_METRIC = re.compile(r'^apiserver_request_total\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+]+)$')
WRITE_VERBS = ("APPLY", "PATCH", "POST", "PUT", "DELETE")


def _settle(kube, timeout=120):
    """Wait until no namespace is Terminating: the namespace controller deletes a deleted namespace's Services
    (DELETE requests counted by the metric) on its own schedule, after the test that deleted it has ended."""
    deadline = time.time() + timeout
    namespaces = kube.resources.get(api_version="v1", kind="Namespace")
    while time.time() < deadline:
        if not [n for n in namespaces.get().items if n.status.phase == "Terminating"]:
            return
        time.sleep(0.5)
    raise AssertionError("namespaces still Terminating after %ds" % timeout)


def service_writes(kube):
    """(real writes, dry-run writes) on Services so far, from kube-apiserver's apiserver_request_total, once
    no namespace is being deleted (so the count is only what requests the tests and modules sent)."""
    _settle(kube)
    response = kube.client.call_api("/metrics", "GET", _preload_content=False, _return_http_data_only=True,
                                    auth_settings=["BearerToken"])
    real = dry = 0
    for line in response.data.decode().splitlines():
        match = _METRIC.match(line)
        if not match:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group("labels")))
        if labels.get("resource") != "services" or labels.get("verb") not in WRITE_VERBS:
            continue
        if labels.get("dry_run"):
            dry += int(float(match.group("value")))
        else:
            real += int(float(match.group("value")))
    return real, dry
