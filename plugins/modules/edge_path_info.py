#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: edge_path_info
short_description: Diagnose an app's whole traffic path, from the cloud edge to the app's endpoints
version_added: 0.1.0
description:
  - Walks every hop a request takes to reach an app - the edge (ALB/NLB target groups and health checks, Front
    Door endpoint, origin and Private Link connection, a manual load balancer's nodePorts, or a cloud
    LoadBalancer Service), the gateway Service, the gateway pods, the Istio CRDs, the Gateway, the
    VirtualService, the destination Service's endpoints - and reports each hop as C(ok), C(warning),
    C(broken) (or C(skipped) when a prerequisite is missing), with the evidence it saw and the fix.
  - Knows the classic breakages - a Gateway selector that matches no gateway pod (C(istio=ingressgateway) vs
    C(istio=ingress)), a host missing from the Gateway, a gateway reference without its C(namespace/) (it
    resolves to the VirtualService's own namespace), a missing destination Service, nodePorts that are not
    pinned or differ from the load balancer's target ports, health checks not on the status port, a Private
    Link connection still Pending, Istio CRDs not installed.
  - Optionally reads the gateway Envoy's configuration (listeners, routes, clusters, as C(istioctl
    proxy-config) shows them) through the API server's pod proxy, when a gateway pod is Running and Ready.
  - Returns a Mermaid picture of the path with the broken hop highlighted and, on request, Markdown and HTML
    reports (C(playbooks/diagnose.yml) writes them to files).
  - Read-only - nothing is ever written, C(changed) is always false, and check mode behaves the same.
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.attributes.info_module
  - meshops.istio_edge.k8s_auth
  - meshops.istio_edge.aws_auth
  - meshops.istio_edge.azure_auth
  - meshops.istio_edge.app_schema
attributes:
  action_group:
    membership: [meshops.istio_edge.k8s, meshops.istio_edge.aws, meshops.istio_edge.azure]
options:
  hostname:
    description:
      - The host name clients use (C(shop.example.com)), without scheme, port or path.
      - Defaults to the first host of O(app).
    type: str
  path:
    description:
      - The request path to follow (C(/api/orders)).
      - Defaults to the first path prefix of O(app)'s HTTP routes, else C(/).
    type: str
  app:
    description:
      - Name of one app of O(apps) (the app schema of C(app_route) / C(istio_edge_apps)) to diagnose. Its
        first host, namespace and Gateway are used.
    type: str
  apps:
    description:
      - The app list (C(istio_edge_apps)), validated like C(app_route) does (the keys are documented below).
        Needed with O(app).
    type: list
    elements: dict
  namespace:
    description:
      - Namespace of the app's VirtualService. Limits the reads to this namespace, the gateway namespace and
        the app's Gateway namespace (namespace-scoped credentials work then).
      - Defaults to O(app)'s namespace; without it VirtualServices and Gateways are read in all namespaces.
    type: str
  gateway_name:
    description: Name of the ingress gateway Deployment and Service.
    type: str
    default: istio-ingress
  gateway_namespace:
    description: Namespace of the ingress gateway (where C(credentialName) TLS Secrets must live).
    type: str
    default: istio-ingress
  provider:
    description:
      - The edge in front of the gateway (C(istio_edge_provider)). Without it the edge hop is C(skipped).
      - V(alb) and V(nlb) read the load balancer with boto3 (the O(region) and AWS credentials options);
        V(frontdoor) reads Front Door and the Private Link Service through Azure Resource Manager (the Azure
        options); V(nodeport) compares O(node_ports) with the gateway Service; V(loadbalancer) checks the
        Service got an external address.
    type: str
    choices: [alb, nlb, frontdoor, nodeport, loadbalancer]
  node_ports:
    description:
      - 'The nodePorts the load balancer forwards to, by gateway Service port name, as given to
        C(gateway_service): for example C({http2: 30080, https: 30443, status-port: 30021}).'
      - Any difference with the live Service is C(broken). NodePorts not listed here are checked for being
        pinned (set by someone rather than allocated by the API server).
    type: dict
    default: {}
  status_port:
    description: The gateway's readiness port (Istio's status port).
    type: int
    default: 15021
  health_check_path:
    description: The readiness path on the status port the load balancer health checks must use.
    type: str
    default: /healthz/ready
  alb:
    description: Where the ALB comes from (O(provider=alb)).
    type: dict
    suboptions:
      ingress_name:
        description:
          - Name of the ALB Ingress (as given to C(alb_ingress)).
          - Defaults to C(istio-edge-alb), the name role C(edge_alb) gives it.
        type: str
      ingress_namespace:
        description: Namespace of the Ingress. Defaults to O(gateway_namespace).
        type: str
      cluster_name:
        description: The cluster name the AWS Load Balancer Controller tags with (C(elbv2.k8s.aws/cluster)).
        type: str
  nlb:
    description: Options of the NLB edge (O(provider=nlb)); the NLB is found from the gateway Service.
    type: dict
    suboptions:
      cluster_name:
        description: The cluster name the AWS Load Balancer Controller tags with (C(elbv2.k8s.aws/cluster)).
        type: str
  frontdoor:
    description: The Front Door resources (O(provider=frontdoor)), named as for C(frontdoor_origin).
    type: dict
    suboptions:
      resource_group:
        description: Resource group of the Front Door profile. Required with O(provider=frontdoor).
        type: str
      profile_name:
        description: Front Door Premium profile. Required with O(provider=frontdoor).
        type: str
      endpoint_name:
        description: The AFD endpoint. Required with O(provider=frontdoor).
        type: str
      origin_group_name:
        description: The origin group (its health probe is checked).
        type: str
        default: istio-edge
      origin_name:
        description: The origin pointing at the gateway's internal load balancer.
        type: str
        default: istio-ingress
      private_link:
        description:
          - The Private Link Service whose private endpoint connection Front Door uses.
          - Defaults to the one in the origin's C(sharedPrivateLinkResource).
        type: dict
        suboptions:
          id:
            description: Resource id of the Private Link Service.
            type: str
          name:
            description: Name of the Private Link Service (with O(frontdoor.private_link.resource_group)).
            type: str
          resource_group:
            description: Resource group of the Private Link Service (the AKS node resource group).
            type: str
  envoy_config:
    description:
      - Read the gateway Envoy's configuration through the API server's pod proxy
        (C(/api/v1/namespaces/<ns>/pods/<pod>:15000/proxy/config_dump)) and check the host and path against it.
      - V(auto) reads it when a gateway pod is Running and Ready and reports a failure to read it as a warning;
        V(always) also warns when no pod can be asked; V(never) does not try.
      - Needs C(get) on C(pods/proxy) in the gateway namespace, and an API server that can reach pod IPs.
    type: str
    choices: [auto, always, never]
    default: auto
  envoy_admin_port:
    description: Envoy's admin port in the gateway pod.
    type: int
    default: 15000
  timeout:
    description: Seconds to wait for Envoy's configuration through the pod proxy.
    type: int
    default: 10
  report_formats:
    description:
      - Also render the diagnosis as reports, returned in RV(report) (C(playbooks/diagnose.yml) writes them to
        files). The HTML report is self-contained (no script, no external resource).
    type: list
    elements: str
    choices: [markdown, html]
    default: []
notes:
  - On a cluster where the gateway pods cannot run (no node), the gateway pods hop is reported broken - the
    truth - and Envoy's configuration cannot be read.
  - Istio's own rules are applied (the same as C(app_route) and C(frontdoor_origin) apply) - Gateway server hosts
    with C(namespace/) prefixes, wildcard hosts; gateway references C(ns/name), bare C(name) (the VirtualService's
    namespace) and the legacy C(name.ns) or C(name.ns.svc.cluster.local) (both C(ns/name)); a destination is a
    Service by its short name (the VirtualService's namespace) or C(name.ns.svc.cluster.local) - Istio takes
    C(name.ns) as written, which reaches no Service; the first HTTP route whose match takes the path
    (C(ignoreUriCase) applies to C(exact) and C(prefix), not C(regex)).
seealso:
  - module: meshops.istio_edge.app_route
  - module: meshops.istio_edge.gateway_service
  - module: meshops.istio_edge.alb_ingress
"""

EXAMPLES = r"""
- name: Why does shop.example.com answer 502?
  meshops.istio_edge.edge_path_info:
    hostname: shop.example.com
    path: /api/orders
    provider: alb
    alb:
      ingress_name: edge
    region: eu-west-1
  register: diag

- name: Show the verdict
  ansible.builtin.debug:
    msg: "{{ diag.summary }}"

- name: Diagnose one app of the inventory's app list behind a manual load balancer
  meshops.istio_edge.edge_path_info:
    app: shop
    apps: "{{ istio_edge_apps }}"
    provider: nodeport
    node_ports: {http2: 30080, https: 30443, status-port: 30021}
    report_formats: [markdown, html]
  register: diag

- name: Front Door Premium over Private Link
  meshops.istio_edge.edge_path_info:
    app: shop
    apps: "{{ istio_edge_apps }}"
    provider: frontdoor
    frontdoor:
      resource_group: rg-edge
      profile_name: fd-edge
      endpoint_name: shop
    subscription_id: "{{ azure_subscription_id }}"

- name: Fail the play when a hop is broken
  ansible.builtin.assert:
    that: diag.broken_hop is none
    fail_msg: "{{ diag.summary }}"
"""

RETURN = r"""
changed:
  description: Always false - the module only reads.
  returned: always
  type: bool
status:
  description: The worst hop status - C(ok), C(warning) or C(broken).
  returned: always
  type: str
  sample: broken
broken_hop:
  description: Name of the first broken hop along the path, or null.
  returned: always
  type: str
  sample: gateway
broken_hops:
  description: Names of every broken hop, in path order.
  returned: always
  type: list
  elements: str
summary:
  description: A short text for a person - the verdict, the first broken hop, its reason and the fix.
  returned: always
  type: str
  sample: "BROKEN: shop (shop.example.com/) is broken at Istio Gateway (selector_mismatch): ..."
hops:
  description:
    - The hops in path order - C(edge), C(gateway_service), C(gateway_workload), C(istio_crds), C(gateway),
      C(virtual_service), C(endpoints), and C(envoy) when its configuration was read or tried.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The hop id.
      type: str
    title:
      description: The hop for people.
      type: str
    object:
      description: The object checked (e.g. C(Gateway istio-ingress/shop-gateway)).
      type: str
    status:
      description: C(ok), C(warning), C(broken) or C(skipped).
      type: str
    reason:
      description: Code of the worst finding (e.g. C(selector_mismatch), C(gateway_ref_wrong_namespace)); null when ok.
      type: str
    message:
      description: What is wrong (or right) with this hop.
      type: str
    evidence:
      description: What was observed, so the verdict can be checked.
      type: list
      elements: str
    fix:
      description: What to do; null when ok.
      type: str
    findings:
      description: Every finding of the hop (C(status), C(reason), C(message), C(fix)).
      type: list
      elements: dict
    details:
      description: Structured data of the hop (nodePorts, pod counts, ready addresses, ...).
      type: dict
target:
  description: What was diagnosed (C(host), C(path), C(app), C(namespace), C(gateway_ref)).
  returned: always
  type: dict
selected:
  description: The VirtualService, Gateway (namespace/name) and HTTP route index the path goes through.
  returned: always
  type: dict
mermaid:
  description: A Mermaid C(flowchart LR) of the path, the broken hop in red.
  returned: always
  type: str
envoy:
  description:
    - Envoy's configuration of one gateway pod - C(listeners), C(routes), C(clusters), C(istio_version),
      C(pod) - when it was read; null otherwise. C(routes) and C(clusters) hold at most 300 entries
      (C(routes_total), C(clusters_total) give the counts).
  returned: always
  type: dict
report:
  description: The reports asked for in O(report_formats) - C(markdown) and/or C(html) documents.
  returned: when O(report_formats) is not empty
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.runner import run_edge_path_info


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run_edge_path_info, requires=("kubernetes",))


if __name__ == "__main__":
    main()
