# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alb_ingress refuses bad input with an error naming the option, before anything is written.

Real kube-apiserver and moto's server (see test_alb_ingress.py); every case asserts that the Ingress does not
exist afterwards, or that an existing one kept its resourceVersion.
"""

import json

import pytest

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    aws, gateway_service_manifest, read_ingress as _ingress, request_cert, unique, CLUSTER)

ALB = "alb.ingress.kubernetes.io/"
NO_AWS_FILES = {"AWS_CONFIG_FILE": "/nonexistent/aws-config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-creds",
                "AWS_EC2_METADATA_DISABLED": "true"}


def _service(kube, namespace, **kwargs):
    svc = gateway_service_manifest(namespace, **kwargs)
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)


def _args(namespace, **extra):
    args = {"name": "edge", "namespace": namespace, "cluster_name": CLUSTER, "wait_timeout": 30,
            "certificate_arn": ["arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"]}
    args.update(extra)
    return args


def _refused(ansible, kube, namespace, args, field, env=None, name="edge", check=False):
    result = ansible.module("alb_ingress", args, env=env, check=check)
    assert result["failed"] is True, result
    assert result.get("field") == field, (result.get("field"), result.get("msg"))
    assert field.split("[")[0].split(".")[0] in result["msg"]
    assert _ingress(kube, namespace, name) is None, "the Ingress was written despite the error"
    return result


@pytest.mark.parametrize("host, why", [
    ("Shop.Example.com", "upper-case"),
    ("shop_1.example.com", "not a valid DNS name"),
    ("-shop.example.com", "not a valid DNS name"),
    ("localhost", "not a fully qualified"),
    ("shop.*.example.com", "not a valid DNS name"),
])
def test_invalid_hostnames(ansible, kube, namespace, host, why):
    _service(kube, namespace)
    result = _refused(ansible, kube, namespace, _args(namespace, hostnames=["ok.example.com", host], verify="none"),
                      "hostnames[1]")
    assert why in result["msg"]


def test_no_issued_certificate(ansible, kube, namespace, aws):
    _service(kube, namespace)
    aws["acm"].request_certificate(DomainName="shop.example.org", ValidationMethod="DNS")
    aws["acm"].request_certificate(DomainName="*.shop.example.com", ValidationMethod="DNS")   # too deep
    args = _args(namespace, certificate_domain="shop.example.com", verify="none")
    del args["certificate_arn"]
    result = _refused(ansible, kube, namespace, args, "certificate_domain")
    assert result["code"] == "CertificateNotFound"
    assert "ISSUED" in result["msg"] and "shop.example.com" in result["msg"]
    assert "Nothing was changed" in result["msg"]


def test_missing_region(ansible, kube, namespace, aws):
    _service(kube, namespace)
    env = dict(NO_AWS_FILES, AWS_DEFAULT_REGION="", AWS_REGION="")
    result = _refused(ansible, kube, namespace, _args(namespace), "region", env=env)
    assert "AWS_REGION" in result["msg"]


def test_missing_credentials(ansible, kube, namespace, aws):
    _service(kube, namespace)
    env = dict(NO_AWS_FILES, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="", AWS_SESSION_TOKEN="")
    result = _refused(ansible, kube, namespace, _args(namespace), "access_key", env=env)
    assert "AWS_ACCESS_KEY_ID" in result["msg"] and result["code"] == "NoCredentials"


def test_half_a_key_and_profile_with_keys(ansible, kube, namespace, aws):
    _service(kube, namespace)
    # the test bed's AWS_SECRET_ACCESS_KEY would complete the pair (the options fall back to the environment)
    _refused(ansible, kube, namespace, _args(namespace, access_key="AKIAEXAMPLE"), "secret_key",
             env=dict(NO_AWS_FILES, AWS_SECRET_ACCESS_KEY=""))
    result = _refused(ansible, kube, namespace, _args(namespace, profile="prod", access_key="AKIA",
                                                      secret_key="s3cr3t-never-shown"), "profile")
    assert "mutually exclusive" in result["msg"]
    assert "s3cr3t-never-shown" not in json.dumps(result)


def test_gateway_service_not_nodeport_with_instance_targets(ansible, kube, namespace):
    _service(kube, namespace, svc_type="ClusterIP")
    result = _refused(ansible, kube, namespace, _args(namespace, verify="none"), "target_type")
    assert "NodePort" in result["msg"] and "ClusterIP" in result["msg"]


def test_gateway_service_missing(ansible, kube, namespace):
    result = _refused(ansible, kube, namespace, _args(namespace, verify="none"), "gateway_service")
    assert "does not exist" in result["msg"]


def test_gateway_service_without_status_port(ansible, kube, namespace):
    svc = gateway_service_manifest(namespace)
    svc["spec"]["ports"] = [p for p in svc["spec"]["ports"] if p["name"] != "status-port"]
    kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace)
    _refused(ansible, kube, namespace, _args(namespace, verify="none"), "status_port_name")


def test_extra_annotation_owned_by_an_option(ansible, kube, namespace):
    _service(kube, namespace)
    result = _refused(ansible, kube, namespace, _args(namespace, verify="none", annotations={ALB + "scheme": "internal"}),
                      "annotations.%sscheme" % ALB)
    assert "scheme" in result["msg"]


def test_https_without_certificate_and_bad_arns(ansible, kube, namespace):
    _service(kube, namespace)
    no_cert = _args(namespace, verify="none")
    del no_cert["certificate_arn"]
    _refused(ansible, kube, namespace, no_cert, "certificate_arn")
    _refused(ansible, kube, namespace, _args(namespace, verify="none", certificate_arn=["arn:aws:s3:::bucket"]),
             "certificate_arn[0]")
    _refused(ansible, kube, namespace, _args(namespace, verify="none", waf_acl_arn="acl-1"), "waf_acl_arn")


def test_route53_needs_the_alb_address(ansible, kube, namespace, aws):
    _service(kube, namespace)
    result = _refused(ansible, kube, namespace, _args(namespace, hostnames=["shop.example.com"],
                                                      route53={"zone_name": "example.com"}), "route53")
    assert "wait" in result["msg"]


def test_group_conflicts_change_nothing(ansible, kube, namespace, aws, unique):
    """ssl-redirect on a second member and a differing scheme in the group are refused; the existing member and
    the refused one are left as they were."""
    _service(kube, namespace)
    arn = request_cert(aws, "*.example.com")         # checked in ACM before anything is written
    first = ansible.module("alb_ingress", _args(namespace, name="first", group_name=unique, verify="none",
                                                certificate_arn=[arn]))
    assert first["changed"] and not first["failed"], first.get("msg")
    second_args = _args(namespace, name="second", group_name=unique, verify="none", https_redirect=False,
                        certificate_arn=[arn])
    assert ansible.module("alb_ingress", second_args)["changed"]
    before = {n: _ingress(kube, namespace, n)["metadata"]["resourceVersion"] for n in ("first", "second")}

    redirect = ansible.module("alb_ingress", dict(second_args, https_redirect=True))
    assert redirect["failed"] and redirect["field"] == "https_redirect", redirect.get("msg")
    assert "%s/first" % namespace in redirect["msg"]
    scheme = ansible.module("alb_ingress", dict(second_args, scheme="internal"))
    assert scheme["failed"] and scheme["field"] == "scheme", scheme.get("msg")
    tags = ansible.module("alb_ingress", dict(second_args, tags={"env": "dev"}))
    assert not tags["failed"], tags.get("msg")          # no conflict: the first member sets no tags
    third = _refused(ansible, kube, namespace, _args(namespace, name="third", group_name=unique, verify="none",
                                                     https_redirect=False, scheme="internal", certificate_arn=[arn]),
                     "scheme", name="third")
    assert "one ALB has one scheme" in third["msg"]
    assert _ingress(kube, namespace, "first")["metadata"]["resourceVersion"] == before["first"]
    assert ALB + "ssl-redirect" not in _ingress(kube, namespace, "second")["metadata"]["annotations"]
