"""PDF worksheets, solution keys and feedback sheets from jinja2 LaTeX templates (templates/).

write_documents is what `quizgen generate --format pdf|tex` calls; grading's feedback sheets
(quizgen.grading.pdf) are typeset with the same environment, context and compile step. The one LaTeX
escaping function, tex_escape, lives in the bottom layer (quizgen.typeset.escape).
"""

from __future__ import annotations

from quizgen.render.documents import render_sources, write_documents

__all__ = ["render_sources", "write_documents"]
