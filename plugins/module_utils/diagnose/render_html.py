# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A self-contained HTML report of a diagnosis (private, pure).

No script and no external resource: the path is drawn with HTML/CSS boxes (the broken hop red and thick),
so the page opens the same offline, in an AWX artifact viewer or a mail client. The Mermaid source is
included for people who want to paste it elsewhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render import (
    COLORS, ICONS, MAIN_PATH, mermaid, target_label)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#202124;max-width:1200px}
h1{font-size:1.5rem;margin-bottom:.25rem}
.verdict{font-size:1.1rem;padding:.6rem 1rem;border-radius:6px;margin:1rem 0;border:2px solid}
.path{display:flex;flex-wrap:wrap;align-items:stretch;gap:.25rem;margin:1.5rem 0}
.hop{border:1px solid;border-radius:8px;padding:.5rem .7rem;min-width:8.5rem;max-width:12rem;font-size:.85rem}
.hop .t{font-weight:600}.hop .o{word-break:break-all;opacity:.85}
.hop .r{font-family:monospace;font-size:.8rem;overflow-wrap:anywhere}
.hop.broken{border-width:4px;box-shadow:0 0 0 3px #fce8e6}
.arrow{align-self:center;font-size:1.4rem;color:#5f6368}
.arrow.red{color:#d93025;font-weight:700}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #dadce0;padding:.3rem .6rem;text-align:left;vertical-align:top}
section{border-left:6px solid;padding:.2rem 1rem;margin:1.2rem 0}
.fix{background:#e8f0fe;padding:.5rem .8rem;border-radius:6px}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f8f9fa;padding:.8rem;overflow:auto}
footer{margin-top:2rem;color:#5f6368;font-size:.8rem}
"""


def _style(status):
    fill, stroke, color = COLORS.get(status, COLORS["skipped"])
    return "background:%s;border-color:%s;color:%s" % (fill, stroke, color)


def _box(hop, cls=""):
    reason = '<div class="r">%s</div>' % escape(hop["reason"]) if hop.get("reason") else ""
    return ('<div class="hop %s %s" style="%s" title="%s"><div class="t">%s %s</div><div class="o">%s</div>%s</div>'
            % (escape(hop["status"]), cls, _style(hop["status"]), escape(hop.get("message") or ""),
               ICONS.get(hop["status"], ""), escape(hop["title"]), escape(hop.get("object") or hop["status"]), reason))


def _path(result):
    hops = dict((h["name"], h) for h in result["hops"])
    parts = ['<div class="hop" style="%s"><div class="t">Client</div><div class="o">%s</div></div>' % (
        _style("skipped"), escape(target_label(result["target"])))]
    for name in MAIN_PATH:
        hop = hops.get(name)
        if hop is None:
            continue
        red = " red" if name == result.get("broken_hop") else ""
        parts.append('<div class="arrow%s">&#10132;</div>' % red)
        parts.append(_box(hop))
    if "envoy" in hops:
        parts.append('<div class="arrow">&#8942;</div>')
        parts.append(_box(hops["envoy"], "side"))
    return '<div class="path">%s</div>' % "".join(parts)


def _section(index, hop):
    border = COLORS.get(hop["status"], COLORS["skipped"])[1]
    out = ['<section id="hop-%s" style="border-color:%s">' % (escape(hop["name"]), border)]
    out.append("<h2>%d. %s %s: %s</h2>" % (
        index, ICONS.get(hop["status"], ""), escape(hop["title"]), escape(hop["status"])))
    if hop.get("object"):
        out.append("<p><em>%s</em></p>" % escape(hop["object"]))
    if hop.get("message"):
        out.append("<p>%s</p>" % escape(hop["message"]))
    if hop.get("evidence"):
        out.append("<h3>Evidence</h3><ul>%s</ul>" % "".join("<li>%s</li>" % escape(e) for e in hop["evidence"]))
    others = [f for f in hop.get("findings") or [] if f["status"] in ("warning", "broken")
              and f["message"] != hop.get("message")]
    if others:
        items = ["<li><strong>%s</strong> <code>%s</code>: %s</li>" % (
            escape(f["status"]), escape(f["reason"]), escape(f["message"])) for f in others]
        out.append("<h3>Other findings</h3><ul>%s</ul>" % "".join(items))
    if hop.get("fix"):
        out.append('<p class="fix"><strong>Fix:</strong> %s</p>' % escape(hop["fix"]))
    out.append("</section>")
    return "\n".join(out)


def _envoy(envoy):
    if not envoy:
        return ""
    rows = "".join("<tr><td>%s</td><td>%s:%s</td><td>%s</td></tr>" % (
        escape(str(lst.get("name"))), escape(str(lst.get("address"))), escape(str(lst.get("port"))),
        escape(", ".join(lst.get("routes") or []) or "-")) for lst in envoy.get("listeners") or [])
    routes = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
        escape(r["route_config"] or ""), escape(", ".join(r["domains"][:4])), escape(r["match"]),
        escape(", ".join(r["clusters"])
               or ("direct %s" % r["direct_response"] if r["direct_response"] else "redirect")),
        escape(r.get("virtual_service") or "-")) for r in (envoy.get("routes") or [])[:200])
    return ("<h2>Envoy configuration (%s)</h2><table><tr><th>Listener</th><th>Address</th><th>Route configs</th></tr>"
            "%s</table><table><tr><th>Route config</th><th>Domains</th><th>Match</th><th>Cluster / action</th>"
            "<th>VirtualService</th></tr>%s</table><p>%d clusters</p>" % (
                escape(envoy.get("pod") or "gateway pod"), rows, routes, len(envoy.get("clusters") or [])))


def _strip_verdict(summary):
    """The summary without its leading ``BROKEN:`` / ``OK:`` (the verdict box says it already)."""
    head, sep, rest = summary.partition(": ")
    return rest if sep and head.isupper() else summary


def html(result, generated=None):
    target = result["target"]
    status = result["status"]
    title = "Traffic path diagnosis: %s" % target_label(target)
    table = "".join('<tr><td>%d</td><td><a href="#hop-%s">%s</a></td><td>%s</td><td style="%s">%s %s</td>'
                    "<td><code>%s</code></td></tr>" % (
                        i, escape(h["name"]), escape(h["title"]), escape(h.get("object") or "-"), _style(h["status"]),
                        ICONS.get(h["status"], ""), escape(h["status"]), escape(h.get("reason") or "-"))
                    for i, h in enumerate(result["hops"], 1))
    sections = "\n".join(_section(i, h) for i, h in enumerate(result["hops"], 1))
    return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s</title>
<style>%(css)s</style>
</head>
<body>
<h1>%(title)s</h1>
<div class="verdict" style="%(vstyle)s">%(icon)s <strong>%(status)s</strong> &mdash; %(summary)s</div>
%(path)s
<table><tr><th>#</th><th>Hop</th><th>Object</th><th>Status</th><th>Reason</th></tr>%(table)s</table>
%(sections)s
%(envoy)s
<details><summary>Mermaid source of the picture</summary><pre>%(mermaid)s</pre></details>
<footer>Generated by meshops.istio_edge.edge_path_info%(generated)s.</footer>
</body>
</html>
""" % {"title": escape(title), "css": _CSS, "vstyle": _style(status), "icon": ICONS.get(status, ""),
       "status": escape(status.upper()), "summary": escape(_strip_verdict(result["summary"])), "path": _path(result),
       "table": table, "sections": sections, "envoy": _envoy(result.get("envoy")),
       "mermaid": escape(result.get("mermaid") or mermaid(result)),
       "generated": escape(" at %s" % generated) if generated else ""}
