"""Structure of the Moodle XML, written from Moodle's importer (question/format/xml/format.php)."""

from __future__ import annotations

import re

import pytest
from exporttools import sample_problems
from lxml import etree

from quizgen.export import numeric
from quizgen.export.moodle_xml import category_path, cloze_escape, moodle_xml
from quizgen.export.text import mathjax
from quizgen.variantids import parse_idnumber

HEADERS = ["name", "questiontext", "generalfeedback", "penalty", "hidden", "idnumber"]


@pytest.fixture(scope="module")
def root(quiz):
    return etree.fromstring(moodle_xml(quiz=quiz).encode("utf-8"))


def _questions(root):
    return root.findall("question")


def test_root_and_categories_precede_their_slots(root, quiz) -> None:
    assert root.tag == "quiz"
    category = None
    seen = []
    for q in _questions(root):
        if q.get("type") == "category":
            category = q.findtext("category/text")
            continue
        vid = parse_idnumber(q.findtext("idnumber"))
        group = next(g for g in quiz.groups if g.number == vid.slot)
        assert category == category_path(quiz.title, group.title)
        seen.append(vid.slot)
    assert seen == sorted(seen)


def test_hostile_title_survives_in_category_path(root, quiz) -> None:
    paths = [q.findtext("category/text") for q in _questions(root) if q.get("type") == "category"]
    assert paths[0].startswith("$course$/top/Calc & <NN> ]]> \"quotes\" 'single' — ünïcødé // slash/Slot 1")


def test_every_question_has_the_children_its_type_needs(root) -> None:
    types = set()
    for q in _questions(root):
        qtype = q.get("type")
        if qtype == "category":
            continue
        types.add(qtype)
        for child in HEADERS:
            assert q.find(child) is not None, (qtype, child)
        assert q.find("questiontext").get("format") == "html"
        assert q.findtext("generalfeedback/text").startswith("<p><strong>Worked solution")
        if qtype != "cloze":
            assert float(q.findtext("defaultgrade")) == 2.0
        if qtype == "multichoice":
            for child in [
                "single",
                "shuffleanswers",
                "answernumbering",
                "correctfeedback",
                "partiallycorrectfeedback",
                "incorrectfeedback",
            ]:
                assert q.find(child) is not None, child
            assert q.findtext("single") == "true"
        if qtype == "numerical":
            for answer in q.findall("answer"):
                assert answer.find("tolerance") is not None
                assert answer.find("feedback/text") is not None
    assert types == {"multichoice", "numerical", "cloze"}


def test_multichoice_fractions_one_right_answer(root) -> None:
    for q in _questions(root):
        if q.get("type") != "multichoice":
            continue
        fractions = sorted(float(a.get("fraction")) for a in q.findall("answer"))
        assert fractions[-1] == 100 and all(f == 0 for f in fractions[:-1])
        assert len(fractions) >= 4
        assert all(a.findtext("feedback/text") for a in q.findall("answer"))


def test_round_trip_finds_every_variants_key(root) -> None:
    problems = sample_problems()
    found = 0
    for q in _questions(root):
        if q.get("type") == "category":
            continue
        vid = parse_idnumber(q.findtext("idnumber"))
        problem = problems[vid.slot][vid.variant - 1]
        assert q.findtext("name/text") == f"Slot {vid.slot} ({problem.family}) variant {vid.variant:02d}"
        key = numeric.parse(problem.answer, problem.variables)
        if q.get("type") == "multichoice":
            right = [a for a in q.findall("answer") if a.get("fraction") == "100"]
            assert right[0].findtext("text") == f"<p>{mathjax(key.latex)}</p>"
        elif q.get("type") == "numerical":
            right = q.findall("answer")[0]
            assert right.get("fraction") == "100"
            assert float(right.findtext("text")) == numeric.to_float(key.components[0])
            assert 0 < float(right.findtext("tolerance")) <= 0.01 * max(1, abs(float(right.findtext("text"))))
        else:
            text = q.findtext("questiontext/text")
            parts = re.findall(r"\{1:NUMERICAL:=([^:]+):([^#]+)#", text)
            assert [float(v) for v, _ in parts] == [numeric.to_float(c) for c in key.components]
        found += 1
    assert found == sum(len(v) for v in problems.values())


def test_numerical_catch_all_and_buggy_values_score_zero(root) -> None:
    q = next(q for q in _questions(root) if q.get("type") == "numerical")
    answers = q.findall("answer")
    assert [a.get("fraction") for a in answers] == ["100", "0", "0"]
    assert answers[1].findtext("text") == "1"
    assert answers[-1].findtext("text") == "*"


def test_cdata_end_marker_is_split() -> None:
    from quizgen.export.text import cdata

    wrapped = cdata("a]]>b")
    assert wrapped == "<![CDATA[a]]]]><![CDATA[>b]]>"
    assert etree.fromstring(f"<t>{wrapped}</t>").text == "a]]>b"


def test_cloze_escape_protects_the_closing_characters() -> None:
    assert cloze_escape('a}b#c~d/e"f\\g') == 'a\\}b\\#c\\~d\\/e\\"f\\\\g'
