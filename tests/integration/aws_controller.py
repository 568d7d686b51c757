# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the AWS Load Balancer Controller on the test bed.

The real controller cannot run here (no AWS, no kubelet), so this fixture plays its part against the real
kube-apiserver and moto: for every Ingress of class ``alb`` (grouped by ``group.name`` or namespace/name) it
creates an ALB, target groups and listeners in moto with the controller's tags, and for every Service of type
LoadBalancer with ``service.beta.kubernetes.io/aws-load-balancer-type: external`` an NLB; then it writes the
load balancer's DNS name into the Ingress/Service status through the API server. Stacks whose Kubernetes
objects are gone are deleted, like the controller's finalizer does.

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
import hashlib
import json
import os
import re
import signal
import sys
import threading

import boto3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

ALB_PREFIX = "alb.ingress.kubernetes.io/"
SVC_PREFIX = "service.beta.kubernetes.io/aws-load-balancer-"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
REGION = "us-east-1"
CLUSTER = "testbed"


def _sanitize(text, size):
    return re.sub(r"[^a-zA-Z0-9]", "", text)[:size]


def _hash(*parts):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:10]


def _tags(mapping):
    return [{"Key": k, "Value": v} for k, v in sorted(mapping.items())]


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


class FakeLoadBalancerController:
    """Reconciles Ingresses (ALB) and Services (NLB) of the test bed into moto."""

    def __init__(self, kubeconfig, endpoint_url=None, region="us-east-1", cluster_name="testbed", session=None):
        api = k8s_config.new_client_from_config(config_file=kubeconfig)
        self.core = k8s.CoreV1Api(api)
        self.net = k8s.NetworkingV1Api(api)
        session = session or boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                                   region_name=region)
        kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
        self.elbv2 = session.client("elbv2", region_name=region, **kwargs)
        self.ec2 = session.client("ec2", region_name=region, **kwargs)
        self.cluster = cluster_name
        self.errors = {}          # stack -> last error (like the controller's events)
        self._network = None

    # -- AWS plumbing ---------------------------------------------------------------------------------
    def network(self):
        """A VPC with two subnets and two instances standing for the cluster's nodes (created once)."""
        if self._network:
            return self._network
        vpcs = self.ec2.describe_vpcs(Filters=[{"Name": "tag:meshops-testbed", "Values": ["eks"]}])["Vpcs"]
        if vpcs:
            vpc = vpcs[0]["VpcId"]
            subnets = [s["SubnetId"] for s in self.ec2.describe_subnets(
                Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
            nodes = [i["InstanceId"] for r in self.ec2.describe_instances(
                Filters=[{"Name": "tag:meshops-testbed", "Values": ["node"]},
                         {"Name": "instance-state-name", "Values": ["running", "pending"]}])["Reservations"]
                     for i in r["Instances"]]
        else:
            vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{
                "ResourceType": "vpc", "Tags": [{"Key": "meshops-testbed", "Value": "eks"}]}])["Vpc"]["VpcId"]
            subnets = [self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % (i + 1),
                                              AvailabilityZone=self.elbv2.meta.region_name + az)["Subnet"]["SubnetId"]
                       for i, az in enumerate(("a", "b"))]
            nodes = [i["InstanceId"] for i in self.ec2.run_instances(
                ImageId="ami-12c6146b", MinCount=2, MaxCount=2, SubnetId=subnets[0], TagSpecifications=[{
                    "ResourceType": "instance", "Tags": [{"Key": "meshops-testbed", "Value": "node"}]}])["Instances"]]
        self._network = {"vpc": vpc, "subnets": subnets, "nodes": nodes}
        return self._network

    def _tags_of(self, arns):
        out = {}
        for i in range(0, len(arns), 20):
            for d in self.elbv2.describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
                out[d["ResourceArn"]] = {t["Key"]: t["Value"] for t in d["Tags"]}
        return out

    def _stacks(self, stack_tag):
        lbs = self.elbv2.describe_load_balancers()["LoadBalancers"]
        tags = self._tags_of([lb["LoadBalancerArn"] for lb in lbs]) if lbs else {}
        return {tags[lb["LoadBalancerArn"]][stack_tag]: lb for lb in lbs
                if tags.get(lb["LoadBalancerArn"], {}).get(CLUSTER_TAG) == self.cluster
                and stack_tag in tags.get(lb["LoadBalancerArn"], {})}

    def _delete_lb(self, lb):
        try:
            tgs = self.elbv2.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"]
        except self.elbv2.exceptions.TargetGroupNotFoundException:  # moto: the stack failed before its TGs
            tgs = []
        for listener in self.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            self.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        self.elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        for tg in tgs:
            self.elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])

    def _ensure_lb(self, stacks, stack, stack_tag, name, lb_type, scheme, extra_tags):
        lb = stacks.get(stack)
        if lb is not None and lb["Scheme"] != scheme:        # the scheme cannot change in place
            self._delete_lb(lb)
            lb = None
        if lb is None:
            tags = dict(extra_tags, **{CLUSTER_TAG: self.cluster, stack_tag: stack,
                                       stack_tag.split("/")[0] + "/resource": "LoadBalancer"})
            lb = self.elbv2.create_load_balancer(Name=name, Subnets=self.network()["subnets"], Scheme=scheme,
                                                 Type=lb_type, Tags=_tags(tags))["LoadBalancers"][0]
        return lb

    def _ensure_tg(self, lb_tags, resource_tag, resource, spec):
        """Create or update a target group; (re-)register its targets."""
        existing = self.elbv2.describe_target_groups()["TargetGroups"]
        tags = self._tags_of([tg["TargetGroupArn"] for tg in existing]) if existing else {}
        tg = next((t for t in existing if tags.get(t["TargetGroupArn"], {}).get(resource_tag) == resource), None)
        hc = {"HealthCheckProtocol": spec["hc_protocol"], "HealthCheckPort": spec["hc_port"]}
        if spec.get("hc_path"):
            hc["HealthCheckPath"] = spec["hc_path"]
        if tg is not None and (tg["TargetType"] != spec["target_type"] or tg["Port"] != spec["port"]):
            for lst in self.elbv2.describe_listeners(LoadBalancerArn=tg["LoadBalancerArns"][0])["Listeners"] \
                    if tg.get("LoadBalancerArns") else []:
                self.elbv2.delete_listener(ListenerArn=lst["ListenerArn"])
            self.elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
            tg = None
        if tg is None:
            name = "k8s-%s-%s" % (_sanitize(resource, 16), _hash(self.cluster, resource))
            tg = self.elbv2.create_target_group(
                Name=name[:32], Protocol=spec["protocol"], Port=spec["port"], VpcId=self.network()["vpc"],
                TargetType=spec["target_type"], Tags=_tags(dict(lb_tags, **{resource_tag: resource})),
                **hc)["TargetGroups"][0]
        elif any(tg.get(k) != v for k, v in hc.items()):
            self.elbv2.modify_target_group(TargetGroupArn=tg["TargetGroupArn"], **hc)
        if spec["target_type"] == "instance":
            targets = [{"Id": node, "Port": spec["port"]} for node in self.network()["nodes"]]
        else:
            targets = [{"Id": "10.0.1.%d" % (10 + i), "Port": spec["port"]} for i in range(2)]
        current = self.elbv2.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        stale = [d["Target"] for d in current if d["Target"] not in targets]
        if stale:
            self.elbv2.deregister_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=stale)
        self.elbv2.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=targets)
        return tg

    def _ensure_listener(self, lb, port, protocol, actions, certs=None):
        listeners = self.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        current = next((x for x in listeners if x["Port"] == port), None)
        kwargs = {"Protocol": protocol, "Port": port, "DefaultActions": actions}
        if certs:
            kwargs["Certificates"] = [{"CertificateArn": certs[0]}]
        if current is None:
            current = self.elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], **kwargs)["Listeners"][0]
        else:
            self.elbv2.modify_listener(ListenerArn=current["ListenerArn"], **kwargs)
        if certs and len(certs) > 1:
            self.elbv2.add_listener_certificates(ListenerArn=current["ListenerArn"],
                                                 Certificates=[{"CertificateArn": c} for c in certs[1:]])
        return current

    # -- Ingress -> ALB -------------------------------------------------------------------------------
    def _alb_ingresses(self):
        out = {}
        for ing in self.net.list_ingress_for_all_namespaces().items:
            ann = ing.metadata.annotations or {}
            cls = ing.spec.ingress_class_name or ann.get("kubernetes.io/ingress.class")
            if cls != "alb" or ing.metadata.deletion_timestamp:
                continue
            stack = ann.get(ALB_PREFIX + "group.name") or "%s/%s" % (ing.metadata.namespace, ing.metadata.name)
            out.setdefault(stack, []).append(ing)
        for members in out.values():
            members.sort(key=lambda i: (int((i.metadata.annotations or {}).get(ALB_PREFIX + "group.order", 0)),
                                        i.metadata.namespace, i.metadata.name))
        return out

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
        first = members[0].metadata.annotations or {}
        scheme = first.get(ALB_PREFIX + "scheme", "internal")
        listen, certs, redirect, tags = [], [], None, {}
        for ing in members:
            ann = ing.metadata.annotations or {}
            for item in json.loads(ann.get(ALB_PREFIX + "listen-ports", '[{"HTTP": 80}]')):
                for proto, port in item.items():
                    if (proto, port) not in listen:
                        listen.append((proto, port))
            for arn in filter(None, ann.get(ALB_PREFIX + "certificate-arn", "").split(",")):
                if arn.strip() not in certs:
                    certs.append(arn.strip())
            redirect = redirect or ann.get(ALB_PREFIX + "ssl-redirect")
            for item in filter(None, ann.get(ALB_PREFIX + "tags", "").split(",")):
                key, value = (item.split("=", 1) + [""])[:2]
                tags[key.strip()] = value.strip()
        name = "k8s-%s-%s" % (_sanitize(stack, 12), _hash(self.cluster, stack))
        lb = self._ensure_lb(stacks, stack, "ingress.k8s.aws/stack", name[:32], "application", scheme, tags)
        lb_tags = dict(tags, **{CLUSTER_TAG: self.cluster, "ingress.k8s.aws/stack": stack})
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
        for proto, port in listen:
            if proto == "HTTP" and redirect:
                actions = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": str(redirect),
                                                                   "StatusCode": "HTTP_301"}}]
            else:
                actions = forward
            listener = self._ensure_listener(lb, port, proto, actions, certs if proto == "HTTPS" else None)
            rules = self.elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            attached = {a.get("TargetGroupArn") for r in rules for a in r["Actions"]}
            for prio, tg in enumerate(tgs[1:], start=1):
                if tg["TargetGroupArn"] not in attached:
                    self.elbv2.create_rule(ListenerArn=listener["ListenerArn"], Priority=prio, Conditions=[
                        {"Field": "path-pattern", "Values": ["/*"]}],
                        Actions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        for ing in members:
            self.net.patch_namespaced_ingress_status(ing.metadata.name, ing.metadata.namespace, {
                "status": {"loadBalancer": {"ingress": [{"hostname": lb["DNSName"]}]}}})
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
                    "hc_protocol": hc_protocol, "hc_port": resolve_hc_port(ann.get("healthcheck-port"), svc, target_type),
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
        wanted = self._alb_ingresses()
        for stack, members in wanted.items():
            try:
                self._reconcile_alb(stacks, stack, members)
                self.errors.pop(stack, None)
            except Exception as exc:  # noqa: BLE001 - recorded like a controller event
                self.errors[stack] = str(exc)
        self._delete_stacks(stacks, wanted)
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
        for stack, lb in stacks.items():
            if stack not in wanted:
                try:
                    self._delete_lb(lb)
                    self.errors.pop(stack, None)
                except Exception as exc:  # noqa: BLE001 - recorded like a controller event
                    self.errors[stack] = str(exc)

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
