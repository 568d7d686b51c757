# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM certificate lookup of alb_ingress against moto's server (ACM has no domain filter and its list
summaries carry no SANs in moto: the module describes candidates and matches names itself).

Runs in check mode with verify: none, so only ACM is read; the predicted Ingress carries the ARN.
"""

import time

import pytest

from aws_support import aws, gateway_service_manifest, self_signed_pem, CLUSTER  # noqa: F401  # pylint: disable=unused-import

CERT_ANNOTATION = "alb.ingress.kubernetes.io/certificate-arn"


@pytest.fixture
def lookup(ansible, kube, namespace):
    kube.resources.get(api_version="v1", kind="Service").create(body=gateway_service_manifest(namespace),
                                                                namespace=namespace)

    def run(domain):
        result = ansible.module("alb_ingress", {"name": "edge", "namespace": namespace, "cluster_name": CLUSTER,
                                                "certificate_domain": domain, "verify": "none"}, check=True)
        if not result["failed"]:
            assert result["ingress"]["metadata"]["annotations"][CERT_ANNOTATION] == result["certificate"]["arn"]
        return result
    return run


def _request(aws, domain, sans=None):
    kwargs = {"DomainName": domain, "ValidationMethod": "DNS"}
    if sans:
        kwargs["SubjectAlternativeNames"] = sans
    arn = aws["acm"].request_certificate(**kwargs)["CertificateArn"]
    time.sleep(1.1)          # distinct issue times (ACM timestamps have second resolution)
    return arn


def test_exact_wildcard_san_and_newest(aws, lookup):
    exact = _request(aws, "shop.example.com")
    assert lookup("shop.example.com")["certificate"]["arn"] == exact

    missing = lookup("api.example.com")
    assert missing["failed"] and missing["field"] == "certificate_domain"

    wildcard = _request(aws, "*.example.com")
    found = lookup("api.example.com")
    assert found["certificate"]["arn"] == wildcard
    assert [c["arn"] for c in found["certificate"]["candidates"]] == [wildcard]
    # a wildcard covers one label only
    assert lookup("a.b.example.com")["failed"] is True

    pem, key = self_signed_pem("other.org", sans=["www.example.net"])
    imported = aws["acm"].import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    by_san = lookup("www.example.net")
    assert by_san["certificate"]["arn"] == imported
    assert "www.example.net" in by_san["certificate"]["subject_alternative_names"]

    newer = _request(aws, "example.com", sans=["example.com", "*.example.com"])
    several = lookup("shop.example.com")
    assert several["certificate"]["arn"] == newer
    assert [c["arn"] for c in several["certificate"]["candidates"]] == [newer, wildcard, exact]
