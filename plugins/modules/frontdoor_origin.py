#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: frontdoor_origin
short_description: Put Azure Front Door Premium in front of the Istio gateway over Private Link
version_added: 0.1.0
description:
  - Ensures the Azure Front Door chain in front of the Istio ingress gateway's internal load balancer, over
    Private Link - a Front Door profile (sku C(Premium_AzureFrontDoor)), an AFD endpoint, an origin group with a
    health probe, an origin whose host is the internal load balancer IP with a shared private link to the
    Private Link Service AKS made for the gateway Service, a route, and optionally custom domains with
    managed certificates and a WAF security policy.
  - Then finds the B(Pending) private endpoint connection Front Door made on the Private Link Service and
    approves it (by the connection's name on the service), the step other tools leave manual, and reports
    its state. The connection's name is remembered in a tag of the profile
    (C(meshops-istio-edge.connection.<origin group>.<origin>)), so later runs find it whatever description
    its approver gave it.
  - Only the fields the module sets are compared, normalised for ARM's spelling (id casing, enum casing,
    locations, list order), so a second run changes nothing and sends no write request.
  - Before anything is written it checks the options, the credentials, that the Private Link Service exists
    and is in O(private_link.location), that the WAF policy exists, and that a live VirtualService routes the
    probe path (O(origin_group.probe_path)) on the gateway (see O(health_route_check)).
  - Long-running ARM operations are waited for with the SDK's pollers. O(state=absent) deletes the chain in
    reverse order (security policy, route, custom domains, origin, origin group, endpoint, profile).
author:
  - meshops platform team (@meshops)
requirements:
  - azure-mgmt-cdn >= 13.1.0, < 15
  - azure-mgmt-network >= 25.0.0, < 34
options:
  state:
    description:
      - V(present) creates or updates the chain and approves the connection; V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
  resource_group:
    description:
      - Resource group of the Front Door profile (it must exist).
    type: str
    required: true
  profile_name:
    description:
      - Name of the Front Door profile.
    type: str
    required: true
  sku:
    description:
      - Front Door tier. Private Link origins need V(Premium_AzureFrontDoor). The module does not change the
        tier of an existing profile.
    type: str
    default: Premium_AzureFrontDoor
    choices: [Premium_AzureFrontDoor, Standard_AzureFrontDoor]
  origin_response_timeout:
    description:
      - Seconds Front Door waits for the origin (16-240). Left to ARM's default (30) when unset.
    type: int
  tags:
    description:
      - Tags set on the profile and the endpoint. Tags set by others are kept.
    type: dict
  endpoint_name:
    description:
      - Name of the AFD endpoint; Front Door derives its host name C(<name>-<hash>.z01.azurefd.net) from it.
    type: str
    required: true
  gateway_name:
    description:
      - Name of the gateway Service whose internal load balancer IP is the origin host and whose
        C(service.beta.kubernetes.io/azure-pls-name) annotation names the Private Link Service.
    type: str
    default: istio-ingress
  gateway_namespace:
    description:
      - Namespace of O(gateway_name).
    type: str
    default: istio-ingress
  origin_group:
    description:
      - The origin group and its health probe.
    type: dict
    default: {}
    suboptions:
      name:
        description: Name of the origin group.
        type: str
        default: istio-edge
      probe_path:
        description:
          - Path Front Door probes. A VirtualService on the gateway must route it (role
            meshops.istio_edge.edge_frontdoor rewrites it to C(/healthz/ready) on port 15021).
        type: str
        default: /probe
      probe_protocol:
        description: Protocol of the probe (V(Http) reaches the gateway's port 80).
        type: str
        default: Http
        choices: [Http, Https]
      probe_method:
        description: HTTP method of the probe.
        type: str
        default: GET
        choices: [GET, HEAD]
      probe_interval:
        description: Seconds between probes (1-255).
        type: int
        default: 100
      sample_size:
        description: Number of probe samples considered for load balancing.
        type: int
        default: 4
      successful_samples_required:
        description: Successful samples (of O(origin_group.sample_size)) for the origin to be healthy.
        type: int
        default: 3
      additional_latency_ms:
        description: Extra latency, in milliseconds, within which origins count as equally fast.
        type: int
        default: 50
      session_affinity:
        description: Whether Front Door keeps a client on the same origin.
        type: bool
        default: false
  origin:
    description:
      - The origin, that is the gateway's internal load balancer.
    type: dict
    default: {}
    suboptions:
      name:
        description: Name of the origin.
        type: str
        default: istio-ingress
      host_name:
        description:
          - Host of the origin. Defaults to C(status.loadBalancer.ingress[0].ip) of the gateway Service.
        type: str
      origin_host_header:
        description:
          - Host header sent to the origin. Unset (the default), Front Door forwards the client's Host header,
            which the apps' VirtualServices route by; health probes then carry the origin host.
        type: str
      http_port:
        description: HTTP port of the origin.
        type: int
        default: 80
      https_port:
        description: HTTPS port of the origin.
        type: int
        default: 443
      priority:
        description: Priority of the origin in its group (1-5).
        type: int
        default: 1
      weight:
        description: Weight of the origin in its group (1-1000).
        type: int
        default: 1000
      enabled:
        description: Whether Front Door sends traffic to the origin.
        type: bool
        default: true
      enforce_certificate_name_check:
        description: Whether Front Door checks the origin's certificate name on HTTPS.
        type: bool
        default: true
      wait_for_ip:
        description:
          - Seconds to wait for the gateway Service to get its load balancer IP (not waited for in check mode).
        type: int
        default: 300
  private_link:
    description:
      - Reach the origin over Private Link (needs O(sku=Premium_AzureFrontDoor)). Omit for a public origin.
      - Give O(private_link.id), or O(private_link.resource_group) with O(private_link.name) (which defaults to
        the gateway Service's C(azure-pls-name) annotation).
    type: dict
    suboptions:
      id:
        description: Resource id of the Private Link Service (it may be in another subscription).
        type: str
      name:
        description: Name of the Private Link Service.
        type: str
      resource_group:
        description: Resource group of the Private Link Service (on AKS, the node resource group C(MC_...)).
        type: str
      location:
        description:
          - Region of the Private Link Service. Defaults to the service's own; a different value is an error.
        type: str
      request_message:
        description:
          - Message of Front Door's connection request (at most 140 characters). The module recognises a
            Pending connection by it (and an approved one by the name it remembered), so keep it unique per
            origin. Defaults to
            C(Azure Front Door <profile>/<origin group>/<origin> (meshops.istio_edge)).
        type: str
      approve:
        description:
          - Approve Front Door's pending private endpoint connection on the service. The approved connection
            keeps the request message as its description; an approval by someone else with another
            description is recognised too (by the remembered name, else as the only approved connection Front
            Door made on the service).
        type: bool
        default: true
      approval_timeout:
        description: Seconds to wait for Front Door's connection to appear on the service.
        type: int
        default: 600
  route:
    description:
      - The route from the endpoint to the origin group.
    type: dict
    default: {}
    suboptions:
      name:
        description: Name of the route.
        type: str
        default: istio-edge
      patterns:
        description: Path patterns the route serves.
        type: list
        elements: str
        default: ['/*']
      supported_protocols:
        description: Protocols the route accepts from clients.
        type: list
        elements: str
        default: [Http, Https]
        choices: [Http, Https]
      https_redirect:
        description: Redirect HTTP requests to HTTPS.
        type: bool
        default: true
      forwarding_protocol:
        description: Protocol Front Door uses towards the origin.
        type: str
        default: HttpOnly
        choices: [HttpOnly, HttpsOnly, MatchRequest]
      link_to_default_domain:
        description: Serve the endpoint's C(azurefd.net) host name.
        type: bool
        default: true
      enabled:
        description: Whether the route is enabled.
        type: bool
        default: true
  custom_domains:
    description:
      - Custom domains served by the route, with Front Door managed certificates by default. Their DNS
        validation records are returned (C(custom_domains[].dns_txt_record), C(validation_token)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the custom domain resource.
        type: str
        required: true
      host_name:
        description: The host users browse, e.g. C(shop.example.com).
        type: str
        required: true
      certificate_type:
        description: Who provides the TLS certificate.
        type: str
        default: ManagedCertificate
        choices: [ManagedCertificate, CustomerCertificate]
      minimum_tls_version:
        description: Lowest TLS version accepted.
        type: str
        default: TLS12
        choices: [TLS10, TLS12, TLS13]
      secret_id:
        description: Front Door secret holding the certificate (for V(CustomerCertificate)).
        type: str
  waf_policy:
    description:
      - Attach an existing Front Door WAF policy to the endpoint and custom domains with a security policy.
    type: dict
    suboptions:
      id:
        description: Resource id of the C(Microsoft.Network/FrontDoorWebApplicationFirewallPolicies) policy.
        type: str
        required: true
      name:
        description: Name of the security policy.
        type: str
        default: istio-edge-waf
      patterns:
        description: Path patterns the policy applies to.
        type: list
        elements: str
        default: ['/*']
  health_route_check:
    description:
      - Refuse to create an origin group whose probe path no live VirtualService routes on the gateway
        (bound to a Gateway selecting the gateway pods, matching the path and the origin host header).
        In check mode a missing route is a warning. Needs read access to VirtualServices and Gateways.
    type: bool
    default: true
  keep_profile:
    description:
      - With O(state=absent), keep the profile. It is kept anyway while it holds resources this task does
        not own.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for each long-running ARM operation.
    type: int
    default: 1800
  polling_interval:
    description:
      - Seconds between polls of a long-running operation when ARM sends no C(Retry-After) (the SDK's default,
        30, when unset), also between looks for Front Door's connection.
    type: int
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.azure_auth
  - meshops.istio_edge.k8s_auth
attributes:
  check_mode:
    support: full
    details: Reads only; predicts every create, update and the approval.
  diff_mode:
    support: full
    details: Shows the owned fields of each resource before and after.
  action_group:
    membership: [meshops.istio_edge.k8s, meshops.istio_edge.azure]
notes:
  - Needs the roles C(CDN Profile Contributor) on the Front Door resource group and C(Network Contributor) (or
    the private endpoint connection approve permission) on the Private Link Service.
  - Custom domains need a DNS TXT record C(_dnsauth.<host>) with the returned validation token, and a CNAME to
    the endpoint host name, before Front Door issues the managed certificate.
seealso:
  - name: Azure Front Door Private Link to an internal load balancer
    description: The manual procedure this module automates.
    link: https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-enable-private-link-internal-load-balancer
"""

EXAMPLES = r"""
- name: Front Door Premium to the gateway's internal load balancer over Private Link
  meshops.istio_edge.frontdoor_origin:
    resource_group: rg-edge
    profile_name: fd-shop
    endpoint_name: shop
    private_link:
      resource_group: MC_rg-aks_aks-prod_westeurope   # where AKS made the PLS (name from the Service annotation)
  register: fd

- name: Show where users go
  ansible.builtin.debug:
    msg: "https://{{ fd.endpoint_hostname }} (connection {{ fd.connection_state }})"

- name: With a custom domain, a WAF policy and an explicit service principal
  meshops.istio_edge.frontdoor_origin:
    subscription_id: "{{ azure_subscription_id }}"
    client_id: "{{ azure_client_id }}"
    secret: "{{ azure_secret }}"
    tenant: "{{ azure_tenant }}"
    resource_group: rg-edge
    profile_name: fd-shop
    endpoint_name: shop
    origin_group:
      probe_path: /probe
      probe_interval: 30
    private_link:
      id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_rg/providers/Microsoft.Network/privateLinkServices/pls-istio
    custom_domains:
      - name: shop-example-com
        host_name: shop.example.com
    waf_policy:
      id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-edge/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/shopwaf

- name: Remove the chain but keep the profile
  meshops.istio_edge.frontdoor_origin:
    state: absent
    resource_group: rg-edge
    profile_name: fd-shop
    endpoint_name: shop
    keep_profile: true
"""

RETURN = r"""
endpoint_hostname:
  description: Host name of the AFD endpoint (point a CNAME at it).
  returned: state=present
  type: str
  sample: shop-a1b2c3d4e5f6a7b8.z01.azurefd.net
connection_state:
  description: Status of Front Door's private endpoint connection on the Private Link Service.
  returned: state=present
  type: str
  sample: Approved
private_link:
  description:
    - The Private Link Service (C(id), C(name), C(resource_group), C(location), C(request_message)) and Front Door's
      C(connection) on it (C(name), C(status), C(description), C(actions_required), C(private_endpoint_id),
      C(matched_by)).
    - C(matched_by) is how the connection was recognised - C(name) (remembered in the profile tag), C(request_message)
      (its description), C(front_door) (the only approved connection Front Door made on the service) or C(origin)
      (not found on the service, but the origin says its connection is approved; C(name) is then null).
  returned: state=present and private_link is set
  type: dict
profile:
  description: The profile (C(name), C(id), C(sku), C(front_door_id), C(provisioning_state), C(resource_state)).
  returned: state=present
  type: dict
endpoint:
  description: The endpoint (C(name), C(id), C(host_name), C(enabled_state), C(provisioning_state)).
  returned: state=present
  type: dict
origin_group:
  description: The origin group (C(name), C(id), C(probe), C(load_balancing), C(provisioning_state)).
  returned: state=present
  type: dict
origin:
  description: The origin (C(name), C(id), C(host_name), C(provisioning_state), C(private_link_id), C(private_link_status)).
  returned: state=present
  type: dict
route:
  description: The route (C(name), C(id), C(patterns), C(supported_protocols), C(https_redirect), C(custom_domains)).
  returned: state=present
  type: dict
custom_domains:
  description: The custom domains with C(validation_state), C(validation_token) and C(dns_txt_record).
  returned: state=present
  type: list
  elements: dict
security_policy:
  description: The WAF security policy (C(name), C(id), C(waf_policy_id)), or null.
  returned: state=present
  type: dict
health_route:
  description: The live route answering the probe (C(namespace), C(name), C(route), C(rewrite), C(destination)).
  returned: state=present and health_route_check
  type: dict
actions:
  description: What was done (in check mode, what would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["create Front Door profile 'fd-shop'", "approve private endpoint connection 'pls-istio.1f2e...'"]
deleted:
  description: Resources deleted (in check mode, to delete).
  returned: state=absent
  type: list
  elements: str
profile_kept:
  description: Whether the profile was kept.
  returned: state=absent
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.runner import run
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run, requires=("azure.identity", "azure.mgmt.cdn", "azure.mgmt.network"))


if __name__ == "__main__":
    main()
