# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an app's Istio objects from its normalised spec (pure, private).

Input: an app from :func:`routes_validate.normalize_apps`; output: Kubernetes manifests (dicts) for the app's
Gateway, VirtualService, DestinationRules and access-log Telemetry, each labelled as owned by the app, plus
the Namespace patch for sidecar injection. No I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import app_labels

INJECTION_LABEL = "istio-injection"

DEFAULT_API = {"networking": "networking.istio.io/v1beta1", "telemetry": "telemetry.istio.io/v1alpha1"}
OWNED_KINDS = ("DestinationRule", "Gateway", "VirtualService", "Telemetry")


def _meta(name, namespace, app_name):
    return {"name": name, "namespace": namespace, "labels": app_labels(app_name)}


def gateway_ref(app):
    """``namespace/name`` of the Gateway the app's VirtualService binds to."""
    if app.get("use_gateway"):
        return app["use_gateway"]
    return "%s/%s" % (app["gateway"]["namespace"], app["gateway"]["name"])


def build_server(server):
    out = {"port": {"number": server["port"], "name": server["name"], "protocol": server["protocol"]},
           "hosts": list(server["hosts"])}
    if server.get("https_redirect"):
        out["tls"] = {"httpsRedirect": True}
    elif server.get("tls_mode"):
        out["tls"] = {"mode": server["tls_mode"]}
        if server.get("credential_name"):
            out["tls"]["credentialName"] = server["credential_name"]
    return out


def build_gateway(app, selector, api=None):
    """The app's own Gateway; ``selector`` is the live gateway workload's labels (or the user's override)."""
    api = api or DEFAULT_API
    gw = app["gateway"]
    return {
        "apiVersion": api["networking"], "kind": "Gateway",
        "metadata": _meta(gw["name"], gw["namespace"], app["name"]),
        "spec": {"selector": dict(selector), "servers": [build_server(s) for s in gw["servers"]]},
    }


def build_destination(dest):
    out = {"destination": {"host": dest["host"]}}
    if dest.get("port") is not None:
        out["destination"]["port"] = {"number": dest["port"]}
    if dest.get("subset"):
        out["destination"]["subset"] = dest["subset"]
    if dest.get("weight") is not None:
        out["weight"] = dest["weight"]
    return out


def build_match(match):
    out = {}
    if match.get("uri"):
        out["uri"] = dict(match["uri"])
    if match.get("headers"):
        out["headers"] = dict((k, dict(v)) for k, v in match["headers"].items())
    if match.get("ignore_uri_case"):
        out["ignoreUriCase"] = True
    return out


def build_http(rule):
    out = {}
    if rule.get("name"):
        out["name"] = rule["name"]
    if rule.get("match"):
        out["match"] = [build_match(m) for m in rule["match"]]
    if rule.get("rewrite"):
        out["rewrite"] = dict(rule["rewrite"])
    out["route"] = [build_destination(d) for d in rule["route"]]
    if rule.get("retries"):
        retries = {"attempts": rule["retries"]["attempts"]}
        if rule["retries"].get("per_try_timeout"):
            retries["perTryTimeout"] = rule["retries"]["per_try_timeout"]
        if rule["retries"].get("retry_on"):
            retries["retryOn"] = rule["retries"]["retry_on"]
        out["retries"] = retries
    if rule.get("timeout"):
        out["timeout"] = rule["timeout"]
    if rule.get("fault"):
        fault = {}
        if rule["fault"].get("abort"):
            abort = rule["fault"]["abort"]
            fault["abort"] = {"httpStatus": abort["http_status"], "percentage": {"value": abort["percentage"]}}
        if rule["fault"].get("delay"):
            delay = rule["fault"]["delay"]
            fault["delay"] = {"fixedDelay": delay["fixed_delay"], "percentage": {"value": delay["percentage"]}}
        out["fault"] = fault
    return out


def build_tcp(rule):
    return {"match": [{"port": rule["port"]}], "route": [build_destination(d) for d in rule["route"]]}


def build_virtual_service(app, api=None):
    api = api or DEFAULT_API
    spec = {"hosts": list(app["hosts"]), "gateways": [gateway_ref(app)]}
    if app["http"]:
        spec["http"] = [build_http(r) for r in app["http"]]
    if app["tcp"]:
        spec["tcp"] = [build_tcp(r) for r in app["tcp"]]
    return {"apiVersion": api["networking"], "kind": "VirtualService",
            "metadata": _meta(app["name"], app["namespace"], app["name"]), "spec": spec}


def build_destination_rule(app, rule, api=None):
    api = api or DEFAULT_API
    spec = {"host": rule["host"]}
    if rule.get("traffic_policy"):
        spec["trafficPolicy"] = rule["traffic_policy"]
    if rule.get("subsets"):
        spec["subsets"] = []
        for sub in rule["subsets"]:
            item = {"name": sub["name"], "labels": dict(sub["labels"])}
            if sub.get("traffic_policy"):
                item["trafficPolicy"] = sub["traffic_policy"]
            spec["subsets"].append(item)
    return {"apiVersion": api["networking"], "kind": "DestinationRule",
            "metadata": _meta(rule["name"], app["namespace"], app["name"]), "spec": spec}


def telemetry_name(app, service, several):
    return "%s-access-log-%s" % (app["name"], service) if several else "%s-access-log" % app["name"]


def build_telemetry(app, target, api=None, several=False):
    """Envoy access logging (an Istio Telemetry with the envoy provider) for the workloads behind one of the app's Services.

    ``target`` is ``(Service name, the Service's pod selector)``. The Telemetry selects those workloads: a
    namespace-wide one (no selector) would change logging for every other workload of the namespace, and Istio
    allows only one of those per namespace, so two apps could not both have one."""
    api = api or DEFAULT_API
    service, selector = target
    return {"apiVersion": api["telemetry"], "kind": "Telemetry",
            "metadata": _meta(telemetry_name(app, service, several), app["namespace"], app["name"]),
            "spec": {"selector": {"matchLabels": dict(selector)},
                     "accessLogging": [{"providers": [{"name": "envoy"}]}]}}


def build_namespace_injection(namespace):
    """The Namespace patch that turns sidecar injection on (server-side apply owns only this label)."""
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {INJECTION_LABEL: "enabled"}}}


def build_app(app, selector=None, api=None, log_targets=()):
    """Every owned object of the app, in write order (DestinationRules first so subsets exist before routes).

    ``log_targets``: ``(Service name, pod selector)`` of the app's Services to log when ``access_log`` is on."""
    objects = [build_destination_rule(app, rule, api) for rule in app["destination_rules"]]
    if app.get("gateway"):
        objects.append(build_gateway(app, selector or {}, api))
    objects.append(build_virtual_service(app, api))
    if app.get("access_log"):
        objects += [build_telemetry(app, t, api, several=len(log_targets) > 1) for t in log_targets]
    return objects


def object_key(obj):
    meta = obj["metadata"]
    return (obj["kind"], meta.get("namespace"), meta["name"])
