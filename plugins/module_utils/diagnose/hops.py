# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hop results of the path diagnosis (private, pure).

A hop is one stage of the traffic path (edge, gateway Service, gateway pods, Istio CRDs, Gateway,
VirtualService, destination endpoints, Envoy). Each check adds *findings* to its hop; the hop's status is
the worst finding's status, its ``reason`` the worst finding's reason code, its ``fix`` the fixes of the
non-ok findings. ``evidence`` lists what was observed, so a person can verify the verdict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

OK = "ok"
WARNING = "warning"
BROKEN = "broken"
SKIPPED = "skipped"

_RANK = {OK: 0, SKIPPED: 0, WARNING: 1, BROKEN: 2}

# the path, in the order a request travels it (envoy is a cross-check of the gateway pods' config)
HOP_ORDER = ("edge", "gateway_service", "gateway_workload", "istio_crds", "gateway", "virtual_service",
             "endpoints", "envoy")

HOP_TITLES = {
    "edge": "Edge load balancer",
    "gateway_service": "Gateway Service",
    "gateway_workload": "Gateway pods",
    "istio_crds": "Istio CRDs",
    "gateway": "Istio Gateway",
    "virtual_service": "VirtualService",
    "endpoints": "Destination endpoints",
    "envoy": "Envoy config",
}


class Hop:
    """Collects the findings of one hop."""

    def __init__(self, name, obj=None):
        self.name = name
        self.object = obj
        self.evidence = []
        self.findings = []
        self.details = {}
        self.skipped_reason = None

    def see(self, text, *args):
        """Record an observation."""
        self.evidence.append(text % args if args else text)
        return self

    def ok(self, reason, message):
        self.findings.append({"status": OK, "reason": reason, "message": message, "fix": None})
        return self

    def warn(self, reason, message, fix):
        self.findings.append({"status": WARNING, "reason": reason, "message": message, "fix": fix})
        return self

    def broken(self, reason, message, fix):
        self.findings.append({"status": BROKEN, "reason": reason, "message": message, "fix": fix})
        return self

    def skip(self, reason, message):
        """Not checked (a prerequisite is missing); never counts as broken."""
        self.skipped_reason = reason
        self.findings.append({"status": SKIPPED, "reason": reason, "message": message, "fix": None})
        return self

    @property
    def status(self):
        statuses = [f["status"] for f in self.findings]
        if not statuses:
            return OK
        if all(s == SKIPPED for s in statuses):
            return SKIPPED
        return max((s for s in statuses if s != SKIPPED), key=lambda s: _RANK[s], default=OK)

    def has(self, reason):
        return any(f["reason"] == reason for f in self.findings)

    def to_dict(self):
        status = self.status
        worst = [f for f in self.findings if f["status"] == status]
        problems = [f for f in self.findings if f["status"] in (WARNING, BROKEN)]
        problems.sort(key=lambda f: -_RANK[f["status"]])
        fixes = []
        for finding in problems:
            if finding["fix"] and finding["fix"] not in fixes:
                fixes.append(finding["fix"])
        return {
            "name": self.name,
            "title": HOP_TITLES.get(self.name, self.name),
            "object": self.object,
            "status": status,
            "reason": worst[0]["reason"] if worst and status != OK else None,
            "message": worst[0]["message"] if worst else "",
            "evidence": list(self.evidence),
            "fix": " ".join(fixes) if fixes else None,
            "findings": [dict(f) for f in self.findings],
            "details": self.details,
        }


def order_hops(hops):
    """Hop dicts sorted in path order."""
    position = dict((name, index) for index, name in enumerate(HOP_ORDER))
    return sorted(hops, key=lambda h: position.get(h["name"], len(HOP_ORDER)))


def overall(hops):
    """(status, broken_hop, broken_hops) of an ordered hop list."""
    broken = [h["name"] for h in hops if h["status"] == BROKEN]
    if broken:
        return BROKEN, broken[0], broken
    if any(h["status"] == WARNING for h in hops):
        return WARNING, None, []
    return OK, None, []


def summarize(target, hops):
    """A short text for a person: the verdict, the first broken hop, what to do."""
    status, broken_hop, broken = overall(hops)
    where = target.get("host") or "?"
    if target.get("path"):
        where += target["path"]
    if target.get("app"):
        where = "%s (%s)" % (target["app"], where)
    counts = {}
    for hop in hops:
        counts[hop["status"]] = counts.get(hop["status"], 0) + 1
    tally = ", ".join("%d %s" % (counts[s], s) for s in (OK, WARNING, BROKEN, SKIPPED) if counts.get(s))
    if status == BROKEN:
        first = [h for h in hops if h["name"] == broken_hop][0]
        text = "BROKEN: %s is broken at %s (%s): %s" % (where, first["title"], first["reason"], first["message"])
        if first["fix"]:
            text += " Fix: %s" % first["fix"]
        if len(broken) > 1:
            text += " Also broken further down: %s." % ", ".join(broken[1:])
    elif status == WARNING:
        warned = [h for h in hops if h["status"] == WARNING]
        text = "WARNING: %s has no broken hop, but %s: %s" % (
            where, ", ".join(h["title"] for h in warned), warned[0]["message"])
    else:
        text = "OK: every hop of %s checks out." % where
    return "%s [%s]" % (text, tally)
