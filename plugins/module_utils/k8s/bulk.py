# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many Kubernetes objects at once: one LIST per kind, local comparison, writes only for what differs (private).

``BulkApplier`` wraps a :class:`KubeApplier`:

* ``list_kind(api_version, kind, namespaces=None, label_selector=None, any_version=False)`` - one cluster-wide
  LIST (raw JSON, no per-item object wrapping); when the identity may not list cluster-wide (403) it falls back to
  one LIST per namespace of the given set. ``any_version``: ``resourceVersion=0``, served from the API server's
  watch cache (the newest version it has, not a quorum read from etcd) - several times faster for custom
  resources on servers before 1.31 (from 1.31 on, consistent LISTs are served from that cache too); for a first
  look whose every write decision is read again consistently before anything is written.
* ``plan(desired, live)`` - ``create`` / ``update`` / ``unchanged``, decided locally by
  :func:`k8s.fields.decide` from the live object's managedFields (a desired field differs, or a field we own is
  no longer desired: a removed route, subset or traffic policy is drift).
* ``run(actions, parallel)`` - the writes (server-side apply; server dry-run in check mode) and deletes, with a
  small thread pool, returning per-object results for diffs. A no-op run sends no write request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.writes import Writes
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import apply_changed, decoded, describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import unreachable_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.errors import api_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import decide

try:
    import urllib3
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import NotFoundError
except ImportError:
    class ApiException(Exception):
        """Stand-in when the kubernetes library is missing (the module fails earlier with a clear message)."""

    class NotFoundError(ApiException):
        """Stand-in when the kubernetes library is missing."""


WRITTEN = {"create": "created", "update": "updated", "delete": "deleted"}


class BulkApplier:
    """Reads by kind and writes only what differs, counting requests."""

    def __init__(self, applier, parallel=4):
        self.applier = applier
        self.parallel = max(1, int(parallel or 1))
        self.requests = {"list": 0, "get": 0, "write": 0}
        self.narrowed = []  # kinds listed per namespace because a cluster-wide LIST was forbidden
        self._lock = threading.Lock()

    def _count(self, kind, n=1):
        with self._lock:
            self.requests[kind] += n

    def _raw_list(self, res, namespace, label_selector, any_version=False):
        kwargs = {"serialize": False}
        if label_selector:
            kwargs["label_selector"] = label_selector
        if any_version:
            kwargs["resource_version"] = "0"
        self._count("list")
        resp = res.get(namespace=namespace, **kwargs)
        return decoded(resp).get("items") or []

    def list_kind(self, api_version, kind, namespaces=None, label_selector=None, namespace=None, any_version=False):
        """Items (dicts, with apiVersion/kind set).

        ``namespace``: list in that namespace only. Otherwise one cluster-wide LIST; when that is forbidden
        (403) and ``namespaces`` is given, one LIST per namespace of that set. ``any_version``: see the module
        docstring.
        """
        res = self.applier.resource(api_version, kind)
        if not res.namespaced:
            namespace, namespaces = None, None
        scopes = [namespace]
        try:
            items = self._raw_list(res, namespace, label_selector, any_version)
        except NotFoundError as exc:
            if namespace is not None:
                return []
            raise api_error(exc, "list %s" % kind)
        except ApiException as exc:
            if getattr(exc, "status", None) != 403 or namespace is not None or not namespaces:
                raise api_error(exc, "list %s%s" % (kind, " in namespace %s" % namespace if namespace else
                                                    " in all namespaces"))
            scopes = sorted(namespaces)
            items = []
            self.narrowed.append(kind)
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable_error(self.applier.host, exc)
        if scopes != [namespace]:
            for ns in scopes:
                try:
                    items.extend(self._raw_list(res, ns, label_selector, any_version))
                except NotFoundError:
                    continue
                except ApiException as exc:
                    raise api_error(exc, "list %s in namespace %s" % (kind, ns))
        for item in items:
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items

    def plan(self, desired, live):
        """``create`` / ``update`` / ``unchanged`` (then nothing is sent) for applying ``desired`` over ``live``."""
        return decide(desired, live, self.applier.field_manager).op

    # -- writes ---------------------------------------------------------------------------------------
    def _apply(self, desired, live):
        obj, sent = self.applier.write(desired, live)
        self._count("write", sent)
        return obj

    def _delete(self, obj):
        meta = obj["metadata"]
        if not self.applier.check_mode:
            self._count("write")
        result = self.applier.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"), live=obj)
        return result

    def _one(self, action):
        op, desired, live = action["op"], action.get("desired"), action.get("live")
        if op in ("create", "update"):
            after = self._apply(desired, live)
            return dict(action, after=strip_noise(after), before=strip_noise(live),
                        changed=apply_changed(live, after, self.applier.field_manager))
        if op == "delete":
            result = self._delete(live)
            return dict(action, before=strip_noise(live), after=None, changed=result["changed"])
        return dict(action, changed=False)  # nothing to show: no diff for an unchanged object

    def run(self, phases):
        """Run the actions phase by phase (a phase's writes may go in parallel); returns the results in order.

        Each action: ``{"op": create|update|delete|unchanged, "desired": obj, "live": obj, ...}``.
        The first failure stops the run (already finished writes are reported in the error).
        """
        results = []
        for phase in phases:
            writes = [a for a in phase if a["op"] != "unchanged"]
            if len(writes) <= 1 or self.parallel == 1:
                for action in phase:
                    results.append(self._guarded(action, results))
                continue
            with ThreadPoolExecutor(max_workers=min(self.parallel, len(writes))) as pool:
                futures = [pool.submit(self._one, a) if a["op"] != "unchanged" else None for a in phase]
                first_error = None
                for action, future in zip(phase, futures):
                    if future is None:
                        results.append(self._one(action))
                        continue
                    try:
                        results.append(future.result())
                    except EdgeError as exc:
                        first_error = first_error or exc
            if first_error is not None:
                raise self._partial(first_error, results)
        return results

    def _guarded(self, action, done):
        try:
            return self._one(action)
        except EdgeError as exc:
            raise self._partial(exc, done)

    def _partial(self, exc, done):
        """``exc`` saying ``changed`` and ``written`` when writes finished before it (none in check mode)."""
        writes = Writes(self.applier.check_mode)
        for r in done:
            if r.get("changed"):
                writes.record("%s %s" % (WRITTEN[r["op"]], describe(r.get("desired") or r.get("live"))))
        return writes.annotate(exc)
