# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""edge_path_info on a cluster where Istio's base chart (the CRDs) was never installed.

Istio's CRDs are cluster-wide and the session's test bed has whatever other tests installed, so this test
starts its own small API server (no controller manager) where they never existed.
"""

from app_route_support import apply, bare_cluster, bare_kube  # noqa: F401  # pylint: disable=unused-import
from test_edge_path_info_support import HOST, gateway_service, hop


def test_istio_crds_missing_is_its_own_finding(ansible, bare_cluster, bare_kube):
    kube = bare_kube
    for ns in ("istio-ingress", "shop"):
        apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    apply(kube, gateway_service("istio-ingress"))
    result = ansible.module("edge_path_info", {"hostname": HOST, "namespace": "shop", "envoy_config": "never",
                                               "kubeconfig": bare_cluster["kubeconfig"]})
    assert not result["failed"], result.get("msg")
    crds = hop(result, "istio_crds")
    assert crds["status"] == "broken" and crds["reason"] == "istio_crds_missing"
    assert "base chart" in crds["fix"]
    for name in ("gateway", "virtual_service", "endpoints"):
        assert hop(result, name)["status"] == "skipped"
        assert hop(result, name)["reason"] == "istio_crds_missing"
    # the gateway itself is still diagnosed: no Deployment, no pod on this bare cluster
    assert hop(result, "gateway_workload")["reason"] == "workload_missing"
    assert result["broken_hops"] == ["gateway_workload", "istio_crds"]
