"""Suite-wide settings: under CI (CI=true) hypothesis draws the same examples every run, so a red build always
reproduces; locally it keeps exploring new examples."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
