# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which API versions and kinds the cluster serves, asked of the API server itself (private).

``GET /apis/<group>`` lists the served versions of a group, ``GET /apis/<group>/<version>`` (``/api/v1`` for the
core group) the kinds of one version. Only a 404 on those, or a resource list without the kind, means "not
served" (for Istio: its CRDs are not installed). Any other answer - 429 from API Priority and Fairness, a 5xx,
a 403, a dropped connection - is an error naming the request and the API's own code: the cluster did not say
whether the API is there, so nothing may be concluded (and nothing deleted) from it.

The kubernetes library's discovery is not used to decide this: it caches on disk between runs and treats a 503
of a group as "no such kind".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.api import PREFERENCE
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import get_api_client

try:
    import urllib3
    from kubernetes.client.exceptions import ApiException
except ImportError:  # reported by run_module(requires=("kubernetes",)) before any of this runs
    class ApiException(Exception):  # pylint: disable=missing-class-docstring
        pass

NOT_SERVED = "NoKindMatch"
TIMEOUT = 30

_REASONS = {403: "Forbidden", 429: "TooManyRequests", 500: "InternalError", 502: "BadGateway",
            503: "ServiceUnavailable", 504: "GatewayTimeout"}
_HINTS = {
    403: "The identity may not read the API discovery documents: grant get on the nonResourceURLs /api, /api/*, "
         "/apis and /apis/* (Kubernetes' ClusterRole system:discovery does).",
    429: "The API server is throttling this identity (API Priority and Fairness): re-run later, or give its "
         "FlowSchema a priority level with more concurrency.",
}
_SERVER_HINT = "The API server (or the aggregated API behind this group) failed: check it, then re-run."


class NotServedError(EdgeError):
    """The API server answered that it does not serve an API or a kind (404, or a resource list without it)."""


def not_served_error(message, hint):
    return NotServedError(message, code=NOT_SERVED, hint=hint)


def _discovery_error(path, status, reason, detail):
    what = path.rsplit("/apis/", 1)[-1] if "/apis/" in path else path.lstrip("/")
    text = "GET %s answered %s (%s)%s. Whether the cluster serves %s is unknown, so nothing was concluded from " \
           "it; nothing was changed." % (path, status, reason, ": %s" % detail if detail else "", what)
    hint = _HINTS.get(status) or (_SERVER_HINT if isinstance(status, int) and status >= 500 else None)
    return EdgeError(text, code=status, reason=reason, hint=hint)


def _api_exception_error(path, exc):
    status = getattr(exc, "status", None)
    reason, detail = getattr(exc, "reason", None) or _REASONS.get(status, "error"), ""
    try:
        payload = json.loads(getattr(exc, "body", None) or "")
        reason = payload.get("reason") or reason
        detail = (payload.get("message") or "").strip()
    except (ValueError, TypeError, AttributeError):
        detail = str(getattr(exc, "body", "") or "")[:300].strip()
    return _discovery_error(path, status, reason, detail)


def _transport_error(path, host, exc):
    reason = getattr(exc, "reason", None)
    match = re.search(r"too many (\d{3}) error responses", str(reason or exc))
    if match:   # the client retried a 502/503/504 and gave up
        status = int(match.group(1))
        return _discovery_error(path, status, _REASONS.get(status, "error"), "after retries")
    return EdgeError(
        "GET %s on %s failed: %s. Whether the cluster serves the API is unknown; nothing was changed."
        % (path, host, reason or exc), code="unreachable", field="host",
        hint="Check that the cluster is up and reachable (kubeconfig/context/host), then re-run.")


def get_document(params, path):
    """The JSON document at ``path`` of the API server, or None when it answers 404 (not served)."""
    api = get_api_client(params)
    try:
        response = api.call_api(path, "GET", header_params={"Accept": "application/json"},
                                auth_settings=["BearerToken"], _preload_content=False,
                                _return_http_data_only=True, _request_timeout=TIMEOUT)
        return json.loads(response.data.decode("utf-8"))
    except ApiException as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise _api_exception_error(path, exc)
    except urllib3.exceptions.HTTPError as exc:
        raise _transport_error(path, api.configuration.host, exc)
    except ValueError as exc:
        raise EdgeError("GET %s answered something that is not JSON (%s); nothing was changed." % (path, exc),
                        code="InvalidDiscovery", hint="Check that host points at a Kubernetes API server.")


def served_versions(params, group):
    """The versions the cluster serves of API ``group`` ([] when it serves none)."""
    doc = get_document(params, "/apis/%s" % group)
    return [v.get("version") for v in (doc or {}).get("versions") or [] if v.get("version")]


def served_kinds(params, api_version):
    """The kinds served under ``api_version`` (``v1`` or ``group/version``), or None when it is not served."""
    path = "/api/%s" % api_version if "/" not in api_version else "/apis/%s" % api_version
    doc = get_document(params, path)
    if doc is None:
        return None
    return set(r.get("kind") for r in doc.get("resources") or [] if "/" not in (r.get("name") or "/"))


def serves(params, api_version, kind):
    """True when the cluster serves ``kind`` under ``api_version``."""
    return kind in (served_kinds(params, api_version) or ())


def find_api(params, group, kinds):
    """The version of an Istio ``group`` to use for ``kinds``: ``{"api_version", "kinds", "missing"}``.

    The newest version of the group's preference table (istio/api.py) that serves every kind; else the one
    serving the most of them (``missing`` names the others); ``api_version`` None when none is served at all.
    """
    served = set(served_versions(params, group))
    best = {"api_version": None, "kinds": [], "missing": list(kinds)}
    for version in PREFERENCE[group]:
        if version not in served:
            continue
        api_version = "%s/%s" % (group, version)
        present = served_kinds(params, api_version)
        if present is None:
            continue
        have = [k for k in kinds if k in present]
        if len(have) > len(best["kinds"]):
            best = {"api_version": api_version, "kinds": have, "missing": [k for k in kinds if k not in present]}
        if not best["missing"]:
            break
    return best
