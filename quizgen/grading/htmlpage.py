"""The shell shared by the feedback pages and the class report: one self-contained HTML file each.

CSS is inline and every formula is presentation MathML, typeset when the page is written: the pages load
nothing from the network and run no script. Each formula appears once; its plain-text form rides along in
the MathML annotation, for copying and for screen readers. Text from users (names, typed answers, bank
titles) is only ever escaped text.
"""

from __future__ import annotations

from html import escape

from quizgen.typeset.mathml import MathMLError, mathml

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2330;
background:#f5f6f8;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh;box-sizing:border-box}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:28px 0 10px;border-bottom:2px solid #e3e6eb;
padding-bottom:4px}h3{font-size:1.05em;margin:0 0 6px}
.sub{color:#5b6474;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:.93em}
th,td{border:1px solid #dde1e7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.plain{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.92em;background:#f3f4f6;
border-radius:3px;padding:1px 4px;white-space:pre-wrap;word-break:break-word}
math{font-size:1.08em}math[display=block]{margin:4px 0 8px 1.2em;text-align:left}mn.ind,mi.bold{font-weight:bold}
.wide{overflow-x:auto}td.why{min-width:16em}td.ans{min-width:9em}
.card h2.problem{font-size:1.05em;margin:0 0 6px;border:0;padding:0}
.card{border:1px solid #dde1e7;border-left:6px solid #9aa3b2;border-radius:6px;padding:12px 16px;margin:14px 0}
.card.correct{border-left-color:#2e8b57}.card.incorrect{border-left-color:#c0392b}
.card.partial{border-left-color:#d68910}.card.invalid,.card.unsure{border-left-color:#8e44ad}
.card.blank,.card.missing,.card.absent{border-left-color:#9aa3b2}
.badge{display:inline-block;border-radius:10px;padding:1px 10px;font-size:.85em;font-weight:600;color:#fff;
background:#646c7a;margin-left:8px}
.badge.correct{background:#1e7a46}.badge.incorrect{background:#c0392b}.badge.partial{background:#a35d00}
.badge.invalid,.badge.unsure{background:#8e44ad}
.review{border:2px solid #8e44ad;border-radius:6px;padding:8px 16px;margin:12px 0;background:#faf5fc}
.warn{border-left:6px solid #d68910;background:#fdf6ec;padding:6px 12px;margin:8px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:8px 0}dt{color:#5b6474}dd{margin:0}
ol.steps{margin:4px 0 0 0;padding-left:22px}ol.steps li{margin:3px 0}
.score{font-size:1.3em;font-weight:700}
img.plot{max-width:100%;height:auto;border:1px solid #e3e6eb;border-radius:4px}
.muted{color:#545b68}
figure.graph{margin:8px 0 12px}svg.graph{max-width:100%;height:auto;display:block}
.graph-legend{font-size:.9em;color:#3c4350}.mk{white-space:nowrap;margin-right:10px}.mk b{margin-right:2px}
.mk-right b{color:#1e7a46}.mk-carried b{color:#1f5fa8}.mk-wrong b{color:#b03a2e}.mk-unreadable b,.mk-review b{color:#7d3c98}
.bar{display:inline-block;height:10px;background:#2e8b57;border-radius:2px;vertical-align:middle}
"""


def page(title: str, body: str) -> str:
    """A complete HTML document; title and body must already be escaped where needed."""
    return page_of_lines(title, [body])


def page_of_lines(title: str, lines: list[str]) -> str:
    """page(title, "\\n".join(lines)), joined once: a class's feedback pages are 140 million characters."""
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body><main>"
    )
    return "\n".join([head, *lines, "</main></body>\n</html>\n"])


def wide(table: str, label: str) -> str:
    """A table that may be wider than the page (long formulas do not wrap): it scrolls sideways, and the
    scrolling region can be reached and scrolled from the keyboard."""
    return f'<div class="wide" tabindex="0" role="region" aria-label="{escape(label)}">{table}</div>'


def math(plain: str, latex: str = "", *, display: bool = False) -> str:
    """An expression, once: typeset as MathML when its LaTeX is known and understood, else as plain text."""
    if latex.strip():
        try:
            return mathml(latex, plain, display=display)
        except MathMLError:
            pass  # LaTeX that quizgen did not print itself: the plain form says the same
    return f'<code class="plain">{escape(plain)}</code>'
