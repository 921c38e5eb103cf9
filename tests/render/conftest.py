"""Hand-built manifests for the renderer's tests (independent of the generator)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Problem, Sheet, Step
from quizgen.render import write_documents
from quizgen.typeset.escape import cjk_font_for
from tests.builtonce import built_once

from .pdftools import compiled_batch
from .replay import recording
from .templatecache import templates_shared


@pytest.fixture(scope="module", autouse=True)
def templates_compiled_once() -> Iterator[None]:
    """Each module here renders with its templates compiled once (tests/render/templatecache.py)."""
    with templates_shared():
        yield


def scalar_problem(slot: int = 1, *, points: float = 4) -> Problem:
    return Problem(
        slot=slot,
        family="chain_single",
        difficulty=2,
        points=points,
        ask="partial",
        prompt_text="Let h(x) = 3*(2*x**2)**5. Find dh/dx.",
        prompt_latex=r"Let $h(x) = 3 \left(2 x^{2}\right)^{5}$. Find $\frac{d h}{d x}$.",
        function="3*(2*x**2)**5",
        function_latex=r"3 \left(2 x^{2}\right)^{5}",
        variables=["x"],
        wrt=["x"],
        point=None,
        answer="960*x**9",
        answer_latex=r"960 x^{9}",
        steps=[
            Step(
                "Outer function u^5 times 3; inner function u = 2*x**2.",
                r"\text{Outer function } 3u^{5}\text{, inner } u = 2x^{2}",
            ),
            Step(
                "Outer derivative times inner derivative: 15*(2*x**2)**4*(4*x)",
                r"\text{Outer derivative times inner derivative:} 15 \left(2 x^{2}\right)^{4} \cdot 4 x",
            ),
            Step("Simplify: 960*x**9", r"\text{Simplify:} 960 x^{9}"),
        ],
    )


def gradient_problem(slot: int = 2) -> Problem:
    return Problem(
        slot=slot,
        family="gradient",
        difficulty=2,
        points=6,
        ask="gradient",
        prompt_text="Let f(x, y) = x**2*y + Max(x, y). Find the gradient.",
        prompt_latex=(
            r"Let $f(x, y) = x^{2} y + \max\left(x, y\right)$. Find the gradient "
            r"$\nabla f = \left(\frac{\partial f}{\partial x}, \frac{\partial f}{\partial y}\right)$."
        ),
        function="x**2*y + Max(x, y)",
        function_latex=r"x^{2} y + \max\left(x, y\right)",
        variables=["x", "y"],
        wrt=["x", "y"],
        point=None,
        answer=["2*x*y + Piecewise((1, x > y), (0, True))", "x**2 + Piecewise((1, y > x), (0, True))"],
        # sympy's printing of Piecewise((1, x > y), (0, True)), as the generator writes it
        answer_latex=(
            r"\left(2 x y + \begin{cases} 1 & \text{for}\: x > y \\0 & \text{otherwise} \end{cases}, "
            r"x^{2} + \begin{cases} 1 & \text{for}\: y > x \\0 & \text{otherwise} \end{cases}\right)"
        ),
        steps=[
            Step(
                "Differentiate each component: 2*x*y + Piecewise((1, x > y), (0, True))",
                r"\text{Differentiate each component:}\quad 2 x y + \begin{cases} 1 & \text{for}\: x > y \\0 & \text{otherwise} \end{cases}",
            )
        ],
    )


def long_problem(slot: int = 3) -> Problem:
    terms = " + ".join(f"{k} x^{{{k}}} y^{{{k + 1}}} z^{{{k + 2}}}" for k in range(2, 16))
    return Problem(
        slot=slot,
        family="sum_rule",
        difficulty=3,
        points=2.5,
        ask="partial",
        prompt_text="long",
        prompt_latex=rf"Let $f(x, y, z) = {terms}$. Find $\frac{{\partial f}}{{\partial x}}$.",
        function="long",
        function_latex=terms,
        variables=["x", "y", "z"],
        wrt=["x"],
        point=None,
        answer="long",
        answer_latex=terms,
        steps=[Step("Sum rule:", r"\text{Sum rule:} \frac{\partial f}{\partial x} = " + terms)],
    )


HOSTILE_NAMES = [
    "Zoë O'Brien & Co_1 #2",
    r"\textbf{x} 100% $y$",
    r"Jean \input{/etc/passwd}",
    "王小明",
    "佐藤",
    "鈴木 一郎",  # traditional 鈴: needs the Big5 font (bsmi) next to the GB one
    "渡辺 さくら",  # Japanese-only 辺 and kana: the Japanese Mincho font
]


def make_manifest(names: list[str], problems: list[Problem] | None = None, ids: list[str] | None = None) -> Manifest:
    problems = problems if problems is not None else [scalar_problem(1), gradient_problem(2)]
    ids = ids or [f"s{i:03d}" for i in range(1, len(names) + 1)]
    students = [
        Sheet(student_id=sid, name=name, variant=f"V{i:04d}", problems=list(problems))
        for i, (sid, name) in enumerate(zip(ids, names), 1)
    ]
    return Manifest(
        quizgen_version="0.1.0",
        bank=BankInfo(
            title="Partial derivatives & the chain rule",
            course="ML 101 — Backprop",
            instructions="Show your work. Write answers in the boxes.\n\nNo calculators.",
            path="banks/demo.yaml",
        ),
        bank_sha256="0" * 64,
        seed=7,
        students=students,
    )


FIVE = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether", "Kurt Gödel"]


def five_students() -> Manifest:
    """Five students with two problems each: the class the parts tests typeset in parts and the stream tests
    while it is drawn."""
    return make_manifest(FIVE, [scalar_problem(1), gradient_problem(2)])


@pytest.fixture(scope="session")
def five_in_one_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """five_students() typeset in one run, split too: what the parted and the streamed copies are compared with.
    Built once per run for every xdist worker (tests.builtonce), its runs recorded for the tests that replay them
    (tests/render/replay.py); tests only read it."""

    def build(folder: Path) -> None:
        with recording(folder):
            write_documents(five_students(), folder, fmt="pdf", quiet=True, split=True)

    return built_once(tmp_path_factory, "five-in-one-run", build)


VIETNAMESE = "Nguyễn Thị Ánh"
"""Stacked accents pdflatex sets itself (T1); pdftotext reads them back decomposed, and the dot below of "ị" as
"i." (printed_as)."""


EMOJI = "Zoë \U0001f600"
"""A name no font quizgen uses covers (no Noto font has emoji): the emoji prints as [U+1F600]."""


def printed_as(name: str) -> str:
    """name squashed as pdftotext reads it from a pdflatex PDF, once its text is NFC-normalized."""
    return re.sub(r"\s+", "", name).replace("ị", "i.").replace("\U0001f600", "[U+1F600]")


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Manifest, Path, list[Path]]:
    """A hostile class compiled once (tests/render/pdftools.compiled_batch): test_documents' batch, and in
    test_scripts a class of names LuaLaTeX is not needed for (Latin accents, Vietnamese, CJK, TeX specials, an
    emoji no font has), whose runs it replays. Three problems; names and ids hostile (HOSTILE_NAMES; ids with TeX
    specials and a leading escape, a path, a device name, a space, a leading hyphen, CJK). CJK names only where
    this machine has fonts for them (CI installs them; see the README): the first six students are on every
    machine."""
    hostile = [n for n in HOSTILE_NAMES if all(ord(c) < 0x3000 or cjk_font_for(ord(c)) for c in n)]
    names = ["Ada Lovelace", VIETNAMESE, EMOJI, *hostile]
    ids = [
        "s001",
        r"\textbf{x} 100% $y$",
        "../../etc/passwd",
        "CON",
        "a b",
        "-x",
        "王",
        "Zoë O'Brien & Co_1 #2",
        "s009",
        "s010",
    ]
    problems = [scalar_problem(1), gradient_problem(2), long_problem(3)]
    return compiled_batch(tmp_path_factory, "batch", make_manifest(names, problems, ids=ids[: len(names)]))


@pytest.fixture
def manifest() -> Manifest:
    return make_manifest(["Ada Lovelace", "Alan Turing"])


def make_run(manifest: Manifest):
    """A graded run by hand: first student right on problem 1, wrong on the rest; others blank."""
    from quizgen.grading.model import GradedAnswer, GradeRun, StudentResult

    results = []
    for k, sheet in enumerate(manifest.students):
        answers = []
        for n, p in enumerate(sheet.problems):
            right = k == 0 and n == 0
            typed = ("960x^9" if right else r"15(2x^2)^4 & \input{x} $") if k == 0 else ""
            answers.append(
                GradedAnswer(
                    student_id=sheet.student_id,
                    slot=p.slot,
                    problem=p,
                    typed=typed,
                    outcome=("correct" if right else "incorrect") if k == 0 else "blank",
                    interpreted="960*x**9" if right else ("15*(2*x**2)**4" if k == 0 else ""),
                    interpreted_latex="960 x^{9}" if right else (r"15 \left(2 x^{2}\right)^{4}" if k == 0 else ""),
                    feedback="" if right else "You forgot the inner derivative 4x (chain rule).",
                    diagnosis=None if right else "forgot_inner",
                    score=1.0 if right else 0.0,
                    points=p.points if right else 0.0,
                )
            )
        results.append(StudentResult(sheet=sheet, answers=answers))
    return GradeRun(manifest=manifest, results=results, issues=[])
