# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the ACM certificate for a domain (private).

ACM has no domain filter and its list summaries may lack the subject alternative names, so the lookup lists
the ISSUED certificates, keeps those whose DomainName or SANs could match, describes them, and matches the
domain itself (exact or wildcard, one label deep, as TLS does). The newest match wins; every candidate is
returned so the result shows what was considered. The matching is pure and unit-tested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import call, paginate

# list_certificates returns only RSA_2048 certificates unless the key types are named
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


def _norm(name):
    return (name or "").strip().rstrip(".").lower()


def domain_matches(cert_name, domain):
    """True when a certificate name (``example.com`` or ``*.example.com``) covers ``domain``.

    A wildcard covers exactly one label: ``*.example.com`` covers ``shop.example.com`` but neither
    ``example.com`` nor ``a.b.example.com``. Asking for ``*.example.com`` matches a certificate for
    ``*.example.com`` (the same name), not one for a single host.
    """
    cert_name, domain = _norm(cert_name), _norm(domain)
    if not cert_name or not domain:
        return False
    if cert_name == domain:
        return True
    if cert_name.startswith("*.") and not domain.startswith("*."):
        suffix = cert_name[1:]
        head = domain[:-len(suffix)] if domain.endswith(suffix) else ""
        return bool(head) and "." not in head
    return False


def certificate_names(cert):
    """DomainName plus the subject alternative names of a described certificate (or a list summary)."""
    names = [cert.get("DomainName")]
    names.extend(cert.get("SubjectAlternativeNames") or [])
    names.extend(cert.get("SubjectAlternativeNameSummaries") or [])
    return [n for n in names if n]


def might_match(summary, domain):
    """Whether a list summary is worth a describe_certificate call."""
    if any(domain_matches(name, domain) for name in certificate_names(summary)):
        return True
    # summaries without SANs (older API, emulators) or with a truncated SAN list must be described
    return "SubjectAlternativeNameSummaries" not in summary or bool(summary.get("HasAdditionalSubjectAlternativeNames"))


def _timestamp(cert):
    for key in ("IssuedAt", "ImportedAt", "CreatedAt", "NotBefore"):
        value = cert.get(key)
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=datetime.timezone.utc)
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str) and value:
            try:
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return 0.0


def pick_certificate(certificates, domain):
    """(best, candidates) among described certificates: ISSUED ones covering ``domain``, newest first."""
    candidates = [c for c in certificates
                  if c.get("Status") == "ISSUED" and any(domain_matches(n, domain) for n in certificate_names(c))]
    candidates.sort(key=_timestamp, reverse=True)
    return (candidates[0] if candidates else None), candidates


def summarize(cert):
    """What the module returns about a certificate."""
    out = {
        "arn": cert.get("CertificateArn"),
        "domain_name": cert.get("DomainName"),
        "subject_alternative_names": list(cert.get("SubjectAlternativeNames") or []),
        "status": cert.get("Status"),
        "type": cert.get("Type"),
    }
    for key, name in (("IssuedAt", "issued_at"), ("ImportedAt", "imported_at"), ("NotAfter", "not_after")):
        value = cert.get(key)
        if value is not None:
            out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out


def find_certificate(acm, domain, field="certificate_domain"):
    """The newest ISSUED certificate covering ``domain``; EdgeError naming ``field`` when there is none."""
    summaries = paginate(acm, "list_certificates", "CertificateSummaryList", "list ACM certificates",
                         CertificateStatuses=["ISSUED"], Includes={"keyTypes": KEY_TYPES})
    described = []
    for summary in summaries:
        if not might_match(summary, domain):
            continue
        cert = call(acm, "describe_certificate", "describe ACM certificate %s" % summary["CertificateArn"],
                    CertificateArn=summary["CertificateArn"]).get("Certificate") or {}
        described.append(cert)
    best, candidates = pick_certificate(described, domain)
    if best is None:
        raise EdgeError(
            "%s: no ISSUED ACM certificate in region %s covers %s (checked %d issued certificate(s) by "
            "DomainName and subject alternative names, wildcards included)."
            % (field, acm.meta.region_name, domain, len(summaries)),
            field=field, code="CertificateNotFound",
            hint="Request or import a certificate for %s in ACM in this region (it must be ISSUED: finish DNS "
                 "validation), or pass certificate_arn. Nothing was changed." % domain)
    return summarize(best), [summarize(c) for c in candidates]
