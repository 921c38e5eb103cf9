"""Grading: read answers files, grade them with the checker, write grades, feedback and reports.

Stages, each its own module: readers/lms (files -> RawAnswers), collect (-> one Submission per student and
problem, plus the issues found), engine (-> verdicts and points), then csvout, feedback, report, summary.
run ties them together; quizgen.commands.grade is the CLI.
"""

from __future__ import annotations

from quizgen.grading.run import grade_files, write_outputs

__all__ = ["grade_files", "write_outputs"]
