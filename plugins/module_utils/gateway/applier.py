# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads and writes the gateway Service through KubeApplier (private).

Reads: the Service itself and every Service of the cluster (read-only, for nodePort collisions). Writes: one
server-side apply with the collection's field manager (a server dry-run in check mode).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.collisions import (
    collision_error, find_collisions)
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.live import (
    build_absent_config, build_live_config)
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import FIELD_MANAGER
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier, apply_changed
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.fields import decide
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import HAS_KUBERNETES

# Errors that mean "no usable cluster here" for the read-only check of values mode.
_OFFLINE_FIELDS = ("kubeconfig", "host", "context")
_OFFLINE_CODES = ("unreachable", 401, 403)


class GatewayServiceApplier:
    """The live gateway Service of one cluster connection."""

    def __init__(self, params, check_mode=False, field_manager=FIELD_MANAGER):
        self.kube = KubeApplier(params, check_mode=check_mode, field_manager=field_manager)
        self.field_manager = field_manager

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, name, namespace):
        return self.kube.get("v1", "Service", name, namespace)

    def check_node_ports(self, plan, offline_ok=False):
        return check_node_ports(self.kube, plan, offline_ok)

    # -- writes ---------------------------------------------------------------------------------------
    def apply(self, config, live, plan=None):
        try:
            return self.kube.write(config, live)[0]
        except EdgeError as exc:
            raise _allocation_error(exc, config, plan) or exc

    def ensure_present(self, plan):
        """Shape the live Service per ``plan``; returns (changed, before, after_object, config)."""
        live = self.get(plan["name"], plan["namespace"])
        if live is None:
            raise EdgeError(
                "name: Service %s/%s does not exist." % (plan["namespace"], plan["name"]), field="name",
                code="NotFound",
                hint="mode live shapes a Service installed by something else (Helm chart, istioctl): check "
                     "name/namespace, install the gateway first, or use mode values to feed the gateway chart.")
        config = build_live_config(plan, live, self.field_manager)
        if not decide(config, live, self.field_manager).write:
            return False, live, live, config
        result = self.apply(config, live, plan)
        return apply_changed(live, result, self.field_manager), live, result, config

    def ensure_absent(self, name, namespace):
        """Release what we own on the Service; returns (changed, before, after_object, config)."""
        live = self.get(name, namespace)
        if live is None:
            return False, None, None, None
        config = build_absent_config(live, self.field_manager)
        if config is None or not decide(config, live, self.field_manager).write:
            return False, live, live, config
        result = self.apply(config, live)
        return apply_changed(live, result, self.field_manager), live, result, config


def check_node_ports(kube, plan, offline_ok=False):
    """Raise when a pinned nodePort of ``plan`` is used by another Service; returns a short status text.

    ``kube``: a KubeApplier (its cluster-wide LIST of Services). With ``offline_ok`` (values mode) a missing
    library, cluster or permission skips the check instead; a 403 always skips it (the caller warns).
    """
    if not any(p["node_port"] is not None for p in plan["ports"]):
        return "not needed (no pinned nodePorts)"
    if not HAS_KUBERNETES:
        if offline_ok:
            return "skipped: the kubernetes Python library is not installed"
        raise EdgeError("The kubernetes Python library is required (pip install 'kubernetes<37').")
    try:
        services = kube.list("v1", "Service", any_version=True)
    except EdgeError as exc:
        offline = exc.field in _OFFLINE_FIELDS or exc.code in _OFFLINE_CODES
        if exc.code == 403 or (offline_ok and offline):
            return "skipped: %s" % exc
        raise
    collisions = find_collisions(plan["ports"], services, plan["name"], plan["namespace"])
    if collisions:
        raise collision_error(collisions)
    return "passed (%d Services checked)" % len(services)


def _allocation_error(exc, config, plan):
    """The API's 'provided port is already allocated' as an error naming our option."""
    text = str(exc)
    if "already allocated" not in text and "provided port is not in the valid range" not in text:
        return None
    match = re.search(r"spec\.ports\[(\d+)\]\.nodePort: Invalid value: (\d+)", text)
    field, number = "node_ports", None
    if match:
        number = int(match.group(2))
        for port in (plan or {}).get("ports") or []:
            if port["node_port"] == number:
                field = port["node_port_field"].split(" ")[0]
    what = "is already allocated to another Service" if "already allocated" in text else \
        "is outside the cluster's nodePort range"
    return EdgeError(
        "%s: nodePort %s %s (the API server refused the change: %s)." % (field, number, what, text),
        field=field, code=exc.code or "NodePortTaken",
        hint="Pick another nodePort; the Service was not changed.")
