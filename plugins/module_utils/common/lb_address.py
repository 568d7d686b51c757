# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load balancer address of a Service or an Ingress, from ``status.loadBalancer.ingress`` (pure, private).

A cloud controller writes what it made there: AWS a ``hostname`` (the ALB/NLB DNS name), Azure and most others an
``ip``. Every reader of that status in the collection goes through this module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def load_balancer_ingress(obj):
    """The ``status.loadBalancer.ingress`` entries of a Service or Ingress (a list, empty while there are none)."""
    return list((((obj or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])


def load_balancer_address(obj, prefer="hostname"):
    """The first address of ``status.loadBalancer.ingress``, or None while the load balancer has none.

    Of an entry holding both, ``prefer`` (``hostname`` or ``ip``) picks which one; entries with neither are skipped.
    """
    other = "ip" if prefer == "hostname" else "hostname"
    for entry in load_balancer_ingress(obj):
        address = entry.get(prefer) or entry.get(other)
        if address:
            return address
    return None
