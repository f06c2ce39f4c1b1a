"""Files made for a user to download, in one bounded folder per process (no gradio here).

A download is written only when a user asks for it, into its own sub-folder (so two users' `steps.csv`
never collide), and the folder keeps only the latest `keep` of them: the web server copies a file into
its own cache as it hands it out, so an older copy here is never read again. The folder is removed
when the process ends. A day of lectures therefore holds at most `keep` downloads here, however many
people click.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path

KEEP = 64  # downloads kept: many more than can be in flight between writing one and the server copying it


class Downloads:
    """`write(name, text)` → the path of a new file `name` holding `text`; the oldest beyond `keep` go."""

    def __init__(self, root: str | os.PathLike | None = None, keep: int = KEEP):
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        self.keep = keep
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="greentext-downloads-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self._made: deque[Path] = deque()
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        if root is None:  # our own temporary folder: gone with the process
            atexit.register(shutil.rmtree, self.root, ignore_errors=True)

    def write(self, name: str, text: str, encoding: str = "utf-8") -> str:
        """A new file called `name` (a plain file name, no folders) with `text` in `encoding`."""
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"a download is a plain file name, not {name!r}")
        with self._lock:
            folder = self.root / f"{next(self._numbers):08d}"
            folder.mkdir()
            self._made.append(folder)
            old = [self._made.popleft() for _ in range(len(self._made) - self.keep)]
        for gone in old:
            shutil.rmtree(gone, ignore_errors=True)
        path = folder / name
        with open(path, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return str(path)

    def files(self) -> list[Path]:
        """The downloads on disk now."""
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def size(self) -> int:
        """Bytes on disk in the folder's files."""
        return sum(p.stat().st_size for p in self.files())
