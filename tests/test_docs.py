"""The manual stays a site a reader can navigate, and the README stays a page a newcomer reads.

`mkdocs build --strict` (run by .ci/run) fails on broken links inside docs/; these tests cover what it
does not: README.md (outside docs/) and its links, its size, and that docs/ and the nav agree both ways.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README_LIMIT = 8 * 1024
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def nav_pages(entries: object) -> list[str]:
    """Every page file named in mkdocs.yml's nav, depth first (external URLs left out)."""
    if isinstance(entries, str):
        return [] if "://" in entries else [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in nav_pages(value)]
    return []


def read_nav() -> list[str]:
    config = YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"
    return nav_pages(config["nav"])


def slug(heading: str) -> str:
    """The anchor Python-Markdown's toc extension gives a heading (its default slugify)."""
    text = re.sub(r"[`*]", "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    found, fence = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and (m := re.match(r"#{1,6} (.+)", line)):
            found.add(slug(m.group(1)))
    return found


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_is_a_page() -> None:
    nav = read_nav()
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert [p for p in pages if p not in nav] == [], "docs pages missing from mkdocs.yml nav"
    assert [p for p in nav if p not in pages] == [], "mkdocs.yml nav names pages that do not exist"
    assert len(nav) == len(set(nav)), "a page is listed twice in the nav"


def test_readme_stays_a_newcomers_page() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size < README_LIMIT, f"README.md is {size} bytes; move detail to a docs/ page (limit {README_LIMIT})"


def test_the_quick_start_is_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", readme, re.S)
    assert block is not None
    assert block.group(1).splitlines() == ["bash .ci/setup demo", ".venv/bin/python -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "bash .ci/setup" in ci and ".venv/bin/python -m pytest" in ci
    assert any(line.startswith(".venv/bin/mkdocs build --strict") for line in ci)


def test_readme_links_reach_existing_pages_and_headings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(readme):
        if "://" in target or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / path) if path else ROOT / "README.md"
        if path.endswith("/"):
            file = file / "index.md"
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert broken == [], "README links to a file or heading that does not exist"


def test_readme_links_every_page_of_the_manual() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    unlinked = [p for p in read_nav() if f"docs/{p}" not in linked]
    assert unlinked == [], "add a link to these pages in the README's Documentation list"
