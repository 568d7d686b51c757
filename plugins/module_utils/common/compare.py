# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare what we own with what is live (private).

``is_subset(desired, live)`` answers "would applying ``desired`` change nothing?" for the fields we set:
fields we do not set are not ours and are ignored. Lists of mappings keyed like Kubernetes merge lists
(``port``/``name``) are matched by key, so foreign entries (a port someone else added) do not count as drift;
other lists must match element by element.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

_NOISE_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")


def _norm_scalar(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return value


def _key_of(item):
    if not isinstance(item, dict):
        return None
    if "port" in item and isinstance(item.get("port"), int):
        return ("port", item.get("port"), item.get("protocol", "TCP"))
    if "name" in item:
        return ("name", item.get("name"))
    return None


def is_subset(desired, live):
    """True when every field of ``desired`` has the same value in ``live``."""
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return False
        for key, value in desired.items():
            if value is None:
                if live.get(key) is not None:
                    return False
                continue
            if key not in live:
                if value in ({}, []):
                    continue
                return False
            if not is_subset(value, live[key]):
                return False
        return True
    if isinstance(desired, list):
        if not isinstance(live, list):
            return False
        keys = [_key_of(item) for item in desired]
        if desired and all(keys) and len(set(keys)) == len(keys):
            live_by_key = dict((_key_of(item), item) for item in live)
            return all(k in live_by_key and is_subset(d, live_by_key[k]) for k, d in zip(keys, desired))
        if len(desired) != len(live):
            return False
        return all(is_subset(d, lv) for d, lv in zip(desired, live))
    return _norm_scalar(desired) == _norm_scalar(live)


def strip_noise(obj):
    """A copy of a Kubernetes object without server bookkeeping (for diffs and results)."""
    if obj is None:
        return None
    obj = copy.deepcopy(obj)
    meta = obj.get("metadata") or {}
    for key in _NOISE_METADATA:
        meta.pop(key, None)
    annotations = meta.get("annotations")
    if annotations:
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    obj.pop("status", None)
    return obj


def diff_dict(before, after, before_header=None, after_header=None):
    """An Ansible ``diff`` entry."""
    result = {"before": before if before is not None else {}, "after": after if after is not None else {}}
    if before_header:
        result["before_header"] = before_header
    if after_header:
        result["after_header"] = after_header
    return result
