# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which version of an Istio API group the collection reads and writes (pure, private).

Istio serves the same objects under several versions; the newest one the cluster serves is used.
The discovery call itself (asking the API server what it serves) belongs to the Kubernetes floor;
this module only holds the preference and the choice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

NETWORKING_GROUP = "networking.istio.io"
TELEMETRY_GROUP = "telemetry.istio.io"

# Newest first. Istio 1.22+ serves v1; older releases v1beta1 (and v1alpha3 for networking).
PREFERENCE = {
    NETWORKING_GROUP: ("v1", "v1beta1", "v1alpha3"),
    TELEMETRY_GROUP: ("v1", "v1alpha1"),
}

# The kinds the collection reads or writes, per group.
KINDS = {
    NETWORKING_GROUP: ("Gateway", "VirtualService", "DestinationRule"),
    TELEMETRY_GROUP: ("Telemetry",),
}


def _version_of(entry, group):
    """``"v1"`` from ``"v1"`` or ``"<group>/v1"``; None for another group's apiVersion."""
    entry = str(entry)
    if "/" not in entry:
        return entry
    entry_group, version = entry.rsplit("/", 1)
    return version if entry_group == group else None


def pick_version(group, served):
    """The preferred version of ``group`` among ``served`` (versions or ``group/version`` strings), or None.

    Versions the collection does not know (a future ``v2``) are never picked: the objects it builds
    follow the schemas of the versions in :data:`PREFERENCE`.
    """
    if group not in PREFERENCE:
        raise ValueError("unknown Istio API group %r (known: %s)" % (group, ", ".join(sorted(PREFERENCE))))
    versions = set(v for v in (_version_of(e, group) for e in (served or ())) if v)
    for version in PREFERENCE[group]:
        if version in versions:
            return version
    return None


def pick_api_version(group, served):
    """``"<group>/<version>"`` for :func:`pick_version`'s choice, or None when no known version is served."""
    version = pick_version(group, served)
    return "%s/%s" % (group, version) if version else None


def api_versions(group):
    """Every ``"<group>/<version>"`` the collection knows for ``group``, newest first."""
    return tuple("%s/%s" % (group, v) for v in PREFERENCE[group])
