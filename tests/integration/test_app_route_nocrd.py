# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_route on a cluster without Istio: it says to install Istio first and writes nothing.

Istio's CRDs are cluster-wide and other tests of the session need them, so this test starts its own small
API server (no controller manager) instead of deleting them from the shared test bed.
"""

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, bare_cluster, bare_kube, get, make_gateway, make_workload)


def test_refuses_without_istio_crds_and_writes_nothing(ansible, bare_cluster, bare_kube):
    kube = bare_kube
    apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-ingress"}})
    apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    make_gateway(kube, "istio-ingress")
    make_workload(kube, "shop", "web", {"http": 8080})
    app = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"], "sidecar_injection": True,
           "http": [{"route": [{"host": "web", "port": 8080}]}]}
    result = ansible.module("app_route", {"apps": [app], "kubeconfig": bare_cluster["kubeconfig"]})
    assert result["failed"]
    assert result["code"] == "NoKindMatch"
    assert "no matches for kind" in result["msg"] and "Install Istio first" in result["msg"]
    assert "Nothing was changed" in result["msg"]
    # nothing written: not even the namespace label asked for
    assert "istio-injection" not in (get(kube, "v1", "Namespace", "shop")["metadata"].get("labels") or {})

    removed = ansible.module("app_route", {"apps": [app], "state": "absent",
                                           "kubeconfig": bare_cluster["kubeconfig"]})
    assert not removed["failed"], removed["msg"]
    assert removed["changed"] is False and "not installed" in removed["msg"]
