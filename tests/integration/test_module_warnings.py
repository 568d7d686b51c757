# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A runner's warnings reach Ansible through module.warn(): printed as [WARNING], returned in ``warnings``, and
never passed to exit_json (deprecated in ansible-core 2.19, removed in 2.23). Runs with deprecation warnings on."""

from aws_controller import CLUSTER, REGION
from aws_support import aws, gateway_service_manifest  # noqa: F401  # pylint: disable=unused-import

DEPRECATED = "Passing `warnings` to `exit_json` or `fail_json` is deprecated"
LOUD = {"ANSIBLE_DEPRECATION_WARNINGS": "1"}


def test_alb_ingress_check_mode_warning(ansible, kube, namespace, aws):
    kube.resources.get(api_version="v1", kind="Service").create(
        body=gateway_service_manifest(namespace), namespace=namespace)
    args = {"name": "edge", "namespace": namespace, "gateway_service": "istio-ingress", "cluster_name": CLUSTER,
            "region": REGION, "hostnames": ["warn.example.com"], "listen_ports": [{"protocol": "HTTP", "port": 80}],
            "https_redirect": False, "wait": True, "verify": "none"}
    result = ansible.module("alb_ingress", args, check=True, env=LOUD)
    assert not result["failed"], result.get("msg")
    assert any("check mode: not waiting for the ALB" in w for w in result.get("warnings", [])), result.get("warnings")
    assert "[WARNING]: check mode: not waiting for the ALB" in result["_stdout"]
    assert DEPRECATED not in result["_stdout"]


def test_gateway_service_warning(ansible):
    result = ansible.module("gateway_service", {"profile": "nodeport", "kubeconfig": "/nonexistent/kubeconfig"},
                            env=LOUD)
    assert not result["failed"], result.get("msg")
    assert any("nodePort collision check skipped" in w for w in result.get("warnings", []))
    assert DEPRECATED not in result["_stdout"]
