# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results and diffs of live objects (private): bookkeeping-free copies and Ansible diff entries.

Whether a Kubernetes object needs a write is decided in one place, ``k8s.fields.decide`` (managedFields).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

_NOISE_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")


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
