"""Reading written HTML pages back as a browser would: the visible text (without MathML annotations, styles
or the title), every tag with its attributes, and the MathML annotations."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_HIDDEN = {"annotation", "style", "script", "title"}


@dataclass
class Page:
    text: str = ""
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    annotations: list[str] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.hidden = 0
        self.parts: list[str] = []
        self.annotation: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in _HIDDEN:
            self.hidden += 1
        if tag == "annotation":
            self.annotation = []
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.page.headings.append(int(tag[1]))
        if tag in ("li", "p", "tr", "td", "th", "dd", "dt", "h1", "h2", "h3", "br", "math"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden -= 1
        if tag == "annotation" and self.annotation is not None:
            self.page.annotations.append("".join(self.annotation))
            self.annotation = None

    def handle_data(self, data: str) -> None:
        if self.annotation is not None:
            self.annotation.append(data)
        if not self.hidden:
            self.parts.append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join("".join(reader.parts).split())
    return reader.page
