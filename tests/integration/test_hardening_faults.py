# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults the collection must survive, each on real servers:

* kube-apiserver stopped in the middle of an app_route run and started again with the same flags (a test bed
  of its own, tests/testbed/testbed.py ``stop_apiserver``/``start_apiserver``): the run retries or fails with a
  clear message, a re-run converges, the next one changes nothing;
* two expose-app runs for different apps at the same time, in the same namespace: both succeed, nothing lost;
* AWS throttling: a small HTTP proxy in front of moto's server answers the first calls of an operation with
  ``Throttling``; botocore's retry mode retries (attempts counted at the proxy), or, with too few attempts, the
  module fails naming the throttling and the option to raise;
* ARM 429 with Retry-After on a read (the wait honoured, from the fake ARM's request times) and long-running
  operations that end Failed on update and on delete (clear error with ARM's code; a re-run converges).

Covered elsewhere, not repeated here: ARM 429 on a write and a create that ends Failed
(test_frontdoor_origin.py::test_throttling_and_failed_operations); a helm upgrade that fails and is rolled back
(test_istio_install.py::test_failed_upgrade_is_rolled_back_and_explained, and
test_readiness_timeout_after_upgrade_is_rolled_back); a failed first install that leaves nothing
(test_istio_install_inputs.py::test_failed_first_install_leaves_nothing).
"""

import os
import threading
import time
import uuid

import pytest

from ansible_runner import REPO, Ansible
from app_route_support import (GATEWAY_LABELS, delete_namespace, ensure_istio_crds, list_owned, make_gateway,
                               make_workload, new_namespace)
from aws_support import aws, gateway_service_manifest, lb_controller, CLUSTER  # noqa: F401  # pylint: disable=unused-import
from conftest_azure import FD_RG, PLS_RG, azure_args
from fault_proxy import ThrottlingProxy
from testbed import TestBed as _TestBed  # (renamed: pytest would take TestBed for a test class)

EXPOSE = os.path.join(REPO, "playbooks", "expose-app.yml")


# -- kube-apiserver restarted mid-run ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_bed(tmp_path_factory):
    """A test bed of this module's own (its API server is stopped and started): no kcm, no moto."""
    bed = _TestBed(str(tmp_path_factory.mktemp("restart-bed")))
    info = bed.up(kcm=False, moto=False)
    try:
        yield bed, info
    finally:
        bed.down()


def _client(kubeconfig):
    from kubernetes import config
    from kubernetes.dynamic import DynamicClient
    return DynamicClient(config.new_client_from_config(config_file=kubeconfig))


def _apps(prefix, namespace, count):
    return [{"name": "%s%03d" % (prefix, i), "namespace": namespace, "hosts": ["%s%03d.example.com" % (prefix, i)],
             "http": [{"route": [{"host": "web", "port": 80}]}]} for i in range(count)]


def test_api_server_restarted_in_the_middle_of_a_run(own_bed, tmp_path):
    bed, info = own_bed
    kube = _client(info["kubeconfig"])
    ensure_istio_crds(kube)
    ns = new_namespace(kube, "rs")
    make_gateway(kube, ns)
    make_workload(kube, ns, "web", {"http": 80})
    args = {"apps": _apps("r", ns, 120), "gateway_namespace": ns, "parallel": 2}
    runner = Ansible(str(tmp_path), env={"K8S_AUTH_KUBECONFIG": info["kubeconfig"]})
    outcome = {}
    run = threading.Thread(target=lambda: outcome.update(runner.module("app_route", args)))
    run.start()
    deadline = time.monotonic() + 120
    while run.is_alive() and not list_owned(kube, "Gateway", ns):
        assert time.monotonic() < deadline, "app_route wrote nothing within 120 s"
        time.sleep(0.05)
    assert run.is_alive(), "app_route finished before the API server could be stopped: raise the app count"
    written_before = len(list_owned(kube, "Gateway", ns))
    bed.stop_apiserver()
    time.sleep(1)
    bed.start_apiserver()
    run.join(timeout=300)
    assert not run.is_alive()
    assert written_before < 120
    if outcome["failed"]:
        # failed clearly: which server, what happened, what was already written, what to do - no traceback
        assert "module_stderr" not in outcome and "Traceback" not in outcome["_stdout"], outcome["_stdout"][-3000:]
        assert outcome.get("code") in ("unreachable", 500, 502, 503, 504), (outcome.get("code"), outcome["msg"])
        assert info["api_server"] in outcome["msg"] or "Kubernetes API error" in outcome["msg"], outcome["msg"]
        # the API server went away after the first writes: the message must not say "nothing was changed"
        assert outcome.get("written") and outcome["changed"] is True, outcome
        said = "%s %s" % (outcome["msg"], outcome.get("hint") or "")
        assert "nothing was changed" not in said and "re-run to finish" in said, said
    again = runner.module("app_route", args)
    assert not again["failed"], again.get("msg")
    assert len(list_owned(kube, "Gateway", ns)) == 120 and len(list_owned(kube, "VirtualService", ns)) == 120
    third = runner.module("app_route", args)
    assert not third["failed"] and third["changed"] is False
    assert third["api_requests"]["write"] == 0


# -- two expose-app runs at once ---------------------------------------------------------------------------
def test_two_expose_app_runs_for_different_apps_at_the_same_time(kube, testbed, tmp_path):
    ensure_istio_crds(kube)
    gw_ns = new_namespace(kube, "cgw")
    make_gateway(kube, gw_ns)
    app_ns = new_namespace(kube, "capp")
    make_workload(kube, app_ns, "web", {"http": 80})
    tag = uuid.uuid4().hex[:4]
    sets = {"a": _apps("a" + tag, app_ns, 6), "b": _apps("b" + tag, app_ns, 6)}
    for apps in sets.values():
        apps[0].update(sidecar_injection=True)       # both runs label the same namespace
    sets["a"][1].update(access_log=True)
    sets["b"][1]["destination_rules"] = [{"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}]
    gateway = {"name": "istio-ingress", "namespace": gw_ns, "service": "istio-ingress", "selector": GATEWAY_LABELS,
               "profile": "loadbalancer", "node_ports": {}, "status_port": 15021}
    runners = dict((key, Ansible(str(tmp_path / key), env={"K8S_AUTH_KUBECONFIG": testbed["kubeconfig"]}))
                   for key in sets)
    for key in sets:
        os.makedirs(str(tmp_path / key))

    def extra(key):
        return {"istio_edge_provider": "loadbalancer", "istio_edge_manage_istio": False,
                "istio_edge_apps": sets[key], "istio_edge_gateway": gateway}
    outcome = {}

    def play(key):
        outcome[key] = runners[key].playbook(EXPOSE, extra_vars=extra(key), args=("-c", "local"))
    try:
        threads = [threading.Thread(target=play, args=(key,)) for key in sorted(sets)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        for key in sets:
            rc, out, _results = outcome[key]
            assert rc == 0, out[-5000:]
        everyone = sorted(a["name"] for apps in sets.values() for a in apps)
        assert list_owned(kube, "VirtualService", app_ns) == everyone
        assert list_owned(kube, "Gateway", app_ns) == sorted(n + "-gateway" for n in everyone)
        assert list_owned(kube, "DestinationRule", app_ns) != []
        assert list_owned(kube, "Telemetry", app_ns, api_version="telemetry.istio.io/v1alpha1") != []
        ns_labels = kube.resources.get(api_version="v1", kind="Namespace").get(name=app_ns).to_dict()
        assert ns_labels["metadata"]["labels"]["istio-injection"] == "enabled"
        for key in sorted(sets):     # each run again, alone: nothing to do, nothing of the other app lost
            rc, out, results = runners[key].playbook(EXPOSE, extra_vars=extra(key), args=("-c", "local"))
            assert rc == 0, out[-3000:]
            assert [r["_task"] for r in results if r.get("changed")] == []
        assert list_owned(kube, "VirtualService", app_ns) == everyone
    finally:
        delete_namespace(kube, app_ns)
        delete_namespace(kube, gw_ns)


# -- AWS throttling through botocore's retry mode ----------------------------------------------------------
@pytest.fixture
def throttling_proxy(testbed):
    proxy = ThrottlingProxy(testbed["aws_endpoint_url"])
    yield proxy
    proxy.close()


def test_aws_throttling_is_retried_by_botocore_then_reported(ansible, kube, namespace, aws, lb_controller,
                                                             throttling_proxy):
    kube.resources.get(api_version="v1", kind="Service").create(body=gateway_service_manifest(namespace),
                                                                namespace=namespace)
    shaped = ansible.module("gateway_service", {"profile": "nlb", "mode": "live", "name": "istio-ingress",
                                                "namespace": namespace, "nlb": {"scheme": "internet-facing"}})
    assert not shaped["failed"], shaped.get("msg")
    lb_controller.reconcile()       # the AWS Load Balancer Controller's part: the NLB in moto, the Service status
    args = {"name": "istio-ingress", "namespace": namespace, "cluster_name": CLUSTER, "verify": "report"}
    env = {"AWS_ENDPOINT_URL": throttling_proxy.url}
    baseline = ansible.module("nlb_info", args, env=env)
    assert not baseline["failed"], baseline.get("msg")
    assert baseline["load_balancer"]["type"] == "network"
    calls = dict(throttling_proxy.calls)
    assert calls.get("DescribeLoadBalancers"), calls

    throttling_proxy.calls.clear()
    throttling_proxy.throttle["DescribeLoadBalancers"] = 2
    retried = ansible.module("nlb_info", dict(args, aws_retry_mode="standard"), env=env)
    assert not retried["failed"], retried.get("msg")
    assert retried["load_balancer"]["arn"] == baseline["load_balancer"]["arn"]
    # two answers were Throttling, botocore sent the call again each time
    assert throttling_proxy.calls["DescribeLoadBalancers"] == calls["DescribeLoadBalancers"] + 2

    throttling_proxy.calls.clear()
    throttling_proxy.throttle["DescribeLoadBalancers"] = 5
    failed = ansible.module("nlb_info", dict(args, aws_retry_mode="standard", aws_max_attempts=2), env=env)
    assert failed["failed"] is True
    assert failed["code"] == "Throttling"
    assert "Rate exceeded" in failed["msg"] and "raise aws_max_attempts" in failed["msg"]
    assert throttling_proxy.calls["DescribeLoadBalancers"] == 2          # aws_max_attempts, no hand-made loop


# -- ARM: Retry-After honoured, operations that end Failed ---------------------------------------------------
def _fd_args(arm, gateway, **extra):
    args = azure_args(arm, resource_group=FD_RG, profile_name="fd-faults", endpoint_name="faults",
                      private_link={"resource_group": PLS_RG})
    args.update(gateway.args())
    args.update(extra)
    return args


def test_arm_retry_after_and_failed_operations(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    env = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
    args = _fd_args(arm, frontdoor_gateway)
    first = ansible.module("frontdoor_origin", args, env=env)
    assert not first["failed"], first.get("msg")

    # a read answered 429 + Retry-After: 1, twice: the SDK waits as told, then the run goes on
    arm.clear_requests()
    arm.fault(method="GET", path_contains="/originGroups/istio-edge", status=429, retry_after=1, count=2)
    again = ansible.module("frontdoor_origin", args, env=env)
    assert not again["failed"], again.get("msg")
    assert again["changed"] is False
    reads = [e for e in arm.requests()["log"] if e["method"] == "GET" and e["path"].lower().endswith(
        "/origingroups/istio-edge")]
    assert [e["status"] for e in reads[:3]] == [429, 429, 200]
    assert reads[1]["time"] - reads[0]["time"] >= 0.95 and reads[2]["time"] - reads[1]["time"] >= 0.95

    # an update whose long-running operation ends Failed: ARM's code and the resource in the message
    arm.fault(method="PATCH", path_contains="/originGroups/istio-edge", lro_fail=True, code="BadRequest",
              message="The health probe settings were rejected.")
    changed = dict(args, origin_group={"probe_interval": 120})
    failed = ansible.module("frontdoor_origin", changed, env=env)
    assert failed["failed"] is True and failed["code"] == "BadRequest"
    assert "update origin group 'fd-faults/istio-edge'" in failed["msg"]
    assert "The health probe settings were rejected." in failed["msg"]
    fixed = ansible.module("frontdoor_origin", changed, env=env)
    assert not fixed["failed"], fixed.get("msg")
    assert ansible.module("frontdoor_origin", changed, env=env)["changed"] is False

    # a delete that ends Failed: reported, the next run finishes the job
    arm.fault(method="DELETE", path_contains="/originGroups/istio-edge/origins/", lro_fail=True,
              code="Conflict", message="The origin is being updated.")
    gone = ansible.module("frontdoor_origin", dict(changed, state="absent"), env=env)
    assert gone["failed"] is True and gone["code"] == "Conflict"
    assert "delete origin 'fd-faults/istio-edge/istio-ingress'" in gone["msg"]
    done = ansible.module("frontdoor_origin", dict(changed, state="absent"), env=env)
    assert not done["failed"], done.get("msg")
    assert [r for r in arm.resource_ids() if "/profiles/fd-faults" in r] == []
