"""STACK questions, checked against the structure of STACK's own exports (qtype_stack samplequestions)."""

from __future__ import annotations

import pytest
from exporttools import sample_problems, stack_key_matches, stack_variables
from lxml import etree

from quizgen.export.moodle_xml import category_path
from quizgen.export.stack_xml import CORE_CATEGORY, STACK_CATEGORY, stack_xml
from quizgen.variantids import parse_idnumber

REQUIRED = [
    "name",
    "questiontext",
    "generalfeedback",
    "defaultgrade",
    "penalty",
    "hidden",
    "idnumber",
    "stackversion",
    "questionvariables",
    "specificfeedback",
    "questionnote",
    "questionsimplify",
    "assumepositive",
    "prtcorrect",
    "prtpartiallycorrect",
    "prtincorrect",
    "multiplicationsign",
    "sqrtsign",
    "complexno",
    "input",
    "prt",
]
INPUT_FIELDS = [
    "name",
    "type",
    "tans",
    "boxsize",
    "strictsyntax",
    "insertstars",
    "syntaxhint",
    "forbidwords",
    "allowwords",
    "forbidfloat",
    "requirelowestterms",
    "checkanswertype",
    "mustverify",
    "showvalidation",
    "options",
]
NODE_FIELDS = [
    "name",
    "answertest",
    "sans",
    "tans",
    "testoptions",
    "quiet",
    "truescoremode",
    "truescore",
    "truepenalty",
    "truenextnode",
    "trueanswernote",
    "truefeedback",
    "falsescoremode",
    "falsescore",
    "falsepenalty",
    "falsenextnode",
    "falseanswernote",
    "falsefeedback",
]


@pytest.fixture(scope="module")
def root(quiz):
    return etree.fromstring(stack_xml(quiz=quiz).encode("utf-8"))


def _stack_questions(root):
    return [q for q in root.findall("question") if q.get("type") == "stack"]


def test_stack_and_core_fallback_sit_in_sibling_categories(root, quiz) -> None:
    current = None
    for q in root.findall("question"):
        if q.get("type") == "category":
            current = q.findtext("category/text")
            continue
        vid = parse_idnumber(q.findtext("idnumber"))
        group = next(g for g in quiz.groups if g.number == vid.slot)
        level = STACK_CATEGORY if vid.stack else CORE_CATEGORY
        assert current == category_path(quiz.title, level, group.title)
        assert (q.get("type") == "stack") == vid.stack
    total = sum(len(g.items) for g in quiz.groups)
    assert len(_stack_questions(root)) == total
    assert len([q for q in root.findall("question") if q.get("type") not in ("stack", "category")]) == total


def test_stack_questions_have_every_required_element(root) -> None:
    for q in _stack_questions(root):
        for child in REQUIRED:
            assert q.find(child) is not None, child
        text = q.findtext("questiontext/text")
        assert "[[input:ans1]]" in text and "[[validation:ans1]]" in text
        assert q.findtext("specificfeedback/text") == "[[feedback:prt1]]"
        inp = q.find("input")
        for field in INPUT_FIELDS:
            assert inp.find(field) is not None, field
        assert inp.findtext("type") == "algebraic" and inp.findtext("tans") == "ta1"
        assert {"diff", "int"} <= set(inp.findtext("forbidwords").split(","))
        prt = q.find("prt")
        assert prt.findtext("name") == "prt1"
        nodes = prt.findall("node")
        for node in nodes:
            for field in NODE_FIELDS:
                assert node.find(field) is not None, field
            assert node.findtext("sans") == "ans1"
        assert nodes[0].findtext("tans") == "ta1" and nodes[0].findtext("truescore") == "1"
        assert nodes[0].findtext("answertest") in ("AlgEquiv", "NumAbsolute")
        # a chain: each false branch goes to the next node, the last ends the tree
        assert [n.findtext("falsenextnode") for n in nodes] == [str(i) for i in range(1, len(nodes))] + ["-1"]


def _variables(q):
    return stack_variables(q.findtext("questionvariables/text"))


def test_question_variables_define_f_and_the_key(root) -> None:
    problems = sample_problems()
    for q in _stack_questions(root):
        vid = parse_idnumber(q.findtext("idnumber"))
        problem = problems[vid.slot][vid.variant - 1]
        assert stack_key_matches(q.findtext("questionvariables/text"), problem)
    ta = [_variables(q)["ta1"] for q in _stack_questions(root)]
    assert any("diff(f, x)" in t for t in ta) and any("signum" in t for t in ta)


def test_indicator_keys_are_written_out_with_signum(root) -> None:
    q = next(q for q in _stack_questions(root) if parse_idnumber(q.findtext("idnumber")).slot == 2)
    assert _variables(q)["ta1"] == "((1+signum(x-y))/2)"
    assert "signum" in q.findtext("questiontext/text")


def test_buggy_keys_become_feedback_nodes(root) -> None:
    q = next(q for q in _stack_questions(root) if parse_idnumber(q.findtext("idnumber")).slot == 1)
    nodes = q.find("prt").findall("node")
    feedback = [n.findtext("truefeedback/text") for n in nodes[1:]]
    assert feedback == ["<p>You differentiated with respect to y.</p>", "<p>The exponent drops by one.</p>"]
    assert [n.findtext("tans") for n in nodes[1:]] == ["2*x^2", "4*x^2*y"]
    assert all(n.findtext("truescore") == "0" for n in nodes[1:])


def test_value_questions_use_numeric_tolerance(root) -> None:
    q = next(q for q in _stack_questions(root) if parse_idnumber(q.findtext("idnumber")).slot == 4)
    node = q.find("prt").findall("node")[0]
    assert node.findtext("answertest") == "NumAbsolute"
    assert float(node.findtext("testoptions")) > 0
    assert q.find("input").findtext("forbidfloat") == "0"
    assert _variables(q)["ta1"].startswith("subst([w=1, x=")


def test_function_variable_never_shadows_a_problem_variable() -> None:
    from quizgen.export.stack_xml import function_name

    assert function_name(["x", "y"]) == "f"
    assert function_name(["f", "g"]) == "qf"


def test_unprintable_key_is_a_clear_export_error() -> None:
    from exporttools import make_problem

    from quizgen.errors import ExportError
    from quizgen.export.items import build_item
    from quizgen.export.stack_xml import stack_question_xml
    from quizgen.variantids import VariantId

    problem = make_problem(function="Max(x, y)", answer="Piecewise((1, x > 0), (2, y > 0), (0, True))")
    item = build_item(problem, VariantId("demo", 1, 1, 1), 1)
    with pytest.raises(ExportError, match=r"variant 01 .*Piecewise.*--format moodle"):
        stack_question_xml(item)


def test_question_note_names_the_variant(root) -> None:
    """Moodle's Responses report shows the note, not the text, for STACK: the note must carry the reference."""
    from quizgen.grading.variants import find_ref

    for q in _stack_questions(root):
        idnumber = q.findtext("idnumber")
        note = q.findtext("questionnote/text")
        ref = find_ref(note)
        assert ref is not None and ref.text == idnumber
        vid = parse_idnumber(idnumber)
        assert (ref.slot, ref.variant, ref.seed) == (vid.slot, vid.variant, vid.seed)
        assert note.startswith("\\(") and " : \\(" in note  # function and key, as older exports wrote it
