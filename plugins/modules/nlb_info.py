#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nlb_info
short_description: Find and verify the AWS Network Load Balancer in front of the Istio ingress gateway
version_added: 0.1.0
description:
  - Read-only. Reads the gateway Service (shaped by M(meshops.istio_edge.gateway_service) profile C(nlb)),
    finds the NLB the AWS Load Balancer Controller made for it by the controller's tags
    (C(service.k8s.aws/stack) = namespace/name, C(elbv2.k8s.aws/cluster)) and verifies it.
  - Checks one listener per Service port (TLS with the C(ssl-cert) certificate on the C(ssl-ports)), the target
    type, the target group health check (HTTP on the status port at C(/healthz/ready), or TCP on the traffic
    port, or whatever the Service annotations say) and target health. Every finding is in RV(verification).
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.attributes.info_module
  - meshops.istio_edge.k8s_auth
  - meshops.istio_edge.aws_auth
attributes:
  action_group:
    membership: [meshops.istio_edge.k8s, meshops.istio_edge.aws]
options:
  name:
    description: Name of the gateway Service.
    type: str
    default: istio-ingress
  namespace:
    description: Namespace of the gateway Service.
    type: str
    default: istio-ingress
  health_check:
    description:
      - C(from_service) expects the health check the Service annotations configure (with the controller's
        defaults) and reports Service settings that cannot work, such as port 15021 with instance targets.
      - C(status_port) expects HTTP on the status port (15021 in the pod, its nodePort with instance targets)
        at O(health_check_path).
      - C(traffic_port) expects TCP on the traffic port.
    type: str
    choices: [from_service, status_port, traffic_port]
    default: from_service
  status_port_name:
    description: Name of the gateway Service's status port.
    type: str
    default: status-port
  health_check_path:
    description: Health-check path expected with O(health_check=status_port).
    type: str
    default: /healthz/ready
  cluster_name:
    description: The EKS cluster name (C(elbv2.k8s.aws/cluster) tag); when set, other clusters' NLBs are ignored.
    type: str
  wait:
    description:
      - Wait until the Service has the NLB's address in its status, then until the NLB is active and no target
        is still in its first health checks (C(initial)).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for each of the above.
    type: int
    default: 600
  verify:
    description: C(report) returns the findings; C(strict) fails when there is any (or no NLB address yet).
    type: str
    choices: [report, strict]
    default: report
seealso:
  - module: meshops.istio_edge.gateway_service
  - module: meshops.istio_edge.alb_ingress
  - name: AWS Load Balancer Controller Service annotations
    description: The annotations the expectations are derived from.
    link: https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
"""

EXAMPLES = r"""
- name: Wait for the NLB and fail on any finding
  meshops.istio_edge.nlb_info:
    name: istio-ingress
    namespace: istio-ingress
    health_check: status_port
    cluster_name: prod-eks
    region: eu-west-1
    wait: true
    verify: strict
  register: nlb

- name: Show the NLB address
  ansible.builtin.debug:
    msg: "{{ nlb.address }} -> {{ nlb.verification.status }}"
"""

RETURN = r"""
service:
  description: The gateway Service (name, namespace, type and its AWS load balancer annotations).
  returned: always
  type: dict
expected:
  description: What the NLB should look like according to the Service (listeners, target type, health check).
  returned: always
  type: dict
address:
  description: The NLB host name from the Service status (null until the controller set it).
  returned: always
  type: str
load_balancer:
  description: The NLB found by its tags (arn, name, dns_name, scheme, type, state, canonical_hosted_zone_id).
  returned: when the Service has an address
  type: dict
listeners:
  description: The NLB's listeners with their certificates and the target groups they forward to.
  returned: when the Service has an address
  type: list
  elements: dict
target_groups:
  description: The NLB's target groups with health-check settings, tags and target health.
  returned: when the Service has an address
  type: list
  elements: dict
verification:
  description:
    - C(status) is C(ok), C(failed) (see C(findings)) or C(pending) (no NLB address yet).
    - Each finding has C(check), C(severity), C(message), and when known C(resource), C(expected), C(actual), C(fix).
  returned: always
  type: dict
  sample: {status: ok, errors: 0, findings: []}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.nlb.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.nlb.runner import run_nlb_info


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run_nlb_info, requires=("kubernetes", "boto3", "botocore"))


if __name__ == "__main__":
    main()
