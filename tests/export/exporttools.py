"""Export test helpers: offline schemas, a GIFT reader with Moodle's rules, Maxima to keys, Problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from quizgen.problem import Mistake, Problem, Step

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = next(
    (base / "shared" / "lms-schemas" for base in REPO.parents if (base / "shared" / "lms-schemas").is_dir()),
    REPO.parent / "shared" / "lms-schemas",
)
"""../shared/lms-schemas beside the repository; a worktree (/work/wt/<name>) sits one level deeper."""


class _LocalOnly(etree.Resolver):
    """Map the W3C xml.xsd URL onto the local copy; refuse every other network URL."""

    def resolve(self, url, _pubid, context):  # lxml passes (url, public id, context) positionally
        if url.startswith("http") and url.endswith("xml.xsd"):
            return self.resolve_filename(str(SCHEMAS / "qti21" / "www.w3.org" / "2001" / "xml.xsd"), context)
        if url.startswith("http"):
            raise AssertionError(f"schema tried to fetch {url}")
        return None


def load_schema(relative: str) -> etree.XMLSchema:
    path = SCHEMAS / relative
    if not path.exists():
        pytest.skip(f"{path} not present (the shared lms-schemas folder sits beside the repository)")
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalOnly())
    return etree.XMLSchema(etree.parse(str(path), parser))


def gift_unescape(text: str) -> str:
    """Moodle's escapedchar_pre + escapedchar_post: \\\\ -> \\, \\X -> X for X in ~=#{}:"""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\~=#{}:":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _split_unescaped(text: str, marks: str) -> list[tuple[str, str]]:
    """Split at unescaped characters in marks; each piece keeps the mark that opened it ('' first)."""
    pieces, current, mark, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in marks:
            pieces.append((mark, "".join(current)))
            current, mark = [], ch
        else:
            current.append(ch)
        i += 1
    pieces.append((mark, "".join(current)))
    return pieces


def parse_gift(text: str) -> list[dict]:
    """Questions as dicts: category, id, name, text, answers [(mark, text, feedback)], general feedback."""
    questions, category = [], None
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        qid = None
        body_lines = []
        for line in lines:
            if line.startswith("$CATEGORY:"):
                category = line[len("$CATEGORY:") :].strip()
            elif line.startswith("//"):
                m = re.search(r"\[id:([^\]]+)\]", line)
                qid = m.group(1) if m else qid
            else:
                body_lines.append(line)
        if not body_lines:
            continue
        body = "\n".join(body_lines)
        m = re.match(r"::(.*?)(?<!\\)::(.*)", body, re.S)
        assert m, body[:80]
        name, rest = m.group(1), m.group(2)
        parts = _split_unescaped(rest, "{}")
        assert [p[0] for p in parts] == ["", "{", "}"], "one unescaped { ... } answer block"
        qtext, answers_raw = parts[0][1], parts[1][1]
        general = ""
        if "####" in answers_raw:
            answers_raw, general = answers_raw.split("####", 1)
        numerical = answers_raw.lstrip().startswith("#")
        if numerical:
            answers_raw = answers_raw.lstrip()[1:]
        answers = []
        for mark, chunk in _split_unescaped(answers_raw, "=~"):
            if not mark:
                assert not chunk.strip(), f"text before the first answer: {chunk!r}"
                continue
            answer_part = _split_unescaped(chunk, "#")
            answer = answer_part[0][1].strip()
            feedback = answer_part[1][1].strip() if len(answer_part) > 1 else ""
            answers.append((mark, gift_unescape(answer), gift_unescape(feedback)))
        questions.append(
            {
                "category": category,
                "id": qid,
                "name": gift_unescape(name),
                "text": gift_unescape(qtext),
                "numerical": numerical,
                "answers": answers,
                "general": gift_unescape(general.strip()),
            }
        )
    return questions


def stack_variables(text: str) -> dict[str, str]:
    """A STACK question's variables, name -> Maxima text."""
    return dict(re.findall(r"^(\w+): (.*);$", text, re.M))


def stack_key_matches(questionvariables: str, problem: Problem) -> bool:
    """Does ta1 mean the problem's key? diff(f, v) is done by sympy on f read back; else ta1 is read back."""
    import sympy

    from quizgen.export import numeric

    qv = stack_variables(questionvariables)
    fname = next(iter(qv))
    f = numeric.parse(maxima_to_key(qv[fname]), problem.variables).components[0]
    key = numeric.parse(problem.answer, problem.variables)
    ta = qv["ta1"]
    diffs = re.findall(rf"diff\({fname}, (\w+)\)", ta)
    if diffs:
        if diffs != list(problem.wrt):
            return False
        derived = [sympy.diff(f, sympy.Symbol(v, real=True)) for v in diffs]
        if problem.point:
            subs = {
                sympy.Symbol(k, real=True): numeric.parse(str(v), problem.variables).components[0]
                for k, v in problem.point.items()
            }
            derived = [d.subs(subs) for d in derived]
        value = numeric.KeyValue(tuple(derived), len(derived) > 1)
    else:
        value = numeric.parse(maxima_to_key(ta), problem.variables)
    points = numeric.sample_points(problem.variables)
    return numeric.same_values(numeric.signature(value, points), numeric.signature(key, points))


def maxima_to_key(text: str) -> str:
    """Maxima as printed by quizgen.export.maxima back into the key syntax parse_key reads."""
    text = text.replace("^", "**").replace("%e", "E").replace("%pi", "pi")
    text = re.sub(r"\bsignum\(", "sign(", text)
    text = re.sub(r"\babs\(", "Abs(", text)
    text = re.sub(r"\bmax\(", "Max(", text)
    return re.sub(r"\bmin\(", "Min(", text)


def make_problem(
    *,
    slot: int = 1,
    family: str = "product_rule",
    ask: str = "partial",
    function: str = "3*x**2*y",
    variables: tuple[str, ...] = ("x", "y"),
    wrt: tuple[str, ...] = ("x",),
    point=None,
    answer: str | list[str] = "6*x*y",
    answer_latex: str = "6 x y",
    mistakes: tuple[Mistake, ...] = (),
    prompt: str = "Let $f(x, y) = 3 x^{2} y$. Find $\\frac{\\partial f}{\\partial x}$.",
    function_latex: str = "3 x^{2} y",
) -> Problem:
    return Problem(
        slot=slot,
        family=family,
        difficulty=1,
        points=2.0,
        ask=ask,  # type: ignore[arg-type]
        prompt_text="Let f(x, y) = 3*x**2*y. Find df/dx.",
        prompt_latex=prompt,
        function=function,
        function_latex=function_latex,
        variables=list(variables),
        wrt=list(wrt),
        point=point,
        answer=answer,
        answer_latex=answer_latex,
        steps=[Step("Hold y constant and use the power rule.", r"\frac{\partial f}{\partial x} = 6 x y")],
        mistakes=list(mistakes),
    )


def sample_problems() -> dict[int, list[Problem]]:
    """Every question shape: symbolic partial, indicator, gradient, value, gradient value."""
    partial = [
        make_problem(
            function=f"{k}*x**2*y",
            answer=f"{2 * k}*x*y",
            answer_latex=f"{2 * k} x y",
            mistakes=(
                Mistake("wrong_var", f"{k}*x**2", "You differentiated with respect to y."),
                Mistake("off_by_one_exp", f"{2 * k}*x**2*y", "The exponent drops by one."),
                Mistake("same_as_key", f"{2 * k}*y*x", "Duplicate of the key: must be dropped."),
            ),
        )
        for k in (2, 3, 5)
    ]
    indicator = [
        make_problem(
            slot=2,
            family="max_partial",
            function="Max(x, y)",
            answer="Piecewise((1, x > y), (0, True))",
            answer_latex=r"\mathbb{1}(x > y)",
            mistakes=(Mistake("wrong_side", "Piecewise((1, x < y), (0, True))", "Wrong side of max."),),
            prompt="Let $f(x, y) = \\max(x, y)$. Find $\\frac{\\partial f}{\\partial x}$.",
        )
        for _ in range(2)
    ]
    gradient = [
        make_problem(
            slot=3,
            family="gradient",
            ask="gradient",
            function=f"x**2*y + {k}*y",
            wrt=("x", "y"),
            answer=["2*x*y", f"x**2 + {k}"],
            answer_latex=rf"\left(2 x y, x^{{2}} + {k}\right)",
            mistakes=(Mistake("swapped_components", [f"x**2 + {k}", "2*x*y"], "Swapped components."),),
        )
        for k in (1, 4)
    ]
    value = [
        make_problem(
            slot=4,
            family="neuron",
            ask="value",
            function="w*x + b",
            variables=("w", "x", "b"),
            wrt=("w",),
            point={"w": 1, "x": k, "b": 0},
            answer=str(k),
            answer_latex=str(k),
            mistakes=(Mistake("wrong_var", "1", "That is the derivative with respect to x."),),
        )
        for k in (3, 7)
    ]
    grad_value = [
        make_problem(
            slot=5,
            family="gradient",
            ask="value",
            function="x**2*y",
            wrt=("x", "y"),
            point={"x": 1, "y": 2},
            answer=["4", "1"],
            answer_latex=r"\left(4, 1\right)",
        )
    ]
    return {1: partial, 2: indicator, 3: gradient, 4: value, 5: grad_value}
