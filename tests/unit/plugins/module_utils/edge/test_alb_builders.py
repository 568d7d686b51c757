# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ALB Ingress builders: validation, annotations, manifest, IngressGroup conflicts (pure)."""

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.edge.alb.ingress import (
    build_annotations, build_ingress, group_conflicts, group_members, stack_name, validate_hostname, validate_params)

P = "alb.ingress.kubernetes.io/"
ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"


def params(**extra):
    p = {"name": "edge", "namespace": "istio-ingress", "gateway_service": "istio-ingress", "backend_port": 80,
         "status_port_name": "status-port", "health_check_path": "/healthz/ready", "ingress_class": "alb",
         "scheme": "internet-facing", "target_type": "instance",
         "listen_ports": [{"protocol": "HTTP", "port": 80}, {"protocol": "HTTPS", "port": 443}],
         "https_redirect": True, "certificate_arn": [ARN], "certificate_domain": None, "hostnames": [],
         "group_name": None, "group_order": None, "waf_acl_arn": None, "tags": {}, "annotations": {}, "labels": {},
         "route53": None, "state": "present"}
    p.update(extra)
    return p


def test_default_annotations_and_manifest():
    p = validate_params(params(hostnames=["shop.example.com", "api.example.com"]))
    ann = build_annotations(p, [ARN])
    assert ann == {
        P + "scheme": "internet-facing", P + "target-type": "instance",
        P + "listen-ports": '[{"HTTP":80},{"HTTPS":443}]', P + "ssl-redirect": "443",
        P + "certificate-arn": ARN, P + "healthcheck-port": "status-port", P + "healthcheck-path": "/healthz/ready",
        "external-dns.alpha.kubernetes.io/hostname": "shop.example.com,api.example.com",
    }
    ing = build_ingress(p, ann)
    assert ing["spec"]["ingressClassName"] == "alb"
    assert ing["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "meshops.istio_edge"}
    [path] = ing["spec"]["rules"][0]["http"]["paths"]
    assert path == {"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "istio-ingress", "port": {"number": 80}}}}
    assert stack_name(p) == "istio-ingress/edge"


def test_group_waf_tags_extra_and_named_backend():
    p = validate_params(params(group_name="shared", group_order=10, waf_acl_arn=(
        "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/abcd"), tags={"team": "a", "env": "prod"},
        annotations={P + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, backend_port="http2",
        https_redirect=False, certificate_arn=[ARN, ARN.replace("0a1b", "ffff")]))
    ann = build_annotations(p, p["certificate_arn"])
    assert ann[P + "group.name"] == "shared" and ann[P + "group.order"] == "10"
    assert ann[P + "tags"] == "env=prod,team=a"
    assert ann[P + "certificate-arn"].count(",") == 1
    assert P + "ssl-redirect" not in ann
    assert ann[P + "ssl-policy"].startswith("ELBSecurityPolicy")
    assert build_ingress(p, ann)["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] == {
        "name": "http2"}
    assert stack_name(p) == "shared"
    assert validate_params(params(backend_port="8080"))["backend_port"] == 8080


@pytest.mark.parametrize("host", ["*.example.com", "a-b.example.com", "xn--bcher-kva.example.", "a.b.c.d.example.com"])
def test_valid_hostnames(host):
    assert validate_hostname(host, "hostnames[0]") == host.rstrip(".")


@pytest.mark.parametrize("host", ["", "localhost", "UPPER.example.com", "a_b.example.com", "-a.example.com",
                                  "a-.example.com", "a.*.example.com", "a..example.com", "x" * 64 + ".example.com"])
def test_invalid_hostnames(host):
    with pytest.raises(EdgeError) as err:
        validate_hostname(host, "hostnames[2]")
    assert err.value.field == "hostnames[2]" and str(err.value).startswith("hostnames[2]:")


@pytest.mark.parametrize("extra, field", [
    ({"name": "Edge"}, "name"),
    ({"namespace": "istio_ingress"}, "namespace"),
    ({"hostnames": ["ok.example.com", "bad host"]}, "hostnames[1]"),
    ({"listen_ports": []}, "listen_ports"),
    ({"listen_ports": [{"protocol": "HTTP", "port": 80}, {"protocol": "HTTPS", "port": 80}]}, "listen_ports[1].port"),
    ({"listen_ports": [{"protocol": "HTTP", "port": 70000}]}, "listen_ports[0].port"),
    ({"listen_ports": [{"protocol": "HTTP", "port": 80}]}, "https_redirect"),
    ({"certificate_arn": ["arn:aws:iam::123456789012:role/x"]}, "certificate_arn[0]"),
    ({"certificate_arn": None}, "certificate_arn"),
    ({"certificate_arn": None, "certificate_domain": "Bad_Domain"}, "certificate_domain"),
    ({"waf_acl_arn": "arn:aws:waf::123456789012:webacl/x"}, "waf_acl_arn"),
    ({"group_name": "Shared_Group"}, "group_name"),
    ({"group_order": 5}, "group_order"),
    ({"group_name": "g", "group_order": 5000}, "group_order"),
    ({"tags": {"a,b": "c"}}, "tags.a,b"),
    ({"tags": {"k": "v=w"}}, "tags.k"),
    ({"backend_port": 0}, "backend_port"),
    ({"backend_port": "HTTP 2"}, "backend_port"),
    ({"annotations": {P + "scheme": "internal"}}, "annotations." + P + "scheme"),
    ({"annotations": {"external-dns.alpha.kubernetes.io/hostname": "x"}}, "annotations.external-dns.alpha."
                                                                          "kubernetes.io/hostname"),
    ({"route53": {"zone_name": None, "zone_id": None}}, "route53"),
    ({"route53": {"zone_name": "example.com"}}, "route53.record_names"),
    ({"route53": {"zone_name": "example.com", "record_names": ["ok.example.com", "BAD"]}}, "route53.record_names[1]"),
])
def test_bad_options_name_the_field(extra, field):
    with pytest.raises(EdgeError) as err:
        validate_params(params(**extra))
    assert err.value.field == field
    assert err.value.hint


def test_https_without_certificate_is_fine_in_a_group():
    validate_params(params(certificate_arn=None, group_name="shared"))


def _member(ns, name, group, **ann):
    annotations = {P + "group.name": group}
    annotations.update(dict((P + k.replace("_", "-"), v) for k, v in ann.items()))
    return {"metadata": {"namespace": ns, "name": name, "annotations": annotations},
            "spec": {"ingressClassName": "alb"}}


def test_group_members_excludes_self_other_groups_and_classes():
    ings = [_member("a", "one", "g"), _member("a", "self", "g"), _member("b", "two", "other"),
            dict(_member("c", "nginx", "g"), spec={"ingressClassName": "nginx"})]
    legacy = _member("d", "legacy", "g")
    legacy["spec"] = {}
    legacy["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "alb"
    ings.append(legacy)
    assert [m["metadata"]["name"] for m in group_members(ings, "g", "alb", ("a", "self"))] == ["one", "legacy"]


def test_group_conflicts():
    mine = build_annotations(validate_params(params(group_name="g", tags={"env": "prod"})), [ARN])
    assert group_conflicts(mine, [_member("a", "one", "g", scheme="internet-facing")]) is None
    for member, field in (
        (_member("a", "one", "g", scheme="internal"), "scheme"),
        (_member("a", "one", "g"), "scheme"),                     # no scheme = the controller default, internal
        (_member("a", "one", "g", scheme="internet-facing", ssl_redirect="443"), "https_redirect"),
        (_member("a", "one", "g", scheme="internet-facing", tags="env=dev"), "tags.env"),
    ):
        with pytest.raises(EdgeError) as err:
            group_conflicts(mine, [member])
        assert err.value.field == field and "a/one" in str(err.value)
    waf = dict(mine, **{P + "wafv2-acl-arn": "arn:1"})
    with pytest.raises(EdgeError) as err:
        group_conflicts(waf, [_member("a", "one", "g", scheme="internet-facing", wafv2_acl_arn="arn:2")])
    assert err.value.field == "waf_acl_arn"
    no_redirect = dict(mine)
    no_redirect.pop(P + "ssl-redirect")
    assert group_conflicts(no_redirect, [_member("a", "one", "g", scheme="internet-facing", ssl_redirect="443",
                                                 tags="team=x")]) is None
