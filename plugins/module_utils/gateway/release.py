# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gateway Service's shape as part of its Helm release: istio_install's ``gateways[].service`` (private, pure).

The options are gateway_service's shape options (``profile``, ``node_ports``, ``alb``, ...), validated by the same
argument spec and turned into the same Helm values by the same builders, so one install run installs the gateway
with its Service already shaped for the edge - no separate values step, and the nodePort collision check runs
with the installer's own client, only when the release is about to change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, nested_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.args import shape_options
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import build_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.values import (
    check_chart_schema, helm_values)

_HINT = ("The options are module gateway_service's shape options (profile, node_ports, extra_ports, ports, "
         "annotations, alb, nlb, azure, ...), without mode, state, name and namespace.")


def shape_release(options, name, namespace, field, values=None):
    """Validate ``options`` and shape the Service of gateway release ``namespace/name``.

    ``field``: the option's path (``gateways[0].service``), which every error names. ``values``: the release's
    own values (a ``name`` there renames the chart's Service). Returns ``{"plan", "values", "check_node_ports"}``
    - ``values`` the chart's ``service`` values, to merge over the release's.
    """
    if not isinstance(options, dict):
        raise EdgeError("%s: must be a mapping of gateway_service options, got %s." % (
            field, type(options).__name__), field=field, hint=_HINT)
    result = ArgumentSpecValidator(shape_options()).validate(dict(options))
    if result.error_messages:
        problems = ["unknown option %s" % error.msg.split(". Supported")[0] if isinstance(error, UnsupportedError)
                    else error.msg for error in result.errors.errors]
        raise EdgeError("%s: %s." % (field, "; ".join(problems)), field=field, hint=_HINT)
    params = dict(result.validated_parameters, name=(values or {}).get("name") or name, namespace=namespace)
    try:
        plan = build_plan(params)
        check_chart_schema(plan)
    except EdgeError as exc:
        raise nested_error(exc, field)
    return {"plan": plan, "values": helm_values(plan), "check_node_ports": params["check_node_ports"] is not False}


def merge_values(values, shaped):
    """``values`` with ``shaped`` merged over it, mappings key by key (lists and scalars of ``shaped`` win)."""
    out = dict(values or {})
    for key, value in shaped.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_values(out[key], value)
        else:
            out[key] = value
    return out
