from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.errors import LatexError
from quizgen.render.environment import Tex, build_environment, builtin_template_dir, render_template


def test_builtin_templates_are_found_from_the_package() -> None:
    folder = builtin_template_dir()
    for name in ("worksheet.tex.j2", "key.tex.j2", "problem.tex.j2", "solution.tex.j2", "preamble.tex.j2"):
        assert (folder / name).is_file()


def test_every_value_is_escaped_unless_it_is_tex(tmp_path: Path) -> None:
    (tmp_path / "t.tex.j2").write_text(
        r"\VAR{ name } / \VAR{ math } / \BLOCK{ if flag }yes\BLOCK{ endif }", encoding="utf-8"
    )
    env = build_environment(tmp_path)
    out = render_template(env, "t.tex.j2", {"name": "A & B_1", "math": Tex(r"\frac{1}{2}"), "flag": True})
    assert out == r"A \& B\_1 / \frac{1}{2} / yes"


def test_teacher_folder_overrides_a_builtin_by_name(tmp_path: Path) -> None:
    (tmp_path / "problem.tex.j2").write_text("CUSTOM \\VAR{ problem.number }\n", encoding="utf-8")
    env = build_environment(tmp_path)
    assert env.get_template("problem.tex.j2").filename == str(tmp_path / "problem.tex.j2")
    assert env.get_template("key.tex.j2").filename == str(builtin_template_dir() / "key.tex.j2")


def test_a_syntax_error_names_the_template_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "worksheet.tex.j2").write_text("line one\n\\BLOCK{ for x in }\n", encoding="utf-8")
    env = build_environment(tmp_path)
    with pytest.raises(LatexError, match=r"worksheet\.tex\.j2:2: .*fix the template"):
        render_template(env, "worksheet.tex.j2", {})


def test_an_unknown_variable_names_the_template(tmp_path: Path) -> None:
    (tmp_path / "worksheet.tex.j2").write_text("ok\n\\VAR{ student.nmae }\n", encoding="utf-8")
    env = build_environment(tmp_path)
    with pytest.raises(LatexError, match=r"worksheet\.tex\.j2:2: .*nmae"):
        render_template(env, "worksheet.tex.j2", {"student": {"name": "x"}})


def test_a_missing_template_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LatexError, match="no such folder"):
        build_environment(tmp_path / "nope")
