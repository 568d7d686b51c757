# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gateway_service mode live on a Service that a Helm release owns: it is shaped, and the result warns that the
next helm upgrade of that release undoes it. The Service carries the ownership metadata Helm 3/4 write (the
label app.kubernetes.io/managed-by=Helm and the meta.helm.sh/release-* annotations); no release is installed."""


def _service(namespace, helm=True):
    meta = {"name": "istio-ingress", "namespace": namespace, "labels": {"istio": "ingress"}}
    if helm:
        meta["labels"]["app.kubernetes.io/managed-by"] = "Helm"
        meta["annotations"] = {"meta.helm.sh/release-name": "istio-ingress",
                               "meta.helm.sh/release-namespace": namespace}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"type": "LoadBalancer", "selector": {"istio": "ingress"},
                     "ports": [{"name": "status-port", "port": 15021, "targetPort": 15021},
                               {"name": "http2", "port": 80, "targetPort": 80},
                               {"name": "https", "port": 443, "targetPort": 443}]}}


def _args(namespace):
    return {"profile": "loadbalancer", "mode": "live", "name": "istio-ingress", "namespace": namespace,
            "annotations": {"example.com/owner": "edge"}}


def test_helm_owned_service_is_shaped_with_a_warning(ansible, kube, namespace):
    services = kube.resources.get(api_version="v1", kind="Service")
    services.create(body=_service(namespace), namespace=namespace)
    result = ansible.module("gateway_service", _args(namespace))
    assert not result["failed"], result.get("msg")
    assert result["changed"] is True
    warnings = [w for w in result.get("warnings", []) if "Helm release %s/istio-ingress" % namespace in w]
    assert warnings and "mode values" in warnings[0], result.get("warnings")
    live = services.get(name="istio-ingress", namespace=namespace).to_dict()
    assert live["metadata"]["annotations"]["example.com/owner"] == "edge"
    assert live["metadata"]["annotations"]["meta.helm.sh/release-name"] == "istio-ingress"


def test_a_service_helm_does_not_own_gets_no_warning(ansible, kube, namespace):
    kube.resources.get(api_version="v1", kind="Service").create(body=_service(namespace, helm=False),
                                                                namespace=namespace)
    result = ansible.module("gateway_service", _args(namespace))
    assert not result["failed"], result.get("msg")
    assert [w for w in result.get("warnings", []) if "Helm release" in w] == []
