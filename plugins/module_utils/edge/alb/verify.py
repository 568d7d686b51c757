# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure rules for the ALB in front of the Istio gateway (private): what the gateway Service must look like,
what the ALB must look like, and the findings when it does not.

The expectations come from the live gateway Service: with target type ``instance`` the ALB sends traffic to
the nodePort of the backend port and must probe the **nodePort of the status port** (15021 inside the pod)
on ``/healthz/ready``; with ``ip`` it uses the pod ports directly. Probing the traffic port instead fails
until a Gateway makes Envoy listen on 80, so every target is unhealthy and the ALB answers 502.

A snapshot of the load balancer (see ``aws/elbv2.py``) is compared with the expectations; each finding says
what is wrong, what was expected, what is there, and how to fix it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

HEALTHY = "healthy"


def finding(check, message, resource=None, expected=None, actual=None, fix=None, severity="error"):
    item = {"check": check, "severity": severity, "message": message}
    if resource is not None:
        item["resource"] = resource
    if expected is not None:
        item["expected"] = expected
    if actual is not None:
        item["actual"] = actual
    if fix:
        item["fix"] = fix
    return item


def service_ports(service):
    return ((service or {}).get("spec") or {}).get("ports") or []


def find_port(service, ref):
    """The Service port with this name or number, or None."""
    for port in service_ports(service):
        if isinstance(ref, int) and port.get("port") == ref:
            return port
        if not isinstance(ref, int) and port.get("name") == ref:
            return port
    return None


def resolve_port(port, target_type):
    """What the load balancer talks to for a Service port: nodePort (instance) or targetPort (ip).

    None when it cannot be known (no nodePort allocated, or a named targetPort in ip mode).
    """
    if target_type == "instance":
        return port.get("nodePort")
    target = port.get("targetPort", port.get("port"))
    return target if isinstance(target, int) else None


def describe_service(service):
    meta = service.get("metadata") or {}
    return "Service %s/%s" % (meta.get("namespace"), meta.get("name"))


def alb_expectations(service, p):
    """Check the live gateway Service for the ALB and return what the ALB should look like.

    Raises EdgeError (naming the option) when the Service cannot work with these options: this runs before
    the Ingress is written.
    """
    what = describe_service(service)
    spec = service.get("spec") or {}
    backend = find_port(service, p["backend_port"])
    if backend is None:
        names = ", ".join("%s(%s)" % (x.get("name"), x.get("port")) for x in service_ports(service))
        raise EdgeError(
            "backend_port: %s has no port %r (ports: %s)." % (what, p["backend_port"], names), field="backend_port",
            hint="Use one of the Service's ports (the HTTP port, usually 80/http2). Nothing was changed.")
    status = find_port(service, p["status_port_name"])
    if status is None:
        raise EdgeError(
            "status_port_name: %s has no port named %r; the ALB health check needs the gateway status port "
            "(15021, /healthz/ready)." % (what, p["status_port_name"]), field="status_port_name",
            hint="Keep status-port in the gateway Service ports (a custom service.ports list must include it), "
                 "or name the port here. Nothing was changed.")
    if p["target_type"] == "instance":
        if spec.get("type") != "NodePort":
            extra = (" A LoadBalancer Service also gets its own NLB/CLB in front of the nodes." if
                     spec.get("type") == "LoadBalancer" else "")
            raise EdgeError(
                "target_type: instance needs the gateway %s to be of type NodePort, it is %s.%s"
                % (what, spec.get("type"), extra), field="target_type",
                hint="Shape the gateway Service with gateway_service profile alb (NodePort, pinned nodePorts), or "
                     "use target_type: ip (pod IPs, needs the VPC CNI). Nothing was changed.")
        for port in (backend, status):
            if not port.get("nodePort"):
                raise EdgeError(
                    "target_type: port %s of %s has no nodePort." % (port.get("name"), what), field="target_type",
                    hint="Let Kubernetes allocate (or pin) the nodePorts. Nothing was changed.")
    hc_port = resolve_port(status, p["target_type"])
    return {
        "target_type": p["target_type"],
        "scheme": p["scheme"],
        "listeners": [{"protocol": x["protocol"], "port": x["port"]} for x in p["listen_ports"]],
        "https_redirect": bool(p.get("https_redirect")),
        "redirect_port": next((x["port"] for x in p["listen_ports"] if x["protocol"] == "HTTPS"), None),
        "backend": {"service": (service.get("metadata") or {}).get("name"), "port": p["backend_port"],
                    "resource": "%s/%s-%s:%s" % (p["namespace"], p["name"], p["gateway_service"], p["backend_port"])},
        "traffic_port": resolve_port(backend, p["target_type"]),
        "health_check": {"protocol": "HTTP", "port": str(hc_port) if hc_port else None,
                         "path": p["health_check_path"]},
        "status_port": {"name": status.get("name"), "port": status.get("port"), "nodePort": status.get("nodePort"),
                        "targetPort": status.get("targetPort")},
    }


def _hc_fix(expected):
    if expected["target_type"] == "instance":
        return ("Annotate the gateway Service (Service annotations override the Ingress) with "
                "alb.ingress.kubernetes.io/healthcheck-port: status-port (resolves to nodePort %s) and "
                "alb.ingress.kubernetes.io/healthcheck-path: %s - gateway_service profile alb does both."
                % (expected["status_port"]["nodePort"], expected["health_check"]["path"]))
    return ("Annotate the gateway Service with alb.ingress.kubernetes.io/healthcheck-port: status-port and "
            "alb.ingress.kubernetes.io/healthcheck-path: %s." % expected["health_check"]["path"])


def check_health_check(tg, expected_hc, fix, check_prefix="health_check"):
    """Findings for one target group's health check against ``{protocol, port, path}`` (None = any)."""
    out = []
    actual = tg.get("health_check") or {}
    name = tg.get("name")
    if actual.get("enabled") is False:
        out.append(finding(check_prefix + ".enabled", "Target group %s has health checks disabled." % name,
                           resource=tg.get("arn"), fix=fix))
    for key, label in (("protocol", "protocol"), ("port", "port"), ("path", "path")):
        want = expected_hc.get(key)
        have = actual.get(key)
        if want is None:
            continue
        if key == "protocol":
            want, have = str(want).upper(), str(have or "").upper()
        if str(want) != str(have):
            extra = ""
            if key == "port" and str(have) == "traffic-port":
                extra = (" Probing the traffic port fails until a Gateway makes Envoy listen there: every target "
                         "is unhealthy and the load balancer answers 502.")
            if key == "path" and have in (None, "", "/"):
                extra = " Istio's gateway answers 404 on / without a route, so targets look unhealthy."
            out.append(finding(
                "%s.%s" % (check_prefix, label),
                "Target group %s health check %s is %r, expected %r.%s" % (name, label, have, want, extra),
                resource=tg.get("arn"), expected=want, actual=have, fix=fix))
    return out


def check_targets(tg, expected_port=None, port_hint=None):
    """Findings for the registered targets of a target group (none registered, unhealthy, wrong port)."""
    out = []
    targets = tg.get("targets") or []
    name = tg.get("name")
    if not targets:
        out.append(finding("targets.none", "Target group %s has no registered targets." % name,
                           resource=tg.get("arn"),
                           fix="Check the controller's logs and that nodes/pods match the Service selector."))
        return out
    bad = [t for t in targets if t.get("state") != HEALTHY]
    if bad:
        details = ", ".join("%s:%s %s%s" % (t.get("id"), t.get("port"), t.get("state"),
                                            " (%s)" % (t.get("reason") or t.get("description"))
                                            if (t.get("reason") or t.get("description")) else "") for t in bad)
        out.append(finding(
            "targets.unhealthy", "Target group %s: %d of %d target(s) not healthy: %s."
            % (name, len(bad), len(targets), details), resource=tg.get("arn"),
            expected=HEALTHY, actual=sorted(set(t.get("state") for t in bad)),
            fix="Check the health-check port/path findings, the node security groups (the load balancer must "
                "reach the health-check port) and the gateway pods' readiness."))
    if expected_port:
        wrong = sorted(set(t.get("port") for t in targets if t.get("port") and t.get("port") != expected_port))
        if wrong:
            out.append(finding(
                "targets.port", "Target group %s sends traffic to port(s) %s, but the gateway serves it on %s."
                % (name, ", ".join(str(x) for x in wrong), expected_port), resource=tg.get("arn"),
                expected=expected_port, actual=wrong,
                fix=port_hint or "The nodePorts changed (reinstall?): pin them in gateway_service node_ports."))
    return out


def _listener(snapshot, protocol, port):
    for item in snapshot.get("listeners") or []:
        if item.get("port") == port and str(item.get("protocol")).upper() == protocol:
            return item
    return None


def _is_redirect(listener, port):
    for action in listener.get("default_actions") or []:
        cfg = action.get("RedirectConfig") or {}
        if action.get("Type") == "redirect" and str(cfg.get("Protocol", "")).upper() in ("HTTPS", "#{PROTOCOL}") \
                and str(cfg.get("Port")) == str(port):
            return True
    return False


def select_target_groups(snapshot, expected):
    """The target groups serving our backend: by the controller's resource tag, else the only one."""
    groups = snapshot.get("target_groups") or []
    tagged = [tg for tg in groups if (tg.get("tags") or {}).get("ingress.k8s.aws/resource") == expected["backend"]["resource"]]
    if tagged:
        return tagged
    if len(groups) == 1:
        return groups
    return []


def verify_alb(snapshot, expected):
    """Findings (list of dicts) for an ALB snapshot against ``alb_expectations``."""
    out = []
    lb = snapshot.get("load_balancer") or {}
    if lb.get("type") and lb["type"] != "application":
        out.append(finding("load_balancer.type", "Load balancer %s is a %s load balancer, not an ALB."
                           % (lb.get("name"), lb["type"]), resource=lb.get("arn"), expected="application",
                           actual=lb["type"]))
    if lb.get("scheme") and lb["scheme"] != expected["scheme"]:
        out.append(finding(
            "load_balancer.scheme",
            "Load balancer %s is %s, expected %s." % (lb.get("name"), lb["scheme"], expected["scheme"]),
            resource=lb.get("arn"), expected=expected["scheme"], actual=lb["scheme"],
            fix="The scheme cannot change in place: the controller re-creates the ALB (new DNS name)."))
    if (lb.get("state") or "") == "failed":
        out.append(finding("load_balancer.state", "Load balancer %s is in state failed." % lb.get("name"),
                           resource=lb.get("arn"), actual="failed"))
    for want in expected["listeners"]:
        listener = _listener(snapshot, want["protocol"], want["port"])
        if listener is None:
            out.append(finding(
                "listener.missing", "No %s listener on port %s." % (want["protocol"], want["port"]),
                resource=lb.get("arn"), expected=want,
                actual=["%s:%s" % (x.get("protocol"), x.get("port")) for x in snapshot.get("listeners") or []],
                fix="Check listen-ports on the Ingress and the controller's events on it."))
            continue
        if want["protocol"] == "HTTPS":
            missing = [arn for arn in expected.get("certificate_arns") or [] if arn not in listener.get("certificates", [])]
            if missing:
                out.append(finding(
                    "listener.certificate", "HTTPS listener %s does not serve certificate(s) %s."
                    % (want["port"], ", ".join(missing)), resource=listener.get("arn"),
                    expected=expected.get("certificate_arns"), actual=listener.get("certificates"),
                    fix="Check the certificate-arn annotation and that the certificate is ISSUED in this region."))
        if want["protocol"] == "HTTP" and expected.get("https_redirect") and \
                not _is_redirect(listener, expected.get("redirect_port")):
            out.append(finding(
                "listener.redirect", "HTTP listener %s does not redirect to HTTPS:%s."
                % (want["port"], expected.get("redirect_port")), resource=listener.get("arn"),
                fix="Set ssl-redirect on exactly one Ingress of the group (https_redirect)."))
    groups = select_target_groups(snapshot, expected)
    if not groups:
        out.append(finding(
            "target_group.missing", "No target group for backend %s (tag ingress.k8s.aws/resource)."
            % expected["backend"]["resource"], resource=lb.get("arn"),
            actual=[tg.get("name") for tg in snapshot.get("target_groups") or []],
            fix="Check the controller's events on the Ingress (kubectl describe ingress)."))
    fix = _hc_fix(expected)
    for tg in groups:
        if tg.get("target_type") and tg["target_type"] != expected["target_type"]:
            out.append(finding(
                "target_group.target_type", "Target group %s has target type %s, expected %s."
                % (tg.get("name"), tg["target_type"], expected["target_type"]), resource=tg.get("arn"),
                expected=expected["target_type"], actual=tg["target_type"],
                fix="Service annotations override the Ingress: check alb.ingress.kubernetes.io/target-type on the "
                    "gateway Service."))
        out.extend(check_health_check(tg, expected["health_check"], fix))
        out.extend(check_targets(tg, expected.get("traffic_port")))
    return out


def verification_result(findings, status_if_ok="ok"):
    return {"status": "failed" if findings else status_if_ok, "findings": findings,
            "errors": len([f for f in findings if f["severity"] == "error"])}


def strict_error(what, findings, field="verify", **details):
    """The EdgeError raised by ``verify: strict`` with every finding in the message and the result."""
    lines = "; ".join("[%s] %s" % (f["check"], f["message"]) for f in findings)
    return EdgeError("verify: %s has %d finding(s): %s" % (what, len(findings), lines), field=field,
                     code="VerificationFailed",
                     hint="Each finding says how to fix it; use verify: report to only report them.",
                     findings=findings, **details)
