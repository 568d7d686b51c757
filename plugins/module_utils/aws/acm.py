# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the ACM certificate for a domain (private).

ACM has no domain filter and its list summaries may lack the subject alternative names, so the lookup lists
the ISSUED certificates, keeps those whose DomainName or SANs could match, describes them, and matches the
domain itself (exact or wildcard, one label deep, as TLS does). The newest match wins; every candidate is
returned so the result shows what was considered. The matching is pure and unit-tested.

Certificates given by ARN are checked the way the AWS Load Balancer Controller will use them: in the ALB's region,
ISSUED, not expired, and (with the other certificates of the listener) covering every host name. A certificate
that fails any of these makes the controller fail the HTTPS listener and leave the Ingress without an address.
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


# what to do about a certificate that is not ISSUED, by ACM status
_STATUS_FIX = {
    "PENDING_VALIDATION": "Finish its validation: create the DNS records ACM asks for (aws acm describe-certificate "
                          "--certificate-arn %s --query Certificate.DomainValidationOptions), wait until it is "
                          "ISSUED, then re-run",
    "EXPIRED": "Renew it (re-import, or request a new one) and give the new ARN",
    "VALIDATION_TIMED_OUT": "Request a new certificate (validation ran out after 72 hours) and give its ARN",
    "FAILED": "Request a new certificate (see FailureReason: aws acm describe-certificate --certificate-arn %s) and "
              "give its ARN",
    "REVOKED": "Request or import a new certificate and give its ARN",
    "INACTIVE": "Request or import a new certificate and give its ARN",
}


def arn_region(arn):
    """The region of an ACM certificate ARN, or None (IAM server certificates are global)."""
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[2] == "acm" else None


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, str) and value:
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def certificate_problem(cert, now):
    """Why a described certificate cannot serve an HTTPS listener (``(text, fix)``), or None. Pure."""
    arn, status = cert.get("CertificateArn"), cert.get("Status")
    if status != "ISSUED":
        fix = _STATUS_FIX.get(status, "Give an ISSUED certificate")
        return "is %s, not ISSUED" % status, (fix % arn if "%s" in fix else fix)
    not_after = _as_datetime(cert.get("NotAfter"))
    if not_after is not None and not_after <= now:
        return "expired on %s" % not_after.isoformat(), _STATUS_FIX["EXPIRED"]
    return None


def uncovered_hostnames(hostnames, certificates):
    """The host names none of the certificates covers (wildcards one label deep, as TLS does). Pure."""
    names = [n for cert in certificates for n in certificate_names(cert)]
    return [h for h in hostnames if not any(domain_matches(n, h) for n in names)]


def describe_certificate(acm, arn):
    """The described certificate, or None when ACM does not know the ARN in this region."""
    try:
        return call(acm, "describe_certificate", "describe ACM certificate %s" % arn,
                    CertificateArn=arn).get("Certificate") or {}
    except EdgeError as exc:
        if exc.code in ("ResourceNotFoundException", "ValidationException"):
            return None
        raise


def check_certificates(acm, arns, hostnames=(), others=(), field="certificate_arn", now=None):
    """Summaries of the certificates ``arns``, each checked as the controller will use it; EdgeError naming
    ``<field>[i]`` (or ``hostnames[i]``) otherwise. ``others``: ARNs the listener also serves (the other
    members of an IngressGroup) - they count for covering the host names but are not judged.

    IAM server certificates are not ACM's: they are passed through unchecked.
    """
    region = acm.meta.region_name
    now = now or datetime.datetime.now(datetime.timezone.utc)
    described, out = [], []
    for i, arn in enumerate(arns):
        where = "%s[%d]" % (field, i)
        if ":iam::" in arn:
            out.append({"arn": arn, "type": "IAM_SERVER_CERTIFICATE", "status": None})
            continue
        if arn_region(arn) and arn_region(arn) != region:
            raise EdgeError(
                "%s: certificate %s is in region %s; the ALB is in %s and can only use ACM certificates of its own "
                "region." % (where, arn, arn_region(arn), region), field=where, code="CertificateWrongRegion",
                hint="Request or import the certificate in %s (or set region to %s). Nothing was changed."
                     % (region, arn_region(arn)))
        cert = describe_certificate(acm, arn)
        if cert is None:
            raise EdgeError(
                "%s: ACM has no certificate %s in region %s." % (where, arn, region), field=where,
                code="CertificateNotFound",
                hint="Check the ARN, the account and the region (aws acm list-certificates --region %s), or use "
                     "certificate_domain to look it up. Nothing was changed." % region)
        problem = certificate_problem(cert, now)
        if problem:
            raise EdgeError(
                "%s: ACM certificate %s (%s) %s: the controller cannot create the HTTPS listener with it, and the "
                "Ingress would never get an address." % (where, arn, cert.get("DomainName"), problem[0]),
                field=where, code="CertificateNotIssued", hint="%s. Nothing was changed." % problem[1],
                certificate=summarize(cert))
        described.append(cert)
        out.append(summarize(cert))
    if any(":iam::" in arn for arn in arns):
        return out          # the names of IAM server certificates are not read: coverage cannot be judged
    for arn in others:
        if arn in arns or ":iam::" in arn or (arn_region(arn) and arn_region(arn) != region):
            continue
        cert = describe_certificate(acm, arn)
        if cert is not None:
            described.append(cert)
    missing = uncovered_hostnames(list(hostnames), described) if described else []
    if missing:
        index = list(hostnames).index(missing[0])
        names = sorted(set(n for c in described for n in certificate_names(c)))
        raise EdgeError(
            "hostnames[%d]: %s is not covered by the listener's certificate(s) (they cover %s; a wildcard covers "
            "one label)." % (index, ", ".join(missing), ", ".join(names) or "nothing"),
            field="hostnames[%d]" % index, code="CertificateMismatch",
            hint="Give a certificate that also covers %s (certificate_arn takes several; with certificate_domain, "
                 "one whose names cover every host), or drop the host name. Nothing was changed." % missing[0])
    return out
