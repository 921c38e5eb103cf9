"""The jinja2 Environment for LaTeX templates: the teacher's --template folder first, then the built-ins.

Delimiters that LaTeX never uses on its own: \\BLOCK{...} for statements, \\VAR{...} for values,
\\#{...} for comments, and lines starting with %% as line statements. Every \\VAR is LaTeX-escaped
unless it is a Tex value (math from the manifest, already-escaped text), so a template cannot forget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from quizgen.errors import LatexError
from quizgen.resources import TEMPLATES, data_folder
from quizgen.typeset.escape import plain_paragraphs, tex_escape, tex_paragraphs


class Tex(str):
    """A string that is already LaTeX (math from sympy, escaped text): printed by \\VAR as is."""


def _finalize(value: Any) -> str:
    if isinstance(value, Tex):
        return value
    if value is None:
        return ""
    return tex_escape(value)


def _with_snippets(escape: Callable[[Any], str], snippets: Mapping[str, str]) -> Callable[[Any], str]:
    def escape_or_snippet(value: Any) -> str:
        if isinstance(value, str) and not isinstance(value, Tex) and value in snippets:
            return Tex(snippets[value])
        return escape(value)

    return escape_or_snippet


def _escape_filter(value: Any) -> Tex:
    return value if isinstance(value, Tex) else Tex(tex_escape(value))


def _paragraphs_filter(value: Any) -> Tex:
    return Tex("\n\n".join(tex_paragraphs(value)))


def _paragraphs_with_snippets(paragraphs: Mapping[str, str]) -> Callable[[Any], Tex]:
    def paragraphs_or_snippets(value: Any) -> Tex:
        return Tex("\n\n".join(paragraphs.get(p) or tex_escape(p) for p in plain_paragraphs(value)))

    return paragraphs_or_snippets


def _breakable_filter(value: Any) -> Tex:
    """Escaped text that may break between any two characters (long ids without spaces)."""
    return Tex(r"\allowbreak{}".join(tex_escape(ch) for ch in str(value)))


def _points_filter(value: Any) -> str:
    """4.0 -> "4", 2.5 -> "2.5": points as a teacher writes them."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def builtin_template_dir() -> Path:
    """The built-in templates: inside the installed package, or templates/ at the top of a checkout."""
    folder, looked_in = data_folder(TEMPLATES)
    if folder is None or not (folder / "worksheet.tex.j2").is_file():
        raise LatexError(
            f"the built-in LaTeX templates are missing (looked in {', '.join(str(c) for c in looked_in)}); "
            "reinstall quizgen (pip install --force-reinstall quizgen, or pip install -e . in a checkout)"
        )
    return folder


def build_environment(
    template_dir: Path | None = None,
    snippets: Mapping[str, str] | None = None,
    paragraphs: Mapping[str, str] | None = None,
) -> jinja2.Environment:
    """The one Environment every LaTeX document is rendered with; template_dir overrides built-ins by name.

    snippets maps texts pdflatex cannot print (an Arabic name) to the \\qgname{N} that includes them from
    names.pdf (quizgen.render.scripts); every \\VAR, |tex_escape and |breakable (student ids) of such a
    text prints the snippet. paragraphs does the same for the paragraphs of |paragraphs (the instructions),
    with \\qgpara{N}.

    Raises:
        LatexError: template_dir does not exist or is not a folder.
    """
    search: list[str] = []
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            raise LatexError(
                f"--template {folder}: no such folder; pass a folder holding templates such as "
                "worksheet.tex.j2 (see the README)"
            )
        search.append(str(folder))
    search.append(str(builtin_template_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_with_snippets(_finalize, snippets) if snippets else _finalize,
        # Templates are read once per run: without this, every {% include %} (three per problem) stats the file.
        auto_reload=False,
    )
    env.filters["tex_escape"] = _with_snippets(_escape_filter, snippets) if snippets else _escape_filter
    env.filters["paragraphs"] = _paragraphs_with_snippets(paragraphs) if paragraphs else _paragraphs_filter
    env.filters["points"] = _points_filter
    env.filters["breakable"] = _with_snippets(_breakable_filter, snippets) if snippets else _breakable_filter
    return env


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template, turning every template mistake into a one-line LatexError naming file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or name}:{exc.lineno}"
        raise LatexError(f"template {where}: {exc.message}; fix the template or remove it from --template") from None
    except jinja2.TemplateNotFound as exc:
        raise LatexError(
            f"template {exc.name} not found (searched {', '.join(env.loader.searchpath)}); "  # type: ignore[union-attr]
            "check the name in your --template folder"
        ) from None
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError) as exc:
        raise LatexError(
            f"template {_failing_template(exc, name)}: {exc}; the variables templates receive are listed in the README"
        ) from None


def _failing_template(exc: BaseException, default: str) -> str:
    """file:line of the template frame where rendering failed (jinja2 maps frames back to template lines)."""
    tb = exc.__traceback__
    found = default
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
