# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``edge_path_info`` module (private; documented in the module's DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AWS_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.credentials import AZURE_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.args import apps_option


def argument_spec():
    spec = dict(
        hostname=dict(type="str"),
        path=dict(type="str"),
        app=dict(type="str"),
        apps=apps_option(),
        namespace=dict(type="str"),
        gateway_name=dict(type="str", default="istio-ingress"),
        gateway_namespace=dict(type="str", default="istio-ingress"),
        provider=dict(type="str", choices=["alb", "nlb", "frontdoor", "nodeport", "loadbalancer"]),
        node_ports=dict(type="dict", default={}),
        status_port=dict(type="int", default=15021),
        health_check_path=dict(type="str", default="/healthz/ready"),
        alb=dict(type="dict", options=dict(ingress_name=dict(type="str"), ingress_namespace=dict(type="str"),
                                           cluster_name=dict(type="str"))),
        nlb=dict(type="dict", options=dict(cluster_name=dict(type="str"))),
        frontdoor=dict(type="dict", options=dict(
            resource_group=dict(type="str"), profile_name=dict(type="str"), endpoint_name=dict(type="str"),
            origin_group_name=dict(type="str", default="istio-edge"),
            origin_name=dict(type="str", default="istio-ingress"),
            private_link=dict(type="dict", options=dict(id=dict(type="str"), name=dict(type="str"),
                                                        resource_group=dict(type="str"))))),
        envoy_config=dict(type="str", default="auto", choices=["auto", "always", "never"]),
        envoy_admin_port=dict(type="int", default=15000),
        timeout=dict(type="int", default=10),
        report_formats=dict(type="list", elements="str", default=[], choices=["markdown", "html"]),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    spec.update(AWS_AUTH_ARG_SPEC)
    spec.update(AZURE_AUTH_ARG_SPEC)
    return spec
