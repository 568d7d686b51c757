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
