# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``frontdoor_origin`` reads from the cluster: the gateway Service (its internal load balancer IP and
Private Link annotations) and the live probe route (private). Reads only; nothing is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.lb_address import load_balancer_address
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import wait_until
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.health import (
    READY_PATH, STATUS_PORT, find_probe_route)
from ansible_collections.meshops.istio_edge.plugins.module_utils.istio.api import NETWORKING_GROUP
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.discovery import find_api

INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"
PLS_CREATE_ANNOTATION = "service.beta.kubernetes.io/azure-pls-create"


class GatewayReader:
    def __init__(self, kube, name, namespace):
        self.kube = kube
        self.name = name
        self.namespace = namespace

    @property
    def ref(self):
        return "%s/%s" % (self.namespace, self.name)

    def service(self, required=True):
        svc = self.kube.get("v1", "Service", self.name, self.namespace)
        if svc is None and required:
            raise field_error("gateway_name", "the gateway Service %s does not exist" % self.ref,
                              "Install the gateway first (role meshops.istio_edge.istio), fix gateway_name / "
                              "gateway_namespace, or give origin.host_name and private_link.name.")
        return svc

    def origin_host(self, service, timeout, check_mode, warnings, interval=5):
        """The internal load balancer's IP, waiting up to ``timeout`` seconds for the cloud to assign it."""
        address = load_balancer_address(service, prefer="ip")
        if address:
            return address
        if check_mode:
            warnings.append("The gateway Service %s has no load balancer IP yet; in check mode the origin host "
                            "is predicted as '<pending>'." % self.ref)
            return "<pending>"

        def poll():
            live = self.service()
            found = load_balancer_address(live, prefer="ip")
            return bool(found), found or "no load balancer IP (status.loadBalancer: %s)" % (
                (live.get("status") or {}).get("loadBalancer") or {})
        return wait_until(
            poll, timeout, "the internal load balancer IP of the gateway Service %s" % self.ref, interval=interval,
            field="origin.host_name",
            causes=[("the cloud provider cannot create the internal load balancer (subnet full or missing, "
                     "permissions of the cluster identity): the Service events say why",
                     "kubectl -n %s describe service %s" % (self.namespace, self.name)),
                    ("the Service is not of type LoadBalancer with the internal annotation (gateway_service "
                     "profile=azure_private_link sets it)",
                     "kubectl -n %s get service %s -o yaml" % (self.namespace, self.name)),
                    ("Azure is slow to allocate the frontend IP", None)],
            hint="Raise origin.wait_for_ip, or give origin.host_name.")

    def check_private_link_annotations(self, service, warnings):
        annotations = ((service or {}).get("metadata") or {}).get("annotations") or {}
        if str(annotations.get(INTERNAL_LB_ANNOTATION, "")).lower() != "true":
            warnings.append("The gateway Service %s is not annotated %s=\"true\": Front Door Private Link needs an "
                            "internal load balancer (gateway_service profile=azure_private_link sets it)."
                            % (self.ref, INTERNAL_LB_ANNOTATION))
        elif str(annotations.get(PLS_CREATE_ANNOTATION, "")).lower() != "true":
            warnings.append("The gateway Service %s is not annotated %s=\"true\"; make sure the Private Link "
                            "Service exists some other way." % (self.ref, PLS_CREATE_ANNOTATION))
        return annotations

    def istio_api(self):
        """The networking.istio.io version serving VirtualService and Gateway, or None when the cluster says it
        serves none (a discovery error is raised as such)."""
        found = find_api(self.kube.params, NETWORKING_GROUP, ("VirtualService", "Gateway"))
        return None if found["missing"] else found["api_version"]

    def probe_route(self, service, probe_path, host, port, check_mode, warnings):
        """The live route answering Front Door's probe; an error (a warning in check mode) when none does."""
        api = self.istio_api()
        if api is None:
            raise EdgeError("health_route_check: the cluster serves no networking.istio.io VirtualService API, so "
                            "nothing can route Front Door's probe %s." % probe_path, field="health_route_check",
                            code="NoKindMatch", hint="Install Istio first (role meshops.istio_edge.istio), or set "
                                                     "health_route_check=false. Nothing was changed.")
        labels = dict(((service or {}).get("spec") or {}).get("selector") or {})
        found = find_probe_route(probe_path, self.kube.list(api, "VirtualService"), self.kube.list(api, "Gateway"),
                                 labels, host=host, port=port)
        if found is not None:
            return found
        message = ("origin_group.probe_path: no VirtualService bound to a Gateway of %s routes Front Door's health "
                   "probe %s (port %s); every probe would get Envoy's 404 and Front Door would mark the origin "
                   "unhealthy." % (self.ref, probe_path, port))
        hint = ("Apply the health route first - role meshops.istio_edge.edge_frontdoor does, with app_route: exact "
                "%s, rewrite %s, route to %s.%s.svc.cluster.local:%d - or set health_route_check=false. Nothing was "
                "changed." % (probe_path, READY_PATH, self.name, self.namespace, STATUS_PORT))
        if check_mode:
            warnings.append("%s (In check mode the route may be created by an earlier task.)" % message)
            return None
        raise EdgeError(message, field="origin_group.probe_path", code="NoProbeRoute", hint=hint)
