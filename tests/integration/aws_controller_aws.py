# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS side of the stand-in AWS Load Balancer Controller (aws_controller.py), in moto: the cluster's VPC
with subnets tagged for the controller's subnet discovery, the certificate check ELBv2 makes for an HTTPS
listener, load balancers, target groups and listeners with the controller's names and tags.
"""

import hashlib
import re
import time

import boto3

from aws_controller_kube import ModelError

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
# the controller's subnet discovery: internet-facing ALBs go to subnets with the first tag, internal ones to the second
SUBNET_ROLE_TAGS = (("kubernetes.io/role/elb", "1"), ("kubernetes.io/role/internal-elb", "1"))


def _sanitize(text, size):
    return re.sub(r"[^a-zA-Z0-9]", "", text)[:size]


def _hash(*parts):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:10]


def alb_name(cluster, stack, scheme):
    """The controller's ALB name: the stack's name and a hash of the cluster, the stack and the scheme."""
    return ("k8s-%s-%s" % (_sanitize(stack, 12), _hash(cluster, stack, scheme)))[:32]


def _tags(mapping):
    return [{"Key": k, "Value": v} for k, v in sorted(mapping.items())]


class AwsSide:
    """moto clients and the load balancer plumbing of one controller (one cluster, one region)."""

    def __init__(self, endpoint_url=None, region="us-east-1", cluster_name="testbed", session=None):
        session = session or boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                                   region_name=region)
        kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
        self.elbv2 = session.client("elbv2", region_name=region, **kwargs)
        self.ec2 = session.client("ec2", region_name=region, **kwargs)
        self.acm = session.client("acm", region_name=region, **kwargs)
        self.cluster = cluster_name
        self._network = None
        self._born = {}           # load balancer ARN -> when this controller created it (monotonic)

    def network(self):
        """A VPC with two subnets tagged for internet-facing and internal load balancers (the controller's subnet
        discovery), and two instances standing for the cluster's nodes (created once)."""
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
                                              AvailabilityZone=self.elbv2.meta.region_name + az, TagSpecifications=[{
                                                  "ResourceType": "subnet", "Tags": _tags(dict(SUBNET_ROLE_TAGS))}],
                                              )["Subnet"]["SubnetId"]
                       for i, az in enumerate(("a", "b"))]
            nodes = [i["InstanceId"] for i in self.ec2.run_instances(
                ImageId="ami-12c6146b", MinCount=2, MaxCount=2, SubnetId=subnets[0], TagSpecifications=[{
                    "ResourceType": "instance", "Tags": [{"Key": "meshops-testbed", "Value": "node"}]}])["Instances"]]
        self._network = {"vpc": vpc, "subnets": subnets, "nodes": nodes}
        return self._network

    def subnets_for(self, scheme):
        """The controller's subnet discovery: the VPC's subnets tagged for the scheme, else a build failure."""
        tag = SUBNET_ROLE_TAGS[1][0] if scheme == "internal" else SUBNET_ROLE_TAGS[0][0]
        found = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.network()["vpc"]]},
                                                   {"Name": "tag:" + tag, "Values": ["", "1"]}])["Subnets"]
        if not found:
            raise ModelError("FailedBuildModel", "Failed build model due to couldn't auto-discover subnets: unable "
                             "to resolve at least one subnet (0 match VPC and tags: [%s])" % tag)
        return [s["SubnetId"] for s in found]

    def check_certificates(self, arns):
        """ELBv2 refuses an HTTPS listener whose certificate is unknown or not ISSUED; nothing is deployed then."""
        for arn in arns:
            try:
                status = self.acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
            except self.acm.exceptions.ResourceNotFoundException:
                status = None
            if status != "ISSUED":
                raise ModelError("FailedDeployModel", "Failed deploy model due to %s: certificate %s %s" % (
                    "CertificateNotFound" if status is None else "UnsupportedCertificate", arn,
                    "not found" if status is None else "is %s, not ISSUED" % status))

    def _tags_of(self, arns):
        out = {}
        for i in range(0, len(arns), 20):
            for d in self.elbv2.describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
                out[d["ResourceArn"]] = {t["Key"]: t["Value"] for t in d["Tags"]}
        return out

    def _stacks(self, stack_tag):
        """{stack: [load balancers]} of this cluster (two while an ALB is being replaced)."""
        lbs = self.elbv2.describe_load_balancers()["LoadBalancers"]
        tags = self._tags_of([lb["LoadBalancerArn"] for lb in lbs]) if lbs else {}
        out = {}
        for lb in lbs:
            t = tags.get(lb["LoadBalancerArn"], {})
            if t.get(CLUSTER_TAG) == self.cluster and stack_tag in t:
                out.setdefault(t[stack_tag], []).append(lb)
        return out

    def _delete_lb(self, lb, target_groups=True):
        try:
            tgs = self.elbv2.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"]
        except self.elbv2.exceptions.TargetGroupNotFoundException:  # moto: the stack failed before its TGs
            tgs = []
        for listener in self.elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            self.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        self.elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        self._born.pop(lb["LoadBalancerArn"], None)
        for tg in tgs if target_groups else ():
            self.elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])

    def _create_lb(self, stack, stack_tag, name, lb_type, scheme, extra_tags, subnets=None):
        tags = dict(extra_tags, **{CLUSTER_TAG: self.cluster, stack_tag: stack,
                                   stack_tag.split("/")[0] + "/resource": "LoadBalancer"})
        lb = self.elbv2.create_load_balancer(Name=name, Subnets=subnets or self.network()["subnets"], Scheme=scheme,
                                             Type=lb_type, Tags=_tags(tags))["LoadBalancers"][0]
        self._born[lb["LoadBalancerArn"]] = time.monotonic()
        return lb

    def _ensure_lb(self, stacks, stack, stack_tag, name, lb_type, scheme, extra_tags):
        lbs = stacks.get(stack) or []
        lb = lbs[0] if lbs else None
        if lb is not None and lb["Scheme"] != scheme:        # the scheme cannot change in place
            self._delete_lb(lb)
            lb = None
        return lb or self._create_lb(stack, stack_tag, name, lb_type, scheme, extra_tags)

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
