# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run that fails after it wrote something says changed=true and lists what it wrote, on the test bed:
app_route refused by the API server half-way (a ResourceQuota admits the DestinationRule and the Gateway but no
VirtualService), alb_ingress timing out on the ALB address after it wrote the Ingress (no controller runs),
nlb_info timing out on the Service's address, frontdoor_origin whose origin operation fails in the fake ARM
after the profile, endpoint and origin group were created."""

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    CLUSTER, alb_args, alb_gateway, aws, gateway_service_manifest, read_ingress, request_cert)
from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, ensure_istio_crds, get, gw_ns, make_workload)
from conftest_azure import FD_RG, PLS_RG, azure_args

NET = "networking.istio.io/v1beta1"


def test_app_route_refused_half_way_reports_the_objects_it_wrote(ansible, kube, namespace, gw_ns):
    ensure_istio_crds(kube)
    make_workload(kube, namespace, "web", {"http": 8080})
    # admission the module cannot foresee: no VirtualService may be created in this namespace
    apply(kube, {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "no-routes", "namespace": namespace},
                 "spec": {"hard": {"count/virtualservices.networking.istio.io": "0"}}})
    app = {"name": "shop", "namespace": namespace, "hosts": ["shop.%s.example.com" % namespace],
           "http": [{"match": [{"prefix": "/"}], "route": [{"host": "web", "port": 8080}]}],
           "destination_rules": [{"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}]}
    result = ansible.module("app_route", {"apps": [app], "gateway_namespace": gw_ns})
    assert result["failed"] is True
    assert result["code"] == 403 and "quota" in result["msg"], result["msg"]
    assert result["changed"] is True
    assert result["written"] == ["created DestinationRule %s/shop-web" % namespace,
                                 "created Gateway %s/shop-gateway" % namespace]
    assert "2 write(s) were done before the failure (see written); re-run to finish." in result["msg"]
    # what it says it wrote is there; what failed is not
    assert get(kube, NET, "DestinationRule", "shop-web", namespace) is not None
    assert get(kube, NET, "Gateway", "shop-gateway", namespace) is not None
    assert get(kube, NET, "VirtualService", "shop", namespace) is None


def _gateway_service(kube, namespace, svc_type="NodePort"):
    svc = gateway_service_manifest(namespace, svc_type=svc_type)
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)


def test_alb_ingress_timing_out_after_writing_the_ingress_says_changed(ansible, kube, namespace, alb_gateway, aws):
    args = alb_args(namespace, wait=True, wait_timeout=2, verify="none",
                    certificate_arn=[request_cert(aws, "shop.example.com")])
    result = ansible.module("alb_ingress", args)     # no load balancer controller runs: no address ever comes
    assert result["failed"] is True
    assert result["field"] == "wait_timeout" and result["code"] == "Timeout"
    assert result["changed"] is True and result["written"] == ["created Ingress %s/edge" % namespace]
    msg = result["msg"]
    assert msg.startswith("wait_timeout: timed out after 2s waiting for the ALB"), msg
    assert "Ingress %s/edge" % namespace in msg
    assert "Last seen: no load balancer address (status.loadBalancer: {})" in msg
    assert "Likely causes, most likely first: (1) " in msg and "(2) " in msg
    looks = " ".join(c["look"] or "" for c in result["likely_causes"])
    assert "describe ingress" in looks and namespace in looks and "ingressclass alb" in looks, looks
    assert read_ingress(kube, namespace) is not None

    # the second run writes nothing: the same timeout is reported unchanged
    again = ansible.module("alb_ingress", args)
    assert again["failed"] is True and again["changed"] is False and "written" not in again


def test_nlb_timeout_speaks_of_the_service(ansible, kube, namespace, aws):  # noqa: F811
    _gateway_service(kube, namespace)
    shaped = ansible.module("gateway_service", {"profile": "nlb", "mode": "live", "name": "istio-ingress",
                                                "namespace": namespace})
    assert not shaped["failed"], shaped.get("msg")
    result = ansible.module("nlb_info", {"name": "istio-ingress", "namespace": namespace, "cluster_name": CLUSTER,
                                         "wait": True, "wait_timeout": 2})
    assert result["failed"] is True and result["code"] == "Timeout"
    msg = result["msg"]
    assert "waiting for the NLB address on Service %s/istio-ingress" % namespace in msg, msg
    assert "Last seen: type LoadBalancer, no load balancer address" in msg
    assert "kubectl -n %s describe service istio-ingress" % namespace in msg
    assert "ingress" not in msg.replace("istio-ingress", "").lower(), msg
    assert result["changed"] is False and "written" not in result


def test_frontdoor_origin_failing_on_the_origin_lists_the_puts(ansible, azure_arm, frontdoor_gateway):
    arm = azure_arm
    frontdoor_gateway.build()
    frontdoor_gateway.health_route()
    args = azure_args(arm, resource_group=FD_RG, profile_name="fd-written", endpoint_name="shop")
    args.update(frontdoor_gateway.args())
    args["private_link"] = {"resource_group": PLS_RG}
    arm.fault(method="PUT", path_contains="/origins/", lro_fail=True, code="OriginValidationFailed",
              message="The origin host name could not be validated.")
    arm.clear_requests()
    result = ansible.module("frontdoor_origin", args, env={"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]})
    assert result["failed"] is True and result["code"] == "OriginValidationFailed"
    assert result["changed"] is True
    assert result["written"] == [
        "created Front Door profile 'fd-written'", "created endpoint 'fd-written/shop'",
        "created origin group 'fd-written/istio-edge'", "created origin 'fd-written/istio-edge/istio-ingress'"]
    puts = [p for m, p in arm.writes() if m == "PUT"]
    assert len(puts) == 4, puts
    # the route was never sent: the run stopped at the failed origin
    assert not [p for p in puts if "/routes/" in p]
