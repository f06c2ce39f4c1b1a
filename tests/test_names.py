"""Every name the code uses is defined: pyflakes (PyCQA's, maintained, no configuration) reads the package, the
benchmarks and the app for undefined names. A missing import fails only when its line runs — a model switch's
error path, a benchmark's CPU column — so the suite reads every line instead of waiting for a user to hit it."""

from __future__ import annotations

from pathlib import Path

import pytest

pyflakes_api = pytest.importorskip("pyflakes.api")
from pyflakes import messages, reporter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Collect(reporter.Reporter):
    def __init__(self):
        super().__init__(None, None)
        self.found = []

    def flake(self, message):
        if isinstance(message, (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)):
            self.found.append(str(message))

    def syntaxError(self, filename, msg, lineno, offset, text):  # noqa: N802 - pyflakes' name
        self.found.append(f"{filename}:{lineno}: {msg}")

    def unexpectedError(self, filename, msg):  # noqa: N802
        self.found.append(f"{filename}: {msg}")


def test_no_undefined_names():
    found = Collect()
    files = [ROOT / "app.py", *sorted((ROOT / "greentext").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]
    for path in files:
        pyflakes_api.check(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), found)
    assert not found.found, "\n".join(found.found)
