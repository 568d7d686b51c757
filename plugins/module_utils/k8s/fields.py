# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a Kubernetes object need a write? The one answer for every object the collection applies (pure, private).

Server-side apply records which fields each field manager set (``metadata.managedFields``, FieldsV1: a tree of
``f:<field>``, ``k:<json key>`` for an item of an associative list, ``v:<json value>`` for a set item, ``.`` for
the node itself). :func:`decide` reads that record of the live object:

* ``update`` when a field of the desired object differs from the live one, or when a field our manager owns is no
  longer desired (an apply releases it: the API server removes it, unless another manager also owns it);
* ``create`` when there is no live object, ``unchanged`` otherwise - and then no write is sent.

Lists follow the shape the API server records. A list owned as a whole (a FieldsV1 leaf: atomic, such as
``spec.http`` of a VirtualService) must equal the desired one, so a removed route is drift. Items of an
associative list (``k:{...}`` entries, such as Service ports) are matched by key; items nobody asked for are
someone else's and do not count. Fields owned only by other managers, and not desired, never count.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections import namedtuple

APPLY = "Apply"
_EMPTY = (None, {}, [])


class Decision(namedtuple("Decision", "op differs released")):
    """``op``: create | update | unchanged; ``differs``: desired fields whose live value differs;
    ``released``: fields our manager owns that the desired object no longer sets (dotted paths)."""

    __slots__ = ()

    @property
    def write(self):
        return self.op != "unchanged"


# -- FieldsV1 -------------------------------------------------------------------------------------------------
def key_segment(values):
    """The FieldsV1 segment of an associative-list item, e.g. ``k:{"port":80,"protocol":"TCP"}``."""
    return "k:" + json.dumps(values, sort_keys=True, separators=(",", ":"))


def segment_values(segment):
    """The key values of a ``k:`` segment (dict), the value of a ``v:`` segment, else None."""
    if segment[:2] not in ("k:", "v:"):
        return None
    try:
        return json.loads(segment[2:])
    except ValueError:
        return None


def _canonical(segment):
    if segment.startswith("k:"):
        values = segment_values(segment)
        return key_segment(values) if isinstance(values, dict) else segment
    return segment


def _merge(into, fields):
    for segment, child in (fields or {}).items():
        node = into.setdefault(_canonical(segment), {})
        if isinstance(child, dict):
            _merge(node, child)
    return into


def managed_entries(obj, manager=None, operation=None):
    """The managedFields entries of ``obj`` (status and other subresources left out), of ``manager`` and
    ``operation`` when given."""
    return [e for e in (((obj or {}).get("metadata") or {}).get("managedFields") or [])
            if not e.get("subresource") and manager in (None, e.get("manager"))
            and operation in (None, e.get("operation"))]


def field_managers(obj):
    """Sorted ``(manager, operation)`` pairs of the managers that own fields of ``obj`` (subresources aside)."""
    return sorted(set((e.get("manager") or "?", e.get("operation") or "?") for e in managed_entries(obj)))


def _entries(obj):
    """(manager, operation, FieldsV1 tree) of the object's managedFields (subresources such as status left out)."""
    for entry in managed_entries(obj):
        yield entry.get("manager") or "?", entry.get("operation"), _merge({}, entry.get("fieldsV1"))


def _trees(obj, manager):
    """(ours, everyone's): merged FieldsV1 trees of ``manager``'s Apply entries and of every entry."""
    ours, shape = {}, {}
    for name, operation, tree in _entries(obj):
        if name == manager and operation == APPLY:
            _merge(ours, tree)
        _merge(shape, tree)
    return ours, shape


def _flatten(node, prefix, out):
    for segment, child in node.items():
        if segment == ".":
            out.add(prefix)
        elif child:
            _flatten(child, prefix + (segment,), out)
        else:
            out.add(prefix + (segment,))
    return out


def owned_paths(obj, manager):
    """(ours, others): sets of field paths (tuples of FieldsV1 segments) owned by ``manager`` through Apply, and
    by every other manager or operation. A node marked ``.`` (an item or map itself) is a path of its own."""
    ours, others = set(), set()
    for name, operation, tree in _entries(obj):
        _flatten(tree, (), ours if (name == manager and operation == APPLY) else others)
    return ours, others


def path_owners(obj):
    """{field path: sorted managers}, or None when the object carries no managedFields (nobody can tell)."""
    if not ((obj or {}).get("metadata") or {}).get("managedFields"):
        return None
    owners = {}
    for name, _operation, tree in _entries(obj):
        for path in _flatten(tree, (), set()):
            owners.setdefault(path, set()).add(name)
    return dict((path, sorted(names)) for path, names in owners.items())


def _item_matches(item, keys):
    """True when a list item carries the key values (a key field the item leaves out is not compared)."""
    if not isinstance(item, dict) or not isinstance(keys, dict):
        return False
    given = [k for k in keys if k in item]
    return bool(given) and all(_same(item[k], keys[k]) for k in given)


def _find(items, keys):
    for item in items if isinstance(items, list) else ():
        if _item_matches(item, keys):
            return item
    return None


def covers(desired, path):
    """True when ``desired`` sets the field at ``path`` (a tuple of FieldsV1 segments)."""
    value = desired
    for segment in path:
        kind = segment[:2]
        if kind == "f:":
            value = value.get(segment[2:]) if isinstance(value, dict) else None
        elif kind == "k:":
            value = _find(value, segment_values(segment))
        elif kind == "v:":
            return isinstance(value, list) and segment_values(segment) in value
        elif kind == "i:":
            index = int(segment[2:]) if segment[2:].isdigit() else -1
            value = value[index] if isinstance(value, list) and 0 <= index < len(value) else None
        if value is None:
            return False
    return True


def describe_path(path):
    """A FieldsV1 path for people: ``spec.ports[port=80,protocol=TCP].nodePort``,
    ``metadata.annotations["example.com/team"]``."""
    out = ""
    for segment in path:
        kind, rest = segment[:2], segment[2:]
        if kind == "f:":
            if any(c in rest for c in "./ ") or not rest:
                out += '["%s"]' % rest
            else:
                out += ("." if out else "") + rest
        elif kind == "k:":
            values = segment_values(segment) or {}
            out += "[%s]" % ",".join("%s=%s" % (k, values[k]) for k in sorted(values))
        elif kind == "v:":
            out += "[=%s]" % rest
        elif kind == "i:":
            out += "[%s]" % rest
    return out


# -- comparison -----------------------------------------------------------------------------------------------
def _same(desired, live):
    """Scalars: equal, with true/false never equal to 1/0 and 10 equal to 10.0."""
    if isinstance(desired, bool) or isinstance(live, bool):
        return isinstance(desired, bool) and isinstance(live, bool) and desired == live
    return desired == live


def _equal(desired, live):
    """Deep equality, where an empty value (null, {}, []) equals a missing one."""
    if isinstance(desired, dict) or isinstance(live, dict):
        if not (isinstance(desired, dict) and isinstance(live, dict)):
            return desired in _EMPTY and live in _EMPTY
        for key in set(desired) | set(live):
            dv, lv = desired.get(key), live.get(key)
            if dv in _EMPTY and lv in _EMPTY:
                continue
            if not _equal(dv, lv):
                return False
        return True
    if isinstance(desired, list) or isinstance(live, list):
        if not (isinstance(desired, list) and isinstance(live, list)):
            return desired in _EMPTY and live in _EMPTY
        return len(desired) == len(live) and all(_equal(d, lv) for d, lv in zip(desired, live))
    return _same(desired, live)


def _list_kind(shape):
    """atomic | map (associative, ``k:`` items) | set (``v:`` items), from the recorded shape of a list."""
    segments = [s for s in (shape or {}) if s != "."]
    if any(s.startswith("k:") for s in segments):
        return "map"
    if any(s.startswith("v:") for s in segments):
        return "set"
    return "atomic"


def _differs(desired, live, shape, path, out):
    """Append to ``out`` the paths where ``desired`` is not what ``live`` holds (``shape``: FieldsV1 of all)."""
    if isinstance(desired, dict):
        if shape == {} and path and isinstance(live, dict):   # a map owned as a whole: it must be equal
            if not _equal(desired, live):
                out.append(path)
            return
        if not isinstance(live, dict):
            if desired or live not in _EMPTY:
                out.append(path)
            return
        for key, value in desired.items():
            if value is None:
                continue
            segment = "f:" + key
            sub = (shape or {}).get(segment) if shape is not None else None
            if live.get(key) is None:
                if value not in _EMPTY:
                    out.append(path + (segment,))
                continue
            _differs(value, live[key], sub, path + (segment,), out)
        return
    if isinstance(desired, list):
        if not isinstance(live, list):
            if desired or live not in _EMPTY:
                out.append(path)
            return
        kind = _list_kind(shape)
        if kind == "map":
            names = set()
            for segment in shape:
                values = segment_values(segment)
                if isinstance(values, dict):
                    names.update(values)
            for item in desired:
                keys = dict((k, item[k]) for k in sorted(names) if isinstance(item, dict) and k in item)
                found = _find(live, keys) if keys else None
                if found is None:
                    out.append(path + (key_segment(keys),))
                    continue
                segment = key_segment(dict((k, found[k]) for k in names if k in found))
                _differs(item, found, shape.get(segment), path + (segment,), out)
        elif kind == "set":
            if any(not any(_equal(value, lv) for lv in live) for value in desired):
                out.append(path)
        elif not _equal(desired, live):
            out.append(path)
        return
    if not _same(desired, live):
        out.append(path)


def _released(node, desired, path, out):
    """Append to ``out`` the paths of ``node`` (our FieldsV1 tree) that ``desired`` no longer sets."""
    for segment, child in node.items():
        if segment == ".":
            continue
        here = path + (segment,)
        nested = any(s != "." for s in child)
        if not covers(desired, (segment,)):
            if nested and (segment.startswith("f:") or "." not in child):
                # name the fields: of a map or struct, or of a list item someone else made
                _released(child, None, here, out)
            else:
                out.append(here)
            continue
        if nested:
            kind = segment[:2]
            if kind == "f:":
                value = desired[segment[2:]]
            elif kind == "k:":
                value = _find(desired, segment_values(segment))
            elif kind == "i:":
                value = desired[int(segment[2:])]
            else:
                continue
            _released(child, value, here, out)


def _without_none(value):
    if isinstance(value, dict):
        return dict((k, _without_none(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _body(desired):
    """The fields an apply of ``desired`` sets (the object's identity aside)."""
    body = dict((k, v) for k, v in desired.items() if k not in ("apiVersion", "kind"))
    meta = dict(body.get("metadata") or {})
    for key in ("name", "namespace"):
        meta.pop(key, None)
    body["metadata"] = meta
    return body


def released_fields(desired, live, manager):
    """FieldsV1 paths ``manager`` owns through Apply on ``live`` that ``desired`` no longer sets (sorted)."""
    out = []
    if live is not None:
        _released(_trees(live, manager)[0], _without_none(desired), (), out)
    return sorted(set(out))


def decide(desired, live, manager):
    """The :class:`Decision` for applying ``desired`` as ``manager`` over ``live`` (None: not there)."""
    if live is None:
        return Decision("create", [], [])
    owned, shape = _trees(live, manager)  # parsed once, and ``desired`` cleaned once: both walks use them
    clean = _without_none(desired)
    differs, released = [], []
    _differs(_body(clean), live, shape, (), differs)
    _released(owned, clean, (), released)
    differs = sorted(set(describe_path(p) for p in differs))
    released = sorted(set(describe_path(p) for p in released))
    return Decision("update" if differs or released else "unchanged", differs, released)


def ownership_of(obj, manager):
    """The FieldsV1 tree ``manager`` owns through Apply (to tell whether an apply changed our ownership)."""
    return _trees(obj, manager)[0]
