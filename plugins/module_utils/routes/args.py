# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app schema as an argument spec (private): the suboptions of ``apps`` in ``app_route`` and ``edge_path_info``.

Ansible's validator checks what an argument spec can say - types, required keys, unknown keys, exclusive keys -
and names the path (``apps -> http -> route``). ``routes/validate.py`` then checks what it cannot: formats
(DNS names, hosts, durations, paths, RE2 regexes), ranges, defaults that depend on other keys, and the rules
across keys (weights add up to 100, a TLS server needs its Secret, ...). The documentation of these options is
the doc fragment ``meshops.istio_edge.app_schema``; keep both in step.

Whole numbers and percentages are ``raw``: Ansible's ``int`` would turn ``"8_0"`` into 80 and ``"1e2"`` into 100;
the module reads digits only. ``rewrite`` (a path or ``{uri, authority}``), ``headers``, ``selector``,
``labels`` and ``traffic_policy`` (Istio's own camelCase object) are checked by the module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import K8S_AUTH_ARG_SPEC


def _str(**extra):
    return dict(type="str", **extra)


def _raw(**extra):
    return dict(type="raw", **extra)


def _list_of(options, **extra):
    return dict(type="list", elements="dict", options=options, **extra)


DESTINATION = dict(host=_str(required=True), port=_raw(), weight=_raw(), subset=_str())
TCP_DESTINATION = dict(host=_str(required=True), port=_raw(), weight=_raw())

MATCH = dict(prefix=_str(), exact=_str(), regex=_str(), headers=dict(type="dict"),
             ignore_uri_case=dict(type="bool", default=False))

RETRIES = dict(attempts=_raw(required=True), per_try_timeout=_str(), retry_on=_str())

FAULT = dict(
    abort=dict(type="dict", options=dict(http_status=_raw(required=True), percentage=_raw())),
    delay=dict(type="dict", options=dict(fixed_delay=_str(required=True), percentage=_raw())),
)

HTTP_ROUTE = dict(
    name=_str(),
    match=_list_of(MATCH, mutually_exclusive=[["prefix", "exact", "regex"]]),
    rewrite=_raw(),
    route=_list_of(DESTINATION, required=True),
    retries=dict(type="dict", options=RETRIES),
    timeout=_str(),
    fault=dict(type="dict", options=FAULT, required_one_of=[["abort", "delay"]]),
)

TCP_ROUTE = dict(port=_raw(required=True), route=_list_of(TCP_DESTINATION, required=True))

SERVER = dict(port=_raw(required=True), protocol=_str(), name=_str(), hosts=dict(type="list", elements="str"),
              https_redirect=dict(type="bool", default=False), credential_name=_str(), tls_mode=_str())

GATEWAY = dict(name=_str(), namespace=_str(), selector=dict(type="dict"), servers=_list_of(SERVER))

SUBSET = dict(name=_str(required=True), labels=dict(type="dict", required=True), traffic_policy=dict(type="dict"))

DESTINATION_RULE = dict(name=_str(), host=_str(required=True), subsets=_list_of(SUBSET),
                        traffic_policy=dict(type="dict"))

APP = dict(
    name=_str(required=True),
    namespace=_str(),
    hosts=dict(type="list", elements="str"),
    sidecar_injection=dict(type="bool", default=False),
    access_log=dict(type="bool", default=False),
    adopt=dict(type="bool", default=False),
    gateway=dict(type="dict", options=GATEWAY),
    use_gateway=_str(),
    http=_list_of(HTTP_ROUTE),
    tcp=_list_of(TCP_ROUTE),
    destination_rules=_list_of(DESTINATION_RULE),
)


def apps_option(**extra):
    """The ``apps`` option: a list of apps in the schema above (``extra``: ``default`` and the like)."""
    return _list_of(APP, mutually_exclusive=[["gateway", "use_gateway"]], **extra)


def argument_spec():
    """The argument spec of the ``app_route`` module."""
    spec = dict(
        apps=apps_option(default=[]),
        gateway_name=dict(type="str", default="istio-ingress"),
        gateway_namespace=dict(type="str", default="istio-ingress"),
        only=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        parallel=dict(type="int", default=8),
        lease_wait=dict(type="int", default=120),
        lease_duration=dict(type="int", default=30),
    )
    spec.update(K8S_AUTH_ARG_SPEC)
    return spec
