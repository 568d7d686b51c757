# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of the ``istio_install`` module (private; documented in the module's DOCUMENTATION)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC

REQUIRED_IF = [("state", "present", ["chart_version"])]


def _release_options(name):
    return dict(
        enabled=dict(type="bool", default=True),
        release_name=dict(type="str", default=name),
        values=dict(type="dict", default={}),
    )


def argument_spec():
    spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        chart_repo=dict(type="str", default="https://istio-release.storage.googleapis.com/charts"),
        chart_version=dict(type="str"),
        istio_namespace=dict(type="str", default="istio-system"),
        create_namespace=dict(type="bool", default=True),
        base=dict(type="dict", options=_release_options("istio-base"), apply_defaults=True),
        istiod=dict(type="dict", options=_release_options("istiod"), apply_defaults=True),
        gateways=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            namespace=dict(type="str", default="istio-ingress"),
            values=dict(type="dict", default={}),
            service=dict(type="dict"),  # gateway_service's shape options, validated by gateway/release.py
        )),
        helm_binary=dict(type="str", default="helm"),
        helm_extra_args=dict(type="list", elements="str", default=[]),
        helm_server_side=dict(type="raw", default="auto"),
        wait_crds=dict(type="bool", default=True),
        wait_istiod=dict(type="bool", default=True),
        wait_gateways=dict(type="bool", default=True),
        timeout=dict(type="int", default=300),
        diff_manifests=dict(type="bool", default=True),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    return spec
