"""The LaTeX templates compiled once per test module: every write_documents and render_sources builds a fresh
jinja2 Environment (quizgen.render.environment.build_environment), which parses and compiles each template again,
~60 ms of CPU a class, 350 times in the typesetting tests (~2 s). A CLI run builds one, so this is a test's cost.

templates_compiled_once gives each Environment quizgen builds jinja2's own bytecode cache, in memory and shared
by the Environments built with the same names.pdf texts (snippets and paragraphs): jinja2 may fold a constant
\\VAR through the Environment's finalize and filters while it compiles, and those depend on them; everything else
is fixed in build_environment. jinja2 keys a template by its name and file and checks its source's checksum,
so a teacher's template, or a template changed on disk, is compiled anew. The rendered sources are the same
bytes (the same code runs); only the parsing and compiling is not repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import jinja2
import pytest

from quizgen.render import documents


class _InMemory(jinja2.BytecodeCache):
    """jinja2's bytecode cache, kept in a dict (jinja2 checks the source's checksum on load)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _sharing(build: Callable[..., jinja2.Environment]) -> Callable[..., jinja2.Environment]:
    caches: dict[tuple[tuple[tuple[str, str], ...], ...], _InMemory] = {}

    def build_sharing(
        template_dir: Path | None = None,
        snippets: Mapping[str, str] | None = None,
        paragraphs: Mapping[str, str] | None = None,
    ) -> jinja2.Environment:
        env = build(template_dir, snippets, paragraphs)
        texts = (tuple(sorted((snippets or {}).items())), tuple(sorted((paragraphs or {}).items())))
        env.bytecode_cache = caches.setdefault(texts, _InMemory())
        return env

    return build_sharing


@contextmanager
def templates_shared() -> Iterator[None]:
    """Within: the Environments write_documents and render_sources build share compiled templates."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "build_environment", _sharing(documents.build_environment))
        yield


@pytest.fixture(scope="module")
def templates_compiled_once() -> Iterator[None]:
    """templates_shared for the module that asks (`pytestmark = pytest.mark.usefixtures("templates_compiled_once")`,
    the fixture imported); tests/render/conftest.py does it for every module there."""
    with templates_shared():
        yield
