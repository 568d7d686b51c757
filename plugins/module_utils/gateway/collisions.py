# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nodePort collisions between the plan and the cluster's Services (private, pure: Services are an input)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError


def find_collisions(plan_ports, services, name, namespace):
    """Pinned nodePorts of the plan already used by another Service (or by a foreign port of our own Service).

    Returns a list of ``{"field", "node_port", "service", "port"}`` sorted by nodePort. Ports of our own Service
    that the plan shapes (same port and protocol) do not count: they are the ones being (re)configured.
    """
    pinned = dict((p["node_port"], p) for p in plan_ports if p["node_port"] is not None)
    ours = set((p["port"], p["protocol"]) for p in plan_ports)
    found = []
    for service in services or []:
        meta = service.get("metadata") or {}
        own = meta.get("name") == name and meta.get("namespace") == namespace
        for port in (service.get("spec") or {}).get("ports") or []:
            number = port.get("nodePort")
            if not number or number not in pinned:
                continue
            if own and (port.get("port"), port.get("protocol", "TCP")) in ours:
                continue
            mine = pinned[number]
            found.append({
                "field": mine["node_port_field"].split(" ")[0],
                "node_port": number,
                "service": "%s/%s" % (meta.get("namespace"), meta.get("name")),
                "port": port.get("name") or str(port.get("port")),
            })
    return sorted(found, key=lambda c: (c["node_port"], c["service"]))


def collision_error(collisions):
    """One EdgeError naming every collision (the first one's option is the error's field)."""
    lines = ["%s: nodePort %d is already used by Service %s (port %s)" % (
        c["field"], c["node_port"], c["service"], c["port"]) for c in collisions]
    first = collisions[0]
    return EdgeError(
        "; ".join(lines) + ".", field=first["field"], code="NodePortTaken",
        hint="Pick free nodePorts in node_ports / extra_ports, or free them on the other "
             "Service. Nothing was changed.",
        collisions=collisions)
