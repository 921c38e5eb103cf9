"""answers-template.csv: one row per student and problem, the answer left empty, for typing answers by hand.

`quizgen generate` writes it beside the manifest; filled in, it is a long CSV `quizgen grade` reads as is
(the name column is ignored). A gradient is typed in one cell as a vector, [df/dx, df/dy]; a multi-part
problem has one row per part (problem 4a, 4b, ...).
"""

from __future__ import annotations

from quizgen.grading.csvout import _csv, safe_cell
from quizgen.manifest import Manifest

FILE_NAME = "answers-template.csv"
HEADER = ("student_id", "name", "problem", "answer")


def answers_template_csv(manifest: Manifest) -> str:
    """The template's text: UTF-8 with a BOM (Excel shows accents), rows in roster and problem order."""
    rows: list[list[str]] = [list(HEADER)]
    for sheet in manifest.students:
        for problem in sorted(sheet.problems, key=lambda p: p.slot):
            labels = [f"{problem.slot}{part.label}" for part in problem.parts] or [str(problem.slot)]
            for label in labels:
                rows.append([safe_cell(sheet.student_id), safe_cell(sheet.name), label, ""])
    return _csv(rows, bom=True)
