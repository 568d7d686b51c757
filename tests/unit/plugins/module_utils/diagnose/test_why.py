# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoints from EndpointSlices, and the cluster's own words on why pods are missing or not ready (pure, no
mocks): the objects below have the shapes kube-apiserver returns (EndpointSlices of discovery.k8s.io/v1 and
v1beta1, core/v1 Events written by the ReplicaSet controller and the kubelet)."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import endpoints, events
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.objects import ready_addresses

WEBHOOK_REFUSAL = (
    'Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": '
    'failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": dial tcp '
    '10.96.12.7:443: connect: connection refused')
QUOTA_REFUSAL = ('Error creating: pods "istio-ingress-7c9d5b6f4-" is forbidden: exceeded quota: no-pods, requested: '
                 'pods=1, used: pods=0, limited: pods=0')
PROBE = "Readiness probe failed: HTTP probe failed with statuscode: 503"


def slice_(name, endpoints_, ports=None, family="IPv4", version="discovery.k8s.io/v1"):
    return {"apiVersion": version, "kind": "EndpointSlice", "addressType": family,
            "metadata": {"name": name, "namespace": "shop", "labels": {"kubernetes.io/service-name": "shop"}},
            "endpoints": endpoints_, "ports": ports if ports is not None else [{"name": "http", "port": 8080,
                                                                                "protocol": "TCP"}]}


def endpoint(ip, ready=None, pod=None, terminating=None):
    item = {"addresses": [ip], "conditions": {}}
    if ready is not None:
        item["conditions"]["ready"] = ready
    if terminating is not None:
        item["conditions"]["terminating"] = terminating
    if pod:
        item["targetRef"] = {"kind": "Pod", "namespace": "shop", "name": pod}
    return item


def event(reason, message, last, count=1, kind="ReplicaSet", name="istio-ingress-7c9d5b6f4", type_="Warning"):
    return {"apiVersion": "v1", "kind": "Event", "type": type_, "reason": reason, "message": message,
            "count": count, "lastTimestamp": last, "firstTimestamp": "2026-11-21T09:00:00Z",
            "involvedObject": {"kind": kind, "name": name, "namespace": "istio-ingress"},
            "metadata": {"name": "%s.1" % name, "namespace": "istio-ingress"}}


# -- EndpointSlices ---------------------------------------------------------------------------------------
def test_slices_become_one_endpoints_shape():
    got = endpoints.from_slices([
        slice_("shop-b", [endpoint("10.0.0.3", ready=False, pod="shop-3")]),
        slice_("shop-a", [endpoint("10.0.0.1", ready=True, pod="shop-1"), endpoint("10.0.0.2", pod="shop-2"),
                          endpoint("10.0.0.4", terminating=True, pod="shop-4")]),
    ], "shop", "shop")
    assert ready_addresses(got) == (2, 2)          # ready nil counts as ready, terminating without ready does not
    assert ready_addresses(got, "http") == (2, 2)
    assert ready_addresses(got, "grpc") == (0, 0)
    assert endpoints.pods_of(got) == ["shop-4", "shop-3"]   # slices in name order
    assert endpoints.pods_of(got, ready=True) == ["shop-1", "shop-2"]
    assert got["metadata"] == {"name": "shop", "namespace": "shop"}
    assert got["source"] == "EndpointSlice shop-a, shop-b"


def test_v1beta1_slices_and_dual_stack_count_each_pod_once():
    v4 = slice_("shop-v4", [endpoint("10.0.0.1", ready=True, pod="shop-1")], version="discovery.k8s.io/v1beta1")
    v6 = slice_("shop-v6", [endpoint("fd00::1", ready=True, pod="shop-1")], family="IPv6",
                version="discovery.k8s.io/v1beta1")
    assert ready_addresses(endpoints.from_slices([v6, v4], "shop", "shop")) == (1, 0)
    assert ready_addresses(endpoints.from_slices([v6], "shop", "shop")) == (1, 0)


def test_no_slice_means_no_endpoints_and_an_empty_slice_none_ready():
    assert endpoints.from_slices([], "shop", "shop") is None
    empty = endpoints.from_slices([slice_("shop-x", None, ports=None)], "shop", "shop")
    assert empty is not None and ready_addresses(empty) == (0, 0)


# -- events -----------------------------------------------------------------------------------------------
def test_latest_events_newest_first_once_each():
    slim = [events.slim_event(e) for e in (
        event("FailedCreate", QUOTA_REFUSAL, "2026-11-21T10:00:00Z", count=4),
        event("FailedCreate", QUOTA_REFUSAL, "2026-11-21T10:05:00Z", count=9),
        event("SuccessfulCreate", "Created pod: x", "2026-11-21T09:00:00Z", type_="Normal"))]
    picked = events.latest(slim, ("FailedCreate",))
    assert len(picked) == 1 and picked[0]["count"] == 9
    assert events.quote(picked[0]).startswith('FailedCreate (x9, last 2026-11-21T10:05:00Z): "Error creating: pods')


def test_events_k8s_io_shape_is_read_too():
    slim = events.slim_event({"type": "Warning", "reason": "FailedCreate", "note": "Error creating: x",
                              "series": {"count": 3, "lastObservedTime": "2026-11-21T10:00:00.000000Z"},
                              "regarding": {"kind": "ReplicaSet", "name": "rs"}})
    assert (slim["message"], slim["count"], slim["object"]) == ("Error creating: x", 3, "ReplicaSet rs")


def test_the_refusing_webhook_and_its_backend_are_named():
    slim = [events.slim_event(event("FailedCreate", WEBHOOK_REFUSAL, "2026-11-21T10:00:00Z", count=12))]
    hooks = events.refusing_webhooks(slim)
    assert hooks == [{"name": "namespace.sidecar-injector.istio.io", "service": "istio-system/istiod"}]
    old_style = 'Internal error occurred: failed calling webhook "sidecar-injector.istio.io": no endpoints ' \
                'available for service "istiod"'
    assert events.refusing_webhooks([{"message": old_style}]) == [
        {"name": "sidecar-injector.istio.io", "service": "?/istiod"}]
    assert events.refusing_webhooks([{"message": QUOTA_REFUSAL}]) == []


def _why(message, states=None, count=12):
    slim = [events.slim_event(event("FailedCreate", message, "2026-11-21T10:00:00Z", count=count))]
    return {"replicaset": "istio-ingress/istio-ingress-7c9d5b6f4", "events": slim,
            "webhooks": events.refusing_webhooks(slim), "states": states or {}, "pods": []}


def test_no_pods_refused_by_the_injection_webhook_names_it_and_istiod(healthy, hop):
    states = {"istio-system/istiod": {"service": "istio-system/istiod", "exists": True, "ready": 0,
                                      "deployment": {"name": "istio-system/istiod", "ready": 0, "replicas": 1}}}
    healthy["gateway_pods"] = []
    healthy["gateway_why"] = _why(WEBHOOK_REFUSAL, states)
    workload = hop(analyze(healthy), "gateway_workload")
    assert workload["reason"] == "no_pods"
    message = workload["message"]
    assert "ReplicaSet istio-ingress/istio-ingress-7c9d5b6f4 cannot create them" in message
    assert 'FailedCreate (x12, last 2026-11-21T10:00:00Z): "Error creating: Internal error occurred: failed ' \
           'calling webhook "namespace.sidecar-injector.istio.io"' in message
    assert 'admission webhook "namespace.sidecar-injector.istio.io" (Service istio-system/istiod has 0 ready ' \
           'endpoint(s), Deployment istio-system/istiod has 0/1 ready replica(s))' in message
    assert "istiod answers Istio's injection webhook and is not running" in workload["fix"]
    assert any(line.startswith("ReplicaSet istio-ingress/istio-ingress-7c9d5b6f4: FailedCreate (x12")
               for line in workload["evidence"])


def test_no_pods_refused_by_a_quota_says_so(healthy, hop):
    healthy["gateway_pods"] = []
    healthy["gateway_why"] = _why(QUOTA_REFUSAL)
    workload = hop(analyze(healthy), "gateway_workload")
    assert "exceeded quota: no-pods" in workload["message"]
    assert "ResourceQuota" in workload["fix"] and "istio-ingress" in workload["fix"]


def test_no_pods_without_events_keeps_the_general_advice(healthy, hop):
    healthy["gateway_pods"] = []
    healthy["gateway_why"] = None
    workload = hop(analyze(healthy), "gateway_workload")
    assert workload["message"] == "No gateway pod exists (the Deployment has not created any)."
    assert workload["fix"].startswith("Check the Deployment's events")


def test_pods_not_ready_quote_their_conditions_and_readiness_probe(healthy, hop):
    pod = healthy["gateway_pods"][0]
    pod["status"]["conditions"] = [
        {"type": "PodScheduled", "status": "True"},
        {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
         "message": "containers with unready status: [istio-proxy]"}]
    report = events.slim_pod_report(pod, [
        event("Unhealthy", PROBE, "2026-11-21T10:01:00Z", count=30, kind="Pod", name=pod["metadata"]["name"]),
        event("Pulled", "Container image already present", "2026-11-21T09:00:00Z", kind="Pod", type_="Normal")])
    healthy["gateway_why"] = {"pods": [report]}
    workload = hop(analyze(healthy), "gateway_workload")
    assert workload["reason"] == "no_ready_pods"
    assert "Ready=False (ContainersNotReady: containers with unready status: [istio-proxy])" in workload["message"]
    assert 'Unhealthy (x30, last 2026-11-21T10:01:00Z): "%s"' % PROBE in workload["message"]
    assert "Pulled" not in workload["message"]


def test_destination_not_ready_quotes_its_pods(healthy, hop):
    healthy["endpoints"]["shop/shop"] = endpoints.from_slices(
        [slice_("shop-a", [endpoint("10.244.2.5", ready=False, pod="shop-1")])], "shop", "shop")
    pod = {"metadata": {"name": "shop-1", "namespace": "shop"},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False",
                                                          "reason": "ContainersNotReady"}]}}
    healthy["endpoint_pods"] = {"shop/shop": [events.slim_pod_report(pod, [
        event("Unhealthy", PROBE, "2026-11-21T10:02:00Z", count=7, kind="Pod", name="shop-1")])]}
    result = analyze(healthy)
    eps = hop(result, "endpoints")
    assert eps["reason"] == "no_ready_endpoints"
    assert "1 address(es) are not ready" in eps["message"]
    assert 'pod shop-1 (Running): Ready=False (ContainersNotReady); Unhealthy (x7, last 2026-11-21T10:02:00Z): ' \
           '"%s"' % PROBE in eps["message"]


def test_a_service_named_twice_in_a_route_is_listed_once(healthy, hop):
    route = healthy["virtual_services"][0]["spec"]["http"][0]
    route["route"] = [{"destination": {"host": "shop", "port": {"number": 8080}, "subset": "v1"}, "weight": 90},
                      {"destination": {"host": "shop", "port": {"number": 8080}, "subset": "v2"}, "weight": 10}]
    healthy["destination_rules"] = [{"metadata": {"name": "shop", "namespace": "shop"}, "spec": {
        "host": "shop", "subsets": [{"name": "v1", "labels": {"v": "1"}}, {"name": "v2", "labels": {"v": "2"}}]}}]
    eps = hop(analyze(healthy), "endpoints")
    assert eps["object"] == "Endpoints shop/shop"
    assert len([line for line in eps["evidence"] if line.startswith("Endpoints shop/shop")]) == 1


def test_a_pod_without_conditions_says_so():
    report = events.slim_pod_report({"metadata": {"name": "gw-1"}, "status": {"phase": "Pending"}}, [])
    assert events.pod_sentence(report) == "pod gw-1 (Pending): no condition reported yet"
