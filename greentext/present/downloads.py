"""Files made for a user to download, in one bounded folder per process (no gradio here).

A download is written only when a user asks for it, into its own sub-folder (so two users' `steps.csv`
never collide), and the folder keeps only the latest `keep` of them: the web server copies a file into
its own cache as it hands it out, so an older copy here is never read again. The folder is removed
when the process ends. A day of lectures therefore holds at most `keep` downloads here, however many
people click. The folder is made at the first download (most runs never make one), is named after the
process (`greentext-downloads-<pid>-…`), and folders left by processes that are gone (killed before
they could clean up) are removed when the next one starts.
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
PREFIX = "greentext-downloads-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def clean_stale(temp: str | os.PathLike | None = None) -> list[Path]:
    """Remove the download folders of processes that no longer run; return what was removed."""
    gone = []
    for folder in Path(temp or tempfile.gettempdir()).glob(PREFIX + "*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        if folder.is_dir() and (not pid.isdigit() or not _alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            gone.append(folder)
    return gone


class Downloads:
    """`write(name, text)` → the path of a new file `name` holding `text`; the oldest beyond `keep` go."""

    def __init__(self, root: str | os.PathLike | None = None, keep: int = KEEP):
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        self.keep = keep
        self._given = Path(root) if root is not None else None
        self._root: Path | None = None
        self._made: deque[Path] = deque()
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        """The folder, made at first use: the one given, or a temporary one gone with the process."""
        if self._root is None:
            if self._given is not None:
                self._given.mkdir(parents=True, exist_ok=True)
                self._root = self._given
            else:
                clean_stale()
                self._root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
                atexit.register(shutil.rmtree, self._root, ignore_errors=True)
        return self._root

    def write(self, name: str, text: str, encoding: str = "utf-8") -> str:
        """A new file called `name` (a plain file name, no folders) with `text` in `encoding`."""
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"a download is a plain file name, not {name!r}")
        with self._lock:
            folder = self.root / f"{next(self._numbers):08d}"  # the first call makes the root
            folder.mkdir()
            self._made.append(folder)
            old = [self._made.popleft() for _ in range(len(self._made) - self.keep)]
        for gone in old:
            shutil.rmtree(gone, ignore_errors=True)
        path = folder / name
        with open(path, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return str(path)

