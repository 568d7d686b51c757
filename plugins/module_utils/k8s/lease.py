# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leases (``coordination.k8s.io/v1``) that serialize runs writing the same things (private).

A caller names what it is about to check and write by *keys* (strings such as ``host shop.example.com``).
Keys are hashed into a fixed number of Leases per scope (``<prefix>-00`` .. ``<prefix>-31``), so a run takes at
most that many Leases whatever its size, and two runs whose keys fall into different Leases run in parallel (two
keys sharing a Lease only serialize two runs that did not need it).

:class:`Leases` acquires them in sorted order (no two runs wait for each other in a circle), each with
optimistic concurrency: a create that fails with 409 AlreadyExists, or an update carrying the resourceVersion
read, means another run was faster, and the Lease is read again. A Lease whose holder is gone (released, or
not renewed for ``leaseDurationSeconds``) is taken over. While the caller writes, a thread renews the Leases
every third of their duration; :meth:`Leases.assert_held` fails when one was lost. When another run holds a
Lease past the wait bound, the error names the holder and when its Lease expires. Releasing clears the holder
(the Lease objects stay, for the next run).

The functions at the top are pure (names, times, the state of a Lease) and are unit-tested without a cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import hashlib
import os
import socket
import threading
import time
import uuid

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import managed_labels
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import unreachable_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.errors import api_error

try:
    import urllib3
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import NotFoundError
except ImportError:  # reported by run_module(requires=("kubernetes",)) before any of this runs
    class ApiException(Exception):  # pylint: disable=missing-class-docstring
        pass

    class NotFoundError(ApiException):  # pylint: disable=missing-class-docstring
        pass

LEASE_API = "coordination.k8s.io/v1"
BUCKETS = 32
HOLDER_ANNOTATION = "istio-edge.meshops.io/holder-purpose"
MAX_NAME = 253
POLL = 0.5


# -- pure ---------------------------------------------------------------------------------------------------
def holder_identity(run_id=None):
    """``<host>/<pid>/<run id>``: who holds a Lease, readable in ``kubectl get lease``."""
    return "%s/%d/%s" % (socket.gethostname(), os.getpid(), run_id or uuid.uuid4().hex[:12])


def bucket_of(key, buckets=BUCKETS):
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % buckets


def lease_name(prefix, bucket):
    """``<prefix>-NN``; a prefix too long for a name is shortened with a hash of it."""
    name = "%s-%02d" % (prefix, bucket)
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(prefix.encode("utf-8")).hexdigest()[:12]
    return "%s-%s-%02d" % (prefix[:MAX_NAME - 17].rstrip(".-"), digest, bucket)


def leases_for(prefix, keys, buckets=BUCKETS):
    """``{lease name: sorted keys}`` for the keys of a run."""
    out = {}
    for key in sorted(set(keys)):
        out.setdefault(lease_name(prefix, bucket_of(key, buckets)), []).append(key)
    return out


def micro_time(epoch):
    """A Kubernetes MicroTime (``2024-05-01T10:00:00.123456Z``) for a time in seconds since the epoch."""
    whole = int(epoch)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%06dZ" % int(round((epoch - whole) * 1e6) % 1e6)


def parse_time(text):
    """Seconds since the epoch of a Kubernetes Time or MicroTime, or None."""
    if not isinstance(text, str) or not text.endswith("Z"):
        return None
    base, _dot, fraction = text[:-1].partition(".")
    try:
        whole = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    return whole + (float("0." + fraction) if fraction.isdigit() else 0.0)


def lease_state(lease, now):
    """``dict(holder, renewed, expires, free)`` of a Lease object (None: it does not exist, so it is free).

    ``free``: no holder, or the holder did not renew within ``leaseDurationSeconds`` (by the holder's clock;
    :class:`Leases` also counts a Lease as expired when it saw it unchanged for that long, by its own clock).
    """
    if lease is None:
        return dict(holder=None, renewed=None, expires=None, free=True)
    spec = lease.get("spec") or {}
    holder = spec.get("holderIdentity") or None
    renewed = parse_time(spec.get("renewTime")) or parse_time(spec.get("acquireTime"))
    duration = spec.get("leaseDurationSeconds") or 0
    expires = renewed + duration if renewed is not None else None
    free = holder is None or (expires is not None and expires < now)
    return dict(holder=holder, renewed=renewed, expires=expires, free=free)


def lease_body(name, namespace, holder, duration, now, purpose="", previous=None):
    """The Lease to create, or to write over ``previous`` (its resourceVersion makes the write optimistic)."""
    spec = dict(holderIdentity=holder, leaseDurationSeconds=int(duration), renewTime=micro_time(now))
    prev_spec = (previous or {}).get("spec") or {}
    transitions = prev_spec.get("leaseTransitions") or 0
    if previous is None or prev_spec.get("holderIdentity") != holder:
        spec["acquireTime"] = micro_time(now)
        if previous is not None:
            transitions += 1
    else:
        spec["acquireTime"] = prev_spec.get("acquireTime") or micro_time(now)
    spec["leaseTransitions"] = transitions
    meta = dict(name=name, namespace=namespace, labels=managed_labels(),
                annotations={HOLDER_ANNOTATION: purpose[:1000]})
    if previous is not None:
        meta["resourceVersion"] = previous["metadata"]["resourceVersion"]
    return dict(apiVersion=LEASE_API, kind="Lease", metadata=meta, spec=spec)


def released_body(previous):
    """``previous`` without a holder (the Lease is free at once; it stays for the next run)."""
    spec = dict((previous.get("spec") or {}))
    spec.pop("holderIdentity", None)
    meta = dict(previous["metadata"])
    meta.pop("managedFields", None)
    return dict(apiVersion=LEASE_API, kind="Lease", metadata=meta, spec=spec)


def when(epoch):
    return micro_time(epoch)[:19] + "Z" if epoch is not None else "unknown"


def held_error(namespace, name, keys, state, purpose, waited, wait_option):
    """The error for a Lease another run still holds after the wait bound."""
    return EdgeError(
        "Another run holds Lease %s/%s, which covers %s of this run: holder %s%s, renewed %s, expires %s unless "
        "renewed. Waited %d s (%s). Nothing was changed."
        % (namespace, name, ", ".join(keys[:5]) + (" and %d more" % (len(keys) - 5) if len(keys) > 5 else ""),
           state["holder"], " (%s)" % purpose if purpose else "", when(state["renewed"]), when(state["expires"]),
           round(waited), wait_option),
        code="LeaseHeld", holder=state["holder"], lease="%s/%s" % (namespace, name), expires=when(state["expires"]),
        hint="Re-run once that run has finished, or raise %s. A Lease left by a run that died is taken over when "
             "it expires." % wait_option)


# -- the cluster ----------------------------------------------------------------------------------------------
class Leases:
    """The Leases of one run: ``with Leases(...) as leases:`` acquires them, renews them, then releases them."""

    def __init__(self, applier, namespace, names, holder=None, duration=30, wait=120, purpose="",
                 wait_option="lease_wait", clock=time.time, sleep=time.sleep):
        self.applier = applier
        self.namespace = namespace
        self.names = dict(names)          # lease name -> the keys it covers (for messages)
        self.holder = holder or holder_identity()
        self.duration = max(1, int(duration))
        self.wait = max(0, wait)
        self.purpose = purpose
        self.wait_option = wait_option
        self.clock = clock
        self.sleep = sleep
        self.requests = {"get": 0, "write": 0}
        self.held = {}                    # lease name -> the Lease as last written
        self.renewed_at = {}              # lease name -> monotonic time of the last renewal
        self.lost = {}                    # lease name -> why it was lost
        self.waited = 0.0
        self.waited_for = []
        self._observed = {}               # lease name -> (resourceVersion, monotonic time first seen)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    # -- requests -------------------------------------------------------------------------------------
    def _resource(self):
        return self.applier.resource(LEASE_API, "Lease")

    def _count(self, kind):
        with self._lock:
            self.requests[kind] += 1

    def _request(self, action, func, **kwargs):
        """The object written or read (a dict), None for 404, or "conflict" for 409."""
        try:
            return func(**kwargs).to_dict()
        except NotFoundError:
            return None
        except ApiException as exc:
            if getattr(exc, "status", None) == 409:
                return "conflict"
            raise api_error(exc, "%s Lease %s/%s" % (action, self.namespace, kwargs.get("name")))
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable_error(self.applier.host, exc)

    def _get(self, name):
        self._count("get")
        return self._request("read", self._resource().get, name=name, namespace=self.namespace)

    def _write(self, body, create):
        self._count("write")
        res = self._resource()
        name = body["metadata"]["name"]
        manager = self.applier.field_manager
        if create:
            return self._request("create", res.create, body=body, namespace=self.namespace, name=name,
                                 field_manager=manager)
        return self._request("update", res.replace, body=body, name=name, namespace=self.namespace,
                             field_manager=manager)

    # -- acquire --------------------------------------------------------------------------------------
    def _expired_by_observation(self, name, lease):
        """A Lease seen unchanged for longer than its duration (by our clock: immune to the holder's clock)."""
        version = lease["metadata"].get("resourceVersion")
        seen = self._observed.get(name)
        now = time.monotonic()
        if seen is None or seen[0] != version:
            self._observed[name] = (version, now)
            return False
        duration = ((lease.get("spec") or {}).get("leaseDurationSeconds") or self.duration)
        return now - seen[1] > duration + 1

    def _try(self, name):
        """Take one Lease: ``(True, None, None)`` when taken, ``(False, None, None)`` when another run was faster
        (read it again), ``(False, state, lease)`` when another run holds it."""
        lease = self._get(name)
        now = self.clock()
        state = lease_state(lease, now)
        if not (state["free"] or state["holder"] == self.holder or self._expired_by_observation(name, lease)):
            return False, state, lease
        body = lease_body(name, self.namespace, self.holder, self.duration, now, self.purpose, previous=lease)
        written = self._write(body, create=lease is None)
        if written is None and lease is None:
            raise EdgeError(
                "Cannot create Lease %s/%s: namespace %s does not exist." % (self.namespace, name, self.namespace),
                code="NamespaceNotFound",
                hint="Set the gateway namespace option to the namespace of the gateway workload (the Leases that "
                     "serialize runs live there). Nothing was changed.")
        if not isinstance(written, dict):   # 409: another run was faster (or it was deleted): read it again
            return False, None, None
        with self._lock:
            self.held[name] = written
            self.renewed_at[name] = time.monotonic()
        return True, None, None

    def acquire(self):
        """Take every Lease, in sorted order, waiting up to ``wait`` seconds in all for the other holders.

        The Leases already taken are renewed while the run waits for the next one."""
        start = time.monotonic()
        deadline = start + self.wait
        self._thread = threading.Thread(target=self._renew_loop, name="lease-renewal")
        self._thread.daemon = True
        self._thread.start()
        try:
            for name in sorted(self.names):
                while True:
                    taken, state, lease = self._try(name)
                    if taken:
                        break
                    remaining = deadline - time.monotonic()
                    if state is not None and state["holder"] not in self.waited_for:
                        self.waited_for.append(state["holder"])
                    if remaining <= 0 and state is not None:
                        self.waited = time.monotonic() - start
                        annotations = (lease.get("metadata") or {}).get("annotations") or {}
                        raise held_error(self.namespace, name, self.names[name], state,
                                         annotations.get(HOLDER_ANNOTATION), self.waited, self.wait_option)
                    if state is not None:
                        self.sleep(min(POLL, max(remaining, 0.01)))
        except BaseException:
            self.release()
            raise
        self.waited = time.monotonic() - start
        return self

    # -- renew ----------------------------------------------------------------------------------------
    def _renew(self, name):
        current = self.held[name]
        for _attempt in range(3):
            body = lease_body(name, self.namespace, self.holder, self.duration, self.clock(), self.purpose,
                              previous=current)
            written = self._write(body, create=False)
            if isinstance(written, dict):
                with self._lock:
                    self.held[name] = written
                    self.renewed_at[name] = time.monotonic()
                return
            current = self._get(name)
            if current is None or (current.get("spec") or {}).get("holderIdentity") != self.holder:
                holder = (current or {}).get("spec", {}).get("holderIdentity") if current else None
                with self._lock:
                    self.lost[name] = "taken over by %s" % holder if holder else "deleted"
                return

    def _renew_loop(self):
        interval = max(0.5, self.duration / 3.0)
        while not self._stop.wait(interval):
            with self._lock:
                names = sorted(self.held)
            for name in names:
                if name in self.lost:
                    continue
                try:
                    self._renew(name)
                except EdgeError:
                    pass  # the API server may be back before the Lease expires; assert_held tells

    def assert_held(self):
        """Fail when a Lease was lost (taken over, or not renewed in time) - before the next write."""
        now = time.monotonic()
        with self._lock:
            lost = dict(self.lost)
            for name, at in self.renewed_at.items():
                if name not in lost and now - at > self.duration:
                    lost[name] = "not renewed for %d s (the API server did not answer)" % (now - at)
        if lost:
            name = sorted(lost)[0]
            raise EdgeError(
                "Lost Lease %s/%s (%s) while writing, so another run may be changing the same claims: stopped "
                "before the next write." % (self.namespace, name, lost[name]), code="LeaseLost",
                lease="%s/%s" % (self.namespace, name),
                hint="Check what the other run did, then re-run; raise lease_duration if this run was too slow to "
                     "renew.")

    # -- release --------------------------------------------------------------------------------------
    def release(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for name in sorted(self.held):
            try:
                self._release_one(name)
            except EdgeError:
                pass  # it expires by itself
        self.held = {}

    def _release_one(self, name):
        current = self.held[name]
        for _attempt in range(3):
            if current is None or (current.get("spec") or {}).get("holderIdentity") != self.holder:
                return
            written = self._write(released_body(current), create=False)
            if isinstance(written, dict) or written is None:
                return
            current = self._get(name)

    def report(self):
        """For the module's result: the Leases, the holder, how long the run waited and for whom."""
        return dict(namespace=self.namespace, names=sorted(self.names), holder=self.holder,
                    duration=self.duration, waited=round(self.waited, 3), waited_for=list(self.waited_for))

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
        return False
