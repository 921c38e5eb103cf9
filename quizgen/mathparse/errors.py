"""The one exception the parser raises for any input it will not accept."""

from __future__ import annotations


class AnswerSyntaxError(Exception):
    """An answer or key that cannot be accepted, with a message meant for the student.

    message is one sentence naming the offending text; offset is the 0-based index into the original
    string (-1 when unknown); excerpt is the input line with a caret line under the offset ("" when
    unknown). code is a stable identifier of the error class (e.g. "unknown_name") for programs and tests.
    """

    def __init__(self, message: str, offset: int = -1, excerpt: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.excerpt = excerpt
        self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"AnswerSyntaxError({self.message!r}, offset={self.offset}, code={self.code!r})"

    def __reduce__(self) -> tuple[type[AnswerSyntaxError], tuple[str, int, str, str]]:  # picklable across workers
        return (AnswerSyntaxError, (self.message, self.offset, self.excerpt, self.code))
