"""Multi-part problems in LMS exports: one number per part (Moodle cloze NUMERICAL blanks, STACK inputs,
GIFT one numerical question per part), each the part's key."""

from __future__ import annotations

import re
from pathlib import Path

from quizgen.export import export_bank
from quizgen.resources import resolve_bank


def test_each_part_is_its_own_number(tmp_path: Path) -> None:
    bank = resolve_bank("backprop")
    _, quiz = export_bank(bank, fmt="moodle", out=tmp_path / "q.xml", variants=2)
    for group in quiz.groups:
        for item in group.items:
            parts = item.problem.parts
            assert item.kind == "multinumerical" and len(item.numbers) == len(parts)
            for part, number in zip(parts, item.numbers):
                assert f"({part.label})" in number.label_latex
    xml = (tmp_path / "q.xml").read_text(encoding="utf-8")
    blanks = len(re.findall(r"\{1:NUMERICAL:", xml)) or len(re.findall(r"NUMERICAL:", xml))
    assert blanks == sum(len(i.numbers) for g in quiz.groups for i in g.items)


def test_gift_asks_one_numerical_question_per_part(tmp_path: Path) -> None:
    _, quiz = export_bank(resolve_bank("backprop"), fmt="gift", out=tmp_path / "q.gift", variants=1)
    text = (tmp_path / "q.gift").read_text(encoding="utf-8")
    parts = sum(len(i.problem.parts) for g in quiz.groups for i in g.items)
    assert text.count("// [id:") == parts
    assert len(set(re.findall(r"// \[id:([^\]]+)\]", text))) == parts  # ids stay unique
    assert "Choose the vector" not in text


# ---------------------------------------------------------------- every format, structurally

import io  # noqa: E402
import zipfile  # noqa: E402

import pytest  # noqa: E402
from exporttools import load_schema  # noqa: E402
from lxml import etree  # noqa: E402

from quizgen.bank import load_bank  # noqa: E402
from quizgen.export import collect, render  # noqa: E402
from quizgen.export.moodle_xml import cloze_weights  # noqa: E402
from quizgen.export.qti import accepted_texts  # noqa: E402
from quizgen.mathparse import parse_key  # noqa: E402


@pytest.fixture(scope="module")
def quiz():
    return collect(load_bank(resolve_bank("backprop")), variants=2, seed=None)


def _questions(xml: bytes, qtype: str) -> list:
    root = etree.fromstring(xml)
    return [q for q in root.findall("question") if q.get("type") == qtype]


def test_stack_has_one_input_and_one_weighted_tree_per_part(quiz) -> None:
    stack = _questions(render(quiz, "moodle-stack"), "stack")
    items = [i for g in quiz.groups for i in g.items]
    assert len(stack) == len(items)
    for q, item in zip(stack, items):
        parts = item.problem.parts
        n = len(parts)
        assert [i.findtext("name") for i in q.findall("input")] == [f"ans{k}" for k in range(1, n + 1)]
        assert [i.findtext("tans") for i in q.findall("input")] == [f"ta{k}" for k in range(1, n + 1)]
        assert all(i.findtext("forbidfloat") == "0" for i in q.findall("input"))
        prts = q.findall("prt")
        assert [p.findtext("name") for p in prts] == [f"prt{k}" for k in range(1, n + 1)]
        for k, (prt, part) in enumerate(zip(prts, parts), 1):
            assert float(prt.findtext("value")) == part.points  # the part's weight
            (node,) = prt.findall("node")
            assert (node.findtext("sans"), node.findtext("tans")) == (f"ans{k}", f"ta{k}")
            assert node.findtext("answertest") == "NumAbsolute" and float(node.findtext("testoptions")) > 0
            assert node.findtext("trueanswernote") == f"prt{k}-1-T"
            assert f"({part.label})" in node.findtext("falsefeedback/text")
        # each teacher's answer is the part's exact key (Maxima prints these numbers as sympy reads them)
        variables = dict(line.rstrip(";").split(": ", 1) for line in q.findtext("questionvariables/text").splitlines())
        for k, part in enumerate(parts, 1):
            got = parse_key(variables[f"ta{k}"], []).value
            assert got == parse_key(part.answer, []).value, (variables[f"ta{k}"], part.answer)
        text = q.findtext("questiontext/text")
        for k in range(1, n + 1):  # every input, its validation and its tree's feedback are placed
            assert text.count(f"[[input:ans{k}]]") == 1 and f"[[feedback:prt{k}]]" in text
        qtest = q.find("qtest")
        assert len(qtest.findall("testinput")) == n and len(qtest.findall("expected")) == n
        assert float(q.findtext("defaultgrade")) == item.problem.points
        assert "Ref: " + item.idnumber + ".stack" in q.findtext("questionnote/text")


def test_cloze_fallback_weights_each_blank_by_its_points(quiz) -> None:
    assert cloze_weights([0.5, 0.5, 1.0]) == [1, 1, 2]
    assert cloze_weights([2, 2]) == [1, 1]
    assert cloze_weights([0.25, 0.5, 0.75]) == [1, 2, 3]
    core = _questions(render(quiz, "moodle-stack"), "cloze")
    items = [i for g in quiz.groups for i in g.items]
    assert len(core) == len(items)
    for q, item in zip(core, items):
        blanks = re.findall(r"\{(\d+):NUMERICAL:=([^:]+):([^#]+)#", q.findtext("questiontext/text"))
        parts = item.problem.parts
        assert len(blanks) == len(parts)
        weights = cloze_weights([p.points for p in parts])
        for (weight, value, tol), part, w in zip(blanks, parts, weights):
            exact = float(parse_key(part.answer, []).value)
            assert int(weight) == w and abs(float(value) - exact) <= float(tol) / 100
        assert "Answers:" in q.findtext("generalfeedback/text")  # every part's key, not one leaf's


def test_canvas_gets_one_fill_in_blanks_item_per_variant_valid_qti(quiz) -> None:
    data = render(quiz, "qti")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        name = next(n for n in z.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n)
        doc = etree.fromstring(z.read(name))
    schema = load_schema("qti12/ims_qtiasiv1p2.xsd")
    assert schema.validate(etree.ElementTree(doc)), schema.error_log
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = doc.findall(".//q:item", ns)
    assert len(items) == sum(len(g.items) for g in quiz.groups)
    by_id = {i.idnumber: i for g in quiz.groups for i in g.items}
    for el in items:
        item = by_id[el.get("ident")]
        qtype = el.find(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", ns).text
        assert qtype == "fill_in_multiple_blanks_question"
        lids = el.findall(".//q:response_lid", ns)
        assert [lid.get("ident") for lid in lids] == [f"response_{p.label}" for p in item.problem.parts]
        text = el.find(".//q:presentation/q:material/q:mattext", ns).text
        assert all(f"[{p.label}]" in text for p in item.problem.parts)
        adds = [float(s.text) for s in el.findall(".//q:setvar[@action='Add']", ns)]
        # one condition per accepted text; each blank's share once per text, all shares summing to 100
        shares = {}
        for cond in el.findall(".//q:respcondition", ns):
            eq = cond.find(".//q:varequal", ns)
            if eq is not None and cond.find("q:setvar", ns) is not None:
                shares[eq.get("respident")] = float(cond.find("q:setvar", ns).text)
        assert adds and abs(sum(shares.values()) - 100) < 0.01


def test_canvas_accepts_the_exact_key_and_its_terminating_decimal() -> None:
    import sympy

    from quizgen.export.items import NumericPart

    def part(value) -> NumericPart:
        return NumericPart("x", float(value), 0.001, part="a", points=1, exact=value)

    assert accepted_texts(part(sympy.Rational(-3, 32))) == ["-3/32", "-0.09375"]
    assert accepted_texts(part(sympy.Rational(1, 3))) == ["1/3"]  # no finite decimal
    assert accepted_texts(part(sympy.Integer(25))) == ["25"]
    assert accepted_texts(part(sympy.log(3))) == ["log(3)"]


def test_gift_puts_each_variants_parts_in_its_own_category_with_part_refs(quiz) -> None:
    text = render(quiz, "gift").decode("utf-8")
    for group in quiz.groups:
        for item in group.items:
            assert f"/{group.title}/Variant {item.name.rsplit(' ', 1)[-1]}" in text
            for part in item.problem.parts:
                assert f"Ref\\: {item.idnumber}.{part.label}<" in text
