# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two ansible-playbook processes running app_route at once, serialized by the Leases of what they claim.

The test itself plays a third run: it holds the Lease of a host (as another run would) while both processes
start, so both are certainly waiting when it lets go; then one takes the Leases, the other waits for it and reads
what it wrote. No timing is asserted beyond "this run waited for that holder", which the runs report.
"""

import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from ansible_runner import Ansible, collections_path
from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    get, gw_ns, istio_crds, list_owned, make_workload, no_leftover_claims)

sys.path.insert(0, collections_path())
# pylint: disable=wrong-import-position
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.lease import (  # noqa: E402
    LEASE_API, bucket_of, lease_body, lease_name, micro_time)

NET = "networking.istio.io/v1"
PREFIX = "istio-edge-claims-istio-ingress"
HOLD = 20  # at least, seconds the test holds a Lease while both processes start (ansible-playbook start-up included)


def app(ns, name, host, path="/", port=8080):
    return {"name": name, "namespace": ns, "hosts": [host],
            "http": [{"match": [{"prefix": path}], "route": [{"host": "web", "port": port}]}]}


def keys_of(ns, name, host):
    """What app_route claims for ``app(ns, name, host)`` (routes/claims.py claim_keys)."""
    return ["app %s" % name, "object Gateway %s/%s-gateway" % (ns, name), "object VirtualService %s/%s" % (ns, name),
            "host %s" % host]


def buckets(keys):
    return set(bucket_of(k) for k in keys)


class Holder:
    """The test as another run holding the Lease of ``key``."""

    def __init__(self, kube, namespace, key, renewed=None, identity=None):
        self.res = kube.resources.get(api_version=LEASE_API, kind="Lease")
        self.namespace = namespace
        self.name = lease_name(PREFIX, bucket_of(key))
        self.identity = identity or "tests/%d/%s" % (os.getpid(), uuid.uuid4().hex[:8])
        body = lease_body(self.name, namespace, self.identity, 60, time.time() if renewed is None else renewed,
                          purpose="the test")
        try:
            live = self.res.get(name=self.name, namespace=namespace).to_dict()
            body = lease_body(self.name, namespace, self.identity, 60,
                              time.time() if renewed is None else renewed, purpose="the test", previous=live)
            self.res.replace(body=body, name=self.name, namespace=namespace)
        except Exception:  # noqa: BLE001 - NotFound: the first run on this gateway namespace
            self.res.create(body=body, namespace=namespace)

    def lease(self):
        return self.res.get(name=self.name, namespace=self.namespace).to_dict()

    def release(self):
        live = self.lease()
        live["spec"].pop("holderIdentity", None)
        live["metadata"].pop("managedFields", None)
        self.res.replace(body=live, name=self.name, namespace=self.namespace)


def runner(testbed, tmp_path, tag):
    return Ansible(str(tmp_path / tag), env={"K8S_AUTH_KUBECONFIG": testbed["kubeconfig"]})


def module_args(gw, apps, **extra):
    args = dict(apps=apps, gateway_namespace=gw, lease_wait=120, lease_duration=10)
    args.update(extra)
    return args


def run_both(testbed, tmp_path, first_args, second_args, diff=False):
    """Start both processes at once; returns (pool, futures) to wait on."""
    os.makedirs(str(tmp_path / "a"), exist_ok=True)
    os.makedirs(str(tmp_path / "b"), exist_ok=True)
    pool = ThreadPoolExecutor(max_workers=2)
    futures = [pool.submit(runner(testbed, tmp_path, "a").module, "app_route", first_args, diff=diff),
               pool.submit(runner(testbed, tmp_path, "b").module, "app_route", second_args, diff=diff)]
    return pool, futures


def hold_time(ansible, gw, apps):
    """How long the test holds its Lease so that both processes are surely waiting for it: twice what a check-mode
    run (start-up and reads, no Lease) takes on this machine now, at least HOLD."""
    started = time.monotonic()
    result = ansible.module("app_route", module_args(gw, apps), check=True)
    assert not result["failed"], result["msg"]
    return max(HOLD, 2 * (time.monotonic() - started))


def vs_spec(result):
    return [d for d in result["diff"] if d["after_header"].startswith("VirtualService")][0]


def test_a_lease_another_run_holds_fails_naming_holder_and_expiry(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "held-%s.example.com" % namespace
    holder = Holder(kube, gw_ns, "host " + host)
    started = time.monotonic()
    result = ansible.module("app_route", module_args(gw_ns, [app(namespace, "held", host)], lease_wait=2))
    assert result["failed"], result
    assert time.monotonic() - started < 60
    expiry = micro_time(time.time())[:4]  # the year, at least: the exact time is in the Lease
    for words in ("Another run holds Lease %s/%s" % (gw_ns, holder.name), "host " + host,
                  "holder %s (the test)" % holder.identity, "expires %s" % expiry, "Waited 2 s (lease_wait)",
                  "Nothing was changed"):
        assert words in result["msg"], result["msg"]
    assert result["code"] == "LeaseHeld" and result["holder"] == holder.identity
    assert list_owned(kube, "VirtualService", namespace) == [] and list_owned(kube, "Gateway", namespace) == []
    # the run released what it had taken before giving up
    leases = kube.resources.get(api_version=LEASE_API, kind="Lease").get(namespace=gw_ns).to_dict()["items"]
    assert [l["metadata"]["name"] for l in leases if l["spec"].get("holderIdentity")] == [holder.name]
    # check mode takes no Lease: it predicts at once
    predicted = ansible.module("app_route", module_args(gw_ns, [app(namespace, "held", host)], lease_wait=2),
                               check=True)
    assert not predicted["failed"] and predicted["changed"] and "lease" not in predicted, predicted
    holder.release()


def test_same_app_two_definitions_at_once_run_one_after_the_other(
        ansible, testbed, kube, namespace, gw_ns, tmp_path):
    make_workload(kube, namespace, "web", {"http": 8080, "admin": 9090})
    host = "same-%s.example.com" % namespace
    first, second = app(namespace, "shop", host, port=8080), app(namespace, "shop", host, port=9090)
    hold = hold_time(ansible, gw_ns, [first])
    holder = Holder(kube, gw_ns, "host " + host)
    pool, futures = run_both(testbed, tmp_path, module_args(gw_ns, [first]), module_args(gw_ns, [second]), diff=True)
    time.sleep(hold)
    assert not any(f.done() for f in futures), [f.result() for f in futures if f.done()]
    holder.release()
    results = [f.result(timeout=300) for f in futures]
    pool.shutdown()
    for result in results:
        assert not result["failed"], result["msg"]
    by_action = dict((dict((o["kind"], o["action"]) for o in r["apps"][0]["objects"])["VirtualService"], r)
                     for r in results)
    assert sorted(by_action) == ["created", "updated"], [r["apps"] for r in results]
    earlier, later = by_action["created"], by_action["updated"]
    assert holder.identity in earlier["lease"]["waited_for"]  # it was waiting when the test let go
    # the later run read what the earlier one wrote (its diff starts from it): no lost update. Whether it also
    # saw the earlier run as a holder depends on its polling interval (the earlier run may finish in between).
    assert later["lease"]["waited_for"]
    assert vs_spec(later)["before"]["spec"]["http"] == vs_spec(earlier)["after"]["spec"]["http"]
    assert vs_spec(later)["before"]["spec"] != vs_spec(later)["after"]["spec"]
    live = get(kube, NET, "VirtualService", "shop", namespace)
    assert live["spec"]["http"] == vs_spec(later)["after"]["spec"]["http"]


def test_two_apps_claiming_one_host_at_once_the_second_is_refused(testbed, kube, namespace, gw_ns, tmp_path):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "dup-%s.example.com" % namespace
    holder = Holder(kube, gw_ns, "host " + host)
    pool, futures = run_both(testbed, tmp_path, module_args(gw_ns, [app(namespace, "one", host)]),
                             module_args(gw_ns, [app(namespace, "two", host)]))
    time.sleep(HOLD)
    holder.release()
    results = [f.result(timeout=300) for f in futures]
    pool.shutdown()
    ok = [r for r in results if not r["failed"]]
    refused = [r for r in results if r["failed"]]
    assert len(ok) == 1 and len(refused) == 1, [r.get("msg") for r in results]
    winner = ok[0]["apps"][0]["name"]
    loser = "two" if winner == "one" else "one"
    assert "apps[%s].http: %s prefix / is already routed by VirtualService %s/%s (app %s)" % (
        loser, host, namespace, winner, winner) in refused[0]["msg"], refused[0]["msg"]
    assert "Nothing was changed" in refused[0]["msg"]
    assert list_owned(kube, "VirtualService", namespace) == [winner]
    assert get(kube, NET, "Gateway", "%s-gateway" % loser, namespace) is None


def test_two_apps_on_other_hosts_run_in_parallel(testbed, ansible, kube, namespace, gw_ns, tmp_path):
    make_workload(kube, namespace, "web", {"http": 8080})
    host_a = "par-a-%s.example.com" % namespace
    hold = hold_time(ansible, gw_ns, [app(namespace, "par-a", host_a)])
    # app b's claims fall into other Leases than app a's (keys hash into 32 Leases; a holds the ones it took
    # while it waits for the test's)
    blocked = buckets(keys_of(namespace, "par-a", host_a))
    name_b = [n for n in ("free%d" % i for i in range(200))
              if not buckets(keys_of(namespace, n, "%s-%s.example.com" % (n, namespace))) & blocked][0]
    host_b = "%s-%s.example.com" % (name_b, namespace)
    holder = Holder(kube, gw_ns, "host " + host_a)
    started = time.monotonic()
    pool, futures = run_both(testbed, tmp_path, module_args(gw_ns, [app(namespace, "par-a", host_a)]),
                             module_args(gw_ns, [app(namespace, name_b, host_b)]))
    b_result = futures[1].result(timeout=240)  # b finishes while a still waits for the test's Lease
    assert not b_result["failed"], b_result["msg"]
    assert b_result["lease"]["waited_for"] == [] and not futures[0].done()
    # a may still be starting when b is done: hold on until it is surely waiting for the test's Lease
    time.sleep(max(0.0, hold - (time.monotonic() - started)))
    assert not futures[0].done()
    holder.release()
    a_result = futures[0].result(timeout=300)
    pool.shutdown()
    assert not a_result["failed"], a_result["msg"]
    assert a_result["lease"]["waited_for"] == [holder.identity]
    assert list_owned(kube, "VirtualService", namespace) == sorted(["par-a", name_b])


def test_an_expired_lease_is_taken_over_and_a_no_op_run_takes_none(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "expired-%s.example.com" % namespace
    dead = Holder(kube, gw_ns, "host " + host, renewed=time.time() - 3600, identity="gone-host/4242/deadbeef")
    result = ansible.module("app_route", module_args(gw_ns, [app(namespace, "late", host)], lease_wait=5))
    assert not result["failed"], result["msg"]
    assert result["lease"]["waited_for"] == [] and result["api_requests"]["lease"] > 0
    lease = dead.lease()
    assert "holderIdentity" not in lease["spec"] and lease["spec"]["leaseTransitions"] >= 1
    # nothing to write: no Lease is taken, so a held one does not block the run
    holder = Holder(kube, gw_ns, "host " + host)
    again = ansible.module("app_route", module_args(gw_ns, [app(namespace, "late", host)], lease_wait=2))
    assert not again["failed"] and again["changed"] is False and "lease" not in again, again
    holder.release()


def test_removing_an_app_waits_for_a_run_of_the_same_app(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "gone-%s.example.com" % namespace
    assert not ansible.module("app_route", module_args(gw_ns, [app(namespace, "gone", host)]))["failed"]
    holder = Holder(kube, gw_ns, "app gone")  # another run routing app gone right now
    absent = dict(module_args(gw_ns, [app(namespace, "gone", host)], lease_wait=2), state="absent")
    result = ansible.module("app_route", absent)
    assert result["failed"] and result["code"] == "LeaseHeld" and holder.identity in result["msg"], result
    assert list_owned(kube, "VirtualService", namespace) == ["gone"]
    holder.release()
    result = ansible.module("app_route", absent)
    assert not result["failed"] and result["summary"]["deleted"] == 2, result
    assert result["lease"]["waited_for"] == []
    assert list_owned(kube, "VirtualService", namespace) == []


def test_removal_without_a_gateway_namespace_needs_no_lease(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    host = "nogw-%s.example.com" % namespace
    assert not ansible.module("app_route", module_args(gw_ns, [app(namespace, "nogw", host)]))["failed"]
    absent = dict(module_args("no-such-namespace", [app(namespace, "nogw", host)]), state="absent")
    result = ansible.module("app_route", absent)
    assert not result["failed"] and result["summary"]["deleted"] == 2 and "lease" not in result, result
