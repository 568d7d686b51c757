# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``nlb_info`` module (private; documented in the module's DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AWS_AUTH_ARG_SPEC
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC


def argument_spec():
    spec = dict(
        name=dict(type="str", default="istio-ingress"),
        namespace=dict(type="str", default="istio-ingress"),
        health_check=dict(type="str", default="from_service", choices=["from_service", "status_port", "traffic_port"]),
        status_port_name=dict(type="str", default="status-port"),
        health_check_path=dict(type="str", default="/healthz/ready"),
        cluster_name=dict(type="str"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        verify=dict(type="str", default="report", choices=["report", "strict"]),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    spec.update(AWS_AUTH_ARG_SPEC)
    return spec
