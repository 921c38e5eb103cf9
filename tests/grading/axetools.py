"""Accessibility check of a written page with axe-core in headless Chromium, without a browser driver.

One headless Chromium per test worker (the `axe` fixture of tests/grading/conftest.py) keeps one tab that has
loaded axe.min.js once; each page is written into that tab's document (document.open, write, close: the
page's own HTML parsed as a navigation parses it, while axe stays loaded, since document.open keeps the
window) and axe runs there. The browser is driven over `--remote-debugging-pipe`: the DevTools protocol's
JSON messages, each ended by a NUL byte, go in on the browser's fd 3 and come out on its fd 4. Launching
Chromium costs about 1 s of CPU and a new tab with axe inlined about 0.3 s more per page (a renderer, axe
parsed and set up again), so the page tests share one launch and one tab; axe's results on a written page are
the same, rule by rule and node by node, as on the page opened from a file in a tab of its own
(docs/benchmarks.md, branch `suitegrading`). Chromium comes from Debian's packages and axe-core from npm
(.ci/setup puts it in .cache/axe, ignored by git); without either the tests that use this are skipped with a
message saying what is missing.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("QUIZGEN_AXE", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))

# the page (the argument) replaces the tab's document; the promise settles once it has loaded (its images too)
_WRITE = """(function (html) {
  document.open(); document.write(html); document.close();
  return new Promise(function (done) {
    if (document.readyState === 'complete') { done(); } else { window.addEventListener('load', done, {once: true}); }
  });
})"""

# axe's violations, each with the start of its nodes' HTML (what a failing test prints)
_RUN = """axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  return JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.html.slice(0, 200); })};
  }));
})"""


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


def _numbered_above_4(fd: int) -> int:
    """fd moved to a number of 5 or more, so bash's `3<&` and `4>&` below cannot overwrite it."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 5)
    os.close(fd)
    return high


class Axe:
    """One headless Chromium that runs axe-core on page after page (see the module's docstring)."""

    def __init__(self, browser: str, timeout: float = 120) -> None:
        self._timeout = timeout
        self._home = tempfile.TemporaryDirectory()
        self._log = Path(self._home.name) / "chromium.log"  # a file, not a pipe nobody reads that could fill up
        to_browser, self._send = os.pipe()
        self._receive, from_browser = os.pipe()
        to_browser, from_browser = _numbered_above_4(to_browser), _numbered_above_4(from_browser)
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(
                [
                    "bash",
                    "-c",
                    f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}',
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    f"--user-data-dir={self._home.name}/profile",
                    "--remote-debugging-pipe",
                    "about:blank",
                ],
                pass_fds=(to_browser, from_browser),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._last_id = 0
        blank = Path(self._home.name) / "axe.html"
        blank.write_text(
            f"<!DOCTYPE html><html><body><script>{AXE.read_text(encoding='utf-8')}</script></body></html>",
            encoding="utf-8",
        )
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._call("Page.enable", session=self._session)
        self._call("Page.navigate", {"url": blank.as_uri()}, session=self._session)
        self._event("Page.loadEventFired", self._session)

    def violations(self, page_html: str) -> list[dict[str, object]]:
        """axe-core's violations for page_html, written into the tab where axe is loaded."""
        self._evaluate(f"{_WRITE}({json.dumps(page_html)})")
        return json.loads(self._evaluate(_RUN))

    def _evaluate(self, expression: str) -> Any:
        """The value of expression in the tab (awaited when a promise)."""
        params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
        done = self._call("Runtime.evaluate", params, session=self._session)
        assert "exceptionDetails" not in done, f"the page or axe failed: {done['exceptionDetails']}"
        return done["result"].get("value")

    def close(self) -> None:
        os.close(self._send)  # the browser exits when its pipe closes
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._receive)
        self._home.cleanup()

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._last_id:
                assert "error" not in reply, f"Chromium refused {method}: {reply['error']}"
                return reply["result"]
            if "method" in reply:
                self._events.append(reply)

    def _event(self, method: str, session: str) -> None:
        """Wait for the event (it may have come in while waiting for a reply)."""
        while True:
            for event in self._events:
                if event["method"] == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return
            self._events.append(self._read())

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self._timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._receive], [], [], max(left, 0))
            chunk = os.read(self._receive, 1 << 16) if ready else b""
            if not chunk:
                self._proc.kill()
                why = "stopped" if ready else f"did not answer in {self._timeout:.0f} s"
                raise AssertionError(f"Chromium {why}: {self._log.read_text(errors='replace')[-500:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)


def screenshot(page: Path, png: Path, height: int = 2000) -> None:
    browser = require_axe()
    headless(browser, f"--screenshot={png}", f"--window-size=1280,{height}", page.as_uri())
