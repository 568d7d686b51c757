# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``alb_ingress`` module (private; documented in the module's DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AWS_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC

MUTUALLY_EXCLUSIVE = [("certificate_arn", "certificate_domain")]


def argument_spec():
    spec = dict(
        name=dict(type="str", required=True),
        namespace=dict(type="str", default="istio-ingress"),
        gateway_service=dict(type="str", default="istio-ingress"),
        backend_port=dict(type="raw", default=80),
        status_port_name=dict(type="str", default="status-port"),
        health_check_path=dict(type="str", default="/healthz/ready"),
        ingress_class=dict(type="str", default="alb"),
        scheme=dict(type="str", default="internet-facing", choices=["internet-facing", "internal"]),
        target_type=dict(type="str", default="instance", choices=["instance", "ip"]),
        listen_ports=dict(type="list", elements="dict",
                          default=[{"protocol": "HTTP", "port": 80}, {"protocol": "HTTPS", "port": 443}],
                          options=dict(protocol=dict(type="str", required=True, choices=["HTTP", "HTTPS"]),
                                       port=dict(type="int", required=True))),
        https_redirect=dict(type="bool", default=True),
        certificate_arn=dict(type="list", elements="str"),
        certificate_domain=dict(type="str"),
        hostnames=dict(type="list", elements="str", default=[]),
        group_name=dict(type="str"),
        group_order=dict(type="int"),
        waf_acl_arn=dict(type="str"),
        tags=dict(type="dict", default={}),
        annotations=dict(type="dict", default={}),
        labels=dict(type="dict", default={}),
        cluster_name=dict(type="str"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        verify=dict(type="str", default="report", choices=["none", "report", "strict"]),
        route53=dict(type="dict", options=dict(
            zone_id=dict(type="str"),
            zone_name=dict(type="str"),
            private_zone=dict(type="bool"),
            record_names=dict(type="list", elements="str"),
            record_types=dict(type="list", elements="str", choices=["A", "AAAA"], default=["A"]),
            evaluate_target_health=dict(type="bool", default=True),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    spec.update(AWS_AUTH_ARG_SPEC)
    return spec
