# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of k8s/lease.py: names, buckets, times, the state of a Lease, the bodies written and the
message when another run holds one. (The requests themselves run against the test bed in
tests/integration/test_app_route_concurrency.py.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.lease import (
    BUCKETS, HOLDER_ANNOTATION, MAX_NAME, bucket_of, held_error, holder_identity, lease_body, lease_name,
    lease_state, leases_for, micro_time, parse_time, released_body)

DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
T0 = 1714557600.25  # 2024-05-01T10:00:00.25Z


def test_holder_identity_names_host_pid_and_run():
    holder = holder_identity("abc123")
    host, pid, run = holder.split("/")
    assert host and int(pid) == os.getpid() and run == "abc123"
    assert holder_identity() != holder_identity()  # a fresh run id each time


def test_keys_fall_into_a_bounded_set_of_stable_lease_names():
    keys = ["host h%d.example.com" % i for i in range(500)]
    names = leases_for("istio-edge-claims-istio-ingress", keys)
    assert 1 < len(names) <= BUCKETS
    assert sorted(k for ks in names.values() for k in ks) == sorted(keys)
    for name in names:
        assert DNS_SUBDOMAIN.fullmatch(name) and len(name) <= MAX_NAME
    # stable across runs and processes: the same key always gives the same Lease
    assert bucket_of("host shop.example.com") == bucket_of("host shop.example.com")
    assert leases_for("p", ["host a", "host a"]) == {lease_name("p", bucket_of("host a")): ["host a"]}


def test_a_long_prefix_is_shortened_with_a_hash():
    long_prefix = "istio-edge-claims-" + "g" * 250
    name = lease_name(long_prefix, 7)
    assert len(name) <= MAX_NAME and name.endswith("-07") and DNS_SUBDOMAIN.fullmatch(name)
    assert lease_name(long_prefix + "x", 7) != name


def test_micro_time_round_trip():
    text = micro_time(T0)
    assert text == "2024-05-01T10:00:00.250000Z"
    assert abs(parse_time(text) - T0) < 1e-6
    assert parse_time("2024-05-01T10:00:00Z") == int(T0)
    assert parse_time(None) is None and parse_time("yesterday") is None


def lease(holder, renewed, duration=30):
    spec = {"leaseDurationSeconds": duration, "renewTime": micro_time(renewed), "acquireTime": micro_time(renewed)}
    if holder:
        spec["holderIdentity"] = holder
    return {"metadata": {"name": "l", "namespace": "gw", "resourceVersion": "7"}, "spec": spec}


def test_lease_state_free_held_expired():
    assert lease_state(None, T0)["free"]
    held = lease_state(lease("a/1/x", T0), T0 + 10)
    assert not held["free"] and held["holder"] == "a/1/x" and held["expires"] == T0 + 30
    assert lease_state(lease("a/1/x", T0), T0 + 31)["free"]          # not renewed in time: taken over
    assert lease_state(lease(None, T0), T0 + 1)["free"]               # released
    no_time = lease("a/1/x", T0)
    del no_time["spec"]["renewTime"], no_time["spec"]["acquireTime"]
    assert not lease_state(no_time, T0)["free"]                      # unknown age: only observation frees it


def test_bodies_are_optimistic_and_count_transitions():
    created = lease_body("l", "gw", "me/1/a", 30, T0, purpose="app_route: shop")
    assert "resourceVersion" not in created["metadata"]
    assert created["spec"] == {"holderIdentity": "me/1/a", "leaseDurationSeconds": 30, "renewTime": micro_time(T0),
                               "acquireTime": micro_time(T0), "leaseTransitions": 0}
    assert created["metadata"]["annotations"][HOLDER_ANNOTATION] == "app_route: shop"
    assert created["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "meshops.istio_edge"}
    other = lease("them/2/b", T0 - 100)
    taken = lease_body("l", "gw", "me/1/a", 30, T0, previous=other)
    assert taken["metadata"]["resourceVersion"] == "7"                # 409 when someone wrote it meanwhile
    assert taken["spec"]["leaseTransitions"] == 1 and taken["spec"]["acquireTime"] == micro_time(T0)
    mine = lease("me/1/a", T0 - 5)
    renewed = lease_body("l", "gw", "me/1/a", 30, T0, previous=mine)
    assert renewed["spec"]["acquireTime"] == micro_time(T0 - 5)       # a renewal keeps the acquire time
    assert renewed["spec"]["renewTime"] == micro_time(T0) and renewed["spec"]["leaseTransitions"] == 0
    released = released_body(dict(mine, metadata=dict(mine["metadata"], managedFields=[{}])))
    assert "holderIdentity" not in released["spec"] and released["metadata"]["resourceVersion"] == "7"
    assert "managedFields" not in released["metadata"]


def test_held_error_names_holder_expiry_and_the_wait():
    state = lease_state(lease("ci-2/4242/9f3a", T0), T0 + 3)
    keys = ["host dup.example.com"] + ["host h%d" % i for i in range(7)]
    err = held_error("istio-ingress", "istio-edge-claims-istio-ingress-03", keys, state, "app_route: a, b", 3.2,
                     "lease_wait")
    text = str(err)
    for word in ("Lease istio-ingress/istio-edge-claims-istio-ingress-03", "host dup.example.com", "and 3 more",
                 "holder ci-2/4242/9f3a (app_route: a, b)", "renewed 2024-05-01T10:00:00Z",
                 "expires 2024-05-01T10:00:30Z", "Waited 3 s (lease_wait)", "Nothing was changed",
                 "raise lease_wait"):
        assert word in text, word
    assert err.code == "LeaseHeld" and err.details["holder"] == "ci-2/4242/9f3a"
    assert err.details["expires"] == "2024-05-01T10:00:30Z"
