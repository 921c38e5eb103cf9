"""The exceptions a user can cause. click prints them as one line and exits non-zero, never a traceback.

Library code raises these with a message that says what is wrong, where (file, line, key) and what to do.
"""

from __future__ import annotations

import click


class QuizgenError(click.ClickException):
    """Base of every expected error; raised by library code, printed by the CLI as `Error: message`."""

    exit_code = 1


class BankError(QuizgenError):
    """A bank file is missing, unreadable or invalid (raised by quizgen.bank)."""


class RosterError(QuizgenError):
    """A roster CSV is missing, empty, undecodable or has bad rows (raised by quizgen.roster)."""


class ManifestError(QuizgenError):
    """A manifest is missing, malformed, edited by hand or from another version (raised by quizgen.manifest)."""


class AnswerFileError(QuizgenError):
    """An answers file cannot be read at all (bad rows are reported, not raised; raised by quizgen.grading)."""


class LatexError(QuizgenError):
    """pdflatex is missing or a document failed to compile (raised by quizgen.render)."""


class ExportError(QuizgenError):
    """An LMS export cannot be written (raised by quizgen.export)."""
