"""Accessibility check of a written page with axe-core in headless Chromium, without a browser driver.

A copy of the page gets axe.min.js and a small script inlined; the script runs axe and writes its
violations as JSON into the DOM, which `chromium --headless --dump-dom` prints. Chromium comes from
Debian's packages and axe-core from npm (.ci/setup puts it in .cache/axe, ignored by git); without either
the tests that use this are skipped with a message saying what is missing.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("QUIZGEN_AXE", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))

_RUNNER = """
<script>
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  var out = document.createElement('pre'); out.id = 'axe-results';
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.html.slice(0, 200); })};
  }));
  document.body.appendChild(out);
}, function (e) {
  var out = document.createElement('pre'); out.id = 'axe-results'; out.textContent = 'ERROR ' + e;
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_axe() -> str:
    """The Chromium binary; skips the test (saying what to install) when Chromium or axe-core is missing."""
    browser = chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (bash .ci/setup installs it from Debian's packages)")
    if not AXE.is_file():
        pytest.skip(f"axe-core is not at {AXE} (bash .ci/setup fetches it from npm)")
    return browser


def headless(browser: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def axe_violations(page_html: str, workdir: Path) -> list[dict[str, object]]:
    """axe-core's violations for page_html (rendered from a file in workdir)."""
    browser = require_axe()
    script = "<script>" + AXE.read_text(encoding="utf-8") + "</script>" + _RUNNER
    copy = workdir / "axe-page.html"
    copy.write_text(page_html.replace("</body>", script + "</body>"), encoding="utf-8")
    done = headless(browser, "--virtual-time-budget=30000", "--dump-dom", copy.as_uri())
    m = re.search(r'<pre id="axe-results">(.*?)</pre>', done.stdout, re.S)
    assert m, f"axe did not report (chromium exit {done.returncode}): {done.stderr[-500:]}"
    text = html.unescape(m.group(1))
    assert not text.startswith("ERROR"), text
    return json.loads(text)


def screenshot(page: Path, png: Path, height: int = 2000) -> None:
    browser = require_axe()
    headless(browser, f"--screenshot={png}", f"--window-size=1280,{height}", page.as_uri())
