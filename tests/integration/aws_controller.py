# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the AWS Load Balancer Controller on the test bed.

The real controller cannot run here (no AWS, no kubelet), so this fixture plays its part against the real
kube-apiserver and moto: for every Ingress of class ``alb`` (grouped by ``group.name`` or namespace/name) it
creates an ALB, target groups and listeners in moto with the controller's tags, and for every Service of type
LoadBalancer with ``service.beta.kubernetes.io/aws-load-balancer-type: external`` an NLB; then it writes the
load balancer's DNS name into the Ingress/Service status through the API server. Stacks whose Kubernetes
objects are gone are deleted.

Where the real controller surprises, the stand-in does the same (aws_controller_kube.py, aws_controller_aws.py):
only Ingresses of an IngressClass with controller ``ingress.k8s.aws/alb`` are served (it installs IngressClass
``alb`` like the controller's Helm chart); the ALB's name hashes the cluster, the stack and the **scheme**, so a
scheme change makes a new ALB, which provisions for ``replace_seconds`` before the Ingress address moves to it
and the old ALB is deleted; an HTTPS listener whose certificate is unknown or not ISSUED, subnets not tagged for
the scheme, or IngressGroup members that contradict each other leave the Ingress without an address and leave
a Warning event on it (``FailedBuildModel`` / ``FailedDeployModel``); a finalizer keeps a deleted Ingress until
its ALB is gone (``release()`` drops the finalizers when a test is done with the stand-in).

It derives the target-group health checks the way the controller documents it, which is what the collection
verifies: Service annotations override Ingress annotations; ``healthcheck-port`` is ``traffic-port`` by
default, a number as is, or a named Service port resolved to its nodePort (instance) or targetPort (ip);
``healthcheck-path`` defaults to ``/``. It is deliberately independent of the collection's code.

Use in tests (``with controller.running(): ...``), in-process under ``moto.mock_aws`` (pass ``session``), or as
a process for molecule: ``python aws_controller.py --kubeconfig K --endpoint-url U [--pid-file F]``
(``python aws_controller.py certificate DOMAIN`` requests an ISSUED ACM certificate in moto).
"""

import argparse
import contextlib
import os
import signal
import sys
import threading
import time

import boto3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from aws_controller_aws import CLUSTER_TAG, AwsSide, _hash, _sanitize, alb_name
from aws_controller_kube import (ALB_PREFIX, KubeSide, ModelError, class_controllers, ensure_ingress_class,
                                 finalizer_of, group_settings, is_alb_ingress, stack_of)

SVC_PREFIX = "service.beta.kubernetes.io/aws-load-balancer-"
REGION = "us-east-1"
CLUSTER = "testbed"


def _find_port(svc, ref):
    for port in svc.spec.ports or []:
        if (isinstance(ref, int) and port.port == ref) or port.name == ref:
            return port
    return None


def resolve_hc_port(raw, svc, target_type):
    """The controller's resolution of a healthcheck-port annotation value."""
    if raw in (None, "", "traffic-port"):
        return "traffic-port"
    if str(raw).isdigit():
        return str(raw)
    port = _find_port(svc, raw)
    if port is None:
        raise ValueError("healthcheck-port %r is not a port of Service %s" % (raw, svc.metadata.name))
    if target_type == "instance":
        return str(port.node_port)
    if isinstance(port.target_port, int) or str(port.target_port).isdigit():
        return str(port.target_port)
    raise ValueError("cannot use named healthCheckPort for IP TargetType when targetPort is named")


class FakeLoadBalancerController(AwsSide):
    """Reconciles Ingresses (ALB) and Services (NLB) of the test bed into moto.

    ``replace_seconds``: how long a replacement ALB (new scheme) provisions before the Ingress address moves to it
    and the old ALB is deleted (the real controller takes tens of seconds).
    """

    def __init__(self, kubeconfig, endpoint_url=None, region="us-east-1", cluster_name="testbed", session=None,
                 replace_seconds=3.0):
        api = k8s_config.new_client_from_config(config_file=kubeconfig)
        self.core = k8s.CoreV1Api(api)
        self.net = k8s.NetworkingV1Api(api)
        self.kube = KubeSide(self.core, self.net)
        AwsSide.__init__(self, endpoint_url, region, cluster_name, session)
        self.replace_seconds = replace_seconds
        self.errors = {}          # stack -> last error (like the controller's events)
        ensure_ingress_class(self.net)      # the controller's Helm chart installs IngressClass alb

    # -- Ingress -> ALB -------------------------------------------------------------------------------
    def _alb_ingresses(self):
        """``(wanted, deleting)``: {stack: [Ingress]} of the Ingresses this controller serves, in group order, and
        {stack: [Ingress]} of those being deleted that still carry its finalizer."""
        controllers = class_controllers(self.net)
        wanted, deleting = {}, {}
        for ing in self.net.list_ingress_for_all_namespaces().items:
            if not is_alb_ingress(ing, controllers):
                continue
            if ing.metadata.deletion_timestamp:
                if finalizer_of(ing) in (ing.metadata.finalizers or []):
                    deleting.setdefault(stack_of(ing), []).append(ing)
                continue
            wanted.setdefault(stack_of(ing), []).append(ing)
        for members in wanted.values():
            members.sort(key=lambda i: (int((i.metadata.annotations or {}).get(ALB_PREFIX + "group.order", 0)),
                                        i.metadata.namespace, i.metadata.name))
        return wanted, deleting

    def _backend_spec(self, ing, svc, backend_port):
        def ann(key, default=None):    # Service annotations override Ingress annotations
            return (svc.metadata.annotations or {}).get(ALB_PREFIX + key,
                                                        (ing.metadata.annotations or {}).get(ALB_PREFIX + key, default))
        target_type = ann("target-type", "instance")
        port = _find_port(svc, backend_port)
        if port is None:
            raise ValueError("Service %s has no port %r" % (svc.metadata.name, backend_port))
        if target_type == "instance":
            if svc.spec.type not in ("NodePort", "LoadBalancer"):
                raise ValueError("instance targets need a NodePort Service, %s is %s" % (svc.metadata.name,
                                                                                         svc.spec.type))
            tg_port = port.node_port
        else:
            tg_port = port.target_port if isinstance(port.target_port, int) else port.port
        return {"target_type": target_type, "port": tg_port, "protocol": "HTTP", "hc_protocol": ann(
            "healthcheck-protocol", "HTTP"), "hc_port": resolve_hc_port(ann("healthcheck-port"), svc, target_type),
            "hc_path": ann("healthcheck-path", "/")}

    def _reconcile_alb(self, stacks, stack, members):
        """Build the group's model, deploy it (a new ALB when the name - cluster, stack, scheme - changed), and move
        the members' address to it once it is provisioned; the replaced ALB is deleted then."""
        for ing in members:
            self.kube.add_finalizer(ing)
        settings = group_settings(members)
        scheme = settings["scheme"] or "internal"
        subnets = self.subnets_for(scheme)
        self.check_certificates(settings["certs"])
        name = alb_name(self.cluster, stack, scheme)
        current = [lb for lb in stacks.get(stack) or [] if lb["LoadBalancerName"] == name]
        replaced = [lb for lb in stacks.get(stack) or [] if lb["LoadBalancerName"] != name]
        lb = current[0] if current else self._create_lb(stack, "ingress.k8s.aws/stack", name, "application", scheme,
                                                        settings["tags"], subnets)
        lb_tags = dict(settings["tags"], **{CLUSTER_TAG: self.cluster, "ingress.k8s.aws/stack": stack})
        tgs = []
        for ing in members:
            for rule in ing.spec.rules or []:
                for path in (rule.http.paths if rule.http else []):
                    svc_ref = path.backend.service
                    port_ref = svc_ref.port.number or svc_ref.port.name
                    svc = self.core.read_namespaced_service(svc_ref.name, ing.metadata.namespace)
                    resource = "%s/%s-%s:%s" % (ing.metadata.namespace, ing.metadata.name, svc_ref.name, port_ref)
                    tgs.append(self._ensure_tg(lb_tags, "ingress.k8s.aws/resource", resource,
                                               self._backend_spec(ing, svc, port_ref)))
        forward = [{"Type": "forward", "TargetGroupArn": tgs[0]["TargetGroupArn"]}]
        for proto, port in settings["listen"]:
            if proto == "HTTP" and settings["redirect"]:
                actions = [{"Type": "redirect", "RedirectConfig": {
                    "Protocol": "HTTPS", "Port": str(settings["redirect"]), "StatusCode": "HTTP_301"}}]
            else:
                actions = forward
            listener = self._ensure_listener(lb, port, proto, actions, settings["certs"] if proto == "HTTPS" else None)
            rules = self.elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            attached = {a.get("TargetGroupArn") for r in rules for a in r["Actions"]}
            for prio, tg in enumerate(tgs[1:], start=1):
                if tg["TargetGroupArn"] not in attached:
                    self.elbv2.create_rule(ListenerArn=listener["ListenerArn"], Priority=prio, Conditions=[
                        {"Field": "path-pattern", "Values": ["/*"]}],
                        Actions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        if replaced and time.monotonic() - self._born.get(lb["LoadBalancerArn"], 0) < self.replace_seconds:
            return lb                 # the new ALB is still provisioning: the Ingress keeps the old address
        for ing in members:
            self.kube.set_address(ing, lb["DNSName"])
        for old in replaced:
            self._delete_lb(old, target_groups=False)
        return lb

    # -- Service -> NLB -------------------------------------------------------------------------------
    def _reconcile_nlb(self, stacks, svc):
        ann = {k[len(SVC_PREFIX):]: v for k, v in (svc.metadata.annotations or {}).items() if k.startswith(SVC_PREFIX)}
        stack = "%s/%s" % (svc.metadata.namespace, svc.metadata.name)
        target_type = "ip" if ann.get("type") == "nlb-ip" else ann.get("nlb-target-type", "instance")
        scheme = ann.get("scheme", "internal")
        name = ann.get("name") or ("k8s-%s-%s" % (_sanitize(stack, 12), _hash(self.cluster, stack)))[:32]
        lb = self._ensure_lb(stacks, stack, "service.k8s.aws/stack", name, "network", scheme, {})
        lb_tags = {CLUSTER_TAG: self.cluster, "service.k8s.aws/stack": stack}
        certs = [c.strip() for c in ann.get("ssl-cert", "").split(",") if c.strip()]
        ssl_ports = [p.strip() for p in ann.get("ssl-ports", "").split(",") if p.strip()]
        hc_protocol = ann.get("healthcheck-protocol", "TCP").upper()
        for port in svc.spec.ports:
            tg_port = port.node_port if target_type == "instance" else (
                port.target_port if isinstance(port.target_port, int) else port.port)
            spec = {"target_type": target_type, "port": tg_port, "protocol": port.protocol or "TCP",
                    "hc_protocol": hc_protocol,
                    "hc_port": resolve_hc_port(ann.get("healthcheck-port"), svc, target_type),
                    "hc_path": ann.get("healthcheck-path", "/") if hc_protocol in ("HTTP", "HTTPS") else None}
            tg = self._ensure_tg(lb_tags, "service.k8s.aws/resource", "%s:%s" % (stack, port.port), spec)
            tls = bool(certs) and (not ssl_ports or str(port.port) in ssl_ports or port.name in ssl_ports)
            self._ensure_listener(lb, port.port, "TLS" if tls else (port.protocol or "TCP"),
                                  [{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
                                  certs if tls else None)
        self.core.patch_namespaced_service_status(svc.metadata.name, svc.metadata.namespace, {
            "status": {"loadBalancer": {"ingress": [{"hostname": lb["DNSName"]}]}}})
        return lb

    # -- loop -----------------------------------------------------------------------------------------
    def reconcile(self):
        stacks = self._stacks("ingress.k8s.aws/stack")
        wanted, deleting = self._alb_ingresses()
        for stack, members in wanted.items():
            try:
                self._reconcile_alb(stacks, stack, members)
                self.errors.pop(stack, None)
            except ModelError as exc:
                self.errors[stack] = str(exc)
                for ing in members:
                    self.kube.event(ing, exc.reason, str(exc))
            except Exception as exc:  # noqa: BLE001 - recorded like a controller event
                self.errors[stack] = str(exc)
        self._delete_stacks(stacks, wanted)
        for stack, gone in deleting.items():
            if stack not in self.errors:
                for ing in gone:          # the group went on without them, or their ALB is deleted
                    self.kube.remove_finalizers(ing.metadata.namespace, ing.metadata.name)
        stacks = self._stacks("service.k8s.aws/stack")
        services = {}
        for svc in self.core.list_service_for_all_namespaces().items:
            ann = svc.metadata.annotations or {}
            if svc.spec.type == "LoadBalancer" and ann.get(SVC_PREFIX + "type") in ("external", "nlb-ip"):
                services["%s/%s" % (svc.metadata.namespace, svc.metadata.name)] = svc
        for stack, svc in services.items():
            try:
                self._reconcile_nlb(stacks, svc)
                self.errors.pop(stack, None)
            except Exception as exc:  # noqa: BLE001 - recorded like a controller event
                self.errors[stack] = str(exc)
        self._delete_stacks(stacks, services)

    def _delete_stacks(self, stacks, wanted):
        """Delete the load balancers whose Kubernetes objects are gone (a failure is recorded, then retried)."""
        for stack, lbs in stacks.items():
            if stack in wanted:
                continue
            try:
                for lb in lbs:
                    self._delete_lb(lb)
                self.errors.pop(stack, None)
            except Exception as exc:  # noqa: BLE001 - recorded like a controller event
                self.errors[stack] = str(exc)

    def release(self):
        """Drop the finalizers this controller put on Ingresses (a test's clean-up: once the stand-in stops,
        nobody would remove them and the test's namespace could never be deleted)."""
        for namespace, name in sorted(self.kube.finalized):
            self.kube.remove_finalizers(namespace, name)

    def errors_in(self, namespace):
        """The reconcile errors of this namespace's stacks (another test's namespace being deleted - its
        Ingress still there, its Service gone - fails to reconcile too, and is no concern of the caller)."""
        return dict((k, v) for k, v in self.errors.items() if k == "_loop" or k.startswith(namespace + "/"))

    @contextlib.contextmanager
    def running(self, interval=0.5):
        """Reconcile in a background thread while the block runs."""
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                try:
                    self.reconcile()
                except Exception as exc:  # noqa: BLE001 - keep running, like a controller
                    self.errors["_loop"] = str(exc)
                stop.wait(interval)
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=30)


def aws_clients(endpoint_url, region=REGION):
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=region)
    names = ("acm", "elbv2", "ec2", "route53")
    return {name: session.client(name, endpoint_url=endpoint_url) for name in names}


def request_certificate(argv):
    """``aws_controller.py certificate --endpoint-url U --region R DOMAIN [SAN...]``: an ISSUED ACM certificate
    in moto (MOTO_ACM_VALIDATION_WAIT=0 on the test bed); prints its ARN."""
    parser = argparse.ArgumentParser(description="Request an ACM certificate in moto.")
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", REGION))
    parser.add_argument("domain")
    parser.add_argument("sans", nargs="*")
    args = parser.parse_args(argv)
    acm = aws_clients(args.endpoint_url, args.region)["acm"]
    kwargs = {"DomainName": args.domain, "ValidationMethod": "DNS"}
    if args.sans:
        kwargs["SubjectAlternativeNames"] = [args.domain] + args.sans
    sys.stdout.write(acm.request_certificate(**kwargs)["CertificateArn"] + "\n")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["certificate"]:
        return request_certificate(argv[1:])
    parser = argparse.ArgumentParser(description="Play the AWS Load Balancer Controller against moto.")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    parser.add_argument("--cluster-name", default="testbed")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--pid-file")
    args = parser.parse_args(argv)
    if args.pid_file:
        with open(args.pid_file, "w") as handle:
            handle.write(str(os.getpid()))
    controller = FakeLoadBalancerController(args.kubeconfig, args.endpoint_url, args.region, args.cluster_name)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        try:
            controller.reconcile()
        except Exception as exc:  # noqa: BLE001 - keep running, report on stderr
            sys.stderr.write("reconcile failed: %s\n" % exc)
        for stack, error in controller.errors.items():
            sys.stderr.write("%s: %s\n" % (stack, error))
        stop.wait(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
