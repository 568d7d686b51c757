#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gateway_service
short_description: Shape the Istio ingress gateway Service for a cloud edge (ALB, NLB, Azure Private Link, NodePort)
version_added: 0.1.0
description:
  - Computes the ingress gateway Service for an edge profile - its type, port list (always with
    C(status-port)), pinned nodePorts and the annotations the edge's controller reads.
  - O(mode=values) returns Helm values for Istio's C(gateway) chart (RV(helm_values)) and writes nothing.
    When a cluster is reachable it still checks, read-only, that pinned nodePorts are free.
  - O(mode=live) applies the same shape onto an existing Service installed by something else (a Helm release,
    istioctl) with server-side apply and the field manager C(meshops.istio_edge). Annotations, labels and
    ports owned by others stay; live ports keep their targetPorts unless given.
  - Pinned nodePorts are validated (within O(node_port_range), no duplicates) and must not be used by another Service of the
    cluster (all namespaces are listed); a collision names the other Service.
  - See C(docs/gateway-service.md) for the profiles and the health-check choices.
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.k8s_auth
attributes:
  check_mode:
    support: full
    details:
      - O(mode=values) never writes; O(mode=live) is a server-side dry run, so the prediction includes the API
        server's defaulting and validation.
  diff_mode:
    support: full
    details: Shows the Service before and after.
  action_group:
    membership: [meshops.istio_edge.k8s]
options:
  profile:
    description:
      - The edge in front of the gateway.
      - V(alb) - C(NodePort) with pinned nodePorts and the ALB health-check annotations on the Service
        (the AWS Load Balancer Controller reads them from the backend Service; they override the Ingress ones).
      - V(nlb) - C(LoadBalancer) with the AWS Load Balancer Controller NLB annotations (see O(nlb)).
      - V(azure_private_link) - internal Azure LB with a managed Private Link Service; every TCP port is
        probed on the status port's C(/healthz/ready) (see O(azure)).
      - V(nodeport) - C(NodePort) with fixed nodePorts for a load balancer configured by hand
        (http2 30080, https 30443, status-port 30021 unless O(node_ports) says otherwise).
      - V(loadbalancer) - a plain C(LoadBalancer) Service.
    type: str
    required: true
    choices: [alb, nlb, azure_private_link, nodeport, loadbalancer]
  mode:
    description:
      - V(values) returns RV(helm_values) for the gateway Helm release and writes nothing.
      - V(live) server-side applies onto the existing Service O(namespace)/O(name).
    type: str
    default: values
    choices: [values, live]
  state:
    description:
      - V(present) shapes the Service.
      - V(absent) in live mode releases every field this collection owns on the Service - its annotations and
        the ports it added go away, pinned nodePorts are released (no longer owned by the collection; current
        API servers keep the allocated ports, older ones such as 1.20 assign new ones), and values it had
        replaced (type, targetPorts, annotations) are put back. Foreign fields stay.
      - V(absent) in values mode returns the chart's default C(service) values.
    type: str
    default: present
    choices: [present, absent]
  name:
    description: Name of the gateway Service (the gateway Helm release name).
    type: str
    default: istio-ingress
  namespace:
    description: Namespace of the gateway Service.
    type: str
    default: istio-ingress
  node_ports:
    description:
      - 'Pinned nodePorts, by port name, for example C({http2: 30080, https: 30443, status-port: 30021}).'
      - With O(profile=alb) and O(profile=nodeport) every port is pinned; C(http2), C(https) and C(status-port)
        default to 30080, 30443 and 30021.
    type: dict
  node_port_range:
    description:
      - The cluster's nodePort range (the API server's C(--service-node-port-range)), as C(<first>-<last>).
      - Pinned nodePorts outside it are refused before anything is written. When the default nodePorts of
        O(profile=alb) and O(profile=nodeport) fall outside it, pin every port in O(node_ports).
    type: str
    default: 30000-32767
  extra_ports:
    description:
      - 'Ports added after the gateway''s ports, for example a MySQL port C({name: mysql, port: 3306, node_port: 30306}).'
    type: list
    elements: dict
    suboptions:
      name:
        description: Service port name (a DNS label).
        type: str
        required: true
      port:
        description: Service port number.
        type: int
        required: true
      target_port:
        description:
          - Container port number or name. Defaults to O(extra_ports[].port) for new ports; in live mode an
            existing port keeps its live targetPort.
        type: raw
      node_port:
        description: Pinned nodePort (within O(node_port_range)).
        type: int
      protocol:
        description: Port protocol.
        type: str
        default: TCP
        choices: [TCP, UDP, SCTP]
      app_protocol:
        description: The port's C(appProtocol).
        type: str
  ports:
    description:
      - The full port list, replacing the gateway chart's (status-port 15021, http2 80, https 443).
      - Must contain a port named C(status-port).
    type: list
    elements: dict
    suboptions:
      name:
        description: Service port name (a DNS label).
        type: str
        required: true
      port:
        description: Service port number.
        type: int
        required: true
      target_port:
        description:
          - Container port number or name. Defaults to O(ports[].port) for new ports; in live mode an
            existing port keeps its live targetPort.
        type: raw
      node_port:
        description: Pinned nodePort (within O(node_port_range)).
        type: int
      protocol:
        description: Port protocol.
        type: str
        default: TCP
        choices: [TCP, UDP, SCTP]
      app_protocol:
        description: The port's C(appProtocol).
        type: str
  status_port:
    description: Service port of the gateway's status endpoint (Envoy serves C(/healthz/ready) there).
    type: int
    default: 15021
  health_check_path:
    description: Path the load balancer probes on the status port.
    type: str
    default: /healthz/ready
  annotations:
    description:
      - Extra Service annotations; they win over the profile's annotations of the same name.
    type: dict
  external_traffic_policy:
    description: The Service's C(externalTrafficPolicy). Unset leaves the chart's (or the live) value.
    type: str
    choices: [Cluster, Local]
  load_balancer_ip:
    description: C(spec.loadBalancerIP). Only for O(profile=loadbalancer) (Azure uses O(azure.load_balancer_ip)).
    type: str
  load_balancer_source_ranges:
    description: CIDRs allowed to reach the load balancer. Only for the C(LoadBalancer) profiles.
    type: list
    elements: str
  check_node_ports:
    description:
      - Check, read-only, that pinned nodePorts are not used by another Service of the cluster.
      - In values mode the check is skipped with a warning when no cluster is reachable.
    type: bool
    default: true
  alb:
    description: Options of O(profile=alb) (an error with any other profile).
    type: dict
    suboptions:
      health_check_port:
        description:
          - V(named) (default) writes C(healthcheck-port=status-port). The controller resolves the named port to
            its nodePort for target type instance and to its targetPort for target type ip, so it survives
            nodePort changes and target-type changes.
          - V(number) writes the number instead - the pinned status-port nodePort (O(alb.target_type=instance))
            or the status-port targetPort (O(alb.target_type=ip)).
        type: str
        choices: [named, number]
      target_type:
        description:
          - The ALB target type the Ingress uses (default V(instance)); only decides the number written by
            O(alb.health_check_port=number). The Ingress carries the target-type annotation itself.
        type: str
        choices: [instance, ip]
      health_check_protocol:
        description: Health-check protocol (default V(HTTP)).
        type: str
        choices: [HTTP, HTTPS]
      success_codes:
        description: HTTP codes counted as healthy (default V(200)).
        type: str
      interval_seconds:
        description: Seconds between health checks.
        type: int
      timeout_seconds:
        description: Health-check timeout in seconds.
        type: int
      healthy_threshold:
        description: Successes before a target is healthy.
        type: int
      unhealthy_threshold:
        description: Failures before a target is unhealthy.
        type: int
  nlb:
    description: Options of O(profile=nlb) (an error with any other profile).
    type: dict
    suboptions:
      scheme:
        description: NLB scheme. Default V(internal) (the controller's default, written explicitly).
        type: str
        choices: [internal, internet-facing]
      target_type:
        description:
          - V(ip) (default) sends traffic to the pod IPs; V(instance) to the nodePorts.
        type: str
        choices: [ip, instance]
      health_check:
        description:
          - V(http) (default) probes C(/healthz/ready) on the status port (port 15021 for ip targets, the pinned
            status-port nodePort for instance targets - set O(node_ports) C(status-port) then).
          - V(tcp) opens a TCP connection to the traffic port. It succeeds only once a Gateway makes Envoy listen
            there, and does not work with O(external_traffic_policy=Local).
        type: str
        choices: [http, tcp]
      certificate_arn:
        description:
          - ACM certificate ARNs for TLS listeners on the NLB (C(ssl-cert)); the first is the default certificate.
          - With O(nlb.backend_protocol=tcp) the NLB terminates TLS and the https port targets the gateway's HTTP
            listener (the targetPort of http2) unless O(ports) gives it a target_port.
        type: list
        elements: str
      ssl_ports:
        description: Ports (names or numbers) with TLS listeners. Default the https port. Needs O(nlb.certificate_arn).
        type: list
        elements: str
      backend_protocol:
        description: V(tcp) (default) or V(ssl) to re-encrypt to the targets. Needs O(nlb.certificate_arn).
        type: str
        choices: [tcp, ssl]
      ssl_negotiation_policy:
        description: TLS security policy of the listeners. Needs O(nlb.certificate_arn).
        type: str
      cross_zone:
        description: Cross-zone load balancing attribute (default V(true)).
        type: bool
      attributes:
        description: 'More load balancer attributes, for example C({deletion_protection.enabled: true}).'
        type: dict
      security_groups:
        description: Frontend security groups (IDs or Name tags).
        type: list
        elements: str
      subnets:
        description: Subnets (IDs or Name tags), one per AZ. Auto-discovered by the controller when unset.
        type: list
        elements: str
      tags:
        description: Additional AWS tags for the NLB and its target groups.
        type: dict
      name:
        description: Name of the NLB (at most 32 characters; only honoured when the NLB is created).
        type: str
      healthy_threshold:
        description: Successes before a target is healthy.
        type: int
      unhealthy_threshold:
        description: Failures before a target is unhealthy.
        type: int
      interval_seconds:
        description: Seconds between health checks.
        type: int
  azure:
    description: Options of O(profile=azure_private_link) (an error with any other profile).
    type: dict
    suboptions:
      pls_subnet:
        description: Subnet for the Private Link Service NAT IPs (C(azure-pls-ip-configuration-subnet)). Required.
        type: str
      pls_name:
        description: Name of the Private Link Service. Default C(<name>-pls).
        type: str
      internal_subnet:
        description: Subnet of the internal load balancer frontend.
        type: str
      load_balancer_ip:
        description: Static IPv4 address of the internal load balancer (C(azure-load-balancer-ipv4)).
        type: str
      visibility:
        description: Subscriptions the Private Link Service is visible to, or C(["*"]). Default RBAC only.
        type: list
        elements: str
      auto_approval:
        description: Subscriptions whose private endpoint connections are approved automatically.
        type: list
        elements: str
      expose_status_port:
        description:
          - Also load-balance the status port. Default V(false) - C(port_<status_port>_no_lb_rule=true) keeps the
            health endpoint off the load balancer (it is still used as the probe port).
        type: bool
      probe_interval:
        description: Seconds between probes (5 or more).
        type: int
      probe_threshold:
        description: Failed probes before a node is taken out (2 or more).
        type: int
notes:
  - A second run with the same options changes nothing and sends no write request.
seealso:
  - module: meshops.istio_edge.istio_install
  - module: meshops.istio_edge.alb_ingress
  - name: AWS Load Balancer Controller Service annotations
    description: The NLB annotations this module writes for O(profile=nlb).
    link: https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
  - name: Azure Private Link Service integration
    description: The annotations of the Azure cloud provider's managed Private Link Service.
    link: https://cloud-provider-azure.sigs.k8s.io/topics/pls-integration/
"""

EXAMPLES = r"""
- name: Helm values for a gateway behind an ALB (NodePort, pinned nodePorts, health check on status-port)
  meshops.istio_edge.gateway_service:
    profile: alb
    node_ports: {http2: 30080, https: 30443, status-port: 30021}
  register: gateway

- name: Install the gateway chart with them
  meshops.istio_edge.istio_install:
    chart_repo: https://istio-release.storage.googleapis.com/charts
    gateways:
      - name: istio-ingress
        namespace: istio-ingress
        values: "{{ gateway.helm_values }}"

- name: Internet-facing NLB with TLS on the NLB
  meshops.istio_edge.gateway_service:
    profile: nlb
    nlb:
      scheme: internet-facing
      certificate_arn: [arn:aws:acm:eu-west-1:123456789012:certificate/0b7a0c1e-0000-0000-0000-000000000000]
      tags: {team: platform}

- name: Shape the istioctl-installed gateway in place for a manual load balancer (80->30080, 443->30443, 3306->30306)
  meshops.istio_edge.gateway_service:
    profile: nodeport
    mode: live
    name: istio-ingressgateway
    namespace: istio-system
    extra_ports:
      - {name: mysql, port: 3306, node_port: 30306}

- name: Internal LB + Private Link Service for Azure Front Door
  meshops.istio_edge.gateway_service:
    profile: azure_private_link
    mode: live
    azure:
      pls_subnet: snet-pls
      visibility: ["*"]

- name: Undo the shaping (foreign fields stay)
  meshops.istio_edge.gateway_service:
    profile: nodeport
    mode: live
    name: istio-ingressgateway
    namespace: istio-system
    state: absent
"""

RETURN = r"""
helm_values:
  description: Values to merge into the gateway Helm release (C(service.type), the full C(service.ports) list,
    C(service.annotations), ...). The chart defaults with O(state=absent).
  returned: always
  type: dict
  sample: {"service": {"type": "NodePort", "annotations": {"alb.ingress.kubernetes.io/healthcheck-port": "status-port"},
           "ports": [{"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021, "nodePort": 30021}]}}
service:
  description: The Service - as the chart renders it from RV(helm_values) (values mode), or the live object after the
    run (live mode; the server's prediction in check mode).
  returned: always
  type: dict
applied:
  description: The server-side apply configuration (the fields this collection owns). Live mode only.
  returned: when mode is live
  type: dict
node_ports:
  description: Port name to nodePort - the pinned ones in values mode, the ones assigned on the live Service in live mode.
  returned: always
  type: dict
  sample: {"http2": 30080, "https": 30443, "status-port": 30021}
annotations:
  description: The annotations this module sets on the Service.
  returned: always
  type: dict
health_check:
  description: Where the edge should probe the gateway (C(port_name), C(port), C(target_port), C(node_port), C(path),
    C(protocol)). Useful for a load balancer configured by hand.
  returned: always
  type: dict
  sample: {"port_name": "status-port", "port": 15021, "target_port": 15021, "node_port": 30021,
           "path": "/healthz/ready", "protocol": "HTTP"}
node_port_check:
  description: Outcome of the nodePort collision check (passed, skipped with the reason, disabled, not needed).
  returned: always
  type: str
mode:
  description: The mode used.
  returned: always
  type: str
profile:
  description: The edge profile.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.runner import run


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    requires = ("kubernetes",) if module.params["mode"] == "live" else ()
    run_module(module, run, requires=requires)


if __name__ == "__main__":
    main()
