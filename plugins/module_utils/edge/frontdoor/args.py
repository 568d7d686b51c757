# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of ``frontdoor_origin`` (private; documented in the module's DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.azure.credentials import AZURE_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC


def argument_spec():
    spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        resource_group=dict(type="str", required=True),
        profile_name=dict(type="str", required=True),
        sku=dict(type="str", default="Premium_AzureFrontDoor",
                 choices=["Premium_AzureFrontDoor", "Standard_AzureFrontDoor"]),
        origin_response_timeout=dict(type="int"),
        tags=dict(type="dict"),
        endpoint_name=dict(type="str", required=True),
        gateway_name=dict(type="str", default="istio-ingress"),
        gateway_namespace=dict(type="str", default="istio-ingress"),
        origin_group=dict(type="dict", default={}, options=dict(
            name=dict(type="str", default="istio-edge"),
            probe_path=dict(type="str", default="/probe"),
            probe_protocol=dict(type="str", default="Http", choices=["Http", "Https"]),
            probe_method=dict(type="str", default="GET", choices=["GET", "HEAD"]),
            probe_interval=dict(type="int", default=100),
            sample_size=dict(type="int", default=4),
            successful_samples_required=dict(type="int", default=3),
            additional_latency_ms=dict(type="int", default=50),
            session_affinity=dict(type="bool", default=False),
        )),
        origin=dict(type="dict", default={}, options=dict(
            name=dict(type="str", default="istio-ingress"),
            host_name=dict(type="str"),
            origin_host_header=dict(type="str"),
            http_port=dict(type="int", default=80),
            https_port=dict(type="int", default=443),
            priority=dict(type="int", default=1),
            weight=dict(type="int", default=1000),
            enabled=dict(type="bool", default=True),
            enforce_certificate_name_check=dict(type="bool", default=True),
            wait_for_ip=dict(type="int", default=300),
        )),
        private_link=dict(type="dict", options=dict(
            id=dict(type="str"),
            name=dict(type="str"),
            resource_group=dict(type="str"),
            location=dict(type="str"),
            request_message=dict(type="str"),
            approve=dict(type="bool", default=True),
            approval_timeout=dict(type="int", default=600),
        )),
        route=dict(type="dict", default={}, options=dict(
            name=dict(type="str", default="istio-edge"),
            patterns=dict(type="list", elements="str", default=["/*"]),
            supported_protocols=dict(type="list", elements="str", default=["Http", "Https"],
                                     choices=["Http", "Https"]),
            https_redirect=dict(type="bool", default=True),
            forwarding_protocol=dict(type="str", default="HttpOnly",
                                     choices=["HttpOnly", "HttpsOnly", "MatchRequest"]),
            link_to_default_domain=dict(type="bool", default=True),
            enabled=dict(type="bool", default=True),
        )),
        custom_domains=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            host_name=dict(type="str", required=True),
            certificate_type=dict(type="str", default="ManagedCertificate",
                                  choices=["ManagedCertificate", "CustomerCertificate"]),
            minimum_tls_version=dict(type="str", default="TLS12", choices=["TLS10", "TLS12", "TLS13"]),
            secret_id=dict(type="str"),
        )),
        waf_policy=dict(type="dict", options=dict(
            id=dict(type="str", required=True),
            name=dict(type="str", default="istio-edge-waf"),
            patterns=dict(type="list", elements="str", default=["/*"]),
        )),
        health_route_check=dict(type="bool", default=True),
        keep_profile=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        polling_interval=dict(type="int"),
    )
    spec.update(AZURE_AUTH_ARG_SPEC)
    spec.update(K8S_AUTH_ARG_SPEC)
    return spec
