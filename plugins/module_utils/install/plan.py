# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install plan of module istio_install: options -> ordered Helm releases (private, pure).

Every option is validated here, before anything is read from or written to the cluster; errors name the
option by its dotted path (``gateways[1].namespace``) and say how to fix it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.release import merge_values, shape_release
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.source import (
    classify_source, validate_version)

DEFAULT_ISTIO_NAMESPACE = "istio-system"
DEFAULT_GATEWAY_NAMESPACE = "istio-ingress"
COMPONENT_CHARTS = {"base": "base", "istiod": "istiod", "gateway": "gateway"}
DEFAULT_RELEASE_NAMES = {"base": "istio-base", "istiod": "istiod"}

# helm flags the module sets itself: passing them through helm_extra_args would defeat the comparison of
# versions/values (idempotence) or point helm at another cluster/namespace.
_RESERVED_FLAGS = (
    "--version", "--namespace", "-n", "--kubeconfig", "--kube-context", "--kube-apiserver", "--kube-token",
    "--install", "-i", "--dry-run", "--values", "-f", "--set", "--set-string", "--set-file", "--set-json",
    "--set-literal", "--reuse-values", "--reset-values", "--reset-then-reuse-values", "--server-side",
    "--repo", "--create-namespace", "--atomic", "--rollback-on-failure", "--output", "-o", "--timeout",
)


def parse_server_side(value, field="helm_server_side"):
    """``"auto"``, True or False from the option (booleans or their usual spellings)."""
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise EdgeError("%s: %r is not one of auto, true, false." % (field, value), field=field,
                    hint="Use auto (helm's default), true (server-side apply, helm 4) or false (client-side "
                         "apply, e.g. on Kubernetes < 1.22 test clusters).")


def _check_name(value, field, what, limit):
    if not isinstance(value, str) or not value:
        raise EdgeError("%s: a %s is required." % (field, what), field=field)
    if not names.is_label(value, max_length=limit):
        raise EdgeError("%s: %r is not a valid %s." % (field, value, what), field=field,
                        hint="Use lower-case letters, digits and '-', starting and ending with a letter or digit, "
                             "at most %d characters." % limit)
    return value


def _check_values(values, field):
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise EdgeError("%s: chart values must be a mapping, got %s." % (field, type(values).__name__),
                        field=field, hint="Give the chart's values as a YAML mapping.")
    return copy.deepcopy(values)


def check_extra_args(args, field="helm_extra_args"):
    out = []
    for index, arg in enumerate(args or []):
        text = str(arg)
        flag = text.split("=", 1)[0]
        if flag in _RESERVED_FLAGS:
            raise EdgeError(
                "%s[%d]: %s is set by the module itself." % (field, index, flag), field="%s[%d]" % (field, index),
                hint="Use the module's options instead (chart_version, values, namespaces, helm_server_side, "
                     "timeout, k8s connection options); values must go through the values options so that "
                     "unchanged releases are recognised.")
        out.append(text)
    return out


def _with_istio_namespace(values, istio_namespace):
    """Charts locate istiod via global.istioNamespace: set it when Istio lives elsewhere than istio-system."""
    if istio_namespace == DEFAULT_ISTIO_NAMESPACE:
        return values
    glob = values.get("global")
    if glob is None:
        values["global"] = {"istioNamespace": istio_namespace}
    elif isinstance(glob, dict) and "istioNamespace" not in glob:
        glob["istioNamespace"] = istio_namespace
    return values


def _component(params, key, istio_namespace, version):
    conf = params.get(key) or {}
    if not isinstance(conf, dict):
        raise EdgeError("%s: must be a mapping (enabled, release_name, values)." % key, field=key)
    name = _check_name(conf.get("release_name") or DEFAULT_RELEASE_NAMES[key], "%s.release_name" % key,
                       "Helm release name", 53)
    values = _with_istio_namespace(_check_values(conf.get("values"), "%s.values" % key), istio_namespace)
    return {"component": key, "chart": COMPONENT_CHARTS[key], "name": name, "namespace": istio_namespace,
            "values": values, "version": version, "field": key, "enabled": conf.get("enabled", True) is not False}


def build_plan(params):
    """The validated plan: releases in install order, chart source, helm settings, waits."""
    state = params.get("state") or "present"
    if state not in ("present", "absent"):
        raise EdgeError("state: %r is not one of present, absent." % state, field="state")
    version = validate_version(params.get("chart_version")) if state == "present" else \
        (str(params.get("chart_version")) if params.get("chart_version") else None)
    source = classify_source(params.get("chart_repo")) if state == "present" else None
    istio_namespace = _check_name(params.get("istio_namespace") or DEFAULT_ISTIO_NAMESPACE, "istio_namespace",
                                  "namespace name", 63)

    releases = []
    for key in ("base", "istiod"):
        spec = _component(params, key, istio_namespace, version)
        if spec["enabled"]:
            releases.append(spec)
    seen = dict(((spec["namespace"], spec["name"]), spec["field"]) for spec in releases)
    for index, gateway in enumerate(params.get("gateways") or []):
        field = "gateways[%d]" % index
        if not isinstance(gateway, dict):
            raise EdgeError("%s: must be a mapping (name, namespace, values, service)." % field, field=field)
        name = _check_name(gateway.get("name"), "%s.name" % field, "Helm release name", 53)
        namespace = _check_name(gateway.get("namespace") or DEFAULT_GATEWAY_NAMESPACE, "%s.namespace" % field,
                                "namespace name", 63)
        if (namespace, name) in seen:
            used_by = seen[(namespace, name)]
            raise EdgeError("%s.name: release %s/%s is already used by %s." % (field, namespace, name, used_by),
                            field="%s.name" % field, hint="Give every gateway its own name (or namespace).")
        seen[(namespace, name)] = field
        values = _check_values(gateway.get("values"), "%s.values" % field)
        shape = None
        if gateway.get("service") is not None and state == "present":
            shape = shape_release(gateway["service"], name, namespace, "%s.service" % field, values)
            values = merge_values(values, shape["values"])
        releases.append({"component": "gateway", "chart": "gateway", "name": name, "namespace": namespace,
                         "values": values, "shape": shape, "version": version, "field": field, "enabled": True})

    timeout = params.get("timeout")
    timeout = 300 if timeout is None else timeout
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        raise EdgeError("timeout: %r is not a positive number of seconds." % (timeout,), field="timeout")

    if state == "absent":
        releases = list(reversed(releases))
    return {
        "state": state,
        "version": version,
        "source": source,
        "istio_namespace": istio_namespace,
        "create_namespace": params.get("create_namespace", True) is not False,
        "releases": releases,
        "server_side": parse_server_side(params.get("helm_server_side")),
        "extra_args": check_extra_args(params.get("helm_extra_args")),
        "waits": {"crds": params.get("wait_crds", True) is not False,
                  "istiod": params.get("wait_istiod", True) is not False,
                  "gateways": params.get("wait_gateways", True) is not False},
        "timeout": timeout,
        "diff_manifests": params.get("diff_manifests", True) is not False,
    }


def server_side_args(server_side, helm_major, field="helm_server_side"):
    """The ``--server-side`` flag for helm 4; helm 3 only applies client-side (an error for true)."""
    if server_side == "auto":
        return []
    if helm_major < 4:
        if server_side is True:
            raise EdgeError("%s: true needs helm 4 (helm 3 only applies client-side)." % field, field=field,
                            hint="Use helm 4 (helm_binary) or set helm_server_side to auto/false.")
        return []
    return ["--server-side=%s" % ("true" if server_side else "false")]
