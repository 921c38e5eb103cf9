"""Generation: byte-identical manifests for the same inputs, different sheets for different students,
sheets rebuilt from variant codes, no duplicates or zero keys, every key re-checked from the manifest."""

from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path

import pytest

from quizgen import manifest as manifest_io
from quizgen.bank import load_bank
from quizgen.generate import Drawing, GenerationError, generate, generate_variants, rebuild_variant
from quizgen.mathparse import parse_key
from quizgen.roster import Student, numbered_students
from quizgen.verify import differs

pytestmark = pytest.mark.usefixtures("heap_settled")  # tests/conftest.py

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "banks" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_manifest():
    return generate(load_bank(DEMO), numbered_students(6), seed=2026)


def test_same_inputs_same_bytes(demo_manifest):
    again = generate(load_bank(DEMO), numbered_students(6), seed=2026)
    assert manifest_io.dumps(again) == manifest_io.dumps(demo_manifest)


def test_same_bytes_across_processes_with_different_hash_seeds(generated_in_a_fresh_interpreter, tmp_path):
    """A fresh interpreter with a hash seed other than this one's (and cold caches) writes the bytes this warm
    process writes: no set or dict order, hash or cache leaks into the manifest."""
    from click.testing import CliRunner

    from quizgen.cli import cli

    fresh = generated_in_a_fresh_interpreter
    here = CliRunner().invoke(cli, [*fresh.args, "--out", str(tmp_path / "here")], catch_exceptions=False)
    assert here.exit_code == 0, here.output
    digests = {
        hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest() for out in (fresh.out, tmp_path / "here")
    }
    assert len(digests) == 1


def test_manifest_fields(demo_manifest):
    data = demo_manifest.to_dict()
    assert data["bank"]["path"] == str(DEMO)
    assert data["bank_sha256"] == hashlib.sha256(DEMO.read_bytes()).hexdigest()
    assert data["seed"] == 2026
    assert data["stats"]["accepted"] == 60
    sheet = data["students"][0]
    assert sheet["student_id"] == "001" and len(sheet["variant"]) == 8
    problem = sheet["problems"][0]
    for key in (
        "slot",
        "family",
        "difficulty",
        "points",
        "prompt_text",
        "prompt_latex",
        "function",
        "variables",
        "wrt",
        "point",
        "answer",
        "answer_latex",
        "steps",
        "mistakes",
    ):
        assert key in problem
    assert [p["slot"] for p in sheet["problems"]] == list(range(1, 11))


def test_every_key_rechecks_from_the_manifest_strings(demo_manifest):
    """Parse function and key back from the manifest (as graders do) and check the key numerically."""
    from quizgen.verify import verify_draft

    for sheet in demo_manifest.students:
        for p in sheet.problems:
            f = parse_key(p.function, p.variables).value
            symbols = sorted(f.free_symbols, key=lambda s: s.name)
            by_name = {s.name: s for s in symbols}
            variables = [by_name.get(n) or parse_key(n, p.variables).value for n in p.variables]
            wrt = [by_name.get(n) or parse_key(n, p.variables).value for n in p.wrt]
            answers = p.answer if isinstance(p.answer, list) else [p.answer]
            keys = [parse_key(a, p.variables).value for a in answers]
            point = None
            if p.point is not None:
                point = {v: parse_key(str(p.point[v.name])).value for v in variables}
            kinks = [a.args[0] - a.args[1] for a in f.atoms(__import__("sympy").Max)]
            check = verify_draft(f, variables, wrt, keys, kinks, random.Random(0), point)
            assert check.ok, (p.family, p.function, p.answer, check.reason)


def test_mistakes_differ_from_the_key(demo_manifest):
    for sheet in demo_manifest.students:
        for p in sheet.problems:
            answers = p.answer if isinstance(p.answer, list) else [p.answer]
            keys = [parse_key(a, p.variables).value for a in answers]
            symbols = sorted(set().union(*[k.free_symbols for k in keys]), key=lambda s: s.name)
            rng = random.Random(0)  # wide and many: a mistake may differ only where a ReLU is off
            points = [{s: rng.uniform(-6, 6) for s in symbols} for _ in range(200)]
            for m in p.mistakes:
                wrong = m.answer if isinstance(m.answer, list) else [m.answer]
                assert differs(keys, [parse_key(w, p.variables).value for w in wrong], points), (p.answer, m)


@pytest.mark.parametrize("bank", ["max_partial", "relu", "chain_single", "neuron"])
def test_no_two_mistakes_of_a_problem_are_the_same_answer(bank):
    """Each wrong answer gets one diagnosis: d/dx max(x, y)'s wrong side is also d/dy, kept once."""
    from quizgen.checker import check

    m = generate(load_bank(ROOT / "banks" / f"{bank}.yaml"), numbered_students(8), seed=7)
    for sheet in m.students:
        for p in sheet.problems:
            for i, first in enumerate(p.mistakes):
                for second in p.mistakes[i + 1 :]:
                    answer = second.answer if isinstance(second.answer, str) else "[" + ", ".join(second.answer) + "]"
                    # a generous limit: under a loaded machine the default 2 s made a slow check "invalid"
                    verdict = check(first.answer, answer, p.variables, timeout=30)
                    assert verdict.verdict == "incorrect", (p.function, first, second, verdict.message)


def test_students_get_different_sheets(demo_manifest):
    functions = [tuple(p.function for p in s.problems) for s in demo_manifest.students]
    assert len(set(functions)) == len(functions)
    variants = [s.variant for s in demo_manifest.students]
    assert len(set(variants)) == len(variants)


def test_no_duplicate_problem_on_a_sheet_and_no_zero_keys(demo_manifest):
    for sheet in demo_manifest.students:
        seen = [(p.function, tuple(p.wrt), repr(p.point)) for p in sheet.problems]
        assert len(set(seen)) == len(seen)
        for p in sheet.problems:
            assert p.answer != "0" and p.answer != ["0"] * len(p.wrt)


def test_seed_changes_the_sheets():
    bank = load_bank(DEMO)
    a = generate(bank, numbered_students(2), seed=1)
    b = generate(bank, numbered_students(2), seed=2)
    assert [p.function for p in a.students[0].problems] != [p.function for p in b.students[0].problems]


def test_bank_seed_is_the_default():
    bank = load_bank(DEMO)
    assert generate(bank, numbered_students(1)).seed == 2026


def test_variant_code_rebuilds_the_sheet(demo_manifest):
    bank = load_bank(DEMO)
    original = demo_manifest.students[3]
    rebuilt = rebuild_variant(bank, original.variant, seed=2026)
    assert rebuilt.students[0].problems == original.problems
    assert rebuilt.students[0].student_id == original.variant
    named = rebuild_variant(bank, original.variant, seed=2026, students=numbered_students(6))
    assert named.students[0].student_id == original.student_id


def test_roster_names_and_extra_columns_reach_the_manifest():
    bank = load_bank(ROOT / "banks" / "relu.yaml")
    m = generate(bank, [Student("s-1", "Ada", {"email": "a@b.c"})])
    assert (m.students[0].name, m.students[0].extra) == ("Ada", {"email": "a@b.c"})


def test_generate_variants_is_deterministic_and_distinct():
    bank = load_bank(ROOT / "banks" / "sum_rule.yaml")
    first = generate_variants(bank, 2, 15)
    assert first == generate_variants(bank, 2, 15)
    assert len({(p.function, tuple(p.wrt)) for p in first}) == 15
    with pytest.raises(GenerationError) as info:
        generate_variants(bank, 9, 3)
    assert info.value.message.endswith("no slot 9; the bank has slots 1 to 4")


def _bank(tmp_path, slots: str):
    path = tmp_path / "b.yaml"
    path.write_text("title: T\nslots:\n" + slots, encoding="utf-8")
    return load_bank(path)


def test_generate_variants_stops_when_the_family_runs_out(tmp_path):
    bank = _bank(tmp_path, "  - {family: max_partial, difficulty: 1, coefficients: [1, 1]}\n")
    assert 2 <= len(generate_variants(bank, 1, 50)) <= 6


def test_a_slot_that_cannot_be_filled_is_a_clear_error(tmp_path):
    slot = "  - {family: max_partial, difficulty: 1, coefficients: [1, 1]}\n"
    bank = _bank(tmp_path, slot * 8)  # only 6 distinct problems exist for 8 slots on one sheet
    with pytest.raises(GenerationError) as info:
        generate(bank, numbered_students(1))
    message = info.value.message
    assert message.startswith(f"{bank.path}: slots[7] (max_partial): no valid problem after 80 draws (duplicate 80")
    assert message.endswith("widen the coefficient range, add variables or change the point")


def test_redraws_are_counted(tmp_path):
    slot = "  - {family: max_partial, difficulty: 1, coefficients: [1, 1]}\n"
    m = generate(_bank(tmp_path, slot * 4), numbered_students(3))
    assert m.stats["draws"] == m.stats["accepted"] + sum(m.stats["redrawn"].values())
    assert m.stats["redrawn"].get("duplicate", 0) > 0


def test_problem_to_dict_matches_asdict(demo_manifest):
    """Problem.to_dict is hand-built for speed; it must stay exactly what dataclasses.asdict gives (less an
    unset `working` and `graph`, left out so manifests of banks without them keep their bytes)."""
    from dataclasses import asdict, replace

    for sheet in demo_manifest.students:
        for p in sheet.problems:
            expected = asdict(p)
            assert expected.pop("parts") == []  # no parts: the key is left out (manifests stay as before)
            assert expected.pop("working") is None  # no room asked for: left out too
            assert expected.pop("graph") is None  # no computational graph: left out too
            assert list(p.to_dict().items()) == list(expected.items())
            roomy = replace(p, working=4.5)
            roomy_expected = {k: v for k, v in asdict(roomy).items() if k not in ("parts", "graph")}
            assert list(roomy.to_dict().items()) == list(roomy_expected.items())
            assert type(p).from_dict(roomy.to_dict()) == roomy


def test_generation_leaves_the_garbage_collector_as_it_found_it():
    """Collections are made rarer while generating (speed); the caller's settings are restored."""
    import gc

    before = gc.get_threshold()
    bank = load_bank(DEMO)
    generate(bank, numbered_students(2), seed=1)
    generate_variants(bank, 1, 2, seed=1)
    assert gc.get_threshold() == before


def test_a_sheet_does_not_depend_on_the_sheets_drawn_before_it(demo_manifest):
    """Families and the checker cache their work; the caches must be pure: the same student gets the same
    problems whether drawn first, last or after other students (here: reversed order, fresh students)."""
    bank = load_bank(DEMO)
    generate(bank, [Student(student_id=f"other-{i}", name="", extra={}) for i in range(8)], seed=2026)
    backwards = generate(bank, list(reversed(numbered_students(6))), seed=2026)
    by_id = {s.student_id: s.problems for s in backwards.students}
    assert all(by_id[s.student_id] == s.problems for s in demo_manifest.students)


def test_generating_in_several_processes_gives_the_same_manifest_bytes():
    """Large classes are generated by forked workers (generation_workers); each sheet depends only on the
    seed, its variant and its slots, so the manifest (stats included) is the one-process manifest."""
    bank = load_bank(ROOT / "banks" / "backprop.yaml")
    students = [Student(student_id=f"id{i}", name=f"Name {i}") for i in range(7)]
    one = manifest_io.dumps(generate(bank, students, seed=31, workers=1))
    assert manifest_io.dumps(generate(bank, students, seed=31, workers=3)) == one
    assert manifest_io.dumps(generate(bank, students, seed=31, workers=50)) == one  # more workers than students


def test_a_machine_that_cannot_start_a_worker_still_gets_the_same_manifest(monkeypatch):
    from concurrent.futures import ProcessPoolExecutor

    bank = load_bank(DEMO)
    students = numbered_students(4)
    one = manifest_io.dumps(generate(bank, students, seed=5, workers=1))

    def refuse(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)
    assert manifest_io.dumps(generate(bank, students, seed=5, workers=2)) == one


def test_only_a_large_class_is_generated_in_several_processes():
    from quizgen.generate import PARALLEL_FROM, generation_workers

    assert generation_workers(1) == 1
    assert generation_workers(PARALLEL_FROM - 1) == 1
    assert 1 <= generation_workers(10 * PARALLEL_FROM) <= max(1, len(os.sched_getaffinity(0)))


def _machine(monkeypatch, cores: int, ticks: list[tuple[int, int]], load: float = 0.0) -> None:
    """A Linux machine with `cores` cores whose /proc/stat reads (idle, total) ticks in turn."""
    from quizgen import generate as generation

    readings = iter(ticks)
    monkeypatch.setattr(generation, "_cpu_times", lambda: next(readings))
    monkeypatch.setattr(generation.time, "sleep", lambda _seconds: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux only")
def test_an_idle_two_core_machine_generates_in_two_processes_even_just_after_a_run(monkeypatch):
    """The one-minute load average still counts a run that just ended (1.1 on an idle 2-core machine made
    the old rule use one process); the idle CPU time measured now is what counts."""
    from quizgen.generate import generation_workers

    _machine(monkeypatch, 2, [(1000, 2000), (1019, 2020)], load=1.1)  # 19 of 20 ticks idle: 1.9 cores
    assert generation_workers(500) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux only")
def test_a_busy_machine_generates_in_one_process(monkeypatch):
    from quizgen.generate import generation_workers

    _machine(monkeypatch, 2, [(1000, 2000), (1001, 2020)], load=0.2)  # 1 of 20 ticks idle, load says idle
    assert generation_workers(500) == 1
    _machine(monkeypatch, 2, [(1000, 2000), (1011, 2020)])  # another job keeps one of the two cores busy
    assert generation_workers(500) == 1
    _machine(monkeypatch, 4, [(1000, 2000), (1020, 2040)])  # 4 cores, half of them idle: 2 processes
    assert generation_workers(500) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux only")
def test_without_proc_stat_the_load_average_decides(monkeypatch):
    from quizgen import generate as generation

    monkeypatch.setattr(generation, "_cpu_times", lambda: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    assert generation.generation_workers(500) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    assert generation.generation_workers(500) == 1


def test_a_class_drawn_a_few_students_at_a_time_is_generate_s_manifest():
    """generate --format pdf draws the class while it is typeset (Drawing): the same manifest bytes."""
    bank = load_bank(ROOT / "banks" / "backprop.yaml")
    students = [Student(student_id=f"id{i}", name=f"Name {i}", extra={"email": f"{i}@x"}) for i in range(5)]
    drawing = Drawing(bank, students, seed=31)
    first = drawing.manifest.students[3]
    assert (first.student_id, first.name, first.extra, first.problems) == ("id3", "Name 3", {"email": "3@x"}, [])
    drawing.draw(2)
    assert drawing.drawn == 2 and all(s.problems for s in drawing.manifest.students[:2])
    assert not drawing.manifest.students[2].problems  # not drawn yet
    drawing.draw(1)  # never drawn twice
    assert manifest_io.dumps(drawing.finish()) == manifest_io.dumps(generate(bank, students, seed=31, workers=1))


def test_a_drawing_stops_at_the_first_student_whose_slot_cannot_be_filled(tmp_path):
    slot = "  - {family: max_partial, difficulty: 1, coefficients: [1, 1]}\n"
    drawing = Drawing(_bank(tmp_path, slot * 8), numbered_students(3))
    with pytest.raises(GenerationError, match="slots\\[7\\] \\(max_partial\\): no valid problem"):
        drawing.draw(2)
    assert drawing.drawn == 0
