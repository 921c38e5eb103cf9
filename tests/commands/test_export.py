"""`quizgen export`'s summary line counts the questions the file holds, as the LMS will list them."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from quizgen.cli import cli

FORMATS = {"moodle": ".xml", "moodle-stack": ".xml", "qti": ".zip", "gift": ".txt"}


def _questions_in(path: Path, fmt: str) -> int:
    """Questions counted in the written file itself, independently of the exporter's structures."""
    data = path.read_bytes()
    if fmt == "gift":
        return len(re.findall(rb"^::", data, flags=re.M))
    if fmt == "qti":
        archive = zipfile.ZipFile(io.BytesIO(data))
        return sum(name.endswith(".xml") and archive.read(name).count(b"<item ") for name in archive.namelist())
    return sum(q.get("type") != "category" for q in etree.fromstring(data).iter("question"))


@pytest.mark.parametrize("bank", ["backprop", "demo"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_summary_counts_the_questions_written(tmp_path: Path, bank: str, fmt: str) -> None:
    out = tmp_path / f"x{FORMATS[fmt]}"
    args = ["export", "--bank", bank, "--format", fmt, "--variants", "2", "--out", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = _questions_in(out, fmt)
    said = re.search(r"(\d+) questions", result.output)
    assert said is not None and int(said.group(1)) == written, result.output
    if bank == "backprop" and fmt == "gift":
        assert "(one per part)" in result.output and written > 3 * 2  # every variant's parts, one question each
    if fmt == "moodle-stack":
        assert "core-type fallbacks" in result.output
