# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module that takes a DNS name applies common.names: a trailing newline, a label over 63 characters and
a name over 253 are refused everywhere, naming the option (app_route's cases: routes/test_routes_validate.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.runner import resolve_target
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.ingress import validate_params
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.frontdoor.params import validate_common
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.plan import build_plan as gateway_plan
from ansible_collections.meshops.istio_edge.plugins.module_utils.gateway.ports import normalize_port
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.plan import build_plan as install_plan

LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["a" * 60] * 4) + ".example.com"


def alb_params(**extra):
    p = {"name": "edge", "namespace": "istio-ingress", "gateway_service": "istio-ingress", "backend_port": 80,
         "listen_ports": [{"protocol": "HTTP", "port": 80}], "https_redirect": False, "certificate_arn": [],
         "hostnames": [], "tags": {}, "annotations": {}}
    p.update(extra)
    return p


def alb(**extra):
    return lambda: validate_params(alb_params(**extra))


def gateway(**extra):
    p = {"profile": "nodeport", "name": "istio-ingress", "namespace": "istio-ingress"}
    p.update(extra)
    return lambda: gateway_plan(p)


def install(**extra):
    p = {"state": "present", "chart_repo": "https://charts.example.com", "chart_version": "1.30.0",
         "istio_namespace": "istio-system", "gateways": [], "helm_extra_args": [], "helm_server_side": "auto"}
    p.update(extra)
    return lambda: install_plan(p)


CASES = [
    (alb(name="edge\n"), "name"), (alb(name=LONG_NAME), "name"), (alb(namespace=LONG_LABEL), "namespace"),
    (alb(hostnames=[LONG_LABEL + ".example.com"]), "hostnames[0]"),
    (alb(group_name="g" * 64), "group_name"), (alb(backend_port="http2\n"), "backend_port"),
    (gateway(namespace="istio-ingress\n"), "namespace"), (gateway(name="istio-ingress\n"), "name"),
    (gateway(namespace=LONG_LABEL), "namespace"), (gateway(annotations={"example.com/owner\n": "x"}),
                                                   "annotations.example.com/owner\n"),
    (lambda: normalize_port({"name": "mysql\n", "port": 3306}, "extra_ports[0]"), "extra_ports[0].name"),
    (install(istio_namespace="istio-system\n"), "istio_namespace"), (install(istio_namespace=LONG_LABEL),
                                                                     "istio_namespace"),
    (lambda: validate_common({"resource_group": "rg\n", "profile_name": "fd"}), "resource_group"),
    (lambda: validate_common({"resource_group": "rg", "profile_name": "fd\n"}), "profile_name"),
    (lambda: resolve_target({"hostname": LONG_LABEL + ".example.com"}), "hostname"),
]


@pytest.mark.parametrize("call, field", CASES)
def test_bad_names_are_refused_naming_the_option(call, field):
    with pytest.raises(EdgeError) as info:
        call()
    assert info.value.field == field or str(info.value).startswith(field), str(info.value)


def test_host_names_that_are_stripped_keep_no_white_space():
    """alb_ingress and edge_path_info strip the host names they are given (nothing else is touched)."""
    assert validate_params(alb_params(hostnames=["shop.example.com\n"]))["hostnames"] == [
        "shop.example.com"]
    assert resolve_target({"hostname": "shop.example.com\n"})[0]["host"] == "shop.example.com"
