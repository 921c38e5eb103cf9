"""End to end on the shipped banks: every format written, the QTI package valid, every key found again."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from exporttools import load_schema, parse_gift, stack_key_matches
from lxml import etree

from quizgen.errors import QuizgenError
from quizgen.export import export_bank, render
from quizgen.variantids import parse_idnumber

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

BANKS = Path(__file__).resolve().parents[2] / "banks"


def _export(bank: str, fmt: str, out: Path):
    path = BANKS / f"{bank}.yaml"
    if not path.exists():
        pytest.skip(f"{path} not shipped")
    try:
        return export_bank(path, fmt=fmt, out=out, variants=3, seed=11)
    except QuizgenError as exc:  # a family another engineer has not committed yet
        if "could not be loaded" in exc.message:
            pytest.skip(exc.message)
        raise


@pytest.mark.parametrize("bank", ["demo", "max_partial", "gradient", "neuron", "chain_single"])
def test_demo_bank_in_every_format(bank: str, tmp_path: Path) -> None:
    """The bank generated and written once, end to end (QTI); the other formats rendered from the same quiz,
    which is what `export_bank` writes for them (its load, collect and write do not depend on the format)."""
    target, quiz = _export(bank, "qti", tmp_path / "q.zip")
    ids = {item.idnumber for g in quiz.groups for item in g.items}
    assert len(ids) == sum(len(g.items) for g in quiz.groups) >= len(quiz.groups)
    schema = load_schema("qti12/ims_qtiasiv1p2.xsd")
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        name = next(n for n in z.namelist() if n.count("/") == 1 and not n.endswith("assessment_meta.xml"))
        doc = etree.fromstring(z.read(name))
    assert schema.validate(doc), schema.error_log
    assert {i.get("ident") for i in doc.iter("{*}item")} == ids

    root = etree.fromstring(render(quiz, "moodle"))
    assert {q.findtext("idnumber") for q in root if q.get("type") != "category"} == ids

    root = etree.fromstring(render(quiz, "moodle-stack"))
    stack_ids = {q.findtext("idnumber") for q in root if q.get("type") == "stack"}
    assert stack_ids == {i + ".stack" for i in ids}
    problems = {item.idnumber + ".stack": item.problem for g in quiz.groups for item in g.items}
    for q in root:
        if q.get("type") == "stack":
            assert stack_key_matches(q.findtext("questionvariables/text"), problems[q.findtext("idnumber")])

    questions = parse_gift(render(quiz, "gift").decode("utf-8"))
    assert {q["id"] for q in questions} == ids
    assert all(parse_idnumber(q["id"]).seed == 11 for q in questions)


def test_same_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """No set or dict order, hash, cache or clock leaks into the file: a fresh interpreter with another hash seed
    writes the bytes this warm process writes."""
    import os
    import subprocess
    import sys

    bank = BANKS / "max_partial.yaml"
    if not bank.exists():
        pytest.skip(f"{bank} not shipped")
    args = ["--bank", str(bank), "--format", "moodle-stack", "--variants", "3", "--seed", "5", "--out"]
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # this process's is random or the env's
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    fresh = tmp_path / "fresh.xml"
    subprocess.run(
        [sys.executable, "-m", "quizgen", "export", *args, str(fresh)], check=True, env=env, capture_output=True
    )
    here, _ = export_bank(bank, fmt="moodle-stack", out=tmp_path / "here.xml", variants=3, seed=5)
    assert fresh.read_bytes() == here.read_bytes()


def test_a_shipped_bank_by_name_exports_the_same_bytes_as_its_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    by_name, _ = export_bank("relu", fmt="gift", out=tmp_path, variants=2, seed=11)
    assert by_name == tmp_path / "relu-gift.txt"
    by_path, _ = export_bank(BANKS / "relu.yaml", fmt="gift", out=tmp_path / "by-path.txt", variants=2, seed=11)
    assert by_name.read_bytes() == by_path.read_bytes()
