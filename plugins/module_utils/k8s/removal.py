# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing the fields a server-side apply would release (pure, private).

A field the collection set and no longer wants is released by the next apply: the API server removes it when no
other manager owns it. For custom resources, kube-apiserver up to 1.21 leaves the emptied parent behind as
``null`` (``trafficPolicy: {loadBalancer: {simple: ...}}`` becomes ``trafficPolicy: {loadBalancer: null}``), which
the CRD's schema then rejects: ``422 spec.trafficPolicy.loadBalancer: Invalid value: "null"`` on every run.

So those fields are removed first with a JSON Patch (guarded by the live ``resourceVersion``), widened to the
largest enclosing map or list item that nobody else holds and the desired object does not set: the live object
then no longer has the field at all, and the apply that follows has nothing left to release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import (
    covers, owned_paths, released_fields, segment_values)


def _held_by_others(path, others):
    """True when another manager owns ``path`` or something below it."""
    size = len(path)
    return any(other[:size] == path for other in others)


def _locate(obj, path):
    """JSON Pointer tokens of ``path`` in ``obj`` (list items by their index there), or None when absent."""
    tokens, value = [], obj
    for segment in path:
        kind, rest = segment[:2], segment[2:]
        if kind == "f:":
            if not isinstance(value, dict) or value.get(rest) is None:
                return None
            tokens.append(rest)
            value = value[rest]
            continue
        if not isinstance(value, list):
            return None
        if kind == "k:":
            keys = segment_values(segment) or {}
            index = next((i for i, item in enumerate(value) if isinstance(item, dict) and keys and
                          all(item.get(k) == v for k, v in keys.items())), None)
        elif kind == "v:":
            wanted = segment_values(segment)
            index = next((i for i, item in enumerate(value) if item == wanted), None)
        elif kind == "i:" and rest.isdigit() and int(rest) < len(value):
            index = int(rest)
        else:
            index = None
        if index is None:
            return None
        tokens.append(index)
        value = value[index]
    return tokens


def removals(desired, live, manager):
    """FieldsV1 paths to remove from ``live`` before applying ``desired`` as ``manager``.

    Each released field that no other manager holds is widened to its parent while the parent is not set by
    ``desired``, is held by nobody else, and is not a top-level field (``spec``, ``metadata``); nested removals are
    folded into the enclosing one.
    """
    if live is None:
        return []
    _ours, others = owned_paths(live, manager)
    chosen = set()
    for path in released_fields(desired, live, manager):
        if _held_by_others(path, others):
            continue                                # shared: the apply only gives up our ownership
        while len(path) > 2 and not covers(desired, path[:-1]) and not _held_by_others(path[:-1], others):
            path = path[:-1]
        if _locate(live, path) is not None:
            chosen.add(path)
    return sorted(p for p in chosen if not any(o != p and p[:len(o)] == o for o in chosen))


def _ordered_tokens(obj, paths):
    """Token lists of ``paths`` in ``obj``, in an order safe to remove one after another (higher indexes first)."""
    found = [t for t in (_locate(obj, p) for p in paths) if t is not None]
    return sorted(found, key=lambda t: [(1, x, "") if isinstance(x, int) else (0, 0, x) for x in t], reverse=True)


def pointer(tokens):
    """A JSON Pointer (RFC 6901) from tokens."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def json_patch(live, paths):
    """The JSON Patch removing ``paths`` from ``live``; the API server refuses it if ``live`` changed since."""
    ops = [{"op": "test", "path": "/metadata/resourceVersion", "value": live["metadata"]["resourceVersion"]}]
    ops += [{"op": "remove", "path": pointer(tokens)} for tokens in _ordered_tokens(live, paths)]
    return ops


def without(obj, paths):
    """A copy of ``obj`` without ``paths`` (what the JSON Patch does, predicted for check mode)."""
    out = copy.deepcopy(obj)
    for tokens in _ordered_tokens(out, paths):
        parent = out
        for token in tokens[:-1]:
            parent = parent[token]
        del parent[tokens[-1]]
    return out


def keeping(desired, live, paths):
    """``desired`` with the live values at ``paths`` put back: an apply of it releases none of them.

    Check mode validates the rest of a change with a server dry-run of this (a dry-run cannot see the removal that
    would come first), then predicts the removal with :func:`without`.
    """
    out = copy.deepcopy(desired)
    for path in paths:
        target, source = out, live
        for i, segment in enumerate(path):
            kind, last = segment[:2], i == len(path) - 1
            if kind == "f:":
                name = segment[2:]
                if last:
                    target[name] = copy.deepcopy(source[name])
                    break
                if not isinstance(target.get(name), (dict, list)):
                    target[name] = type(source[name])()
                target, source = target[name], source[name]
                continue
            tokens = _locate(source, (segment,))
            value = source[tokens[0]]
            mine = _locate(target, (segment,))
            if mine is None or last:
                if mine is None:
                    target.append(copy.deepcopy(value))
                break
            target, source = target[mine[0]], value
    return out
