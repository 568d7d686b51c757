# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pictures and reports of a diagnosis: Mermaid flowchart and Markdown (private, pure).

Input: the module's result (``target``, ``hops``, ``status``, ``broken_hop``, ``summary``, ``envoy``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ICONS = {"ok": "\u2714", "warning": "\u26a0", "broken": "\u2716", "skipped": "\u2013"}
COLORS = {
    "ok": ("#e6f4ea", "#1e8e3e", "#0d652d"),
    "warning": ("#fef7e0", "#f9ab00", "#7a4f01"),
    "broken": ("#fce8e6", "#d93025", "#a50e0e"),
    "skipped": ("#f1f3f4", "#9aa0a6", "#5f6368"),
}
MAIN_PATH = ("edge", "gateway_service", "gateway_workload", "istio_crds", "gateway", "virtual_service", "endpoints")


def _mermaid_text(text):
    text = str(text or "")
    for char, entity in (("\"", "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text


def target_label(target):
    where = (target.get("host") or "?") + (target.get("path") or "")
    return "%s (%s)" % (target["app"], where) if target.get("app") else where


def mermaid(result):
    """A ``flowchart LR`` of the path; the broken hop drawn red and thick, the link into it red."""
    hops = dict((h["name"], h) for h in result["hops"])
    lines = ["flowchart LR", "  client([\"Client: %s\"])" % _mermaid_text(target_label(result["target"]))]
    previous = "client"
    links = 0
    red_links = []
    for name in MAIN_PATH:
        hop = hops.get(name)
        if hop is None:
            continue
        label = "%s %s<br/>%s" % (ICONS.get(hop["status"], ""), _mermaid_text(hop["title"]),
                                  _mermaid_text(hop.get("object") or hop["status"]))
        if hop["status"] != "ok" and hop.get("reason"):
            label += "<br/><i>%s</i>" % _mermaid_text(hop["reason"])
        lines.append("  %s[\"%s\"]" % (name, label))
        lines.append("  %s --> %s" % (previous, name))
        if hop["status"] == "broken" and name == result.get("broken_hop"):
            red_links.append(links)
        links += 1
        previous = name
    envoy = hops.get("envoy")
    if envoy is not None:
        label = "%s Envoy config<br/>%s" % (ICONS.get(envoy["status"], ""), _mermaid_text(envoy.get("reason") or envoy[
            "status"]))
        lines.append("  envoy{{\"%s\"}}" % label)
        anchor = "gateway_workload" if "gateway_workload" in hops else previous
        lines.append("  %s -.- envoy" % anchor)
        links += 1
    for status, (fill, stroke, color) in sorted(COLORS.items()):
        width = "4px" if status == "broken" else "1px"
        extra = ",stroke-dasharray:4 4" if status == "skipped" else ""
        lines.append("  classDef %s fill:%s,stroke:%s,color:%s,stroke-width:%s%s" % (
            status, fill, stroke, color, width, extra))
    for name, hop in hops.items():
        if name in MAIN_PATH or name == "envoy":
            lines.append("  class %s %s" % (name, hop["status"]))
    for index in red_links:
        lines.append("  linkStyle %d stroke:#d93025,stroke-width:3px" % index)
    return "\n".join(lines)


def _md_cell(text):
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown(result, generated=None):
    target = result["target"]
    out = ["# Traffic path diagnosis: %s" % target_label(target), ""]
    status = result["status"].upper()
    if result.get("broken_hop"):
        first = [h for h in result["hops"] if h["name"] == result["broken_hop"]][0]
        out.append("**%s %s** at **%s** (`%s`)" % (ICONS["broken"], status, first["title"], first["reason"]))
    else:
        out.append("**%s %s**" % (ICONS.get(result["status"], ""), status))
    out += ["", result["summary"], "", "```mermaid", result.get("mermaid") or mermaid(result), "```", ""]
    out += ["| # | Hop | Object | Status | Reason |", "|---|---|---|---|---|"]
    for index, hop in enumerate(result["hops"], 1):
        out.append("| %d | %s | %s | %s %s | %s |" % (
            index, _md_cell(hop["title"]), _md_cell(hop.get("object") or "-"), ICONS.get(hop["status"], ""),
            hop["status"], "`%s`" % hop["reason"] if hop.get("reason") else "-"))
    for index, hop in enumerate(result["hops"], 1):
        out += ["", "## %d. %s %s: %s" % (index, ICONS.get(hop["status"], ""), hop["title"], hop["status"]), ""]
        if hop.get("object"):
            out.append("*%s*" % hop["object"])
            out.append("")
        if hop.get("message"):
            out += [hop["message"], ""]
        if hop.get("evidence"):
            out.append("Evidence:")
            out += ["- %s" % e for e in hop["evidence"]]
            out.append("")
        others = [f for f in hop.get("findings") or [] if f["status"] in ("warning", "broken")
                  and f["message"] != hop.get("message")]
        if others:
            out.append("Other findings:")
            out += ["- **%s** `%s`: %s" % (f["status"], f["reason"], f["message"]) for f in others]
            out.append("")
        if hop.get("fix"):
            out += ["**Fix:** %s" % hop["fix"], ""]
    envoy = result.get("envoy")
    if envoy:
        out += ["## Envoy configuration (%s)" % (envoy.get("pod") or "gateway pod"), ""]
        out += ["| Listener | Address | Port | Route configs |", "|---|---|---|---|"]
        for lst in envoy.get("listeners") or []:
            out.append("| %s | %s | %s | %s |" % (_md_cell(lst["name"]), lst.get("address"), lst.get("port"),
                                                  _md_cell(", ".join(lst.get("routes") or []) or "-")))
        out += ["", "| Route config | Domains | Match | Cluster / action | VirtualService |", "|---|---|---|---|---|"]
        for route in (envoy.get("routes") or [])[:200]:
            action = ", ".join(route["clusters"]) or ("direct %s" % route["direct_response"]
                                                      if route["direct_response"] else "redirect")
            out.append("| %s | %s | %s | %s | %s |" % (
                _md_cell(route["route_config"]), _md_cell(", ".join(route["domains"][:4])), _md_cell(route["match"]),
                _md_cell(action), _md_cell(route.get("virtual_service") or "-")))
        out += ["", "Clusters: %d (%s)" % (len(envoy.get("clusters") or []), ", ".join(
            c["name"] for c in (envoy.get("clusters") or []) if c.get("direction") == "outbound")[:2000] or "-"), ""]
    out += ["", "---", "Generated by meshops.istio_edge.edge_path_info%s."
            % (" at %s" % generated if generated else "")]
    return "\n".join(out) + "\n"
