"""The HTML pages quizgen grade writes, read back as a browser and a person would: real problems from the
demo bank, graded by the real checker, with hostile names and answers; axe-core checks accessibility."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from axetools import Axe
from pagetools import read_page

from quizgen.bank import load_bank
from quizgen.generate import generate
from quizgen.grading.engine import CheckerBackend
from quizgen.grading.feedback_html import feedback_html
from quizgen.grading.run import grade_files, write_outputs
from quizgen.notation import key_text
from quizgen.roster import Student

ROOT = Path(__file__).resolve().parents[2]
HREF = r"\(\href{javascript:alert(1)}{x}\)"
TITLE = r"Quiz $\href{javascript:alert(2)}{y}$ </title><script>alert(3)</script>"
NAMES = ["Ada Lovelace", HREF, "<img src=x onerror=alert(1)>", "فاطمة الزهراء", "Nguyễn Thị Hoa", "Absent Al"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pages")
    bank = load_bank(ROOT / "banks/demo.yaml")
    students = [Student(f"s{i}", name) for i, name in enumerate(NAMES, 1)]
    m = generate(bank, students, seed=3)
    m = replace(m, bank=replace(m.bank, title=TITLE, course="<i>NN</i> 101"))
    rows = [["student_id", "problem", "answer"]]
    for k, sheet in enumerate(m.students[:-1]):  # the last student sends nothing: absent
        for p in sheet.problems:  # s1 right throughout; s2 right once, invalid once, wrong or partly right elsewhere
            if k == 0 or (k == 3 and p.slot % 2) or (k == 1 and p.slot == 2):
                answer = key_text(p.answer)
            elif p.mistakes:
                answer = key_text(p.mistakes[0].answer)  # a diagnosed misconception
            else:
                answer = "x"
            if k == 1 and p is sheet.problems[-1]:
                answer = "sqrt(2)"  # wrong, and a square root (<msqrt>, as in s5's worked solution) on s2's page
            rows.append([sheet.student_id, str(p.slot), HREF if (k == 1 and p.slot == 1) else answer])
    path = tmp / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    run = grade_files(m, [path], CheckerBackend(workers=1, timeout=5.0))
    out = write_outputs(run, tmp / "out").out_dir
    absent = run.results[-1]
    assert absent.absent
    short = replace(absent, sheet=replace(absent.sheet, problems=absent.sheet.problems[:2]), answers=absent.answers[:2])
    page = feedback_html(short, run.manifest.bank, provisional=run.provisional(short))  # as pagepool writes it
    (tmp / SHORT_ABSENT).write_text(page, encoding="utf-8")
    return out


SHORT_ABSENT = "s6-first-two-problems.html"
"""Beside the written folder: the page quizgen writes for the absent s6 in a quiz of only the first two problems."""


def test_pages_need_no_network_and_no_script_and_show_user_text_as_text(written: Path) -> None:
    pages = [written / "report.html", *sorted((written / "feedback").glob("*.html"))]
    assert len(pages) == 1 + len(NAMES)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "http" not in html and "MathJax" not in html
        page = read_page(html)
        for tag, attrs in page.tags:
            assert tag not in ("script", "iframe", "object", "embed"), path
            assert not any("javascript:" in v.lower() or k.startswith("on") for k, v in attrs.items()), (path, tag)
            if tag in ("a", "link", "img"):
                target = attrs.get("href", attrs.get("src", ""))
                assert target.startswith(("feedback/", "data:image/png;base64,")), (path, target)
    s2 = read_page((written / "feedback/s2.html").read_text(encoding="utf-8"))
    assert HREF in s2.text  # the name and the answer, as typed, visible and inert
    report = read_page((written / "report.html").read_text(encoding="utf-8"))
    assert HREF in report.text and "<img src=x onerror=alert(1)>" in report.text
    assert TITLE in report.text and "<i>NN</i> 101" in report.text  # the bank's title and course too


def test_every_formula_is_typeset_once_with_its_plain_form_as_annotation(written: Path) -> None:
    html = (written / "feedback/s1.html").read_text(encoding="utf-8")
    page = read_page(html)
    assert html.count("<math") >= 20 and '<code class="plain">' not in html  # nothing fell back to plain text
    assert len(page.annotations) == html.count("<math")
    for plain in page.annotations:  # not printed again beside the typeset copy
        if len(plain) > 12:  # (a key may show once more: s1 typed every key, which shows as typed)
            assert page.text.count(plain) <= (1 if ":" not in plain else 0), plain
    assert "{}" not in page.text and "\\text" not in page.text and "\\frac" not in page.text
    assert "Sum rule, term by term:" in page.text
    # indicators: a bold 1 and the condition, never a cases brace or a double-struck 1 with a subscript
    assert 'mathvariant="bold" class="ind">1</mn>' in html and "𝟙" not in html
    assert page.headings == sorted(page.headings) and page.headings[0] == 1


def test_the_report_starts_with_the_class_then_review_then_students_linked_to_their_pages(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    page = read_page(html)
    order = ["The class in numbers", "To review", "Students: 6", "Scores", "Item analysis", "What to reteach"]
    positions = [page.text.index(h) for h in order]
    assert positions == sorted(positions)
    links = [a["href"] for tag, a in page.tags if tag == "a"]
    assert len(links) == len(NAMES) and all((written / link).is_file() for link in links)
    assert "absent" in page.text.split("Students: 6", 1)[1].split("Scores", 1)[0]
    assert "Students graded 5" in page.text.replace(":", "")  # the absent student is left out of the numbers
    assert all(
        attrs.get("alt", "").endswith(".") and len(attrs["alt"]) > 40 for tag, attrs in page.tags if tag == "img"
    )
    assert all("scope" in attrs for tag, attrs in page.tags if tag == "th")
    reteach = page.text.split("What to reteach", 1)[1].split("Success per problem", 1)[0]
    assert "Misconception Students Problems Example: answer given, and its key" in reteach
    assert "key (student s" in reteach


def elements(html: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every kind of element on a page, as its tag and all its attributes (class, style, role, aria-*...):
    what the page's styles and axe-core's rules look at, less the text."""
    return {(tag, tuple(sorted(attrs.items()))) for tag, attrs in read_page(html).tags}


def test_pages_have_no_serious_accessibility_violations(written: Path, axe: Axe) -> None:
    """The report, s2's page (every kind of card but the absent one: right, wrong, partly right, invalid; and a
    square root) and the page of the absent s6 in a quiz of the first two problems (two absent cards, and the
    same header and summary table). No student's page has an element (tag and attributes) that these lack
    (asserted for every page, so a new kind, as s5's <msqrt> was, fails here): axe-core, whose colour-contrast
    rule costs Chromium's CPU in proportion to a page's elements (about 1 s for a ten-problem page), is not
    run on the others."""
    pages = {p.stem: p.read_text(encoding="utf-8") for p in sorted((written / "feedback").glob("*.html"))}
    s2 = pages["s2"]
    short = (written.parent / SHORT_ABSENT).read_text(encoding="utf-8")
    assert short.count('class="card absent"') == 2
    assert len(pages) == len(NAMES)
    checked = elements(s2) | elements(short)
    for name, page in pages.items():
        unchecked = elements(page) - checked
        assert not unchecked, f"{name}'s page has elements no page checked by axe has: check it too, {unchecked}"
    for name, html in (("report.html", None), ("feedback/s2.html", s2), (SHORT_ABSENT, short)):
        found = axe.violations(html or (written / name).read_text(encoding="utf-8"))
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not bad, (name, bad)


@pytest.fixture(scope="module")
def written_parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The backprop bank (multi-part problems, each with its computational graph) graded for a small class:
    one student right throughout, one absent, and one (s2) wrong at every other part, except in the last
    problem, where one part cannot be read and one is not answered. So s2's page shows every mark a graph
    can carry (right, carried forward, wrong, unreadable, blank) and every kind of row and badge of a
    multi-part problem: its accessibility check covers the graph pages."""
    tmp = tmp_path_factory.mktemp("parts-pages")
    bank = load_bank(ROOT / "banks/backprop.yaml")
    m = generate(bank, [Student("s1", "Ada Lovelace"), Student("s2", NAMES[3]), Student("s3", "Absent Al")], seed=4)
    rows = [["student_id", "problem", "answer"]]
    for k, sheet in enumerate(m.students[:2]):
        for p in sheet.problems:
            last = p is sheet.problems[-1]
            for i, part in enumerate(p.parts):
                if k == 1 and last and i < 2:
                    if i == 0:
                        rows.append([sheet.student_id, f"{p.slot}{part.label}", "@"])  # unreadable; 1: not answered
                    continue
                rows.append([sheet.student_id, f"{p.slot}{part.label}", part.answer if k == 0 or i % 2 else "7"])
    path = tmp / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    run = grade_files(m, [path], CheckerBackend(workers=1, timeout=5.0))
    return write_outputs(run, tmp / "out").out_dir


def test_the_per_part_item_analysis_and_the_graph_pages_are_accessible(written_parts: Path, axe: Axe) -> None:
    page = read_page((written_parts / "report.html").read_text(encoding="utf-8"))
    assert "Item analysis per part" in page.text and "Hardest node: problem" in page.text
    graphs = (written_parts / "feedback/s2.html").read_text(encoding="utf-8")
    assert all(f'class="mark {mark}"' in graphs for mark in ("right", "carried", "wrong", "unreadable", "blank"))
    assert 'class="badge partial"' in graphs and 'class="badge invalid"' in graphs
    for name in ("report.html", "feedback/s2.html"):
        found = axe.violations((written_parts / name).read_text(encoding="utf-8"))
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not bad, (name, bad)
