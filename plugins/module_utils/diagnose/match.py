# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers the diagnosis shares: object names, label and match texts, route destinations (pure, private).

Istio's own rules (hosts, gateway references, destination hosts, selectors, StringMatch) are in
``module_utils/istio``; the diagnosis uses them as every other part of the collection does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import host_covers
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.match import KINDS, match_conditions


def meta(obj):
    return (obj or {}).get("metadata") or {}


def ref(obj):
    """``namespace/name`` of a live object."""
    m = meta(obj)
    return "%s/%s" % (m.get("namespace"), m.get("name"))


def fmt_labels(labels):
    return ", ".join("%s=%s" % (k, v) for k, v in sorted((labels or {}).items())) or "(none)"


def vs_hosts_match(vs, host):
    """The hosts of a VirtualService that take the request host ``host``."""
    return [h for h in ((vs.get("spec") or {}).get("hosts") or []) if host_covers(h, host)]


def describe_match(match):
    if not match:
        return "any path"
    uri = match.get("uri") or {}
    for kind in KINDS:
        if kind in uri:
            text = "%s %s" % (kind, uri[kind])
            if match.get("ignoreUriCase") and kind != "regex":
                text += " (any case)"
            break
    else:
        text = "any path"
    extra = match_conditions(match)
    if extra:
        text += " (also requires %s)" % ", ".join(extra)
    return text


def route_destinations(route):
    """[(host, port or None, subset, weight)] of an HTTP/TCP/TLS route."""
    out = []
    for dest in (route or {}).get("route") or []:
        d = dest.get("destination") or {}
        out.append((d.get("host"), (d.get("port") or {}).get("number"), d.get("subset"), dest.get("weight")))
    return out


def route_label(index, route):
    name = (route or {}).get("name")
    return "http[%d]%s" % (index, " '%s'" % name if name else "")
