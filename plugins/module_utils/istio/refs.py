# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Istio resolves the names a VirtualService writes (pure, private).

Gateway references (``spec.gateways`` and ``http[].match[].gateways``), as istiod resolves them:

- ``ns/name``: Gateway ``name`` of namespace ``ns``; ``./name``: of the VirtualService's own namespace;
- ``name`` (no dot, no slash): Gateway ``name`` of the VirtualService's OWN namespace;
- ``name.ns`` and every longer dotted form (``name.ns.svc.cluster.local``, legacy): the first label is the
  name and the second the namespace - ``ns/name``;
- ``mesh``: the sidecars, not a Gateway. A VirtualService listing no gateway at all applies to ``mesh`` only.

Destination hosts (``route[].destination.host``, ``DestinationRule.spec.host``): istiod expands a name
WITHOUT a dot to ``name.<rule's namespace>.svc.<cluster domain>`` and takes every other name as written. A
Kubernetes Service is therefore reached by its short name (in the rule's namespace) or by its full name
``name.ns.svc.<cluster domain>``. The DNS shorthands ``name.ns`` and ``name.ns.svc`` work for a pod's
resolver, not for Istio: istiod looks for a service called exactly that, finds none (unless a ServiceEntry
declares it) and the traffic is dropped.

Label selectors: a Gateway's ``selector`` (empty: every gateway workload, as istiod applies it), a Service's
``selector`` (empty: no pod) and a ``metav1.LabelSelector`` (matchLabels + matchExpressions).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MESH = "mesh"
DEFAULT_CLUSTER_DOMAIN = "cluster.local"

# forms of a gateway reference
QUALIFIED = "qualified"   # ns/name
RELATIVE = "relative"     # ./name
BARE = "bare"             # name
DOTTED = "dotted"         # name.ns[.svc.cluster.local] (legacy)


def _meta(obj):
    return (obj or {}).get("metadata") or {}


# -- gateway references -----------------------------------------------------------------------------------------
def gateway_ref_form(reference):
    """``mesh`` | ``qualified`` | ``relative`` | ``bare`` | ``dotted`` (see the module docstring)."""
    reference = (reference or "").strip()
    if reference == MESH:
        return MESH
    if "/" in reference:
        return RELATIVE if reference.split("/", 1)[0] == "." else QUALIFIED
    return DOTTED if "." in reference else BARE


def resolve_gateway_ref(reference, vs_namespace):
    """``"ns/name"`` of a gateway reference written in a VirtualService of ``vs_namespace``; None for ``mesh``."""
    reference = (reference or "").strip()
    form = gateway_ref_form(reference)
    if form == MESH:
        return None
    if form == QUALIFIED:
        return reference
    if form == RELATIVE:
        return "%s/%s" % (vs_namespace, reference.split("/", 1)[1])
    if form == BARE:
        return "%s/%s" % (vs_namespace, reference)
    parts = reference.split(".")
    return "%s/%s" % (parts[1], parts[0])


def vs_gateways(vs):
    """The gateway references a VirtualService applies to, as written; ``["mesh"]`` when it lists none."""
    return list(((vs or {}).get("spec") or {}).get("gateways") or []) or [MESH]


def vs_gateway_refs(vs):
    """``[(written, "ns/name" or None, form)]`` for each of :func:`vs_gateways`."""
    vs_ns = _meta(vs).get("namespace")
    return [(written, resolve_gateway_ref(written, vs_ns), gateway_ref_form(written)) for written in vs_gateways(vs)]


def bound_gateways(vs):
    """``"ns/name"`` of each Gateway a VirtualService binds to (``mesh`` left out), in order, without repeats."""
    out = []
    for _written, resolved, _form in vs_gateway_refs(vs):
        if resolved and resolved not in out:
            out.append(resolved)
    return out


def is_bound_to_gateway(vs):
    return bool(bound_gateways(vs))


def match_applies_to_gateway(match, vs, gateway_ref):
    """Whether an HTTP/TCP match applies on Gateway ``gateway_ref`` (``ns/name``; None: any gateway).

    A match's own ``gateways`` replace the VirtualService's for that match.
    """
    if gateway_ref is None:
        return True
    written = (match or {}).get("gateways")
    if not written:
        return gateway_ref in bound_gateways(vs)
    vs_ns = _meta(vs).get("namespace")
    return gateway_ref in [resolve_gateway_ref(g, vs_ns) for g in written]


# -- destination hosts ------------------------------------------------------------------------------------------
def destination_fqdn(host, namespace, domain=DEFAULT_CLUSTER_DOMAIN):
    """The host istiod looks up for a destination written in a rule of ``namespace``."""
    host = (host or "").strip().lower().rstrip(".")
    if not host or host == "*" or "." in host or ":" in host:
        return host
    return "%s.%s.svc.%s" % (host, namespace, domain)


def destination_service(host, namespace, domain=DEFAULT_CLUSTER_DOMAIN):
    """``(namespace, name)`` of the Kubernetes Service a destination host reaches, or None for a host Istio
    does not read as a Service (an external name, a wildcard, ``name.ns``, ``name.ns.svc``)."""
    fqdn = destination_fqdn(host, namespace, domain)
    suffix = ".svc." + domain
    if not fqdn.endswith(suffix) or "*" in fqdn:
        return None
    parts = fqdn[:-len(suffix)].split(".")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[1], parts[0]


def unexpanded_service(host):
    """``(namespace, name)`` for the DNS shorthands ``name.ns`` / ``name.ns.svc``, which a pod's resolver
    expands but Istio does not (see the module docstring); None for every other host."""
    host = (host or "").strip().lower().rstrip(".")
    parts = host.split(".")
    if "*" in host or not all(parts):
        return None
    if len(parts) == 2 or (len(parts) == 3 and parts[2] == "svc"):
        return parts[1], parts[0]
    return None


def meant_service(host, namespace_exists):
    """``(namespace, name)`` of the Service a DNS shorthand was meant to name - ``name.ns.svc`` always,
    ``name.ns`` when ``namespace_exists(ns)`` (else it may well be an external name) - or None."""
    meant = unexpanded_service(host)
    if meant is None:
        return None
    if (host or "").strip().lower().rstrip(".").endswith(".svc") or namespace_exists(meant[0]):
        return meant
    return None


def service_fqdn(namespace, name, domain=DEFAULT_CLUSTER_DOMAIN):
    return "%s.%s.svc.%s" % (name, namespace, domain)


def same_destination(a, a_namespace, b, b_namespace, domain=DEFAULT_CLUSTER_DOMAIN):
    """Whether two destination hosts, written in rules of the given namespaces, name the same service."""
    return destination_fqdn(a, a_namespace, domain) == destination_fqdn(b, b_namespace, domain)


# -- label selectors --------------------------------------------------------------------------------------------
def _labels_include(selector, labels):
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def gateway_selects(selector, labels):
    """A Gateway ``spec.selector`` against a workload's labels: an empty selector takes every gateway workload."""
    return _labels_include(selector or {}, labels)


def gateway_selects_workload(gateway, labels):
    return gateway_selects(((gateway or {}).get("spec") or {}).get("selector"), labels)


def service_selects(selector, labels):
    """A Service ``spec.selector`` against a pod's labels: an empty selector selects no pod (its Endpoints are
    written by hand)."""
    return bool(selector) and _labels_include(selector, labels)


def label_selector_matches(selector, labels):
    """A ``metav1.LabelSelector``: None selects nothing, ``{}`` everything; matchLabels and matchExpressions
    (In, NotIn, Exists, DoesNotExist) must all hold. An unknown operator selects nothing."""
    if selector is None:
        return False
    labels = labels or {}
    if not _labels_include(selector.get("matchLabels") or {}, labels):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            ok = key in labels and labels[key] in values
        elif op == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif op == "Exists":
            ok = key in labels
        elif op == "DoesNotExist":
            ok = key not in labels
        else:
            ok = False
        if not ok:
            return False
    return True
