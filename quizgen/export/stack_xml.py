"""Moodle XML for the STACK question type, plus each question's core-type fallback in a sibling category.

Structure follows STACK's own exports (qtype_stack samplequestions): question variables in Maxima
(f: ...; ta1: diff(f, x);), [[input:ans1]] [[validation:ans1]] in the question text, one algebraic
input whose teacher's answer is ta1, and a potential response tree prt1 whose first node tests the
answer against ta1 (AlgEquiv; NumAbsolute for a value at a point) and whose further nodes test it
against the buggy keys, each with the family's feedback. diff and int are forbidden words, so a student
cannot type the question back. Questions whose function has max, abs, sign or an indicator get the key
written out instead of diff(f, x), because Maxima cannot differentiate max; indicators are written with
signum (see quizgen.export.maxima).
"""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape

import sympy

from quizgen.errors import ExportError
from quizgen.export import maxima, numeric
from quizgen.export.items import ExportItem, ExportQuiz, NumericPart
from quizgen.export.moodle_xml import FOOTER, HEADER, category_path, category_xml, question_xml
from quizgen.export.numeric import format_number
from quizgen.export.text import cdata, esc, mathjax, prompt_html, reference_html, solution_html
from quizgen.problem import Problem
from quizgen.variantids import parse_idnumber

STACK_VERSION = "2024072400"
FORBIDDEN = "diff,int,integrate,Derivative,subst,at,ev,limit,taylor"

STACK_CATEGORY = "STACK"
CORE_CATEGORY = "Core fallback"


def _e(text: str) -> str:
    return xml_escape(text)


def _maxima_key(answer: str | list[str], variables: list[str]) -> str:
    return _maxima_value(numeric.parse(answer, variables))


def _maxima_value(value: numeric.KeyValue) -> str:
    parts = [maxima.to_maxima(c) for c in value.components]
    return "[" + ", ".join(parts) + "]" if value.is_vector else parts[0]


def question_variables(item: ExportItem) -> str:
    """Maxima: f, then ta1 as diff(f, ...) where Maxima can do it, else the key itself.

    A multi-part problem has one teacher's answer per part instead, ta1..taN, each the part's exact value.
    """
    p = item.problem
    if p.parts:
        return "\n".join(f"ta{k}: {maxima.to_maxima(_exact(n))};" for k, n in enumerate(item.numbers, 1))
    fvalue = numeric.parse(p.function, p.variables)
    f = fvalue.components[0]
    name = function_name(p.variables)
    lines = [f"{name}: {maxima.to_maxima(f)};"]
    key = numeric.parse(p.answer, p.variables)
    if maxima.uses_nonsmooth(f) or any(maxima.uses_nonsmooth(c) for c in key.components):
        ta = _maxima_key(p.answer, p.variables)
    else:
        diffs = [f"diff({name}, {v})" for v in p.wrt] or [f"diff({name}, {p.variables[0]})"]
        ta = "[" + ", ".join(diffs) + "]" if key.is_vector else diffs[0]
        if p.ask == "value" and p.point:
            subs = ", ".join(
                f"{var}={maxima.to_maxima(_point_value(val, p.variables))}" for var, val in p.point.items()
            )
            ta = f"subst([{subs}], {ta})"
    lines.append(f"ta1: {ta};")
    return "\n".join(lines)


def function_name(variables: list[str]) -> str:
    """The question variable holding the function: f, unless a problem variable is already called f."""
    name = "f"
    while name in variables or name == "ta1":
        name = "q" + name
    return name


def _exact(number: NumericPart) -> sympy.Expr:
    if number.exact is None:  # only parts carry their exact key
        raise ExportError(f"part {number.part!r} has no exact key")
    return number.exact


def _point_value(value: int | str, variables: list[str]) -> sympy.Expr:
    return numeric.parse(str(value), variables).components[0]


def _node(
    index: int,
    *,
    test: str,
    tans: str,
    options: str,
    true_score: str,
    true_next: int,
    true_feedback: str,
    false_next: int,
    prt: int = 1,
    false_feedback: str = "",
) -> str:
    note = f"prt{prt}-{index + 1}"
    return (
        "      <node>\n"
        f"        <name>{index}</name>\n"
        "        <description></description>\n"
        f"        <answertest>{test}</answertest>\n"
        f"        <sans>ans{prt}</sans>\n"
        f"        <tans>{_e(tans)}</tans>\n"
        f"        <testoptions>{_e(options)}</testoptions>\n"
        "        <quiet>0</quiet>\n"
        "        <truescoremode>=</truescoremode>\n"
        f"        <truescore>{true_score}</truescore>\n"
        "        <truepenalty></truepenalty>\n"
        f"        <truenextnode>{true_next}</truenextnode>\n"
        f"        <trueanswernote>{note}-T</trueanswernote>\n"
        f'        <truefeedback format="html"><text>{cdata(true_feedback)}</text></truefeedback>\n'
        "        <falsescoremode>=</falsescoremode>\n"
        "        <falsescore>0</falsescore>\n"
        "        <falsepenalty></falsepenalty>\n"
        f"        <falsenextnode>{false_next}</falsenextnode>\n"
        f"        <falseanswernote>{note}-F</falseanswernote>\n"
        f'        <falsefeedback format="html"><text>{cdata(false_feedback) if false_feedback else ""}</text></falsefeedback>\n'
        "      </node>\n"
    )


def _mistake_keys(item: ExportItem) -> list[tuple[str, str]]:
    """(Maxima buggy key, feedback) for each mistake that differs from the key and from earlier ones."""
    p = item.problem
    points = numeric.sample_points(p.variables)
    seen = [numeric.signature(numeric.parse(p.answer, p.variables), points)]
    out = []
    for mistake in p.mistakes:
        try:
            value = numeric.parse(mistake.answer, p.variables)
        except Exception:  # noqa: BLE001 - a buggy key the parser cannot take gets no node
            continue
        sig = numeric.signature(value, points)
        if any(numeric.same_values(sig, other) for other in seen):
            continue
        try:
            text = _maxima_value(value)  # printed only for a node that is kept
        except Exception:  # noqa: BLE001 - nor one the printer cannot take
            continue
        seen.append(sig)
        out.append((text, mistake.feedback))
    return out


def prt_xml(item: ExportItem) -> str:
    if item.kind == "numerical":
        first_test, options = "NumAbsolute", format_number(item.numbers[0].tolerance)
    else:
        first_test, options = "AlgEquiv", ""
    mistakes = _mistake_keys(item)
    nodes = []
    count = 1 + len(mistakes)
    nodes.append(
        _node(
            0,
            test=first_test,
            tans="ta1",
            options=options,
            true_score="1",
            true_next=-1,
            true_feedback="",
            false_next=1 if count > 1 else -1,
        )
    )
    for i, (tans, feedback) in enumerate(mistakes, start=1):
        nodes.append(
            _node(
                i,
                test=first_test,
                tans=tans,
                options=options,
                true_score="0",
                true_next=-1,
                true_feedback=f"<p>{esc(feedback)}</p>",
                false_next=i + 1 if i + 1 < count else -1,
            )
        )
    return (
        "    <prt>\n"
        "      <name>prt1</name>\n"
        "      <value>1.0000000</value>\n"
        "      <autosimplify>1</autosimplify>\n"
        "      <feedbackstyle>1</feedbackstyle>\n"
        "      <feedbackvariables><text></text></feedbackvariables>\n" + "".join(nodes) + "    </prt>\n"
    )


PART_WRONG = "Not this value: compare your step with the worked solution."


def part_prts_xml(item: ExportItem) -> str:
    """One potential response tree per part, prt1..prtN: prtK tests input ansK against taK numerically
    (NumAbsolute with the part's tolerance, so exact forms and decimals within 0.1% both count), and
    weighs it by the part's points (STACK divides each tree's value by their sum)."""
    out = []
    for k, number in enumerate(item.numbers, 1):
        node = _node(
            0,
            test="NumAbsolute",
            tans=f"ta{k}",
            options=format_number(number.tolerance),
            true_score="1",
            true_next=-1,
            true_feedback="",
            false_next=-1,
            prt=k,
            false_feedback=f"<p>({esc(number.part)}) {esc(PART_WRONG)}</p>",
        )
        out.append(
            "    <prt>\n"
            f"      <name>prt{k}</name>\n"
            f"      <value>{format_number(number.points)}</value>\n"
            "      <autosimplify>1</autosimplify>\n"
            "      <feedbackstyle>1</feedbackstyle>\n"
            "      <feedbackvariables><text></text></feedbackvariables>\n" + node + "    </prt>\n"
        )
    return "".join(out)


def part_inputs_xml(item: ExportItem) -> str:
    """One algebraic input per part, ans1..ansN, whose teacher's answer is taK; decimals are allowed."""
    return "".join(
        "    <input>\n"
        f"      <name>ans{k}</name>\n"
        "      <type>algebraic</type>\n"
        f"      <tans>ta{k}</tans>\n"
        "      <boxsize>12</boxsize>\n"
        "      <strictsyntax>1</strictsyntax>\n"
        "      <insertstars>1</insertstars>\n"
        "      <syntaxhint></syntaxhint>\n"
        "      <syntaxattribute>0</syntaxattribute>\n"
        f"      <forbidwords>{FORBIDDEN}</forbidwords>\n"
        "      <allowwords></allowwords>\n"
        "      <forbidfloat>0</forbidfloat>\n"
        "      <requirelowestterms>0</requirelowestterms>\n"
        "      <checkanswertype>0</checkanswertype>\n"
        "      <mustverify>1</mustverify>\n"
        "      <showvalidation>1</showvalidation>\n"
        "      <options></options>\n"
        "    </input>\n"
        for k in range(1, len(item.numbers) + 1)
    )


def _part_lines(item: ExportItem) -> str:
    """Each part on its own line: its label and what it asks, its input, validation and feedback."""
    return "".join(
        f"<p>{mathjax(n.label_latex)} = [[input:ans{k}]] [[validation:ans{k}]] [[feedback:prt{k}]]</p>"
        for k, n in enumerate(item.numbers, 1)
    )


def _qtest(item: ExportItem) -> str:
    """STACK's built-in question test: the teacher's answers score 1 on every tree."""
    count = len(item.numbers) if item.problem.parts else 1
    inputs = "".join(
        f"      <testinput><name>ans{k}</name><value>ta{k}</value></testinput>\n" for k in range(1, count + 1)
    )
    expected = "".join(
        "      <expected>\n"
        f"        <name>prt{k}</name>\n"
        "        <expectedscore>1.0000000</expectedscore>\n"
        "        <expectedpenalty>0.0000000</expectedpenalty>\n"
        f"        <expectedanswernote>prt{k}-1-T</expectedanswernote>\n"
        "      </expected>\n"
        for k in range(1, count + 1)
    )
    return (
        "    <qtest>\n"
        "      <testcase>1</testcase>\n"
        "      <description>The teacher's answer scores 1.</description>\n" + inputs + expected + "    </qtest>\n"
    )


def _syntax_hint(item: ExportItem) -> str:
    if item.kind == "numerical":
        return ""
    if len(item.problem.wrt) > 1 and isinstance(item.problem.answer, list):
        return "[" + ", ".join("?" for _ in item.problem.wrt) + "]"
    return ""


def _instructions(item: ExportItem) -> str:
    p = item.problem
    if getattr(p, "parts", None):  # (read defensively: tests pass a bare stand-in for the problem)
        return "Enter each value exactly (3/4, log(3)) or as a decimal within 0.1%."
    if item.kind == "numerical":
        return "Enter the exact value or a decimal (within 0.1%)."
    text = "Type your answer in STACK syntax, e.g. 3*x^2*y, exp(x), log(x), sqrt(x), abs(x)."
    if isinstance(p.answer, list):
        text += " Give the gradient as a list in the order of the variables, e.g. [2*x, 3*y^2]."
    if maxima.uses_nonsmooth(numeric.parse(p.function, p.variables).components[0]):
        text += " Write an indicator 1(u > 0) as (1+signum(u))/2."
    return text


def input_xml(item: ExportItem) -> str:
    vector = isinstance(item.problem.answer, list)
    return (
        "    <input>\n"
        "      <name>ans1</name>\n"
        "      <type>algebraic</type>\n"
        "      <tans>ta1</tans>\n"
        f"      <boxsize>{40 if vector else 25}</boxsize>\n"
        "      <strictsyntax>1</strictsyntax>\n"
        "      <insertstars>1</insertstars>\n"
        f"      <syntaxhint>{_e(_syntax_hint(item))}</syntaxhint>\n"
        "      <syntaxattribute>0</syntaxattribute>\n"
        f"      <forbidwords>{FORBIDDEN}</forbidwords>\n"
        "      <allowwords></allowwords>\n"
        f"      <forbidfloat>{0 if item.kind == 'numerical' else 1}</forbidfloat>\n"
        "      <requirelowestterms>0</requirelowestterms>\n"
        f"      <checkanswertype>{1 if vector else 0}</checkanswertype>\n"
        "      <mustverify>1</mustverify>\n"
        "      <showvalidation>1</showvalidation>\n"
        "      <options></options>\n"
        "    </input>\n"
    )


def note_body(problem: Problem) -> str:
    """The question note without its reference: function and key as MathJax, "\\(f\\) : \\(key\\)".

    Exports before the note carried the reference wrote exactly this; grading matches such notes against
    it to find the variant (quizgen.grading.variants).
    """
    return mathjax(problem.function_latex) + " : " + mathjax(problem.answer_latex)


def question_note(problem: Problem, idnumber: str) -> str:
    """The STACK question note: the function, the key and the variant's reference.

    Moodle's Responses report shows a STACK question's note, not its text, in the "Question N" column,
    so the reference must be in the note for grading to find the variant the student saw.
    """
    return note_body(problem) + " Ref: " + esc(idnumber)


def stack_question_xml(item: ExportItem) -> str:
    """One variant as a STACK question (idnumber <id>.stack).

    Raises:
        ExportError: the function or key uses something the Maxima printer cannot write.
    """
    try:
        return _stack_question_xml(item)
    except maxima.MaximaError as exc:
        raise ExportError(
            f"{item.name} ({item.idnumber}): {exc}; export this bank with --format moodle instead"
        ) from None


def _stack_question_xml(item: ExportItem) -> str:
    p = item.problem
    vid = parse_idnumber(item.idnumber)
    idnumber = item.idnumber + ".stack" if vid is not None and not vid.stack else item.idnumber
    inputs = _part_lines(item) if p.parts else "<p>[[input:ans1]] [[validation:ans1]]</p>"
    question = prompt_html(p, mathjax) + f"<p>{esc(_instructions(item))}</p>" + inputs + reference_html(idnumber)
    note = question_note(p, idnumber)
    out = '  <question type="stack">\n'
    out += f"    <name><text>{_e(item.name)}</text></name>\n"
    out += f'    <questiontext format="html"><text>{cdata(question)}</text></questiontext>\n'
    solution = cdata(solution_html(p, mathjax))
    out += f'    <generalfeedback format="html"><text>{solution}</text></generalfeedback>\n'
    out += f"    <defaultgrade>{format_number(p.points)}</defaultgrade>\n"
    out += "    <penalty>0.1</penalty>\n"
    out += "    <hidden>0</hidden>\n"
    out += f"    <idnumber>{_e(idnumber)}</idnumber>\n"
    out += f"    <stackversion><text>{STACK_VERSION}</text></stackversion>\n"
    out += f"    <questionvariables><text>{_e(question_variables(item))}</text></questionvariables>\n"
    specific = "" if p.parts else "[[feedback:prt1]]"  # parts: each tree's feedback sits beside its input
    out += f'    <specificfeedback format="html"><text>{specific}</text></specificfeedback>\n'
    out += f'    <questionnote format="html"><text>{cdata(note)}</text></questionnote>\n'
    out += '    <questiondescription format="html"><text></text></questiondescription>\n'
    out += "    <questionsimplify>1</questionsimplify>\n"
    out += "    <assumepositive>0</assumepositive>\n"
    out += "    <assumereal>1</assumereal>\n"
    out += '    <prtcorrect format="html"><text>Correct answer, well done.</text></prtcorrect>\n'
    out += (
        '    <prtpartiallycorrect format="html"><text>Your answer is partially correct.</text></prtpartiallycorrect>\n'
    )
    out += '    <prtincorrect format="html"><text>Incorrect answer.</text></prtincorrect>\n'
    out += "    <decimals>.</decimals>\n"
    out += "    <scientificnotation>*10</scientificnotation>\n"
    out += "    <multiplicationsign>dot</multiplicationsign>\n"
    out += "    <sqrtsign>1</sqrtsign>\n"
    out += "    <complexno>i</complexno>\n"
    out += "    <inversetrig>cos-1</inversetrig>\n"
    out += "    <logicsymbol>lang</logicsymbol>\n"
    out += "    <matrixparens>[</matrixparens>\n"
    out += "    <variantsselectionseed></variantsselectionseed>\n"
    out += part_inputs_xml(item) if p.parts else input_xml(item)
    out += part_prts_xml(item) if p.parts else prt_xml(item)
    out += _qtest(item)
    out += "  </question>\n"
    return out


def stack_xml(*, quiz: ExportQuiz) -> str:
    """STACK questions under <bank>/STACK/<slot>, their core fallbacks under <bank>/Core fallback/<slot>."""
    out = [HEADER]
    for group in quiz.groups:
        out.append(category_xml(category_path(quiz.title, STACK_CATEGORY, group.title)))
        out.extend(stack_question_xml(item) for item in group.items)
    for group in quiz.groups:
        out.append(category_xml(category_path(quiz.title, CORE_CATEGORY, group.title)))
        out.extend(question_xml(item) for item in group.items)
    out.append(FOOTER)
    return "".join(out)
