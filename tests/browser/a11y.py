"""Accessibility checks with axe-core (tests/assets/axe.min.js, MPL-2.0; tests/assets/README.md).

`assert_accessible(page)` runs axe on the page as it is and fails on any violation whose impact
is "serious" or "critical", printing each one with the elements it found.

Tend's Content Security Policy blocks injected <script> tags, which is what the CSP is for. Rather
than switching the policy off for the whole browser context (`bypass_csp=True`), axe's source is
evaluated through the DevTools protocol (`page.evaluate`), which CSP does not govern. The tests
therefore see the real policy and can also fail on any CSP violation the page itself causes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).resolve().parent.parent / "assets" / "axe.min.js").read_text()
BLOCKING_IMPACTS = {"serious", "critical"}


def _load_axe(page: Page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE + "\n;undefined")


def run_axe(page: Page) -> list[dict]:
    """All axe violations on the current page (every impact)."""
    _load_axe(page)
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary,
                                          html: n.html.slice(0, 300)})),
            }));
        }"""
    )
    return result


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html']}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> list[dict]:
    """Fail on serious or critical axe violations; return the minor ones for the curious."""
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        message = f"axe found serious or critical problems on {page.url}:\n"
        message += format_violations(blocking)
        print(message)
        pytest.fail(message, pytrace=False)
    return violations
