# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-bed setup for the edge_path_info tests: a whole healthy traffic path as live objects.

What the test bed cannot do, and how the tests stand in for it (said here once, relied on by every test):

* No kubelet: no pod ever runs. A "Ready gateway pod" is made by hand - the Deployment's pod is bound to a
  Node object (``pods/binding``) and its status patched to Running/Ready with a TEST-NET IP; the real
  EndpointSlice controller (kube-controller-manager) then publishes the gateway Service's endpoints from it.
* The app's destination Service has no selector and its EndpointSlice is written by hand, as the controller
  of a selectorless Service would (v1 Endpoints is deprecated from Kubernetes 1.33, and the 1.20 mirroring
  controller copies not-ready Endpoints addresses as ready).
* Envoy never runs, so its admin config cannot be read here (the API server's pod proxy gets "no route to
  host"); the config_dump parser is unit-tested on a realistic sample instead.
* The AWS Load Balancer Controller does not run: ``aws_controller.FakeLoadBalancerController`` plays it in moto.
"""

import time
import uuid

import pytest

from app_route_support import apply, delete_namespace, ensure_istio_crds

GATEWAY_LABELS = {"app": "istio-ingress", "istio": "ingress"}
NODE = "edge-path-node"
HOST = "shop.example.com"
NET = "networking.istio.io/v1beta1"
ALB_HC = {"alb.ingress.kubernetes.io/healthcheck-port": "status-port",
          "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready"}


def ensure_node(kube):
    """A Node object for the hand-made Ready pods (the node lifecycle controller is off on the test bed)."""
    apply(kube, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE},
                 "spec": {}})


@pytest.fixture(scope="module", autouse=False)
def fake_node(kube):
    """The Node object of the hand-made Ready pods, removed when the test module ends (import it with
    ``pytestmark = pytest.mark.usefixtures("fake_node")``)."""
    yield NODE
    try:
        kube.resources.get(api_version="v1", kind="Node").delete(name=NODE)
    except Exception:  # noqa: BLE001 - best effort cleanup
        pass


def _core(kube):
    from kubernetes import client
    return client.CoreV1Api(kube.client)


def make_pod_ready(kube, namespace, labels, ip, timeout=30):
    """Bind the Deployment's pod to the Node and mark it Running and Ready (see the module docstring)."""
    core = _core(kube)
    selector = ",".join("%s=%s" % kv for kv in sorted(labels.items()))
    deadline = time.monotonic() + timeout
    while True:
        pods = core.list_namespaced_pod(namespace, label_selector=selector).items
        if pods:
            break
        assert time.monotonic() < deadline, "no pod appeared for %s in %s" % (selector, namespace)
        time.sleep(0.2)
    pod = pods[0]
    if not pod.spec.node_name:
        core.create_namespaced_binding(namespace, {
            "metadata": {"name": pod.metadata.name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": NODE}}, _preload_content=False)
    now = "2026-01-01T00:00:00Z"
    core.patch_namespaced_pod_status(pod.metadata.name, namespace, {"status": {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
        "conditions": [{"type": t, "status": "True", "lastTransitionTime": now}
                       for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")],
        "containerStatuses": [{"name": c.name, "ready": True, "restartCount": 0, "image": c.image, "imageID": "",
                               "state": {"running": {"startedAt": now}}} for c in pod.spec.containers]}})
    return pod.metadata.name


def slice_api_version(kube):
    """The EndpointSlice API the test bed serves (discovery.k8s.io/v1 from Kubernetes 1.21, v1beta1 before)."""
    for version in ("discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"):
        try:
            kube.resources.get(api_version=version, kind="EndpointSlice")
            return version
        except Exception:  # noqa: BLE001 - not served
            continue
    raise AssertionError("the API server serves no EndpointSlice API")


def wait_endpoints(kube, namespace, name, timeout=30):
    """Wait until an EndpointSlice of Service ``namespace/name`` has a ready endpoint (what the diagnosis reads)."""
    res = kube.resources.get(api_version=slice_api_version(kube), kind="EndpointSlice")
    deadline = time.monotonic() + timeout
    while True:
        slices = res.get(namespace=namespace, label_selector="kubernetes.io/service-name=%s" % name).to_dict()
        if any((e.get("conditions") or {}).get("ready") is not False
               for s in slices["items"] for e in s.get("endpoints") or []):
            return slices
        assert time.monotonic() < deadline, "Service %s/%s got no ready endpoint" % (namespace, name)
        time.sleep(0.2)


def gateway_service(namespace, svc_type="NodePort", annotations=None, node_ports=None, name="istio-ingress",
                    labels=None):
    ports = []
    for pname, port in (("status-port", 15021), ("http2", 80), ("https", 443)):
        item = {"name": pname, "port": port, "targetPort": port, "protocol": "TCP"}
        if node_ports and pname in node_ports:
            item["nodePort"] = node_ports[pname]
        ports.append(item)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "annotations": dict(annotations or {}),
                         "labels": dict(labels or GATEWAY_LABELS)},
            "spec": {"type": svc_type, "selector": dict(labels or GATEWAY_LABELS), "ports": ports}}


def live_node_ports(kube, namespace, name="istio-ingress"):
    svc = _core(kube).read_namespaced_service(name, namespace)
    return dict((p.name, p.node_port) for p in svc.spec.ports)


def pin_node_ports(kube, namespace, annotations=None, name="istio-ingress", svc_type="NodePort"):
    """Let the API server pick free nodePorts, then pin exactly those (a field manager now owns them)."""
    apply(kube, gateway_service(namespace, svc_type, annotations=annotations, name=name))
    ports = live_node_ports(kube, namespace, name)
    apply(kube, gateway_service(namespace, svc_type, annotations=annotations, node_ports=ports, name=name))
    return ports


class Path:
    """A healthy path for ``HOST``: gateway (namespace ``gw``) -> Gateway -> VirtualService (namespace ``app``)
    -> Service shop:8080 with a ready address. ``build()`` creates it; tests then break one piece."""

    def __init__(self, kube):
        self.kube = kube
        suffix = uuid.uuid4().hex[:6]
        self.gw = "epgw-" + suffix
        self.app = "epapp-" + suffix
        self.node_ports = {}

    def build(self, service_annotations=None, pin=True, ready_gateway=True, gateway_ip="192.0.2.10",
              svc_type="NodePort", routes=True):
        kube = self.kube
        ensure_istio_crds(kube)
        ensure_node(kube)
        for ns in (self.gw, self.app):
            apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        apply(kube, {"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": {"name": "istio-ingress", "namespace": self.gw},
                     "spec": {"replicas": 1, "selector": {"matchLabels": GATEWAY_LABELS},
                              "template": {"metadata": {"labels": GATEWAY_LABELS}, "spec": {"containers": [
                                  {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2",
                                   "ports": [{"name": "http-envoy-prom", "containerPort": 15090}]}]}}}})
        annotations = ALB_HC if service_annotations is None else service_annotations
        if pin:
            self.node_ports = pin_node_ports(kube, self.gw, annotations, svc_type=svc_type)
        else:
            apply(kube, gateway_service(self.gw, svc_type, annotations=annotations))
            self.node_ports = live_node_ports(kube, self.gw)
        if ready_gateway:
            make_pod_ready(kube, self.gw, GATEWAY_LABELS, gateway_ip)
            wait_endpoints(kube, self.gw, "istio-ingress")
        if routes:
            apply(kube, self.gateway())
            apply(kube, self.virtual_service())
        apply(kube, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop", "namespace": self.app},
                     "spec": {"ports": [{"name": "http", "port": 8080, "targetPort": 8080, "protocol": "TCP"}]}})
        apply(kube, self.endpoints())
        return self

    def gateway(self, selector=None, hosts=None):
        return {"apiVersion": NET, "kind": "Gateway", "metadata": {"name": "shop-gateway", "namespace": self.gw},
                "spec": {"selector": dict(selector or {"istio": "ingress"}), "servers": [
                    {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": list(hosts or [HOST])}]}}

    def virtual_service(self, gateways=None, host="shop"):
        return {"apiVersion": NET, "kind": "VirtualService", "metadata": {"name": "shop", "namespace": self.app},
                "spec": {"hosts": [HOST], "gateways": list(gateways or ["%s/shop-gateway" % self.gw]),
                         "http": [{"name": "main", "match": [{"uri": {"prefix": "/"}}],
                                   "route": [{"destination": {"host": host, "port": {"number": 8080}}}]}]}}

    def endpoints(self, ready=True):
        """The EndpointSlice of the selectorless Service shop (one endpoint, ready or not)."""
        return {"apiVersion": slice_api_version(self.kube), "kind": "EndpointSlice",
                "metadata": {"name": "shop-manual", "namespace": self.app,
                             "labels": {"kubernetes.io/service-name": "shop",
                                        "endpointslice.kubernetes.io/managed-by": "tests.meshops.istio_edge"}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": ["192.0.2.20"], "conditions": {"ready": ready}}],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}

    def args(self, **extra):
        """Module arguments for this path (Envoy is not asked: it cannot run here, see the module docstring)."""
        args = {"hostname": HOST, "path": "/", "gateway_namespace": self.gw, "namespace": self.app,
                "envoy_config": "never"}
        args.update(extra)
        return args

    def cleanup(self):
        for ns in (self.gw, self.app):
            delete_namespace(self.kube, ns)


@pytest.fixture
def path(kube):
    """A ``Path`` (not built yet), its namespaces deleted after the test."""
    p = Path(kube)
    yield p
    p.cleanup()


def hop(result, name):
    found = [h for h in result["hops"] if h["name"] == name]
    assert found, "no hop %s in %s" % (name, [h["name"] for h in result["hops"]])
    return found[0]


def statuses(result):
    return dict((h["name"], h["status"]) for h in result["hops"])
