"""The README opens with the two commands, and every documented link and target exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_opens_with_make_run_and_make_test():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```\w*\n(.*?)```", text, re.S)
    assert first_block is not None
    assert text.index("```") < text.index("\n## ")
    assert first_block.group(1).split("\n")[:2] == ["make run", "make test"]


def test_the_docs_the_issue_asks_for_exist():
    names = {p.name for p in DOCS}
    assert {"configuration.md", "deployment.md", "operations.md", "security.md"} <= names


def test_relative_links_in_the_docs_point_to_files():
    for doc in DOCS:
        for target in re.findall(r"\]\((?!https?://|#)([^)#\s]+)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    for target in targets:
        assert f"make {target} " in listed, target
    for needed in [
        "install",
        "run",
        "test",
        "test-postgres",
        "test-browser",
        "lint",
        "format",
        "typecheck",
        "migrations",
        "bench",
        "clean",
    ]:
        assert needed in targets
