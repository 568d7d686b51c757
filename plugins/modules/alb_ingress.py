#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: alb_ingress
short_description: Put an AWS Application Load Balancer in front of the Istio ingress gateway
version_added: 0.1.0
description:
  - Ensures the Ingress (class C(alb)) that the AWS Load Balancer Controller turns into an Application Load
    Balancer, in the gateway's namespace, sending every path to the gateway Service. Istio routes by host behind it.
  - Sets the scheme, the target type, listeners, the HTTPS redirect, the certificate (given, or the newest ISSUED
    ACM certificate covering O(certificate_domain)), external-dns host names, the IngressGroup, a WAF web ACL,
    tags, and the health check on the gateway status port (C(status-port), C(/healthz/ready)).
  - Optionally waits for the ALB, finds it by the controller's tags and verifies what people get wrong - the
    target group health-check port and path (in C(instance) mode the status port's nodePort, read from the live
    gateway Service), the listeners and certificate, and target health. Every finding is in RV(verification).
  - Optionally writes Route53 alias records to the ALB when external-dns is not used.
  - Everything that can fail on bad input (options, gateway Service, IngressClass, IngressGroup conflicts, ACM
    lookup and certificate status, AWS region and credentials, Route53 zone) is checked before the Ingress is
    written.
  - What the AWS Load Balancer Controller would fail on silently - leaving the Ingress without an address - is
    refused before writing, with the reason - an O(ingress_class) that does not exist or belongs to another
    controller than C(ingress.k8s.aws/alb), and an O(certificate_arn) that ACM does not know in the region, that
    is of another region, not C(ISSUED) (the message names its status, for example C(PENDING_VALIDATION) or
    C(EXPIRED)), expired, or that does not cover every one of O(hostnames) (wildcards one label deep; several
    certificates, and those of other IngressGroup members, cover them together).
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.k8s_auth
  - meshops.istio_edge.aws_auth
attributes:
  check_mode:
    support: full
    details: The Ingress is applied as a server dry-run; Route53 changes are predicted, not made.
  diff_mode:
    support: full
    details: Shows the Ingress (and Route53 records) before and after.
  action_group:
    membership: [meshops.istio_edge.k8s, meshops.istio_edge.aws]
options:
  name:
    description: Name of the Ingress.
    type: str
    required: true
  namespace:
    description: Namespace of the gateway (the Ingress must live next to its backend Service).
    type: str
    default: istio-ingress
  gateway_service:
    description: Name of the gateway Service the ALB forwards to.
    type: str
    default: istio-ingress
  backend_port:
    description: The gateway Service port (number or name) that receives the traffic, the HTTP port.
    type: raw
    default: 80
  status_port_name:
    description:
      - Name of the gateway Service port serving Istio's readiness endpoint (15021 in the pod).
      - Written as C(alb.ingress.kubernetes.io/healthcheck-port); the controller resolves it to the nodePort
        (C(instance)) or the pod port (C(ip)). The verification expects exactly that port.
    type: str
    default: status-port
  health_check_path:
    description: Health-check path (written as C(alb.ingress.kubernetes.io/healthcheck-path) and verified).
    type: str
    default: /healthz/ready
  ingress_class:
    description:
      - IngressClass of the AWS Load Balancer Controller. It must exist and its C(spec.controller) must be
        C(ingress.k8s.aws/alb) (the controller's Helm chart creates C(alb)); anything else is refused before the
        Ingress is written, naming the classes of that controller.
    type: str
    default: alb
  scheme:
    description: C(internet-facing) or C(internal). Shared by every Ingress of an IngressGroup.
    type: str
    choices: [internet-facing, internal]
    default: internet-facing
  target_type:
    description:
      - C(instance) sends traffic to the nodePorts of the gateway Service, which must be of type NodePort.
      - C(ip) sends traffic to the pod IPs (needs the Amazon VPC CNI).
    type: str
    choices: [instance, ip]
    default: instance
  listen_ports:
    description: The ALB listeners.
    type: list
    elements: dict
    default: [{protocol: HTTP, port: 80}, {protocol: HTTPS, port: 443}]
    suboptions:
      protocol:
        description: Listener protocol.
        type: str
        required: true
        choices: [HTTP, HTTPS]
      port:
        description: Listener port.
        type: int
        required: true
  https_redirect:
    description:
      - Redirect HTTP to the (first) HTTPS listener (C(alb.ingress.kubernetes.io/ssl-redirect)).
      - In an IngressGroup only one member may set it; it applies to the whole group.
    type: bool
    default: true
  certificate_arn:
    description:
      - ACM (or IAM server) certificate ARNs for the HTTPS listener; the first is the default one.
      - ACM certificates are checked before writing (C(acm:DescribeCertificate)) - in the ALB's region, C(ISSUED),
        not expired, covering O(hostnames). IAM server certificates are not checked.
    type: list
    elements: str
  certificate_domain:
    description:
      - Look the certificate up in ACM instead. The newest ISSUED certificate whose domain name or subject
        alternative names cover this name (wildcards included) is used; none is an error.
    type: str
  hostnames:
    description:
      - Host names for external-dns (C(external-dns.alpha.kubernetes.io/hostname)); also the default Route53
        record names.
    type: list
    elements: str
    default: []
  group_name:
    description:
      - IngressGroup name to share one ALB between several Ingresses (C(group.name)). The scheme, WAF ACL,
        tags and the HTTPS redirect must not conflict with other members (checked before writing).
    type: str
  group_order:
    description: Order of this Ingress's rules in the group (C(group.order), -1000..1000).
    type: int
  waf_acl_arn:
    description: ARN of a regional WAFv2 web ACL to associate with the ALB.
    type: str
  tags:
    description: AWS tags for the ALB and its target groups.
    type: dict
    default: {}
  annotations:
    description:
      - Extra Ingress annotations (for example C(alb.ingress.kubernetes.io/ssl-policy)). Annotations that an
        option sets are refused; use the option.
    type: dict
    default: {}
  labels:
    description: Extra Ingress labels.
    type: dict
    default: {}
  cluster_name:
    description:
      - The EKS cluster name the controller runs with (its C(elbv2.k8s.aws/cluster) tag). When set, only load
        balancers of this cluster are considered.
    type: str
  wait:
    description:
      - Wait until the Ingress has the address of the ALB asked for - read in ELBv2, its scheme and the
        controller's tags C(ingress.k8s.aws/stack) and C(elbv2.k8s.aws/cluster) (with O(cluster_name)) must match.
        A scheme or group change makes the controller create a new ALB while the Ingress still shows the old
        address for a while; the module waits for the new one, then verifies it. Without AWS access
        (O(verify=none), no ACM certificate, no O(route53)) it waits for an address other than the replaced one.
      - With O(verify), also until the ALB is active and no target is still in its first health checks
        (C(initial)), so that findings are final.
      - A timeout names what was awaited, the last state seen with the controller's Warning events on the Ingress
        (C(FailedBuildModel), C(FailedDeployModel)), and the likely causes in order - the certificate, the
        IngressClass, subnet tags, the controller's logs (C(kubectl logs -n kube-system
        deployment/aws-load-balancer-controller)).
      - With O(state=absent), wait until the Ingress is gone (the controller removes its finalizer).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for each of the above.
    type: int
    default: 600
  verify:
    description:
      - C(report) finds the ALB (when the Ingress has an address) and returns the findings.
      - C(strict) fails when there is any finding.
      - C(none) skips the ELBv2 verification (AWS credentials are still needed for an ACM O(certificate_arn),
        O(certificate_domain) or O(route53)).
    type: str
    choices: [none, report, strict]
    default: report
  route53:
    description: Alias records to the ALB, for clusters without external-dns. Needs O(wait) on the first run.
    type: dict
    suboptions:
      zone_id:
        description: Hosted zone id.
        type: str
      zone_name:
        description: Hosted zone name (when O(route53.zone_id) is not given).
        type: str
      private_zone:
        description: Pick the private (true) or public (false) zone of that name.
        type: bool
      record_names:
        description: Record names; default O(hostnames).
        type: list
        elements: str
      record_types:
        description: Record types.
        type: list
        elements: str
        choices: [A, AAAA]
        default: [A]
      evaluate_target_health:
        description: Alias C(EvaluateTargetHealth).
        type: bool
        default: true
  state:
    description:
      - C(absent) deletes the Ingress (the controller then deletes the ALB unless other group members remain)
        and the Route53 alias records that point at its ALB.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Health-check settings on the gateway Service override the Ingress's. Shape the gateway Service with
    M(meshops.istio_edge.gateway_service) profile C(alb), which puts them there with pinned nodePorts.
seealso:
  - module: meshops.istio_edge.gateway_service
  - module: meshops.istio_edge.nlb_info
  - name: AWS Load Balancer Controller Ingress annotations
    description: The annotations this module writes.
    link: https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
"""

EXAMPLES = r"""
- name: ALB with an ACM certificate looked up by domain, waiting for it and verifying it
  meshops.istio_edge.alb_ingress:
    name: edge
    namespace: istio-ingress
    gateway_service: istio-ingress
    certificate_domain: shop.example.com
    hostnames: [shop.example.com, api.example.com]
    cluster_name: prod-eks
    region: eu-west-1
    wait: true
    verify: strict

- name: Internal ALB shared by an IngressGroup, IP targets, WAF and tags
  meshops.istio_edge.alb_ingress:
    name: edge-internal
    scheme: internal
    target_type: ip
    group_name: internal-apps
    certificate_arn: [arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666]
    waf_acl_arn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/internal/1234abcd
    tags: {team: platform, env: prod}

- name: Without external-dns, an alias record in Route53
  meshops.istio_edge.alb_ingress:
    name: edge
    certificate_domain: "*.example.com"
    hostnames: [shop.example.com]
    wait: true
    route53:
      zone_name: example.com

- name: Remove the ALB Ingress
  meshops.istio_edge.alb_ingress:
    name: edge
    state: absent
    verify: none
"""

RETURN = r"""
ingress:
  description: The Ingress after the run (predicted by a server dry-run in check mode).
  returned: state=present
  type: dict
annotations:
  description: The annotations the module owns on the Ingress.
  returned: state=present
  type: dict
certificate_arns:
  description: Certificate ARNs written to the Ingress.
  returned: state=present
  type: list
  elements: str
certificates:
  description: The ACM certificates of O(certificate_arn) as checked (C(arn), C(domain_name),
    C(subject_alternative_names), C(status), C(type), C(not_after)).
  returned: when certificate_arn has ACM certificates and an HTTPS listener
  type: list
  elements: dict
certificate:
  description: The ACM certificate picked for O(certificate_domain), with every matching C(candidates).
  returned: when certificate_domain is set
  type: dict
  sample: {arn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b", domain_name: "*.example.com",
           subject_alternative_names: ["*.example.com", "example.com"], status: ISSUED, candidates: []}
stack:
  description: The controller's stack id (group name, or namespace/name) used to find the ALB.
  returned: state=present
  type: str
address:
  description: The ALB host name from the Ingress status (null until the controller set it).
  returned: state=present
  type: str
  sample: k8s-istioing-edge-1a2b3c4d5e-123456789.eu-west-1.elb.amazonaws.com
load_balancer:
  description: The ALB found by its tags.
  returned: when verified
  type: dict
  sample: {arn: "arn:aws:elasticloadbalancing:...", name: k8s-istioing-edge-1a2b3c4d5e, scheme: internet-facing,
           type: application, state: active, dns_name: "k8s-...elb.amazonaws.com",
           canonical_hosted_zone_id: Z32O12XQLNTSW2}
listeners:
  description: The ALB's listeners with their certificates and default actions.
  returned: when verified
  type: list
  elements: dict
target_groups:
  description: The ALB's target groups with health-check settings, tags and target health.
  returned: when verified
  type: list
  elements: dict
verification:
  description:
    - C(status) is C(ok), C(failed) (see C(findings)) or C(pending) (no ALB address yet).
    - Each finding has C(check), C(severity), C(message), and when known C(resource), C(expected), C(actual), C(fix).
  returned: when verify is not none
  type: dict
  sample: {status: failed, errors: 1, findings: [{check: health_check.port, severity: error,
           message: "Target group k8s-... health check port is 'traffic-port', expected '30021'.",
           expected: "30021", actual: traffic-port}]}
group_members:
  description: The other Ingresses of the IngressGroup.
  returned: when group_name is set
  type: list
  elements: str
route53:
  description: The alias records (C(records)), the zone, and how many changes were made or predicted.
  returned: when route53 is set
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.args import MUTUALLY_EXCLUSIVE, argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.runner import run_alb_ingress


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=MUTUALLY_EXCLUSIVE)
    run_module(module, run_alb_ingress, requires=("kubernetes", "boto3", "botocore"))


if __name__ == "__main__":
    main()
