# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes API errors turned into messages a person can act on (private)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

_HINTS = {
    401: "The credentials were refused: check api_key / client_cert / the kubeconfig user.",
    403: "The identity lacks a permission: grant the verb named above (see docs/permissions.md).",
    404: "The resource or API does not exist on this cluster.",
    409: "Another field manager owns the field, or the object changed meanwhile: re-run, or resolve the conflict.",
    422: "The object was rejected by validation: fix the field named above.",
}


# the first word of an action -> the RBAC verbs the request needs (server-side apply is a PATCH, and the API
# server also checks create when the object does not exist yet - its 403 then names no verb)
_VERBS = {"read": ("get",), "discover": ("get",), "list": ("list",), "apply": ("patch", "create"),
          "delete": ("delete",)}


def _forbidden_hint(payload, action):
    """A 403 hint naming the RBAC verb(s) and the resource, e.g. for a server-side apply refused without reason."""
    details = (payload or {}).get("details") or {}
    resource = details.get("kind")
    verbs = _VERBS.get((action or "").split(" ", 1)[0])
    if not resource or not verbs:
        return _HINTS[403]
    group = details.get("group") or ""
    return "The identity lacks a permission: grant %s on resource %s%s (RBAC: verbs [%s], resources [%s], " \
        "apiGroups [\"%s\"]; see docs/permissions.md)." % (
            " and ".join(verbs), resource, ".%s" % group if group else "", ", ".join(verbs), resource, group)


def api_error(exc, action):
    """EdgeError from a ``kubernetes.client.exceptions.ApiException`` (or a dynamic-client error)."""
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None) or ""
    message = ""
    payload = None
    body = getattr(exc, "body", None)
    if body:
        try:
            payload = json.loads(body)
            message = payload.get("message", "")
            reason = payload.get("reason", reason)
        except (ValueError, TypeError, AttributeError):
            payload = None
            message = str(body)[:500]
    if not message:
        message = str(getattr(exc, "summary", lambda: "")() if callable(getattr(exc, "summary", None)) else exc)
    text = "Kubernetes API error while trying to %s: %s %s: %s" % (action, status, reason, message.rstrip())
    hint = _forbidden_hint(payload, action) if status == 403 else _HINTS.get(status)
    return EdgeError(text, code=status, hint=hint, reason=reason)
