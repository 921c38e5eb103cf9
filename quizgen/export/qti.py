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
import zipfile
from xml.sax.saxutils import escape as xml_escape

from quizgen.export import diagrams
from quizgen.export.items import ExportItem, ExportQuiz, SlotGroup
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


def item_xml(item: ExportItem) -> str:
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
