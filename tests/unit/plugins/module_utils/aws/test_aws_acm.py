# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM name matching and certificate choice (pure)."""

import datetime

from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.acm import (
    domain_matches, might_match, pick_certificate, summarize)


def _cert(arn, domain, sans=(), status="ISSUED", issued=None, imported=None):
    cert = {"CertificateArn": arn, "DomainName": domain, "SubjectAlternativeNames": list(sans), "Status": status}
    if issued:
        cert["IssuedAt"] = issued
    if imported:
        cert["ImportedAt"] = imported
    return cert


def _t(day):
    return datetime.datetime(2026, 1, day, tzinfo=datetime.timezone.utc)


def test_exact_and_case_and_trailing_dot():
    assert domain_matches("shop.example.com", "shop.example.com")
    assert domain_matches("Shop.Example.com.", "shop.example.com")
    assert not domain_matches("shop.example.com", "api.example.com")
    assert not domain_matches("", "shop.example.com")


def test_wildcard_covers_one_label():
    assert domain_matches("*.example.com", "shop.example.com")
    assert not domain_matches("*.example.com", "example.com")
    assert not domain_matches("*.example.com", "a.b.example.com")
    assert not domain_matches("*.example.com", "shopexample.com")
    assert domain_matches("*.example.com", "*.example.com")
    assert not domain_matches("shop.example.com", "*.example.com")


def test_pick_matches_domain_name_or_san_and_only_issued():
    certs = [
        _cert("a", "other.org", sans=["other.org", "www.example.net"], issued=_t(1)),
        _cert("b", "www.example.net", status="PENDING_VALIDATION", issued=_t(5)),
        _cert("c", "*.example.net", status="EXPIRED", issued=_t(6)),
    ]
    best, candidates = pick_certificate(certs, "www.example.net")
    assert best["CertificateArn"] == "a"
    assert [c["CertificateArn"] for c in candidates] == ["a"]


def test_pick_newest_of_several_including_imported():
    certs = [
        _cert("old", "shop.example.com", issued=_t(1)),
        _cert("wild", "*.example.com", issued=_t(3)),
        _cert("imported", "x.org", sans=["shop.example.com"], imported=_t(2)),
    ]
    best, candidates = pick_certificate(certs, "shop.example.com")
    assert best["CertificateArn"] == "wild"
    assert [c["CertificateArn"] for c in candidates] == ["wild", "imported", "old"]


def test_pick_none():
    best, candidates = pick_certificate([_cert("a", "example.org")], "example.com")
    assert best is None and candidates == []


def test_timestamps_as_strings_and_naive():
    certs = [_cert("s", "a.example.com", issued="2026-01-02T00:00:00Z"),
             _cert("n", "a.example.com", issued=datetime.datetime(2026, 1, 3))]
    assert pick_certificate(certs, "a.example.com")[0]["CertificateArn"] == "n"


def test_might_match_describes_summaries_without_sans():
    assert might_match({"DomainName": "x.org"}, "shop.example.com")          # no SAN info: must describe
    assert not might_match({"DomainName": "x.org", "SubjectAlternativeNameSummaries": ["x.org"]}, "shop.example.com")
    assert might_match({"DomainName": "x.org", "SubjectAlternativeNameSummaries": ["*.example.com"]},
                       "shop.example.com")
    assert might_match({"DomainName": "x.org", "SubjectAlternativeNameSummaries": ["x.org"],
                        "HasAdditionalSubjectAlternativeNames": True}, "shop.example.com")


def test_summarize():
    out = summarize(_cert("a", "*.example.com", sans=["*.example.com", "example.com"], issued=_t(1)))
    assert out == {"arn": "a", "domain_name": "*.example.com", "subject_alternative_names": ["*.example.com", "example.com"],
                   "status": "ISSUED", "type": None, "issued_at": "2026-01-01T00:00:00+00:00"}


def test_certificate_problem_by_status_and_expiry():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.acm import certificate_problem
    now = _t(10)
    assert certificate_problem(dict(_cert("a", "shop.example.com"), NotAfter=_t(20)), now) is None
    pending = certificate_problem(_cert("arn:p", "shop.example.com", status="PENDING_VALIDATION"), now)
    assert pending[0] == "is PENDING_VALIDATION, not ISSUED"
    assert "DomainValidationOptions" in pending[1] and "arn:p" in pending[1]
    assert certificate_problem(_cert("a", "x.example.com", status="EXPIRED"), now)[0] == "is EXPIRED, not ISSUED"
    expired = certificate_problem(dict(_cert("a", "shop.example.com"), NotAfter=_t(9)), now)
    assert expired[0].startswith("expired on 2026-01-09")
    assert "not ISSUED" in certificate_problem(_cert("a", "x", status="SOMETHING_NEW"), now)[0]


def test_uncovered_hostnames_one_wildcard_label_and_several_certificates():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.acm import uncovered_hostnames
    wildcard = _cert("a", "*.example.com")
    other = _cert("b", "api.example.org", sans=["api.example.org", "www.example.org"])
    hosts = ["shop.example.com", "a.b.example.com", "example.com", "www.example.org"]
    assert uncovered_hostnames(hosts, [wildcard]) == ["a.b.example.com", "example.com", "www.example.org"]
    assert uncovered_hostnames(hosts, [wildcard, other]) == ["a.b.example.com", "example.com"]
    assert uncovered_hostnames([], [wildcard]) == []


def test_arn_region():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.acm import arn_region
    assert arn_region("arn:aws:acm:eu-west-1:123456789012:certificate/abc") == "eu-west-1"
    assert arn_region("arn:aws:iam::123456789012:server-certificate/x") is None
