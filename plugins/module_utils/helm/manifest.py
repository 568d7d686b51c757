# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the objects of a rendered Helm manifest (``helm get manifest`` / ``helm template``) (private)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    import yaml
    HAS_YAML = True
    # libyaml's loader (in PyYAML's wheels) reads a manifest of Istio's CRDs about ten times faster than the
    # pure-Python one: a no-op install parses the base, istiod and gateway manifests
    _SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:
    HAS_YAML = False


def parse_manifest(text):
    """The Kubernetes objects (dicts) of a multi-document manifest, in order; empty documents skipped."""
    if not text or not text.strip():
        return []
    if not HAS_YAML:
        raise EdgeError("The PyYAML Python library is required (pip install PyYAML).")
    try:
        docs = list(yaml.load_all(text, Loader=_SAFE_LOADER))
    except yaml.YAMLError as exc:
        raise EdgeError("Cannot read the rendered Helm manifest: %s" % exc, code="manifest")
    return [doc for doc in docs if isinstance(doc, dict) and doc.get("kind")]


def normalize_manifest(text):
    """A rendered manifest as the diffs show it: every document without blank lines at its start or end, empty
    documents dropped, each one opened by ``---``.

    ``helm get manifest`` and ``helm template`` (helm 3 and 4) differ only in such blank lines - the last
    template's trailing newline, blank lines between documents - which are no change of the release.
    """
    docs, lines = [], []
    for line in (text or "").splitlines():
        if line.rstrip() == "---":
            docs.append(lines)
            lines = []
        else:
            lines.append(line)
    docs.append(lines)
    out = []
    for doc in docs:
        while doc and not doc[0].strip():
            doc = doc[1:]
        while doc and not doc[-1].strip():
            doc = doc[:-1]
        if doc:
            out.append("---\n%s\n" % "\n".join(doc))
    return "".join(out)


def objects_of_kind(objects, kinds, default_namespace=None):
    """``(kind, name, namespace, object)`` for objects whose kind is in ``kinds``, in manifest order."""
    out = []
    for obj in objects:
        if obj.get("kind") in kinds:
            meta = obj.get("metadata") or {}
            out.append((obj["kind"], meta.get("name"), meta.get("namespace") or default_namespace, obj))
    return out


def to_yaml(data):
    """Stable YAML text for diffs (sorted keys)."""
    if data is None:
        return ""
    if not HAS_YAML:
        import json
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
