# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``edge_path_info`` runner (private): validate the options, read the path, analyse it, render it.

Read-only in every mode: nothing is written, ``changed`` is always false, check mode changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose import collect_cloud, collect_k8s
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render import markdown
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render_html import html
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.hosts import host_covers
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier

PROVIDERS = ("alb", "nlb", "frontdoor", "nodeport", "loadbalancer")
_FRONTDOOR_KEYS = ("resource_group", "profile_name", "endpoint_name")


def _app_from(params):
    """The app (normalised with app_route's own validation) named by ``app``, or None."""
    if not params.get("app"):
        return None
    if not params.get("apps"):
        raise field_error("apps", "app '%s' is named but no apps are given" % params["app"],
                          "Pass the app list (istio_edge_apps) in apps, or diagnose by hostname and path instead.")
    from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps
    apps = normalize_apps(params["apps"])
    for app in apps:
        if app["name"] == params["app"]:
            return app
    raise field_error("app", "'%s' is not among the apps (%s)" % (params["app"], ", ".join(a["name"] for a in apps)),
                      "Set app (istio_edge_app) to one of the declared apps' names.")


def _default_path(app):
    for rule in app.get("http") or []:
        for match in rule.get("match") or []:
            uri = match.get("uri") or {}
            if uri.get("prefix"):
                return uri["prefix"]
            if uri.get("exact"):
                return uri["exact"]
        if not rule.get("match"):
            return "/"
    return "/"


def resolve_target(params):
    """(target, options) from the module options; every problem is an EdgeError naming the option."""
    app = _app_from(params)
    host = (params.get("hostname") or "").strip().lower()
    if not host and app:
        host = app["hosts"][0]
    if not host:
        raise field_error("hostname", "neither hostname nor app is given",
                          "Give the host the clients use (hostname: shop.example.com), or app with apps.")
    if "://" in host or "/" in host or not names.is_hostname(host.split(":")[0]):
        raise field_error("hostname", "'%s' is not a host name" % params.get("hostname"),
                          "Give the bare host (shop.example.com), without scheme, port or path; put the path in path.")
    host = host.split(":")[0]
    if app and params.get("hostname"):
        if not any(host_covers(h, host) for h in app["hosts"]):
            problem = "'%s' is not one of app %s's hosts (%s)" % (host, app["name"], ", ".join(app["hosts"]))
            raise field_error("hostname", problem, "Use one of the app's hosts, or leave hostname unset.")
    path = params.get("path") or (_default_path(app) if app else "/")
    if not path.startswith("/"):
        raise field_error("path", "'%s' does not start with /" % path, "Give the request path, e.g. / or /api/orders.")
    target = {"host": host, "path": path, "app": app["name"] if app else None,
              "namespace": params.get("namespace") or (app["namespace"] if app else None), "gateway_ref": None}
    if app:
        from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import gateway_ref
        target["gateway_ref"] = gateway_ref(app)
    options = {key: params.get(key) for key in ("provider", "gateway_name", "gateway_namespace", "status_port",
                                                "health_check_path")}
    options["node_ports"] = _node_ports(params.get("node_ports") or {})
    _check_edge_options(params)
    return target, options


def _node_ports(raw):
    out = {}
    for name, value in raw.items():
        try:
            port = int(value)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            raise field_error("node_ports.%s" % name, "%r is not a port number" % (value,),
                              "Give the nodePort the load balancer forwards to, e.g. 30080.")
        out[str(name)] = port
    return out


def _check_edge_options(params):
    provider = params.get("provider")
    if provider == "frontdoor":
        fd = params.get("frontdoor") or {}
        for key in _FRONTDOOR_KEYS:
            if not fd.get(key):
                raise field_error("frontdoor.%s" % key, "is required for the frontdoor provider",
                                  "Give the Front Door %s (as passed to frontdoor_origin)." % key.replace("_", " "))


def collect(params, target, options):
    kube = KubeApplier(params, check_mode=True)
    snap = {"target": target, "options": options}
    snap.update(collect_k8s.collect_gateway(kube, options))
    snap.update(collect_k8s.collect_istio(kube, target, options))
    provider = options.get("provider")
    if provider == "alb":
        snap["edge"] = collect_cloud.collect_alb(params, kube, options, snap["gateway_service"])
    elif provider == "nlb":
        snap["edge"] = collect_cloud.collect_nlb(params, options, snap["gateway_service"])
    elif provider == "frontdoor":
        snap["edge"] = collect_cloud.collect_frontdoor(params)
    else:
        snap["edge"] = {"provider": provider}
    snap["envoy"] = collect_k8s.collect_envoy(params, options, snap.get("gateway_pods") or [],
                                              params.get("envoy_config") or "auto",
                                              params.get("envoy_admin_port") or 15000, params.get("timeout") or 10)
    return snap


def run_edge_path_info(params, check_mode=False, diff=False):
    target, options = resolve_target(params)
    snap = collect(params, target, options)
    result = analyze(snap)
    formats = params.get("report_formats") or []
    if formats:
        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        result["report"] = {}
        if "markdown" in formats:
            result["report"]["markdown"] = markdown(result, generated)
        if "html" in formats:
            result["report"]["html"] = html(result, generated)
    result["changed"] = False
    return result
