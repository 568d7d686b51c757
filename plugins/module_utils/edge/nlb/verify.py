# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure rules for the NLB the AWS Load Balancer Controller makes from the gateway Service (private).

The Service's ``service.beta.kubernetes.io/aws-load-balancer-*`` annotations say what the NLB must look like:
one listener per Service port (TLS for the ``ssl-ports`` when ``ssl-cert`` is set, else TCP), one target group
per port, and the health check. Two health-check variants are sound for Istio:

* ``status_port``: HTTP on the status port (15021 in the pod; its nodePort with instance targets) on
  ``/healthz/ready`` - the gateway pod's own readiness;
* ``traffic_port``: TCP on the traffic port - each listener port is probed where traffic goes.

``from_service`` (default) expects whatever the annotations say, the controller's defaults included, and
adds findings for Service settings that cannot work (e.g. port 15021 with instance targets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.verify import (
    check_health_check, check_targets, describe_service, find_port, finding, resolve_port, service_ports)

PREFIX = "service.beta.kubernetes.io/aws-load-balancer-"
HEALTH_CHECK_MODES = ("from_service", "status_port", "traffic_port")


def _ann(service):
    ann = ((service or {}).get("metadata") or {}).get("annotations") or {}
    return dict((k[len(PREFIX):], v) for k, v in ann.items() if k.startswith(PREFIX))


def _split(text):
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def target_type(ann):
    if ann.get("type") == "nlb-ip":
        return "ip"
    return ann.get("nlb-target-type", "instance")


def _resolve_hc_port(raw, service, ttype):
    """The controller's resolution of the healthcheck-port annotation; (value, problem)."""
    if raw in (None, "", "traffic-port"):
        return "traffic-port", None
    if str(raw).isdigit():
        return str(raw), None
    port = find_port(service, raw)
    if port is None:
        return None, "healthcheck-port %r is not a port of the Service" % raw
    value = resolve_port(port, ttype)
    if value is None:
        return None, "healthcheck-port %r cannot be resolved for %s targets" % (raw, ttype)
    return str(value), None


def nlb_expectations(service, health_check="from_service", status_port_name="status-port",
                     health_check_path="/healthz/ready"):
    """What the NLB should look like for the live gateway Service, plus findings about the Service itself.

    Raises EdgeError when the Service is not an NLB Service of the AWS Load Balancer Controller.
    """
    what = describe_service(service)
    spec = service.get("spec") or {}
    ann = _ann(service)
    if spec.get("type") != "LoadBalancer" or ann.get("type") not in ("external", "nlb-ip"):
        raise EdgeError(
            "name: %s is not an NLB Service of the AWS Load Balancer Controller (type %s, annotation "
            "%stype=%r)." % (what, spec.get("type"), PREFIX, ann.get("type")), field="name",
            hint="Shape it with gateway_service profile nlb (type LoadBalancer, aws-load-balancer-type: external).")
    ttype = target_type(ann)
    status = find_port(service, status_port_name)
    notes = []
    if health_check == "status_port":
        if status is None:
            raise EdgeError("status_port_name: %s has no port named %r." % (what, status_port_name),
                            field="status_port_name", hint="Name the gateway status port (15021).")
        port = resolve_port(status, ttype)
        hc = {"protocol": "HTTP", "port": str(port) if port else None, "path": health_check_path}
    elif health_check == "traffic_port":
        hc = {"protocol": "TCP", "port": "traffic-port", "path": None}
    else:
        local = ttype == "instance" and spec.get("externalTrafficPolicy") == "Local"
        protocol = ann.get("healthcheck-protocol", "HTTP" if local else "TCP").upper()
        if local and not ann.get("healthcheck-port") and spec.get("healthCheckNodePort"):
            port, problem = str(spec["healthCheckNodePort"]), None   # the controller's default for Local
        else:
            port, problem = _resolve_hc_port(ann.get("healthcheck-port"), service, ttype)
        if problem:
            notes.append(finding("service.healthcheck_port", "%s: %s." % (what, problem), resource=what,
                                 fix="Use traffic-port, a number, or the name of a Service port."))
        default_path = "/healthz" if local else "/"
        path = ann.get("healthcheck-path", default_path) if protocol in ("HTTP", "HTTPS") else None
        hc = {"protocol": protocol, "port": port, "path": path}
        if ttype == "instance" and status is not None and port == str(status.get("port")) and status.get("nodePort"):
            notes.append(finding(
                "service.healthcheck_port",
                "%s: health-check port %s with instance targets probes port %s on the nodes, not the gateway's "
                "status port (its nodePort is %s): every target is unhealthy."
                % (what, port, port, status.get("nodePort")),
                resource=what, expected=str(status.get("nodePort")), actual=port,
                fix="Set %shealthcheck-port to status-port (or %s), or use nlb-target-type ip."
                    % (PREFIX, status.get("nodePort"))))
        if protocol in ("HTTP", "HTTPS") and port == "traffic-port" and path in (None, "", "/"):
            notes.append(finding(
                "service.healthcheck_path",
                "%s: an HTTP health check on the traffic port at / gets 404 from Istio until a route matches." % what,
                resource=what, fix="Probe the status port on /healthz/ready, or use a TCP health check."))
    certs = _split(ann.get("ssl-cert"))
    ssl_ports = _split(ann.get("ssl-ports"))
    listeners = []
    for port in service_ports(service):
        tls = bool(certs) and (not ssl_ports or str(port.get("port")) in ssl_ports or port.get("name") in ssl_ports)
        listeners.append({
            "port": port.get("port"), "name": port.get("name"),
            "protocol": "TLS" if tls else (port.get("protocol") or "TCP"),
            "certificates": certs if tls else [],
            "traffic_port": resolve_port(port, ttype),
        })
    return {
        "scheme": ann.get("scheme", "internal"),
        "target_type": ttype,
        "health_check_mode": health_check,
        "health_check": hc,
        "listeners": listeners,
        "stack": "%s/%s" % ((service.get("metadata") or {}).get("namespace"), (service.get("metadata") or {}).get("name")),
    }, notes


def _hc_fix(expected):
    if expected["health_check_mode"] == "status_port":
        return ("Annotate the Service with %shealthcheck-protocol: http, %shealthcheck-port: %s and "
                "%shealthcheck-path: %s (gateway_service profile nlb, status-port variant)."
                % (PREFIX, PREFIX, expected["health_check"]["port"], PREFIX, expected["health_check"]["path"]))
    if expected["health_check_mode"] == "traffic_port":
        return ("Annotate the Service with %shealthcheck-protocol: tcp and %shealthcheck-port: traffic-port "
                "(gateway_service profile nlb, traffic-port variant)." % (PREFIX, PREFIX))
    return "The controller has not applied the Service's health-check annotations yet; check its logs."


def verify_nlb(snapshot, expected):
    """Findings for an NLB snapshot against ``nlb_expectations``."""
    out = []
    lb = snapshot.get("load_balancer") or {}
    if lb.get("type") and lb["type"] != "network":
        out.append(finding("load_balancer.type", "Load balancer %s is %s, not network." % (lb.get("name"), lb["type"]),
                           resource=lb.get("arn"), expected="network", actual=lb["type"]))
    if lb.get("scheme") and lb["scheme"] != expected["scheme"]:
        out.append(finding(
            "load_balancer.scheme", "NLB %s is %s, the Service asks for %s." % (lb.get("name"), lb["scheme"],
                                                                                expected["scheme"]),
            resource=lb.get("arn"), expected=expected["scheme"], actual=lb["scheme"],
            fix="The controller re-creates the NLB for a scheme change (new DNS name); note the default is internal."))
    by_arn = dict((tg["arn"], tg) for tg in snapshot.get("target_groups") or [])
    fix = _hc_fix(expected)
    for want in expected["listeners"]:
        listener = next((x for x in snapshot.get("listeners") or [] if x.get("port") == want["port"]), None)
        if listener is None:
            out.append(finding("listener.missing",
                               "No listener on port %s (Service port %s)." % (want["port"], want["name"]),
                               resource=lb.get("arn"), expected=want["protocol"]))
            continue
        if str(listener.get("protocol")).upper() != want["protocol"]:
            out.append(finding(
                "listener.protocol", "Listener %s is %s, expected %s." % (want["port"], listener.get("protocol"),
                                                                          want["protocol"]),
                resource=listener.get("arn"), expected=want["protocol"], actual=listener.get("protocol"),
                fix="Check %sssl-cert and %sssl-ports on the Service." % (PREFIX, PREFIX)))
        missing = [c for c in want["certificates"] if c not in listener.get("certificates", [])]
        if missing:
            out.append(finding(
                "listener.certificate",
                "TLS listener %s does not serve certificate(s) %s." % (want["port"], ", ".join(missing)),
                resource=listener.get("arn"), expected=want["certificates"], actual=listener.get("certificates"),
                fix="Check %sssl-cert (an ISSUED ACM certificate in this region)." % PREFIX))
        groups = [by_arn[a] for a in listener.get("forward_to") or [] if a in by_arn]
        if not groups:
            out.append(finding("target_group.missing", "Listener %s forwards to no target group." % want["port"],
                               resource=listener.get("arn")))
        for tg in groups:
            if tg.get("target_type") and tg["target_type"] != expected["target_type"]:
                out.append(finding(
                    "target_group.target_type", "Target group %s has target type %s, expected %s."
                    % (tg.get("name"), tg["target_type"], expected["target_type"]), resource=tg.get("arn"),
                    expected=expected["target_type"], actual=tg["target_type"]))
            out.extend(check_health_check(tg, expected["health_check"], fix))
            out.extend(check_targets(tg, want.get("traffic_port")))
    return out
