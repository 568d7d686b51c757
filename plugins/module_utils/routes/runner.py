# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``app_route`` runner: validate -> read (one LIST per kind) -> check -> plan -> write what differs (private).

Nothing is written until every app validated and every consistency check passed. Writes are server-side
applies (server dry-run in check mode); objects an app owns but no longer declares are pruned; an object made
by someone else is taken over only when the app says ``adopt: true``.

A run with something to write takes the Leases of what it claims (hosts, TCP ports, object names; see
``routes/claims.py`` and ``k8s/lease.py``), then reads, checks and plans again under them and writes: two runs
that touch the same claims follow each other, and the second one sees what the first wrote. A run with nothing
to write, and check mode, take no Lease: they end after the first look, whose LISTs are served from the API
server's watch cache (``resourceVersion=0``); the read under the Leases is a consistent one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import diff_dict, strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.writes import Writes
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.refs import bound_gateways
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import (
    build_app, build_namespace_injection, gateway_ref, object_key)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.check import (
    Problem, check_destinations, check_gateway_binding, check_selector, refusal)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.claims import ClaimIndex, claim_keys
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.ownership import (
    check_names, take_over_warning, takes_over)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.snapshot import (
    Snapshot, discover_api, owned_by)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.telemetry import (
    access_log_targets, check_access_log)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import app_scope, normalize_apps
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.adopt import take_over
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.apply import KubeApplier, describe
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.discovery import NotServedError
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.bulk import WRITTEN, BulkApplier
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.lease import Leases, leases_for

WRITE_ORDER = ("Namespace", "DestinationRule", "Gateway", "VirtualService", "Telemetry")
DELETE_ORDER = ("VirtualService", "DestinationRule", "Gateway", "Telemetry")
LEASE_ATTEMPTS = 3


def run_app_route(params, check_mode=False, diff=False):
    parallel = params.get("parallel")
    if parallel is None:
        parallel = 8
    if parallel < 1:
        raise field_error("parallel", "%s is not a number of concurrent requests" % parallel,
                          "Use 1 (one request at a time) or more; the default is 8.")
    apps = normalize_apps(params.get("apps") or [], params["state"], params.get("only"))
    applier = KubeApplier(params, check_mode=check_mode)
    bulk = BulkApplier(applier, parallel=parallel)
    if params["state"] == "absent":
        return _absent(apps, bulk, diff, params)
    api = discover_api(applier, any(a["access_log"] for a in apps))
    run = _prepare(apps, bulk, api, params, any_version=True)  # a first look: a no-op or check mode ends here
    if check_mode or not run.writes():
        return _result(apps, run.per_app, _write(run, bulk), run.snap, run.selector, bulk, diff, run.warnings)
    for _attempt in range(LEASE_ATTEMPTS):
        keys = claim_keys(apps, run.desired)
        with _leases(applier, params, apps, keys) as leases:
            run = _prepare(apps, bulk, api, params)  # again: what a run before us wrote counts
            if not set(claim_keys(apps, run.desired)) <= set(keys):
                continue  # the cluster changed what this run claims meanwhile: take the Leases again
            result = _result(apps, run.per_app, _write(run, bulk, leases), run.snap, run.selector, bulk, diff,
                             run.warnings)
        result["lease"] = leases.report()
        result["api_requests"]["lease"] = sum(leases.requests.values())
        return result
    raise EdgeError("What the apps claim kept changing while their Leases were taken (%d attempts); nothing was "
                    "changed." % LEASE_ATTEMPTS, hint="Re-run when the other runs on this gateway have finished.")


def _leases(applier, params, apps, keys):
    """The Leases of ``keys`` in the gateway namespace, one set per gateway workload."""
    names = ", ".join(a["name"] for a in apps[:10]) + (" and %d more" % (len(apps) - 10) if len(apps) > 10 else "")
    return Leases(applier, params["gateway_namespace"],
                  leases_for("istio-edge-claims-%s" % params["gateway_name"], keys),
                  duration=params.get("lease_duration") or 30,
                  wait=params.get("lease_wait") if params.get("lease_wait") is not None else 120,
                  purpose="app_route: %s" % names)


class _Run:
    """What one read, check and plan found: ``snap``, ``desired``, ``selector``, ``warnings``, ``phases``,
    ``per_app``."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def writes(self):
        return any(a["op"] != "unchanged" for phase in self.phases for a in phase)


def _prepare(apps, bulk, api, params, any_version=False):
    snap = Snapshot(bulk, api, params["gateway_name"], params["gateway_namespace"], any_version).read(apps)
    desired, selector, warnings = _desired(apps, snap, api)
    if snap.narrowed_warning():
        warnings.append(snap.narrowed_warning())
    problems, claim_warnings = _check(apps, desired, snap, selector)
    if problems:
        raise refusal(problems)
    phases, per_app = _plan(apps, desired, snap, bulk)
    for phase in phases:
        warnings += [take_over_warning(a["app_spec"], a["desired"], a["live"], bulk.applier.check_mode)
                     for a in phase if a["op"] == "adopt"]
    return _Run(snap=snap, desired=desired, selector=selector, warnings=warnings + claim_warnings, phases=phases,
                per_app=per_app)


def _write(run, bulk, leases=None):
    """The planned writes, phase by phase (a Lease lost meanwhile stops the run before the next phase)."""
    writes = Writes(bulk.applier.check_mode)
    results = []
    with writes.reporting():
        for phase in run.phases:
            if leases is not None:
                leases.assert_held()
            for action in phase:
                if action["op"] == "adopt":
                    results.append(_take_over(action, bulk, writes))
            rest = [a for a in phase if a["op"] != "adopt"]
            done = bulk.run([rest]) if rest else []
            for res in done:
                if res.get("changed"):
                    writes.record("%s %s" % (WRITTEN[res["op"]], describe(res.get("desired") or res.get("live"))))
            results += done
    return results


def _take_over(action, bulk, writes):
    bulk.requests["write"] += 1 if bulk.applier.check_mode else 2
    after = take_over(bulk.applier, action["desired"], action["live"], record=writes.record)
    return dict(action, before=strip_noise(action["live"]), after=strip_noise(after), changed=True)


# -- desired state ------------------------------------------------------------------------------------
def _desired(apps, snap, api):
    resolved = snap.resolved_selector()
    warnings = []
    desired = {}
    service_ports = set(p["port"] for p in snap.service_ports())
    for app in apps:
        selector = (app["gateway"] or {}).get("selector") or resolved
        desired[app["name"]] = build_app(app, selector, api, access_log_targets(app, snap.services))
        if app["gateway"] and snap.gateway_service() is not None:
            for server in app["gateway"]["servers"]:
                if server["port"] not in service_ports:
                    warnings.append(
                        "apps[%s].gateway.servers: port %d is not a port of the gateway Service %s/%s (ports: %s); "
                        "traffic cannot reach this server until the Service exposes it (gateway_service extra_ports)."
                        % (app["name"], server["port"], snap.gateway_namespace, snap.gateway_name,
                           ", ".join(str(p) for p in sorted(service_ports)) or "none"))
    return desired, resolved, warnings


def _find(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def _gateway_index(apps, desired, snap):
    """Gateways by ``namespace/name``: this run's desired ones over the live ones."""
    index = dict(("%s/%s" % key, gw) for key, gw in snap.gateways.items())
    for app in apps:
        for gw in _find(desired[app["name"]], "Gateway"):
            index["%s/%s" % (gw["metadata"]["namespace"], gw["metadata"]["name"])] = gw
    return index


def _check(apps, desired, snap, resolved):
    """(problems, warnings) of the apps against the live cluster."""
    problems = []
    acted = set(a["name"] for a in apps)
    gateways = _gateway_index(apps, desired, snap)
    for app in apps:
        path = "apps[%s]" % app["name"]
        if app["namespace"] not in snap.namespaces:
            problems.append(Problem(path + ".namespace", "namespace %s does not exist" % app["namespace"],
                                    "Create the namespace and deploy the app (its Services) first."))
            continue
        problems += check_destinations(app, snap.services, snap.namespaces, list(snap.destination_rules.values()),
                                       path)
        problems += _check_gateway(app, desired[app["name"]], path, gateways, snap, resolved)
        problems += check_names(app, desired[app["name"]], snap.by_kind, path)
    claim_problems, warnings = _check_claims(apps, desired, snap, acted, gateways)
    problems += claim_problems
    problems += check_access_log([a for a in apps if a["namespace"] in snap.namespaces], desired, snap.telemetries,
                                 owned_by, snap.services)
    return problems, warnings


def _check_gateway(app, objects, path, gateways, snap, resolved):
    vs = _find(objects, "VirtualService")
    if app["gateway"]:
        gw = gateways["%s/%s" % (app["gateway"]["namespace"], app["gateway"]["name"])]
        if app["gateway"]["selector"]:
            if not snap.selector_has_workload(app["gateway"]["selector"]):
                return check_selector(app["gateway"]["selector"], snap.workloads(), path + ".gateway.selector",
                                      "Gateway")
        elif resolved is None:
            found = ", ".join(desc for desc, dummy in snap.workloads()) or "none"
            return [Problem("gateway_name", "no gateway Deployment %s in namespace %s (Deployments there: %s), so the "
                            "Gateway selector cannot be read from it" % (snap.gateway_name, snap.gateway_namespace, found),
                            "Install the ingress gateway first (role meshops.istio_edge.istio), or set gateway_name / "
                            "gateway_namespace to the gateway Deployment in use.", code="GatewayNotFound")]
    else:
        gw = gateways.get(app["use_gateway"])
        if gw is None:
            return [Problem(path + ".use_gateway", "Gateway %s does not exist" % app["use_gateway"],
                            "Create the shared Gateway first (or declare it as another app's gateway in the same run), "
                            "or correct use_gateway (namespace/name).")]
        selector = (gw.get("spec") or {}).get("selector") or {}
        if not snap.selector_has_workload(selector):
            return check_selector(selector, snap.workloads(), path + ".use_gateway",
                                  "The shared Gateway %s's" % app["use_gateway"])
    return check_gateway_binding(app, vs[0], gw, path)


def _check_claims(apps, desired, snap, acted, gateways):
    def workload_of(vs):
        out = set()
        for ref in bound_gateways(vs):
            gw = gateways.get(ref)
            selector = (gw.get("spec") or {}).get("selector") if gw else None
            out.add(tuple(sorted(selector.items())) if selector else ("ref", ref))
        return out

    index = ClaimIndex(workload_of)
    wanted, mine = set(), []
    for app in apps:
        vs = _find(desired[app["name"]], "VirtualService")[0]
        wanted.add((vs["metadata"]["namespace"], vs["metadata"]["name"]))
        index.add("app %s in this run" % app["name"], vs)
        mine.append((app, vs))
    for key, live in snap.virtual_services.items():
        owner = owned_by(live)
        if key in wanted or owner in acted:
            continue
        index.add("app %s" % owner if owner else "not managed by meshops.istio_edge", live)
    problems, warnings = [], []
    for app, vs in mine:
        found, warned = index.review(vs, "apps[%s]" % app["name"])
        problems += found
        warnings += [w for w in warned if w not in warnings]
    return problems, warnings


# -- plan and results ---------------------------------------------------------------------------------
def _plan(apps, desired, snap, bulk):
    phases = dict((kind, []) for kind in WRITE_ORDER)
    deletes = dict((kind, []) for kind in DELETE_ORDER)
    per_app = {}
    namespaces_done = set()
    for app in apps:
        actions = []
        if app["sidecar_injection"] and app["namespace"] not in namespaces_done:
            namespaces_done.add(app["namespace"])
            ns_obj = build_namespace_injection(app["namespace"])
            live = snap.namespace_object(app["namespace"])
            action = dict(op=bulk.plan(ns_obj, live), desired=ns_obj, live=live, app=app["name"])
            phases["Namespace"].append(action)
            actions.append(action)
        keys = set()
        for obj in desired[app["name"]]:
            keys.add(object_key(obj))
            live = snap.by_kind(obj["kind"]).get((obj["metadata"]["namespace"], obj["metadata"]["name"]))
            op = "adopt" if takes_over(app, live, bulk.applier.field_manager) else bulk.plan(obj, live)
            action = dict(op=op, desired=obj, live=live, app=app["name"], app_spec=app)
            phases[obj["kind"]].append(action)
            actions.append(action)
        for live in snap.owned_objects({app["name"]}, app_scope(app)):
            if object_key(live) not in keys:
                action = dict(op="delete", desired=None, live=live, app=app["name"])
                deletes[live["kind"]].append(action)
                actions.append(action)
        per_app[app["name"]] = actions
    ordered = [phases[k] for k in WRITE_ORDER] + [deletes[k] for k in DELETE_ORDER]
    return [p for p in ordered if p], per_app


ACTION_NAMES = {"create": "created", "update": "updated", "adopt": "adopted", "delete": "deleted",
                "unchanged": "unchanged"}


def _obj_ref(obj):
    meta = obj["metadata"]
    return dict(kind=obj["kind"], namespace=meta.get("namespace"), name=meta["name"])


def _result(apps, per_app, results, snap, selector, bulk, diff, warnings):
    done = dict((id(r.get("desired") or r.get("live")), r) for r in results)
    summary = {"apps": len(apps), "created": 0, "updated": 0, "adopted": 0, "deleted": 0, "unchanged": 0}
    diffs, out_apps = [], []
    for app in apps:
        objects, unchanged = [], 0
        for action in per_app[app["name"]]:
            res = done.get(id(action.get("desired") or action.get("live")), action)
            op = action["op"] if res.get("changed", action["op"] != "unchanged") else "unchanged"
            summary[ACTION_NAMES[op]] += 1
            if op == "unchanged":
                unchanged += 1  # counted, not listed: a no-op run of many apps returns a small result
                continue
            obj = action.get("desired") or action.get("live")
            objects.append(dict(_obj_ref(obj), action=ACTION_NAMES[op]))
            if diff:
                diffs.append(diff_dict(res.get("before"), res.get("after"), before_header=describe(obj),
                                       after_header=describe(obj)))
        entry = dict(name=app["name"], namespace=app.get("namespace"), changed=bool(objects), objects=objects,
                     unchanged=unchanged)
        if "hosts" in app:
            entry.update(hosts=app["hosts"], gateway=gateway_ref(app))
        out_apps.append(entry)
    result = dict(changed=any(a["changed"] for a in out_apps), apps=out_apps, summary=summary,
                  gateway=dict(name=snap.gateway_name, namespace=snap.gateway_namespace, selector=selector,
                               service_ports=snap.service_ports()),
                  api_requests=dict(bulk.requests))
    if warnings:
        result["warnings"] = warnings
    if diff and diffs:
        result["diff"] = diffs
    return result


def _absent(apps, bulk, diff, params):
    names = set(a["name"] for a in apps)
    try:
        api = discover_api(bulk.applier, need_telemetry=False)
    except NotServedError:  # the API server said so (404); a throttled or failed discovery is raised as such
        return dict(changed=False, apps=[dict(name=n, changed=False, objects=[], unchanged=0) for n in sorted(names)],
                    summary={"apps": len(names), "created": 0, "updated": 0, "deleted": 0, "unchanged": 0},
                    msg="Istio's CRDs are not installed, so no app object exists.", api_requests=dict(bulk.requests))
    snap, run = _absent_plan(apps, bulk, api)
    report = None
    if run.writes() and not bulk.applier.check_mode:
        try:
            with _leases(bulk.applier, params, apps, ["app %s" % n for n, acts in run.per_app.items() if acts]) \
                    as leases:
                snap, run = _absent_plan(apps, bulk, api)  # again: what a run before us did counts
                results = _write(run, bulk, leases)
            report, lease_requests = leases.report(), sum(leases.requests.values())
        except EdgeError as exc:
            if exc.code != "NamespaceNotFound":
                raise
            results = _write(run, bulk)  # no gateway namespace: no run can hold a Lease there
    else:
        results = _write(run, bulk)
    result = _result(apps, run.per_app, results, snap, None, bulk, diff, [])
    if report:
        result["lease"] = report
        result["api_requests"]["lease"] = lease_requests
    result.pop("gateway")
    return result


def _absent_plan(apps, bulk, api):
    """The deletes of ``state=absent``: every object owned by the apps (within their namespaces when known)."""
    names = set(a["name"] for a in apps)
    snap = Snapshot(bulk, api, None, None)
    scopes = dict((a["name"], app_scope(a)) for a in apps)
    fallback = None
    if all(scope is not None for scope in scopes.values()):
        fallback = set().union(*scopes.values()) if scopes else None
    deletes = dict((kind, []) for kind in DELETE_ORDER)
    per_app = dict((a["name"], []) for a in apps)
    for obj in snap.read_owned(fallback):
        owner = owned_by(obj, names)
        if owner is None or (scopes[owner] is not None and obj["metadata"].get("namespace") not in scopes[owner]):
            continue
        action = dict(op="delete", desired=None, live=obj, app=owner)
        deletes[obj["kind"]].append(action)
        per_app[owner].append(action)
    snap.services = {}
    return snap, _Run(phases=[deletes[k] for k in DELETE_ORDER if deletes[k]], per_app=per_app)
