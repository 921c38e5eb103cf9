"""Canvas QTI 1.2: validated against the IMS schemas offline, plus Canvas's own expectations."""

from __future__ import annotations

import io
import zipfile

import pytest
from exporttools import load_schema, sample_problems
from lxml import etree

from quizgen.export import numeric
from quizgen.export.qti import QTI_NS, assessment_ident, qti_zip
from quizgen.export.text import lms_latex
from quizgen.variantids import parse_idnumber

NS = {"q": QTI_NS}


@pytest.fixture(scope="module")
def package(quiz):  # noqa: ANN001, ANN201
    return qti_zip(quiz=quiz)


@pytest.fixture(scope="module")
def assessment(package, quiz):  # noqa: ANN001, ANN201
    ident = assessment_ident(quiz)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return etree.fromstring(z.read(f"{ident}/{ident}.xml"))


def test_zip_layout_and_fixed_metadata(package, quiz) -> None:  # noqa: ANN001
    ident = assessment_ident(quiz)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.namelist() == ["imsmanifest.xml", f"{ident}/{ident}.xml", f"{ident}/assessment_meta.xml"]
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        manifest = etree.fromstring(z.read("imsmanifest.xml"))
        meta = etree.fromstring(z.read(f"{ident}/assessment_meta.xml"))
    resources = manifest.findall(".//{*}resource")
    assert resources[0].get("type") == "imsqti_xmlv1p2"
    hrefs = [f.get("href") for f in manifest.findall(".//{*}file")]
    assert hrefs == [f"{ident}/{ident}.xml", f"{ident}/assessment_meta.xml"]
    assert meta.findtext("{*}title") == quiz.title
    assert float(meta.findtext("{*}points_possible")) == sum(g.points for g in quiz.groups)


def test_same_quiz_gives_same_bytes(quiz) -> None:  # noqa: ANN001
    assert qti_zip(quiz=quiz) == qti_zip(quiz=quiz)


def test_assessment_validates_against_qti12_schema(assessment) -> None:  # noqa: ANN001
    schema = load_schema("qti12/ims_qtiasiv1p2.xsd")
    assert schema.validate(assessment), schema.error_log


def test_manifest_validates_against_imscp(package) -> None:  # noqa: ANN001
    schema = load_schema("imscp/imscp_v1p1.xsd")
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        manifest = etree.fromstring(z.read("imsmanifest.xml"))
    assert schema.validate(manifest), schema.error_log


def test_one_group_per_slot_drawing_one_item(assessment, quiz) -> None:  # noqa: ANN001
    sections = assessment.findall("q:assessment/q:section/q:section", NS)
    assert [s.get("title") for s in sections] == [g.title for g in quiz.groups]
    for section, group in zip(sections, quiz.groups):
        assert section.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=NS) == "1"
        assert len(section.findall("q:item", NS)) == len(group.items)
    assert assessment.find("q:assessment", NS).get("title") == quiz.title


def _qtype(item) -> str:  # noqa: ANN001
    for field in item.iterfind(".//q:qtimetadatafield", NS):
        if field.findtext("q:fieldlabel", namespaces=NS) == "question_type":
            return field.findtext("q:fieldentry", namespaces=NS)
    raise AssertionError("no question_type")


def test_round_trip_keys_numerical_and_choice(assessment) -> None:  # noqa: ANN001
    problems = sample_problems()
    items = assessment.findall(".//q:item", NS)
    assert len(items) == sum(len(v) for v in problems.values())
    for item in items:
        vid = parse_idnumber(item.get("ident"))
        problem = problems[vid.slot][vid.variant - 1]
        key = numeric.parse(problem.answer, problem.variables)
        if _qtype(item) == "numerical_question":
            fibs = item.findall(".//q:render_fib", NS)
            assert len(fibs) == 1 and fibs[0].get("fibtype") == "Decimal"
            cond = item.find(".//q:respcondition[@continue='No']/q:conditionvar/q:or", NS)
            exact = float(cond.findtext("q:varequal", namespaces=NS))
            low = float(cond.findtext("q:and/q:vargte", namespaces=NS))
            high = float(cond.findtext("q:and/q:varlte", namespaces=NS))
            assert exact == numeric.to_float(key.components[0])
            assert low < exact < high
        else:
            assert _qtype(item) == "multiple_choice_question"
            correct = item.findall(".//q:respcondition[@continue='No']", NS)
            assert len(correct) == 1
            ident = correct[0].findtext("q:conditionvar/q:varequal", namespaces=NS)
            label = item.find(f".//q:response_label[@ident='{ident}']", NS)
            html = label.findtext("q:material/q:mattext", namespaces=NS)
            assert 'class="equation_image"' in html
            fragment = etree.fromstring(html.encode())
            assert fragment.find("img").get("data-equation-content") == lms_latex(key.latex)
