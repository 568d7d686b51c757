#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_install
short_description: Install, upgrade or remove Istio with Helm (base, istiod, gateways)
version_added: 0.1.0
description:
  - Ensures the Helm releases of Istio's charts in order - C(base) (the CRDs), C(istiod), then one or more
    C(gateway) releases (for example an internal and an external ingress gateway) - at a pinned chart version.
  - The charts come from a Helm repository URL, an OCI registry or a local directory (air-gapped installs).
  - Idempotent without the helm-diff plugin - a release is left alone when its deployed chart version and its
    user-supplied values equal the wanted ones and its last revision is C(deployed). One C(helm get all) per
    release reads its chart version, status, user-supplied values and manifest.
  - Waits until the Istio CRDs are Established before installing istiod and the gateways; optionally waits for
    the istiod and gateway workloads to roll out.
  - A failed upgrade is rolled back to the last deployed revision (C(helm rollback)) and the error says why;
    a failed first install is uninstalled. Releases changed before the failing one stay changed.
  - Returns every release with its revision, and for each gateway the selector labels read from the deployed
    workload's pod template (C(istio=ingress) or C(istio=ingressgateway) ...), never assumed.
  - Works with helm 3 and helm 4. Helm gets the cluster connection from the Kubernetes connection options; a
    kubeconfig rendered from them is private to the run (mode 0600) and removed afterwards.
  - C(state=absent) uninstalls the gateways, istiod, then base, in that order. Istio's base chart marks its CRDs
    C(helm.sh/resource-policy=keep), so the CRDs and the custom resources stay.
author:
  - meshops platform team (@meshops)
extends_documentation_fragment:
  - meshops.istio_edge.attributes
  - meshops.istio_edge.k8s_auth
options:
  state:
    description:
      - C(present) installs or upgrades the releases, C(absent) uninstalls them (gateways first).
    type: str
    choices: [present, absent]
    default: present
  chart_repo:
    description:
      - Where the C(base), C(istiod) and C(gateway) charts come from.
      - A Helm repository URL (C(https://istio-release.storage.googleapis.com/charts), a mirror), an OCI registry
        path (C(oci://registry.istio.io/release/charts) for Istio 1.30, C(oci://gcr.io/istio-release/charts)
        before), or the absolute path of a local directory holding the charts as directories C(base/),
        C(istiod/), C(gateway/) or as the C(.tgz) files C(helm pull) writes (C(base-1.30.0.tgz), ...).
      - A local directory may hold several versions; the one matching O(chart_version) is used.
    type: str
    default: https://istio-release.storage.googleapis.com/charts
  chart_version:
    description:
      - The exact chart version of all three charts, for example C(1.30.0). Required with O(state=present).
      - Before anything is written, the module checks that every chart it needs exists at this version.
    type: str
  istio_namespace:
    description:
      - Namespace of the C(base) and C(istiod) releases.
      - When it is not C(istio-system), C(global.istioNamespace) is set to it in the base and istiod values
        unless the values set it.
    type: str
    default: istio-system
  create_namespace:
    description:
      - Create the release namespaces when missing (C(helm --create-namespace)).
      - When false, a missing namespace is an error raised before anything is written.
    type: bool
    default: true
  base:
    description:
      - The C(base) release (Istio's CRDs and cluster resources).
    type: dict
    suboptions:
      enabled:
        description:
          - Manage this release. Set to false when the CRDs are installed by other means; O(wait_crds) then
            checks that the Gateway, VirtualService and DestinationRule CRDs are Established.
        type: bool
        default: true
      release_name:
        description: Helm release name.
        type: str
        default: istio-base
      values:
        description: Chart values (top-level keys, as given to C(helm -f)).
        type: dict
        default: {}
  istiod:
    description:
      - The C(istiod) release (the control plane).
      - On clusters without C(autoscaling/v2) or C(policy/v1) (Kubernetes < 1.23) set
        C(autoscaleEnabled=false) and C(pdb.create=false) in its values.
    type: dict
    suboptions:
      enabled:
        description: Manage this release.
        type: bool
        default: true
      release_name:
        description: Helm release name.
        type: str
        default: istiod
      values:
        description: Chart values (top-level keys), for example C(meshConfig), C(global.hub), C(pdb.create).
        type: dict
        default: {}
  gateways:
    description:
      - The C(gateway) releases, installed in list order after istiod. The release name is O(gateways[].name),
        which is also the name of the gateway's Deployment and Service unless the values set C(name).
      - Istio's chart derives the selector label C(istio) from the name without its C(istio-) prefix
        (C(istio-ingress) gives C(istio=ingress)); override it with C(labels.istio) in the values. The selector
        of a deployed gateway cannot change (the Deployment selector is immutable), so such an upgrade
        fails and is rolled back.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Release name (a DNS label, at most 53 characters).
        type: str
        required: true
      namespace:
        description: Namespace of the release.
        type: str
        default: istio-ingress
      values:
        description:
          - Chart values, for example C(service.type), C(service.ports) (replaces the chart's port list; keep
            C(status-port) in it), C(service.annotations), C(labels), C(autoscaling.enabled).
          - The C(helm_values) returned by M(meshops.istio_edge.gateway_service) with C(mode=values) fit here.
        type: dict
        default: {}
      service:
        description:
          - Shape the gateway's Service for an edge, as M(meshops.istio_edge.gateway_service) does with
            C(mode=values) - its options C(profile) (required), C(node_ports), C(node_port_range), C(extra_ports),
            C(ports), C(status_port), C(health_check_path), C(annotations), C(external_traffic_policy),
            C(load_balancer_ip), C(load_balancer_source_ranges), C(check_node_ports), C(alb), C(nlb), C(azure),
            validated the same way (an error names C(gateways[N].service.<option>)).
          - The Helm values they give (C(service.type), C(service.ports), C(service.annotations), ...) are merged
            over O(gateways[].values) and win.
          - Before the release is installed or upgraded, the nodePorts it pins are checked against every other
            Service of the cluster (unless C(check_node_ports=false)); a taken one fails the run before anything
            is written. A release that does not change is not checked (it already holds its nodePorts).
          - Ignored with O(state=absent).
        type: dict
  helm_binary:
    description:
      - The helm 3 or helm 4 binary (a name looked up on E(PATH), or a path).
    type: str
    default: helm
  helm_extra_args:
    description:
      - Extra flags for C(helm upgrade --install), for example C(--disable-openapi-validation) or
        C(--history-max=5).
      - Flags the module sets itself (versions, values, namespaces, connection, C(--server-side), C(--timeout))
        are refused.
    type: list
    elements: str
    default: []
  helm_server_side:
    description:
      - Helm 4 applies with server-side apply by default; C(false) passes C(--server-side=false) (needed on
        Kubernetes 1.20 test clusters), C(true) passes C(--server-side=true), C(auto) passes nothing.
      - Helm 3 always applies client-side; C(true) is an error with helm 3.
      - One of C(auto), C(true), C(false) (booleans accepted).
    type: raw
    default: auto
  wait_crds:
    description:
      - Wait until the CRDs of the base release are Established before installing istiod and the gateways.
    type: bool
    default: true
  wait_istiod:
    description:
      - Wait until the istiod Deployment has rolled out (all replicas updated and available).
      - A timeout after an upgrade rolls the release back.
    type: bool
    default: true
  wait_gateways:
    description:
      - Wait until each gateway workload has rolled out. A timeout after an upgrade rolls the release back.
    type: bool
    default: true
  timeout:
    description:
      - Seconds allowed for each helm operation and for each wait.
    type: int
    default: 300
  diff_manifests:
    description:
      - With C(--diff), also show the rendered manifest change of each changed release (C(helm get manifest)
        before against C(helm template) in check mode or the new manifest after the change).
      - The values (and chart version) diff is always shown.
    type: bool
    default: true
requirements:
  - helm >= 3.13 or helm 4
notes:
  - Check mode writes nothing - it reads the releases, checks the charts exist, and reports what would change;
    with C(--diff) it renders the new manifest with C(helm template).
  - Values that equal the chart's defaults still count as values (helm stores them); keep the values you pass
    stable between runs.
seealso:
  - module: meshops.istio_edge.gateway_service
  - name: Istio Helm install
    description: Istio's guide to installing with Helm.
    link: https://istio.io/latest/docs/setup/install/helm/
attributes:
  check_mode:
    support: full
    details: Reads the releases and checks that the charts exist; nothing is installed, upgraded or removed.
  diff_mode:
    support: full
    details: Shows the values, the chart version and the rendered manifest (C(helm template) in check mode) before and after.
  action_group:
    membership: [meshops.istio_edge.k8s]
"""

EXAMPLES = r"""
- name: Install Istio 1.30.0 from Istio's Helm repository, one ingress gateway behind a NodePort Service
  meshops.istio_edge.istio_install:
    chart_version: 1.30.0
    gateways:
      - name: istio-ingress
        namespace: istio-ingress
        values:
          service:
            type: NodePort

- name: Install Istio with the gateway Service shaped for an ALB (NodePort, pinned nodePorts, health-check annotations)
  meshops.istio_edge.istio_install:
    chart_version: 1.30.0
    gateways:
      - name: istio-ingress
        values:
          autoscaling:
            minReplicas: 2
        service:
          profile: alb
          node_ports:
            http2: 30080
            https: 30443
            status-port: 30021
  register: istio
  # istio.gateways[0].health_check: the status port's nodePort and /healthz/ready for the target group

- name: Air-gapped - charts from a local directory (helm pull istio/base --version 1.30.0 ...), two gateways
  meshops.istio_edge.istio_install:
    chart_repo: /opt/charts/istio
    chart_version: 1.30.0
    istiod:
      values:
        global:
          hub: registry.example.internal/istio
    gateways:
      - name: istio-ingress-external
        namespace: istio-ingress
      - name: istio-ingress-internal
        namespace: istio-ingress
        values:
          labels:
            istio: ingress-internal
          service:
            annotations:
              service.beta.kubernetes.io/aws-load-balancer-scheme: internal

- name: Istio 1.30 from the OCI registry with helm 4
  meshops.istio_edge.istio_install:
    chart_repo: oci://registry.istio.io/release/charts
    chart_version: 1.30.0
    helm_binary: /usr/local/bin/helm4
    gateways:
      - name: istio-ingress
  register: istio

- name: Use the gateway's real selector in Istio Gateway resources
  ansible.builtin.debug:
    msg: "{{ istio.gateways[0].selector }}"   # {"app": "istio-ingress", "istio": "ingress"}

- name: Remove Istio (gateways, istiod, base; the CRDs stay)
  meshops.istio_edge.istio_install:
    state: absent
    gateways:
      - name: istio-ingress
"""

RETURN = r"""
releases:
  description:
    - The releases handled, in the order they were handled (install order, or reverse order for absent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Release name.
      type: str
      sample: istio-ingress
    namespace:
      description: Release namespace.
      type: str
      sample: istio-ingress
    component:
      description: C(base), C(istiod) or C(gateway).
      type: str
      sample: gateway
    chart:
      description: Chart name.
      type: str
      sample: gateway
    chart_version:
      description: Deployed chart version after the run (in check mode, the current one).
      type: str
      sample: 1.30.0
    app_version:
      description: Istio version of the deployed chart.
      type: str
      sample: 1.30.0
    revision:
      description: Helm revision after the run (in check mode the current one; null when not installed).
      type: int
      sample: 3
    status:
      description: Helm status of the last revision (C(deployed), C(failed), ...), C(not-installed) or
        C(uninstalled).
      type: str
      sample: deployed
    changed:
      description: Whether the release was (or, in check mode, would be) changed.
      type: bool
    action:
      description: C(install), C(upgrade), C(uninstall) or C(none).
      type: str
      sample: upgrade
    reasons:
      description: Why the release is changed (chart version change, changed value paths, failed revision).
      type: list
      elements: str
      sample: ["values changed: service.type"]
    previous:
      description: Chart version, revision and status before the run, when the release changed.
      type: dict
      returned: when changed and the release existed
    chart_version_after:
      description: The chart version a check-mode run would deploy.
      type: str
      returned: in check mode, when the release would change
    apply_method:
      description: How helm 4 applied the release (C(ssa) server-side, C(csa) client-side).
      type: str
      returned: with helm 4
gateways:
  description:
    - One entry per gateway release, read from what is deployed (C(source=live)); in check mode, for a gateway
      that would be installed or upgraded, from the rendered chart (C(source=rendered)). Empty for absent.
  returned: always
  type: list
  elements: dict
  contains:
    release:
      description: Release name.
      type: str
    name:
      description: Name of the gateway workload (Deployment) - also the Service name with Istio's chart.
      type: str
      sample: istio-ingress
    namespace:
      description: Namespace of the gateway.
      type: str
      sample: istio-ingress
    workload_kind:
      description: C(Deployment) or C(DaemonSet).
      type: str
    service:
      description: Name of the gateway Service (null when the values set C(service.type=None)).
      type: str
      sample: istio-ingress
    service_type:
      description: Type of the Service.
      type: str
      sample: NodePort
    selector:
      description: The C(app) and C(istio) pod labels - what an Istio Gateway's selector must match.
      type: dict
      sample: {"app": "istio-ingress", "istio": "ingress"}
    pod_labels:
      description: All pod template labels of the gateway workload.
      type: dict
    ports:
      description: Service ports (C(name), C(port), C(target_port), C(protocol), C(node_port) when assigned).
      type: list
      elements: dict
    node_ports:
      description: Port name to assigned nodePort.
      type: dict
      sample: {"http2": 30080, "https": 30443, "status-port": 30021}
    status_port:
      description: Service port of C(status-port) (readiness at C(/healthz/ready)).
      type: int
      sample: 15021
    load_balancer:
      description: C(status.loadBalancer.ingress) of the Service (hostname/ip) once a load balancer exists.
      type: list
      elements: dict
    source:
      description: C(live) (read from the cluster) or C(rendered) (check mode, from C(helm template)).
      type: str
    profile:
      description: The edge profile of O(gateways[].service).
      type: str
      returned: when the gateway has O(gateways[].service)
      sample: nodeport
    health_check:
      description:
        - The edge's health check of the gateway (C(port_name), C(port), C(target_port), C(node_port), C(path),
          C(protocol)) - the status port at C(/healthz/ready) unless changed.
      type: dict
      returned: when the gateway has O(gateways[].service)
      sample: {"port_name": "status-port", "port": 15021, "target_port": 15021, "node_port": 30021,
               "path": "/healthz/ready", "protocol": "HTTP"}
    annotations:
      description: The Service annotations the shape set (the edge's health-check and load balancer annotations).
      type: dict
      returned: when the gateway has O(gateways[].service)
    node_port_check:
      description:
        - The nodePort collision check - C(passed (N Services checked)), C(not needed (...)), C(disabled (...)), or
          C(skipped - ...) when the Services may not be listed (a warning says so).
      type: str
      returned: when the gateway has O(gateways[].service)
helm_version:
  description: Version of the helm binary used.
  returned: always
  type: str
  sample: v3.17.3
chart_source:
  description: The chart repository, registry or directory used.
  returned: when state is present
  type: str
chart_version:
  description: The chart version wanted.
  returned: when state is present
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.module import run_module
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.args import REQUIRED_IF, argument_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.runner import run_install


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, required_if=REQUIRED_IF)
    run_module(module, run_install, requires=("kubernetes", "yaml"))


if __name__ == "__main__":
    main()
