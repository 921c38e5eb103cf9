"""Canvas QTI 1.2: the assessment XML, Canvas's assessment_meta.xml, imsmanifest.xml and the zip.

Shapes follow what Canvas imports (text2qti's writers and Canvas's own exports): one section per slot
with selection_number 1, so a quiz draws one variant per student; numerical_question items with exactly
one render_fib fibtype="Decimal" and a tolerance written <or><varequal/><and><vargte/><varlte/></and></or>;
multiple_choice_question items with per-choice feedback. Math is Canvas's equation images (see
quizgen.export.text.canvas_equation). The assessment validates against IMS QTI ASI 1.2
(ims_qtiasiv1p2.xsd) and the manifest against IMS Content Packaging 1.1 (imscp_v1p1.xsd).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from fractions import Fraction
from xml.sax.saxutils import escape as xml_escape

import sympy

from quizgen.export import diagrams
from quizgen.export.items import ExportItem, ExportQuiz, NumericPart, SlotGroup
from quizgen.export.numeric import format_number
from quizgen.export.text import canvas_equation, esc, prompt_html, reference_html, solution_html

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

NUMERIC_HINT = "Enter a number; answers within 0.1% (at least ±0.001) of the exact value are accepted."


def _a(text: str) -> str:
    """Escape for an attribute value in double quotes."""
    return xml_escape(text, {'"': "&quot;"})


def _mat(html: str) -> str:
    return f'<material><mattext texttype="text/html">{xml_escape(html)}</mattext></material>'


def assessment_ident(quiz: ExportQuiz) -> str:
    """A stable NCName for the assessment: the same bank, seed and variant count give the same id."""
    digest = hashlib.sha256(f"{quiz.bank_id}|{quiz.seed}|{quiz.variants}|{quiz.title}".encode()).hexdigest()
    return f"quizgen_{digest[:24]}"


def _field(label: str, entry: str) -> str:
    return (
        "<qtimetadatafield>"
        f"<fieldlabel>{label}</fieldlabel><fieldentry>{xml_escape(entry)}</fieldentry>"
        "</qtimetadatafield>"
    )


def _metadata(qtype: str, points: float, answer_ids: str) -> str:
    return (
        "        <itemmetadata><qtimetadata>"
        + _field("question_type", qtype)
        + _field("points_possible", format_number(points))
        + _field("original_answer_ids", answer_ids)
        + "</qtimetadata></itemmetadata>\n"
    )


def _feedback(ident: str, html: str) -> str:
    return f'        <itemfeedback ident="{_a(ident)}"><flow_mat>{_mat(html)}</flow_mat></itemfeedback>\n'


_GENERAL_FB = (
    '          <respcondition continue="Yes"><conditionvar><other/></conditionvar>'
    '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>\n'
)


def _numerical(item: ExportItem) -> str:
    part = item.numbers[0]
    question = (
        prompt_html(item.problem, canvas_equation) + f"<p>{esc(NUMERIC_HINT)}</p>" + reference_html(item.idnumber)
    )
    value = format_number(part.value)
    low, high = format_number(part.value - part.tolerance), format_number(part.value + part.tolerance)
    out = _metadata("numerical_question", item.problem.points, "")
    out += (
        f"        <presentation>{_mat(question)}"
        '<response_str ident="response1" rcardinality="Single">'
        '<render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib>'
        "</response_str></presentation>\n"
    )
    out += "        <resprocessing>\n"
    out += '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>\n'
    out += _GENERAL_FB
    out += (
        '          <respcondition continue="No"><conditionvar><or>'
        f'<varequal respident="response1">{value}</varequal>'
        f'<and><vargte respident="response1">{low}</vargte><varlte respident="response1">{high}</varlte></and>'
        '</or></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>\n'
    )
    out += "        </resprocessing>\n"
    out += _feedback("general_fb", solution_html(item.problem, canvas_equation))
    return out


def _multichoice(item: ExportItem) -> str:
    question = prompt_html(item.problem, canvas_equation)
    if item.kind == "multinumerical":
        labels = ", ".join(canvas_equation(p.label_latex) for p in item.numbers)
        question += f"<p>Choose the vector ({labels}).</p>"
    question += reference_html(item.idnumber)
    idents = [f"{item.idnumber}.c{i}" for i in range(1, len(item.choices) + 1)]
    out = _metadata("multiple_choice_question", item.problem.points, ",".join(idents))
    labels_xml = "".join(
        f'<response_label ident="{_a(ident)}">{_mat("<p>" + canvas_equation(c.latex) + "</p>")}</response_label>'
        for ident, c in zip(idents, item.choices)
    )
    out += (
        f"        <presentation>{_mat(question)}"
        f'<response_lid ident="response1" rcardinality="Single"><render_choice>{labels_xml}</render_choice>'
        "</response_lid></presentation>\n"
    )
    out += "        <resprocessing>\n"
    out += '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>\n'
    out += _GENERAL_FB
    for ident in idents:
        out += (
            '          <respcondition continue="Yes"><conditionvar>'
            f'<varequal respident="response1">{_a(ident)}</varequal></conditionvar>'
            f'<displayfeedback feedbacktype="Response" linkrefid="{_a(ident)}_fb"/></respcondition>\n'
        )
    for ident, choice in zip(idents, item.choices):
        if choice.correct:
            out += (
                '          <respcondition continue="No"><conditionvar>'
                f'<varequal respident="response1">{_a(ident)}</varequal></conditionvar>'
                '<setvar action="Set" varname="SCORE">100</setvar></respcondition>\n'
            )
    out += "        </resprocessing>\n"
    out += _feedback("general_fb", solution_html(item.problem, canvas_equation))
    for ident, choice in zip(idents, item.choices):
        out += _feedback(f"{ident}_fb", f"<p>{esc(choice.feedback)}</p>")
    return out


BLANKS_HINT = (
    "Type each value exactly as a whole number or a fraction (-3/32), or as its exact decimal (-0.09375); "
    "ln(3) is written log(3)."
)


def blank_id(number: NumericPart) -> str:
    """The Canvas blank of a part: its label reduced to word characters (Canvas blanks are [word])."""
    return re.sub(r"\W", "_", number.part) or "blank"


def accepted_texts(number: NumericPart) -> list[str]:
    """What Canvas accepts in a part's blank: it compares text, not numbers, so the exact key as students
    type it (25, -3/32, log(3)) and, when the value is a terminating decimal, that decimal (-0.09375)."""
    exact = number.exact
    if exact is None:
        return [format_number(number.value)]
    texts = [sympy.sstr(exact).replace(" ", "")]
    if exact.is_Rational and not exact.is_Integer:
        q = Fraction(int(exact.p), int(exact.q))
        d = q.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            texts.append(_decimal(q))
    return list(dict.fromkeys(texts))


def _decimal(q: Fraction) -> str:
    sign = "-" if q < 0 else ""
    q = abs(q)
    whole, rest = divmod(q.numerator, q.denominator)
    digits = ""
    while rest:
        rest *= 10
        digit, rest = divmod(rest, q.denominator)
        digits += str(digit)
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def _blanks(item: ExportItem) -> str:
    """A multi-part problem as one Canvas fill-in-multiple-blanks question, a blank per part ([a], [b], ...),
    so a question group still draws one whole variant per student. Each blank is worth its part's share of
    the points (Canvas adds the SCORE of each blank answered right)."""
    lines = "".join(f"<p>{canvas_equation(n.label_latex)} = [{blank_id(n)}]</p>" for n in item.numbers)
    question = (
        prompt_html(item.problem, canvas_equation)
        + lines
        + f"<p>{esc(BLANKS_HINT)}</p>"
        + reference_html(item.idnumber)
    )
    total = sum(n.points for n in item.numbers) or 1.0
    answers = [
        [(f"{item.idnumber}.{blank_id(n)}.{i}", text) for i, text in enumerate(accepted_texts(n), 1)]
        for n in item.numbers
    ]
    ids = ",".join(ident for per_blank in answers for ident, _ in per_blank)
    out = _metadata("fill_in_multiple_blanks_question", item.problem.points, ids)
    lids = ""
    for number, per_blank in zip(item.numbers, answers, strict=True):
        blank = blank_id(number)
        labels = "".join(
            f'<response_label ident="{_a(ident)}"><material><mattext texttype="text/plain">{xml_escape(text)}'
            "</mattext></material></response_label>"
            for ident, text in per_blank
        )
        lids += (
            f'<response_lid ident="response_{_a(blank)}"><material><mattext>{xml_escape(blank)}</mattext></material>'
            f"<render_choice>{labels}</render_choice></response_lid>"
        )
    out += f"        <presentation>{_mat(question)}{lids}</presentation>\n"
    out += "        <resprocessing>\n"
    out += '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>\n'
    out += _GENERAL_FB
    for number, per_blank in zip(item.numbers, answers, strict=True):
        share = format_number(round(100 * number.points / total, 4))
        for ident, _ in per_blank:
            out += (
                "          <respcondition><conditionvar>"
                f'<varequal respident="response_{_a(blank_id(number))}">{_a(ident)}</varequal></conditionvar>'
                f'<setvar varname="SCORE" action="Add">{share}</setvar></respcondition>\n'
            )
    out += "        </resprocessing>\n"
    out += _feedback("general_fb", solution_html(item.problem, canvas_equation))
    return out


def item_xml(item: ExportItem) -> str:
    if item.problem.parts:
        body = _blanks(item)
    else:
        body = _numerical(item) if item.kind == "numerical" else _multichoice(item)
    body = diagrams.qti_item_body(item, body, canvas_equation)  # a graph, as an image in the package
    return f'      <item ident="{_a(item.idnumber)}" title="{_a(item.name)}">\n{body}      </item>\n'


def _section(group: SlotGroup) -> str:
    return (
        f'    <section ident="slot_{group.number}" title="{_a(group.title)}">\n'
        "      <selection_ordering><selection><selection_number>1</selection_number>"
        f"<selection_extension><points_per_item>{format_number(group.points)}</points_per_item>"
        "</selection_extension></selection></selection_ordering>\n"
        + "".join(item_xml(item) for item in group.items)
        + "    </section>\n"
    )


def assessment_xml(*, quiz: ExportQuiz) -> str:
    """The QTI 1.2 assessment: a root section holding one question group (section) per slot."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<questestinterop xmlns="{QTI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">\n'
        f'  <assessment ident="{assessment_ident(quiz)}" title="{_a(quiz.title)}">\n'
        "    <qtimetadata>" + _field("cc_maxattempts", "1") + "</qtimetadata>\n"
        '    <section ident="root_section">\n'
        + "".join(_section(g) for g in quiz.groups)
        + "    </section>\n  </assessment>\n</questestinterop>\n"
    )


def assessment_meta_xml(*, quiz: ExportQuiz) -> str:
    """Canvas's quiz settings file: title, points, one question per slot, unpublished."""
    ident = assessment_ident(quiz)
    points = format_number(sum(g.points for g in quiz.groups))
    description = (
        f"Generated by quizgen: {len(quiz.groups)} slots, {quiz.variants} variants each; one drawn per student."
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<quiz identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://canvas.instructure.com/xsd/cccv1p0 '
        'https://canvas.instructure.com/xsd/cccv1p0.xsd">\n'
        f"  <title>{xml_escape(quiz.title)}</title>\n"
        f"  <description>{xml_escape('<p>' + esc(description) + '</p>')}</description>\n"
        "  <shuffle_answers>true</shuffle_answers>\n"
        "  <scoring_policy>keep_highest</scoring_policy>\n"
        "  <quiz_type>assignment</quiz_type>\n"
        f"  <points_possible>{points}</points_possible>\n"
        "  <show_correct_answers>true</show_correct_answers>\n"
        "  <allowed_attempts>1</allowed_attempts>\n"
        "  <one_question_at_a_time>false</one_question_at_a_time>\n"
        "  <cant_go_back>false</cant_go_back>\n"
        "  <available>false</available>\n"
        f'  <assignment identifier="{ident}_assignment">\n'
        f"    <title>{xml_escape(quiz.title)}</title>\n"
        "    <workflow_state>unpublished</workflow_state>\n"
        f"    <quiz_identifierref>{ident}</quiz_identifierref>\n"
        f"    <points_possible>{points}</points_possible>\n"
        "    <grading_type>points</grading_type>\n"
        "    <submission_types>online_quiz</submission_types>\n"
        "  </assignment>\n"
        "</quiz>\n"
    )


def manifest_xml(*, quiz: ExportQuiz) -> str:
    """imsmanifest.xml: the assessment (imsqti_xmlv1p2) and its Canvas settings file as a dependency."""
    ident = assessment_ident(quiz)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="{ident}_manifest" xmlns="{CP_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd">\n'
        "  <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>\n"
        "  <organizations/>\n"
        "  <resources>\n"
        f'    <resource identifier="{ident}" type="imsqti_xmlv1p2">\n'
        f'      <file href="{ident}/{ident}.xml"/>\n'
        f'      <dependency identifierref="{ident}_meta"/>\n'
        "    </resource>\n"
        f'    <resource identifier="{ident}_meta" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" '
        f'href="{ident}/assessment_meta.xml">\n'
        f'      <file href="{ident}/assessment_meta.xml"/>\n'
        "    </resource>\n"
        "  </resources>\n"
        "</manifest>\n"
    )


def qti_files(*, quiz: ExportQuiz) -> list[tuple[str, str]]:
    """The package's files in zip order: manifest first."""
    ident = assessment_ident(quiz)
    images = diagrams.qti_manifest_resources(quiz)  # graphs' diagrams, listed as web content
    manifest = manifest_xml(quiz=quiz).replace("  </resources>\n", images + "  </resources>\n")
    return [
        ("imsmanifest.xml", manifest),
        (f"{ident}/{ident}.xml", assessment_xml(quiz=quiz)),
        (f"{ident}/assessment_meta.xml", assessment_meta_xml(quiz=quiz)),
        *diagrams.qti_files(quiz),
    ]


def zip_bytes(files: list[tuple[str, str]]) -> bytes:
    """A zip with fixed timestamps, permissions and order, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()


def qti_zip(*, quiz: ExportQuiz) -> bytes:
    return zip_bytes(qti_files(quiz=quiz))
