"""PDF worksheets, solution keys and feedback sheets from jinja2 LaTeX templates (templates/).

write_documents is what `quizgen generate --format pdf|tex` calls; render_feedback_pdf is what
`quizgen grade --pdf` calls; tex_escape is the one LaTeX escaping function.
"""

from __future__ import annotations

from quizgen.render.documents import render_sources, write_documents
from quizgen.render.escape import tex_escape
from quizgen.render.feedback import render_feedback_pdf

__all__ = ["render_feedback_pdf", "render_sources", "tex_escape", "write_documents"]
