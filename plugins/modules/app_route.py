#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_route
short_description: Route apps through the Istio ingress gateway (Gateway, VirtualService, DestinationRule)
version_added: 0.1.0
description:
  - Ensures, for one app or hundreds in a single call, each app's Istio C(Gateway) (or its binding to a shared
    Gateway), its C(VirtualService), optional C(DestinationRule)s and an optional access-log C(Telemetry).
  - Reads what it needs up front with one LIST per kind, compares locally and writes only the objects that differ
    (server-side apply, field manager C(meshops.istio_edge)). A run that changes nothing sends no write request.
  - Before writing anything it checks every app against the live cluster and refuses, naming the option and the
    fix, when a VirtualService host is not covered by its Gateway's hosts (wildcards included), a Gateway selector
    matches no gateway workload, a destination Service or port does not exist, a route names a subset no
    DestinationRule declares, a host and path (or a TCP port) is already routed by another app's or a hand-made
    VirtualService on the same gateway workload, or Istio's CRDs are not installed.
  - The Gateway selector is read from the live gateway Deployment's pod template labels (its C(istio) label, as
    Istio's gateway chart sets it), not assumed.
  - Every object is labelled C(app.kubernetes.io/managed-by=meshops.istio_edge) and
    C(istio-edge.meshops.io/app=<app>). Objects an app owns but no longer declares (for example a removed
    DestinationRule) are pruned; O(state=absent) removes exactly the listed apps' objects.
  - Objects with the same name that exist but are not managed by this collection are adopted (taken over);
    objects owned by another app are never touched.
  - In check mode every write is a server dry-run, so the prediction includes the API server's validation.
    With C(--diff) each created, updated or deleted object gets its own diff.
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.k8s_auth
options:
  apps:
    description:
      - The apps, in the schema of the C(istio_edge_apps) inventory variable (see C(docs/apps.md)).
      - Nested keys are validated by the module; an error names the key by its path, for example
        C(apps[shop].http[0].route[1].weight).
      - With O(state=absent) only C(name) and C(namespace) (which limits the removal to the app's namespaces) are used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The app's name, a DNS label. It becomes the value of the ownership label C(istio-edge.meshops.io/app)
            and the name of the VirtualService.
        type: str
        required: true
      namespace:
        description:
          - The app's namespace (it must exist, with the app's Services). The VirtualService, the
            DestinationRules, the Telemetry and by default the app's Gateway live here.
          - Required with O(state=present).
        type: str
      hosts:
        description:
          - The host names the app answers to (VirtualService C(hosts)); C(*.example.com) and C(*) are allowed.
          - Required with O(state=present).
        type: list
        elements: str
      sidecar_injection:
        description:
          - Label the app's namespace C(istio-injection=enabled) (server-side apply owning only that label).
          - V(false) leaves the namespace as it is; O(state=absent) never removes the label (other workloads of the
            namespace may rely on it).
        type: bool
        default: false
      access_log:
        description:
          - Turn on Envoy access logging (provider C(envoy)) for the pods behind the app's destination Services
            in its own namespace, by one C(Telemetry) per Service whose workload selector is the Service's, named
            C(<app>-access-log), or C(<app>-access-log-<service>) when the app routes to several.
          - Never namespace-wide, so other workloads of the namespace keep their logging. Refused when another
            Telemetry already selects the same pods (Istio allows one per workload), or when no destination is
            a Service of the app's namespace.
        type: bool
        default: false
      gateway:
        description:
          - The app's own Gateway (used unless O(apps[].use_gateway) is set). Keys
            C(name) (default C(<app>-gateway)), C(namespace) (default the app's namespace),
            C(selector) (default read from the live gateway Deployment; when set it must match a gateway workload),
            C(servers) (default one HTTP server on port 80).
          - Each server has C(port) (required), C(protocol) (C(HTTP), C(HTTPS), C(HTTP2), C(GRPC), C(TCP), C(TLS),
            C(MONGO); default C(HTTPS) on 443, else C(HTTP)), C(name) (default C(<protocol>-<port>)), C(hosts)
            (default the app's hosts; C(namespace/host) allowed), C(https_redirect) (HTTP only, answer 301 to
            HTTPS), C(tls_mode) (default C(SIMPLE) for HTTPS) and C(credential_name) (the TLS Secret, which must
            live in the gateway workload's namespace O(gateway_namespace)).
        type: dict
      use_gateway:
        description:
          - Bind the app's VirtualService to an existing shared Gateway, written C(namespace/name), instead of
            giving the app its own. The Gateway may be another app's Gateway of the same call.
          - Mutually exclusive with O(apps[].gateway).
        type: str
      http:
        description:
          - HTTP routes, in order. Each has C(route) (required; a list of C({host, port, weight, subset}) - C(host)
            is a Service name in the app's namespace or C(<service>.<namespace>.svc.cluster.local); C(port) the
            Service port, required when the Service has several; C(weight)s must add up to 100 when there are
            several destinations (canary); C(subset) must be declared by a DestinationRule), and optionally
            C(name), C(match) (a list of C({prefix|exact|regex, headers, ignore_uri_case}); C(headers) maps a
            header to a value or C({exact|prefix|regex})), C(rewrite) (a path, or C({uri, authority})),
            C(retries) (C({attempts, per_try_timeout, retry_on})), C(timeout) (for example C(10s)) and C(fault)
            (C(abort) with C(percentage) and C(http_status), C(delay) with C(percentage) and C(fixed_delay)).
        type: list
        elements: dict
      tcp:
        description:
          - TCP routes. Each has C(port) (the Gateway's TCP server port) and C(route) (a list of
            C({host, port, weight})).
        type: list
        elements: dict
      destination_rules:
        description:
          - DestinationRules. Each has C(host) (required), C(name) (default C(<app>-<first label of host>)),
            C(subsets) (a list of C({name, labels, traffic_policy})) and C(traffic_policy) (an Istio
            TrafficPolicy, passed as written, in Istio's camelCase).
        type: list
        elements: dict
  gateway_name:
    description:
      - Name of the ingress gateway Deployment (and its Service) whose pod template labels give the Gateway
        selector. Role C(meshops.istio_edge.istio) reports it in the fact C(istio_edge_gateway.name).
    type: str
    default: istio-ingress
  gateway_namespace:
    description:
      - Namespace of the ingress gateway workload. TLS Secrets named by C(credential_name) must live here.
    type: str
    default: istio-ingress
  only:
    description:
      - Act on this one app of O(apps) only (for an AWX survey or C(-e istio_edge_app=shop)); the other apps'
        objects are neither changed nor pruned. With O(state=absent) the app need not be listed in O(apps).
    type: str
  state:
    description:
      - V(present) ensures the apps' objects and prunes objects an app no longer declares; V(absent) removes every
        object owned by the apps.
    type: str
    choices: [present, absent]
    default: present
  parallel:
    description:
      - How many requests may be in flight at once - the independent LISTs of the first read, then the writes.
      - At least 1; 1 sends one request at a time.
    type: int
    default: 4
notes:
  - Supports check mode (server dry-run) and diff mode (one diff per object).
  - Istio API versions are discovered (C(networking.istio.io/v1), else C(v1beta1), else C(v1alpha3)).
seealso:
  - name: Apps guide
    description: The app schema, the checks and the role C(meshops.istio_edge.expose_app).
    link: https://example.invalid/meshops/istio_edge/blob/main/docs/apps.md
"""

EXAMPLES = r"""
- name: Route the shop (HTTP -> HTTPS redirect, TLS, a 90/10 canary) and MySQL over TCP
  meshops.istio_edge.app_route:
    gateway_name: "{{ istio_edge_gateway.name }}"
    gateway_namespace: "{{ istio_edge_gateway.namespace }}"
    apps:
      - name: shop
        namespace: shop
        hosts: [shop.example.com]
        gateway:
          servers:
            - {port: 80, protocol: HTTP, https_redirect: true}
            - {port: 443, protocol: HTTPS, credential_name: shop-tls}
        http:
          - name: api
            match: [{prefix: /api}]
            rewrite: /
            route:
              - {host: shop-api, port: 8080, subset: v1, weight: 90}
              - {host: shop-api, port: 8080, subset: v2, weight: 10}
            retries: {attempts: 3, per_try_timeout: 2s, retry_on: "5xx,connect-failure"}
            timeout: 10s
          - route: [{host: shop-web, port: 80}]
        destination_rules:
          - host: shop-api
            subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
      - name: mysql
        namespace: db
        hosts: ["*"]
        gateway:
          servers: [{port: 3306, protocol: TCP, name: mysql}]
        tcp:
          - {port: 3306, route: [{host: mysql, port: 3306}]}

- name: Remove one app's objects (nothing else)
  meshops.istio_edge.app_route:
    apps: "{{ istio_edge_apps }}"
    only: shop
    state: absent
"""

RETURN = r"""
apps:
  description: One entry per app acted on.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The app., type: str}
    namespace: {description: Its namespace., type: str}
    hosts: {description: Its hosts (state=present)., type: list, elements: str}
    gateway: {description: The Gateway its VirtualService binds to (namespace/name; state=present)., type: str}
    changed: {description: Whether any of its objects changed., type: bool}
    objects:
      description: Its objects with C(kind), C(namespace), C(name) and C(action) (created, updated, deleted, unchanged).
      type: list
      elements: dict
  sample:
    - name: shop
      namespace: shop
      hosts: [shop.example.com]
      gateway: shop/shop-gateway
      changed: true
      objects:
        - {kind: Gateway, namespace: shop, name: shop-gateway, action: created}
        - {kind: VirtualService, namespace: shop, name: shop, action: created}
summary:
  description: Counts of objects per action, and of apps.
  returned: always
  type: dict
  sample: {apps: 2, created: 4, updated: 0, deleted: 0, unchanged: 1}
gateway:
  description: The gateway workload used - C(name), C(namespace), the C(selector) read from it, and its Service's
    C(service_ports) (C(name), C(port), C(target_port), C(node_port), C(protocol)).
  returned: state=present
  type: dict
  sample:
    name: istio-ingress
    namespace: istio-ingress
    selector: {istio: ingress}
    service_ports:
      - {name: http2, port: 80, target_port: 80, node_port: 30080, protocol: TCP}
api_requests:
  description: API requests made, by kind (C(list), C(get), C(write)); C(write) is 0 in a run that changes nothing.
  returned: always
  type: dict
  sample: {list: 8, get: 0, write: 0}
problems:
  description: On failure, every consistency problem found (nothing was written).
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.runner import run_app_route
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC

APP_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str"),
    hosts=dict(type="list", elements="str"),
    sidecar_injection=dict(type="bool", default=False),
    access_log=dict(type="bool", default=False),
    gateway=dict(type="dict"),
    use_gateway=dict(type="str"),
    http=dict(type="list", elements="dict"),
    tcp=dict(type="list", elements="dict"),
    destination_rules=dict(type="list", elements="dict"),
)


def main():
    argument_spec = dict(
        apps=dict(type="list", elements="dict", default=[], options=APP_SPEC),
        gateway_name=dict(type="str", default="istio-ingress"),
        gateway_namespace=dict(type="str", default="istio-ingress"),
        only=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        parallel=dict(type="int", default=4),
    )
    argument_spec.update(K8S_AUTH_ARG_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, run_app_route, requires=("kubernetes", "yaml"))


if __name__ == "__main__":
    main()
