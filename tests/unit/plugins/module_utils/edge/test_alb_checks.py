# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IngressClass rule, the ALB behind an Ingress address, and what a timeout says (pure)."""

from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.checks import (
    address_state, alb_mismatches, ingress_class_error)
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.waits import (
    alb_causes, events_state)


def _class(name, controller):
    return {"metadata": {"name": name}, "spec": {"controller": controller}}


def test_ingress_class_of_the_alb_controller_passes():
    assert ingress_class_error("alb", _class("alb", "ingress.k8s.aws/alb")) is None


def test_missing_ingress_class_names_the_right_one():
    classes = [_class("nginx", "k8s.io/ingress-nginx"), _class("alb-internal", "ingress.k8s.aws/alb")]
    err = ingress_class_error("alb", None, classes)
    assert err.field == "ingress_class" and err.code == "IngressClassNotFound"
    assert "'alb' does not exist" in err.msg
    assert "ingress_class: alb-internal" in err.hint and "Nothing was changed" in err.hint


def test_ingress_class_of_another_controller():
    err = ingress_class_error("nginx", _class("nginx", "k8s.io/ingress-nginx"), None)
    assert err.code == "IngressClassNotAlb"
    assert "'k8s.io/ingress-nginx'" in err.msg and "ingress.k8s.aws/alb" in err.msg
    assert "Helm chart creates IngressClass alb" in err.hint


def test_alb_mismatches():
    lb = {"LoadBalancerName": "k8s-ns-edge-1", "Scheme": "internet-facing", "Type": "application"}
    tags = {"ingress.k8s.aws/stack": "ns/edge", "elbv2.k8s.aws/cluster": "prod"}
    assert alb_mismatches(lb, tags, "internet-facing", "ns/edge", "prod") == []
    assert alb_mismatches(lb, tags, "internet-facing", "ns/edge") == []
    scheme = alb_mismatches(lb, tags, "internal", "ns/edge", "prod")
    assert len(scheme) == 1 and scheme[0].startswith("scheme internet-facing, asked internal")
    assert [m.split("=", maxsplit=1)[0] for m in alb_mismatches(lb, tags, "internet-facing", "shared", "other")] == [
        "ingress.k8s.aws/stack", "elbv2.k8s.aws/cluster"]
    assert alb_mismatches(None, {}, "internal", "ns/edge") == ["no load balancer has this DNS name (yet)"]
    assert address_state("x.elb", lb, scheme).startswith("address x.elb (ALB k8s-ns-edge-1): scheme")


def test_timeout_causes_in_order_with_the_controller_logs_command():
    p = {"namespace": "ns", "name": "edge", "ingress_class": "alb", "scheme": "internal",
         "certificate_arn": ["arn:aws:acm:us-east-1:1:certificate/c"]}
    causes = alb_causes(p)
    assert causes[0][0].startswith("the HTTPS listener's certificate") and causes[1][0].startswith("IngressClass alb")
    assert "arn:aws:acm:us-east-1:1:certificate/c" in causes[0][1]
    assert "kubernetes.io/role/internal-elb" in causes[2][0]
    assert "kubectl logs -n kube-system deployment/aws-load-balancer-controller" in causes[3][1]


def test_events_state_newest_warnings_first():
    def event(kind, reason, message, second, count=1):
        return {"type": kind, "reason": reason, "message": message, "count": count,
                "lastTimestamp": "2026-01-01T00:00:0%dZ" % second}
    events = [event("Normal", "SuccessfullyReconciled", "ok", 3),
              event("Warning", "FailedBuildModel", "conflicting scheme", 2, count=3),
              event("Warning", "FailedDeployModel", "certificate", 1)]
    assert events_state(events) == ("event FailedBuildModel: conflicting scheme (x3); "
                                    "event FailedDeployModel: certificate")
    assert events_state([]) == ""
