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
  - An object with an app's object name that this collection does not manage (no ownership labels) is refused,
    naming it and its field managers, unless the app sets C(adopt=true); it is then taken over and becomes
    exactly the app's object. Objects owned by another app are never touched.
  - Two routes of different VirtualServices for the same host on one gateway workload whose order Istio leaves
    undefined (the same path, nested prefixes such as C(/api) and C(/api/), an exact path under a prefix, a
    case-insensitive match) are refused; a catch-all route (prefix C(/)) next to a specific one is accepted with
    a warning, since Istio merges catch-all routes last.
  - A run that writes holds a C(coordination.k8s.io) Lease per group of the hosts, TCP ports and object names it
    checks and writes, in O(gateway_namespace); another run touching the same ones waits for it (up to
    O(lease_wait)) and then reads what it wrote. Runs on different hosts go on in parallel; check mode and runs
    with nothing to write take no Lease.
  - In check mode every write is a server dry-run, so the prediction includes the API server's validation.
    With C(--diff) each created, updated or deleted object gets its own diff.
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.k8s_auth
  - meshops.istio_edge.app_schema
attributes:
  check_mode:
    support: full
    details: Every write is a server dry-run, so the prediction includes the API server's validation.
  diff_mode:
    support: full
    details: One diff per created, updated or deleted object.
  action_group:
    membership: [meshops.istio_edge.k8s]
  platform:
    description: The target the module acts on.
    support: full
    platforms: kubernetes
options:
  apps:
    description:
      - The apps, in the schema of the C(istio_edge_apps) inventory variable (see C(docs/apps.md)); each key is
        documented below.
      - Types, required keys and unknown keys are checked by Ansible's argument validation, which names the path
        (for example C(apps -> http -> route)); formats, ranges and the rules across keys are checked by the
        module before anything is read or written, and its errors name the key by its path, for example
        C(apps[shop].http[0].route[1].weight).
      - With O(state=absent) only C(name) and C(namespace) (which limits the removal to the app's namespaces) are used.
    type: list
    elements: dict
    default: []
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
      - At least 1; 1 sends one request at a time. A write spends most of its time waiting on the API server
        (admission, etcd), so several in flight finish a large run sooner; the API server's priority and fairness
        queues them when it is busy.
    type: int
    default: 8
  lease_wait:
    description:
      - Seconds to wait, in all, for the Leases another run holds on the same hosts, TCP ports or objects. When
        they are still held then, the run fails naming the holder and when its Lease expires, and writes nothing.
    type: int
    default: 120
  lease_duration:
    description:
      - C(leaseDurationSeconds) of the run's Leases; they are renewed every third of it while the run writes. A
        Lease left by a run that died is taken over once it is this old.
    type: int
    default: 30
notes:
  - The result's C(invocation.module_args) lists the apps by name only. The apps as given are not echoed back, as
    for hundreds of apps the echo would be most of the result.
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
      description: The objects the run wrote (in check mode, would write), with C(kind), C(namespace), C(name) and
        C(action) (created, updated, adopted - taken over from another manager, deleted). Objects already as
        declared are counted in C(unchanged), not listed, so that a no-op run of many apps returns a small result.
      type: list
      elements: dict
    unchanged: {description: How many of its objects were already as declared (nothing sent for them)., type: int}
  sample:
    - name: shop
      namespace: shop
      hosts: [shop.example.com]
      gateway: shop/shop-gateway
      changed: true
      objects:
        - {kind: Gateway, namespace: shop, name: shop-gateway, action: created}
        - {kind: VirtualService, namespace: shop, name: shop, action: created}
      unchanged: 0
summary:
  description: Counts of objects per action, and of apps.
  returned: always
  type: dict
  sample: {apps: 2, created: 4, updated: 0, adopted: 0, deleted: 0, unchanged: 1}
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
    C(lease) counts the requests for the run's Leases (only in a run that writes).
  returned: always
  type: dict
  sample: {list: 8, get: 0, write: 0}
lease:
  description: The Leases the run held while it checked and wrote - C(namespace), C(names), the C(holder)
    identity (host/pid/run id), C(duration), how long it C(waited) for them (seconds) and for which holders
    (C(waited_for)).
  returned: when the run wrote something (not in check mode)
  type: dict
  sample: {namespace: istio-ingress, names: [istio-edge-claims-istio-ingress-07], holder: ci-1/4242/9f3a1c2b04de,
           duration: 30, waited: 0.0, waited_for: []}
problems:
  description: On failure, every consistency problem found (nothing was written).
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.args import argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.runner import run_app_route


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, run_app_route, requires=("kubernetes", "yaml"), brief=("apps",))


if __name__ == "__main__":
    main()
