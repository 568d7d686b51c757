# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helm's error output turned into EdgeErrors that name the option to fix (private).

Pure functions: helm's own message is always kept in the error text; the classification only adds the
option (``field``), a ``code`` and a hint.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

_NOISE = re.compile(r"^(level=(WARN|INFO|DEBUG)\b.*|WARNING: .*|walk\.go:\d+: .*)$")


def helm_message(stderr, stdout=""):
    """The meaningful lines of helm's output (``Error: ...`` lines first, with the ``* ...`` items of helm 3's
    "N errors occurred:"), at most ~2000 characters."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error") or line.startswith("* ")]
    keep = errors or [line for line in lines if not _NOISE.match(line)] or lines
    if not keep:
        keep = [line.strip() for line in (stdout or "").splitlines() if line.strip()][-5:]
    text = " ".join(dict.fromkeys(keep))  # helm may print the same error twice
    return text[:2000]


_UNREACHABLE_HINT = "Check that the cluster is up and that kubeconfig/context/host point at it (nothing was changed)."
_REPO_HINT = "Check chart_repo: a Helm repository URL, an oci:// registry path or a local directory."
_VERSION_HINT = "Pick a version the chart source publishes (helm search repo / the registry's tags)."

# (pattern, field, code, hint) - first match wins; patterns are matched case-insensitively.
_CHART_RULES = (
    (r"chart \".*\" version \".*\" not found|version \".*\" not found|no chart version found|"
     r"manifest unknown|: not found$|invalid_tag|tag unknown", "chart_version", "chart_not_found", _VERSION_HINT),
    (r"no chart name found|chart \".*\" not found|repo .* not found|failed to fetch|404 not found|"
     r"is not a valid chart repository|cannot be reached|could not find protocol handler|failed to do request|"
     r"name unknown|repository name not known|no such file or directory|connection refused|no such host|"
     r"i/o timeout|x509: |tls: ", "chart_repo", "chart_not_found", _REPO_HINT),
)
_RULES = (
    (r"kubernetes cluster unreachable|connection refused|no such host|i/o timeout|tls: |x509: "
     r"|certificate signed by unknown authority", "host", "unreachable", _UNREACHABLE_HINT),
    (r"unauthorized|forbidden", "kubeconfig", "forbidden",
     "The identity in the kubeconfig lacks a permission: helm needs to manage the release's objects "
     "and the release Secrets in the namespace."),
    (r"another operation \(install/upgrade/rollback\) is in progress", None, "release_pending",
     "An earlier helm operation was interrupted: roll the release back (helm rollback) or uninstall it, "
     "then run again."),
    (r"no matches for kind|ensure crds are installed first|resource mapping not found", "values", "no_kind_match",
     "The cluster does not serve an API the chart renders (e.g. autoscaling/v2 or policy/v1 on an old "
     "cluster: turn HPA/PDB off in the values, or install the CRDs first)."),
    (r"values don't meet the specifications of the schema|schema\(s\)", "values", "values_invalid",
     "Fix the chart values named above (the chart's values.schema.json rejected them)."),
    (r"field is immutable", "values", "immutable",
     "An immutable field changed (for a gateway usually the selector labels: labels.app/labels.istio). "
     "Keep the old labels, or uninstall the release first."),
    (r"is invalid|admission webhook|denied the request", "values", "invalid",
     "The API server rejected an object rendered from the values: fix the value named above."),
) + _CHART_RULES


def classify(message, action, release=None, field_prefix=None, fetching=False):
    """An EdgeError for a failed helm command; ``action`` says what was attempted.

    ``fetching`` is set while helm only downloads/reads a chart: network errors then concern the chart
    source (``chart_repo``), not the cluster. ``field_prefix`` (e.g. ``gateways[0]``) qualifies ``values``.
    """
    rules = _CHART_RULES if fetching else _RULES
    field, code, hint = None, "helm_error", None
    for pattern, rule_field, rule_code, rule_hint in rules:
        if re.search(pattern, message or "", re.IGNORECASE | re.MULTILINE):
            field, code, hint = rule_field, rule_code, rule_hint
            break
    if field == "values":
        field = "%s.values" % field_prefix if field_prefix else None
    subject = "helm %s" % action
    if release:
        subject = "%s of release %s" % (subject, release)
    text = "%s failed: %s" % (subject, message or "(no output)")
    if field:
        text = "%s: %s" % (field, text)
    return EdgeError(text, field=field, hint=hint, code=code)


def is_release_not_found(message):
    """True for helm's answer about a release that does not exist (``Error: release: not found``)."""
    return bool(re.search(r"release: not found|release not found", message or "", re.IGNORECASE))
