# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec of the gateway_service module (private; mirrors its DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC

PORT_OPTIONS = dict(
    name=dict(type="str", required=True),
    port=dict(type="int", required=True),
    target_port=dict(type="raw"),
    node_port=dict(type="int"),
    protocol=dict(type="str", default="TCP", choices=["TCP", "UDP", "SCTP"]),
    app_protocol=dict(type="str"),
)


def shape_options():
    """The options that shape the gateway Service (gateway_service's, and istio_install's ``gateways[].service``)."""
    return dict(
        profile=dict(type="str", required=True,
                     choices=["alb", "nlb", "azure_private_link", "nodeport", "loadbalancer"]),
        node_ports=dict(type="dict"),
        node_port_range=dict(type="str", default="30000-32767"),
        extra_ports=dict(type="list", elements="dict", options=PORT_OPTIONS),
        ports=dict(type="list", elements="dict", options=PORT_OPTIONS),
        status_port=dict(type="int", default=15021),
        health_check_path=dict(type="str", default="/healthz/ready"),
        annotations=dict(type="dict"),
        external_traffic_policy=dict(type="str", choices=["Cluster", "Local"]),
        load_balancer_ip=dict(type="str"),
        load_balancer_source_ranges=dict(type="list", elements="str"),
        check_node_ports=dict(type="bool", default=True),
        alb=dict(type="dict", options=dict(
            health_check_port=dict(type="str", choices=["named", "number"]),
            target_type=dict(type="str", choices=["instance", "ip"]),
            health_check_protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
            success_codes=dict(type="str"),
            interval_seconds=dict(type="int"),
            timeout_seconds=dict(type="int"),
            healthy_threshold=dict(type="int"),
            unhealthy_threshold=dict(type="int"),
        )),
        nlb=dict(type="dict", options=dict(
            scheme=dict(type="str", choices=["internal", "internet-facing"]),
            target_type=dict(type="str", choices=["ip", "instance"]),
            health_check=dict(type="str", choices=["http", "tcp"]),
            certificate_arn=dict(type="list", elements="str"),
            ssl_ports=dict(type="list", elements="str"),
            backend_protocol=dict(type="str", choices=["tcp", "ssl"]),
            ssl_negotiation_policy=dict(type="str"),
            cross_zone=dict(type="bool"),
            attributes=dict(type="dict"),
            security_groups=dict(type="list", elements="str"),
            subnets=dict(type="list", elements="str"),
            tags=dict(type="dict"),
            name=dict(type="str"),
            healthy_threshold=dict(type="int"),
            unhealthy_threshold=dict(type="int"),
            interval_seconds=dict(type="int"),
        )),
        azure=dict(type="dict", options=dict(
            pls_subnet=dict(type="str"),
            pls_name=dict(type="str"),
            internal_subnet=dict(type="str"),
            load_balancer_ip=dict(type="str"),
            visibility=dict(type="list", elements="str"),
            auto_approval=dict(type="list", elements="str"),
            expose_status_port=dict(type="bool"),
            probe_interval=dict(type="int"),
            probe_threshold=dict(type="int"),
        )),
    )


def argument_spec():
    spec = shape_options()
    spec.update(
        mode=dict(type="str", default="values", choices=["values", "live"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str", default="istio-ingress"),
        namespace=dict(type="str", default="istio-ingress"),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    return spec
