# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes applier: read, compare, server-side apply, delete (private).

Every write is a server-side apply with the collection's field manager, so fields owned by others (foreign
annotations, labels, ports) survive. Whether a write is needed is decided by :func:`k8s.fields.decide` (a desired
field differs, or a field we own is no longer desired); a no-op run makes no write request. In check mode the
apply is a server dry-run, so the prediction includes the server's defaulting and validation, and nothing is
stored.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import FIELD_MANAGER
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import (
    get_api_client, get_dynamic_client, unreachable_error)
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.discovery import (
    NotServedError, not_served_error, serves)
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.errors import api_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import decide, ownership_of
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.removal import (
    json_patch, keeping, removals, without)

try:
    import urllib3
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError
except ImportError:  # reported by run_module(requires=("kubernetes",)) before any of this runs
    class ApiException(Exception):  # pylint: disable=missing-class-docstring
        pass

    class NotFoundError(ApiException):  # pylint: disable=missing-class-docstring
        pass

    class ResourceNotFoundError(Exception):  # pylint: disable=missing-class-docstring
        pass


def describe(obj):
    meta = obj.get("metadata", {})
    name = meta.get("name")
    if meta.get("namespace"):
        name = "%s/%s" % (meta["namespace"], name)
    return "%s %s" % (obj.get("kind"), name)


def apply_changed(live, result, manager=FIELD_MANAGER):
    """True when an apply (or its server dry-run) changed the object, or what ``manager`` owns of it."""
    if live is None:
        return True
    return strip_noise(result) != strip_noise(live) or ownership_of(result, manager) != ownership_of(live, manager)


class KubeApplier:
    """Reads and writes Kubernetes objects for one connection."""

    def __init__(self, params, check_mode=False, field_manager=FIELD_MANAGER):
        self.params = params
        self.check_mode = check_mode
        self.field_manager = field_manager
        self._client = None

    # -- plumbing -------------------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            self._client = get_dynamic_client(self.params)
        return self._client

    @property
    def host(self):
        return get_api_client(self.params).configuration.host

    def _call(self, action, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NotFoundError:
            raise
        except ApiException as exc:
            raise api_error(exc, action)
        except urllib3.exceptions.HTTPError as exc:
            raise unreachable_error(self.host, exc)

    def resource(self, api_version, kind):
        """The API resource; a NotServedError only when the API server says it does not serve the kind.

        The library's discovery answers "no match" for an API that failed (a 503 of the group) as well: then
        the API server is asked directly (k8s/discovery.py), and its error is reported as such.
        """
        try:
            return self._call("discover %s %s" % (api_version, kind), self.client.resources.get,
                              api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            pass
        if not serves(self.params, api_version, kind):
            raise not_served_error(
                "The cluster does not serve %s %s (no matches for kind %s)." % (api_version, kind, kind),
                hint="Install the CRDs first (Istio's base chart: role meshops.istio_edge.istio).")
        try:
            self.client.resources.invalidate_cache()
            return self._call("discover %s %s" % (api_version, kind), self.client.resources.get,
                              api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            raise EdgeError(
                "The API server lists %s %s, but the kubernetes library's discovery of %s failed." % (
                    api_version, kind, api_version), code="DiscoveryFailed",
                hint="The API server answered an error for %s (see its logs); re-run." % api_version)

    def has_kind(self, api_version, kind):
        """True when the cluster serves ``kind``; an error (429, 5xx, 403, unreachable) is raised, not False."""
        try:
            self.resource(api_version, kind)
            return True
        except NotServedError:
            return False

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, api_version, kind, name, namespace=None):
        """The live object as a dict, or None."""
        res = self.resource(api_version, kind)
        try:
            resp = self._call("read %s %s" % (kind, name), res.get, name=name, namespace=namespace, serialize=False)
        except NotFoundError:
            return None
        return decoded(resp)

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None, any_version=False):
        """Live objects as dicts (all namespaces when ``namespace`` is None), decoded from the raw JSON.

        ``any_version``: ``resourceVersion=0``, served from the API server's watch cache (see ``k8s/bulk.py``) -
        for a check that no write is based on.
        """
        res = self.resource(api_version, kind)
        kwargs = {"serialize": False}
        if label_selector:
            kwargs["label_selector"] = label_selector
        if field_selector:
            kwargs["field_selector"] = field_selector
        if any_version:
            kwargs["resource_version"] = "0"
        try:
            resp = self._call("list %s" % kind, res.get, namespace=namespace, **kwargs)
        except NotFoundError:
            return []
        return decoded(resp).get("items") or []

    # -- writes ---------------------------------------------------------------------------------------
    def apply(self, desired, force=True):
        """Server-side apply (a dry-run in check mode); returns the resulting object."""
        meta = desired["metadata"]
        res = self.resource(desired["apiVersion"], desired["kind"])
        kwargs = dict(body=desired, name=meta["name"], field_manager=self.field_manager, force_conflicts=force,
                      serialize=False)
        if res.namespaced:
            kwargs["namespace"] = meta.get("namespace")
        if self.check_mode:
            kwargs["dry_run"] = "All"
        try:
            resp = self._call("apply %s" % describe(desired), res.server_side_apply, **kwargs)
        except NotFoundError as exc:
            raise api_error(exc, "apply %s" % describe(desired))
        return decoded(resp)

    def write(self, desired, live=None, force=True):
        """Apply ``desired`` over ``live`` (None: a new object); returns ``(object, write requests sent)``.

        Fields to release that nobody else holds are removed first with a JSON Patch (see k8s/removal.py: an
        apply alone leaves ``null`` behind in custom resources on older API servers); the apply follows when
        anything else is left to do. In check mode both are server dry-runs, and the removal is predicted on the
        dry-run's answer.
        """
        paths = removals(desired, live, self.field_manager)
        if not paths:
            return self.apply(desired, force=force), 1
        patched = self._remove(live, paths)
        if self.check_mode:
            return without(self.apply(keeping(desired, live, paths), force=force), paths), 2
        if not decide(desired, patched, self.field_manager).write:
            return patched, 1
        return self.apply(desired, force=force), 2

    def json_patch(self, obj, ops, action):
        """Send a JSON Patch (RFC 6902) to ``obj`` (a dry-run in check mode); returns the patched object.

        ``ops`` may start with a ``test`` of the resourceVersion, so the patch applies only to what was read.
        """
        meta = obj["metadata"]
        res = self.resource(obj["apiVersion"], obj["kind"])
        kwargs = dict(body=ops, name=meta["name"], content_type="application/json-patch+json",
                      field_manager=self.field_manager, serialize=False)
        if res.namespaced:
            kwargs["namespace"] = meta.get("namespace")
        if self.check_mode:
            kwargs["dry_run"] = "All"
        try:
            return decoded(self._call(action, res.patch, **kwargs))
        except NotFoundError as exc:
            raise api_error(exc, action)

    def _remove(self, live, paths):
        """Remove the released ``paths`` with a JSON Patch; returns the patched object."""
        meta = live["metadata"]
        try:
            return self.json_patch(live, json_patch(live, paths), "remove released fields of %s" % describe(live))
        except EdgeError as exc:
            if exc.code != 422:
                raise
            now = self.get(live["apiVersion"], live["kind"], meta["name"], meta.get("namespace"))
            if now is None or now["metadata"].get("resourceVersion") != meta.get("resourceVersion"):
                raise EdgeError(
                    "%s changed while this run was writing it (resourceVersion %s when read, %s now)."
                    % (describe(live), meta.get("resourceVersion"),
                       (now or {}).get("metadata", {}).get("resourceVersion", "deleted")), code="Conflict",
                    hint="Another writer changed it at the same time: re-run to converge on what it holds now.")
            raise

    def ensure(self, desired, live=None, force=True, fetch=True):
        """Make the fields of ``desired`` true on the cluster.

        A field set earlier and no longer in ``desired`` is released (the apply removes it unless another manager
        owns it too). Returns ``dict(changed, before, after, object, decision)``; ``before``/``after`` are
        noise-free copies for diffs. ``live`` may be passed when the caller already listed the objects (no extra
        GET then).
        """
        meta = desired["metadata"]
        if live is None and fetch:
            live = self.get(desired["apiVersion"], desired["kind"], meta["name"], meta.get("namespace"))
        decision = decide(desired, live, self.field_manager)
        if not decision.write:
            return dict(changed=False, before=strip_noise(live), after=strip_noise(live), object=live,
                        decision=decision)
        result = self.write(desired, live, force=force)[0]
        return dict(changed=apply_changed(live, result, self.field_manager), before=strip_noise(live),
                    after=strip_noise(result), object=result, decision=decision)

    def delete(self, api_version, kind, name, namespace=None, live=None):
        """Delete if present (nothing is sent in check mode). Returns ``dict(changed, before)``."""
        if live is None:
            live = self.get(api_version, kind, name, namespace)
        if live is None:
            return dict(changed=False, before=None)
        if not self.check_mode:
            res = self.resource(api_version, kind)
            try:
                self._call("delete %s %s" % (kind, name), res.delete, name=name, namespace=namespace)
            except NotFoundError:
                return dict(changed=False, before=None)
        return dict(changed=True, before=strip_noise(live))


def decoded(resp):
    """The JSON body of a response read with ``serialize=False``, as plain dicts and lists.

    The client's own decoding wraps every field in an object and ``to_dict()`` copies it back: for a LIST of
    thousands of objects, or thousands of writes, that is most of the client-side time.
    """
    return json.loads(resp.data)
