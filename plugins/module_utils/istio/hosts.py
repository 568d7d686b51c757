# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio's host rules (pure, private).

- Host names compare case-insensitively; a ``:port`` and a trailing dot are ignored.
- A wildcard is a leading ``*``: ``*`` takes every host, ``*.example.com`` takes every name ending in
  ``.example.com`` at any depth (``a.example.com``, ``a.b.example.com``) but not ``example.com`` itself.
- Two hosts *overlap* when one covers the other (Istio's ``host.Name.Matches``); this is how a VirtualService
  host binds to a Gateway server host, and how two routes' hosts collide.
- A Gateway server host entry is ``[namespace/]host``: ``ns/host`` admits VirtualServices of namespace ``ns``
  only, ``./host`` those of the Gateway's own namespace, ``*/host`` and a bare ``host`` any namespace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ANY_NAMESPACE = "*"


def normalize_host(host):
    """Lower case, without ``:port`` and trailing dot; ``""`` for None."""
    host = (host or "").strip().lower()
    if host.startswith("[") and "]" in host:  # [v6]:port
        host = host[:host.index("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def hosts_overlap(a, b):
    """True when one host covers the other (either may be a wildcard); Istio's ``host.Name.Matches``."""
    a, b = normalize_host(a), normalize_host(b)
    if not a or not b:
        return False
    a_wild, b_wild = a.startswith("*"), b.startswith("*")
    if a_wild and b_wild:
        shorter, longer = (a, b) if len(a) < len(b) else (b, a)
        return longer[1:].endswith(shorter[1:])
    if a_wild:
        return b.endswith(a[1:])
    if b_wild:
        return a.endswith(b[1:])
    return a == b


def host_covers(pattern, host):
    """True when every name ``host`` stands for is taken by ``pattern`` (Istio's ``host.Name.SubsetOf``).

    For a concrete host (a request's Host header) this is the same as :func:`hosts_overlap`.
    """
    pattern, host = normalize_host(pattern), normalize_host(host)
    if not pattern or not host:
        return False
    if host.startswith("*"):
        return pattern.startswith("*") and host[1:].endswith(pattern[1:])
    if pattern.startswith("*"):
        return host.endswith(pattern[1:])
    return pattern == host


def any_host_covers(patterns, host):
    """The first of ``patterns`` (e.g. a VirtualService's hosts) that covers ``host``, or None."""
    for pattern in patterns or ():
        if host_covers(pattern, host):
            return pattern
    return None


# -- Gateway server hosts ---------------------------------------------------------------------------------------
def split_server_host(entry, gateway_namespace):
    """``(namespace or "*", host)`` of a Gateway server host entry (``ns/host``, ``./host``, ``*/host``, ``host``)."""
    entry = (entry or "").strip()
    if "/" not in entry:
        return ANY_NAMESPACE, entry
    namespace, host = entry.split("/", 1)
    if namespace == ".":
        namespace = gateway_namespace
    return namespace or ANY_NAMESPACE, host


def server_host_admits(entry, vs_namespace, gateway_namespace):
    """``(admits, host)``: whether a server host entry takes VirtualServices of ``vs_namespace`` (None: any)."""
    namespace, host = split_server_host(entry, gateway_namespace)
    return vs_namespace is None or namespace in (ANY_NAMESPACE, vs_namespace), host


def _meta(obj):
    return (obj or {}).get("metadata") or {}


def covering_servers(gateway, host, vs_namespace=None):
    """``[(server, entry)]``: the servers of a Gateway that take ``host`` (a VirtualService host or a request's
    Host) from a VirtualService of ``vs_namespace`` (None: ignore the namespace restriction), with the first
    host entry of each that does."""
    gw_ns = _meta(gateway).get("namespace")
    found = []
    for server in ((gateway or {}).get("spec") or {}).get("servers") or []:
        for entry in server.get("hosts") or []:
            admits, pattern = server_host_admits(entry, vs_namespace, gw_ns)
            if admits and hosts_overlap(pattern, host):
                found.append((server, entry))
                break
    return found
