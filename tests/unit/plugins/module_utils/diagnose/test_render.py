# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Mermaid picture, the Markdown and the HTML reports."""

from html.parser import HTMLParser

from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.analyze import analyze
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render import markdown, mermaid
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.render_html import html

VOID = {"meta", "br", "hr", "img", "input", "link"}


class _Checker(HTMLParser):
    """Well-formedness: every non-void tag closed, in order."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.stack, self.errors, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _broken(healthy):
    healthy["gateways"][0]["spec"]["selector"] = {"istio": "ingressgateway"}
    healthy["virtual_services"][0]["metadata"]["name"] = 'shop"<script>alert(1)</script>'
    return analyze(healthy)


def test_mermaid_highlights_the_broken_hop_and_its_incoming_link(healthy):
    result = _broken(healthy)
    text = mermaid(result)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert "  class gateway broken" in lines and "  class edge ok" in lines
    links = [line for line in lines if " --> " in line]
    assert links[4] == "  istio_crds --> gateway"
    assert "  linkStyle 4 stroke:#d93025,stroke-width:3px" in lines
    assert "<script>" not in text and "#quot;" in text      # labels cannot break out of their quotes


def test_markdown_report(healthy):
    result = _broken(healthy)
    text = markdown(result, "2026-01-01 00:00:00 UTC")
    assert text.startswith("# Traffic path diagnosis: shop (shop.example.com/)\n")
    assert "at **Istio Gateway** (`selector_mismatch`)" in text
    assert "```mermaid\nflowchart LR" in text
    assert "| 5 | Istio Gateway | Gateway istio-ingress/shop-gateway | \u2716 broken | `selector_mismatch` |" in text
    assert "**Fix:** Set spec.selector of Gateway istio-ingress/shop-gateway to istio=ingress" in text
    assert "at 2026-01-01 00:00:00 UTC" in text


def test_html_report_is_well_formed_self_contained_and_escaped(healthy):
    result = _broken(healthy)
    page = html(result, "2026-01-01 00:00:00 UTC")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page          # nothing fetched from anywhere
    assert 'class="hop broken' in page and 'class="arrow red"' in page
    assert "selector_mismatch" in "".join(checker.text)


def test_healthy_report_says_ok(healthy):
    result = analyze(healthy)
    assert "**\u2714 OK**" in markdown(result)
    assert "red" not in html(result).split("<body>")[1].split("<table>")[0]
