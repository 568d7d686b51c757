# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""alb_ingress checks what the AWS Load Balancer Controller will need before it writes the Ingress (real
kube-apiserver, moto's server for ACM).

A certificate the controller cannot put on the HTTPS listener (unknown in the region, another region, not ISSUED,
expired, not covering a host name) or an IngressClass that is missing or belongs to another controller would
leave the Ingress without an address for the whole wait_timeout. Each is refused with the reason (the
certificate's status), and nothing is written.
"""

import time
import uuid

import pytest

from aws_support import (  # noqa: F401  # pylint: disable=unused-import
    alb_args, alb_gateway, aws, aws_clients, read_ingress, request_cert, self_signed_pem)


def _refused(ansible, kube, namespace, args, field, code):
    result = ansible.module("alb_ingress", args)
    assert result["failed"] is True, result
    assert (result.get("field"), result.get("code")) == (field, code), result.get("msg")
    assert result["changed"] is False and "Nothing was changed" in result["msg"]
    assert read_ingress(kube, namespace) is None, "the Ingress was written despite the error"
    return result


def test_certificate_arn_unknown_in_the_region(ansible, kube, namespace, alb_gateway, aws):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    result = _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[arn], verify="none"),
                      "certificate_arn[0]", "CertificateNotFound")
    assert arn in result["msg"] and "us-east-1" in result["msg"]


def test_certificate_arn_of_another_region(ansible, kube, namespace, alb_gateway, aws, testbed):
    other = aws_clients(testbed["aws_endpoint_url"], region="eu-west-1")["acm"]
    arn = other.request_certificate(DomainName="shop.example.com", ValidationMethod="DNS")["CertificateArn"]
    ok = request_cert(aws, "*.example.com")
    result = _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[ok, arn], verify="none"),
                      "certificate_arn[1]", "CertificateWrongRegion")
    assert "eu-west-1" in result["msg"] and "us-east-1" in result["msg"]


def test_expired_certificate_is_refused_with_its_status(ansible, kube, namespace, alb_gateway, aws):
    pem, key = self_signed_pem("shop.example.com", valid_seconds=3)
    arn = aws["acm"].import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    time.sleep(4)
    assert aws["acm"].describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "EXPIRED"
    result = _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[arn], verify="none"),
                      "certificate_arn[0]", "CertificateNotIssued")
    assert "is EXPIRED, not ISSUED" in result["msg"]
    assert result["certificate"]["status"] == "EXPIRED"


def test_every_host_name_must_be_covered(ansible, kube, namespace, alb_gateway, aws):
    shop = request_cert(aws, "shop.example.com")
    result = _refused(ansible, kube, namespace, alb_args(
        namespace, certificate_arn=[shop], hostnames=["shop.example.com", "api.example.com"], verify="none"),
        "hostnames[1]", "CertificateMismatch")
    assert "api.example.com" in result["msg"] and "shop.example.com" in result["msg"]
    wildcard = request_cert(aws, "*.example.com")
    _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[wildcard], hostnames=["a.b.example.com"],
                                                verify="none"), "hostnames[0]", "CertificateMismatch")
    # several certificates cover the host names together (SNI picks the one that fits)
    api = request_cert(aws, "api.example.com")
    both = ansible.module("alb_ingress", alb_args(namespace, certificate_arn=[shop, api],
                                                  hostnames=["shop.example.com", "api.example.com"], verify="none"))
    assert not both["failed"], both.get("msg")
    assert [c["status"] for c in both["certificates"]] == ["ISSUED", "ISSUED"]


@pytest.fixture
def ingress_class(kube):
    """An IngressClass of another controller (cluster-scoped, removed afterwards)."""
    name = "nginx-" + uuid.uuid4().hex[:6]
    res = kube.resources.get(api_version="networking.k8s.io/v1", kind="IngressClass")
    res.create(body={"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": name},
                     "spec": {"controller": "k8s.io/ingress-nginx"}})
    yield name
    res.delete(name=name)


def test_ingress_class_of_another_controller(ansible, kube, namespace, alb_gateway, aws, ingress_class):
    arn = request_cert(aws, "shop.example.com")
    result = _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[arn], verify="none",
                                                         ingress_class=ingress_class),
                      "ingress_class", "IngressClassNotAlb")
    assert "k8s.io/ingress-nginx" in result["msg"] and "ingress.k8s.aws/alb" in result["msg"]
    assert "ingress_class: alb" in result["msg"]          # the class the controller serves


def test_missing_ingress_class(ansible, kube, namespace, alb_gateway, aws):
    arn = request_cert(aws, "shop.example.com")
    result = _refused(ansible, kube, namespace, alb_args(namespace, certificate_arn=[arn], verify="none",
                                                         ingress_class="alb-missing"),
                      "ingress_class", "IngressClassNotFound")
    assert "'alb-missing' does not exist" in result["msg"]
    # check mode refuses the same way (it only reads)
    check = ansible.module("alb_ingress", alb_args(namespace, certificate_arn=[arn], verify="none",
                                                   ingress_class="alb-missing"), check=True)
    assert check["failed"] is True and check["code"] == "IngressClassNotFound"
