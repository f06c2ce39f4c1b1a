"""The downloads folder: made at the first download, named after the process, stale ones cleaned (issue 20.12)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from greentext.present import downloads
from greentext.present.downloads import Downloads


def test_no_folder_until_the_first_download(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    d = Downloads()
    assert list(tmp_path.iterdir()) == []
    path = Path(d.write("steps.csv", "a,b\n"))
    assert path.read_text() == "a,b\n"
    assert d.root.parent == tmp_path and d.root.name.startswith(f"greentext-downloads-{os.getpid()}-")


def test_folders_of_processes_that_are_gone_are_cleaned_at_start(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"greentext-downloads-{dead.stdout.strip()}-abc"
    old_style = tmp_path / "greentext-downloads-x1y2z3"  # the name earlier versions used, with no process id
    mine = tmp_path / f"greentext-downloads-{os.getpid()}-live"
    other = tmp_path / "someone-elses-folder"
    for folder in (stale, old_style, mine, other):
        (folder / "00000001").mkdir(parents=True)
    Downloads().write("slides.csv", "x")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert stale.name not in left and old_style.name not in left
    assert mine.name in left and other.name in left


def test_the_folder_is_gone_when_the_process_ends(tmp_path):
    code = ("import tempfile; tempfile.tempdir = %r\n"
            "from greentext.present.downloads import Downloads\n"
            "d = Downloads(); d.write('a.csv', 'x'); print(d.root)") % str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(downloads.__file__).parents[2])
    assert Path(done.stdout.strip()).parent == tmp_path and list(tmp_path.iterdir()) == []
