"""The benchmarks file (BENCHMARKS.md): its `## ` sections read and written, each stamped with the command that
measured it and this machine. Every benchmark writes through here (`python -m bench`, and each module's `--out`)."""

from __future__ import annotations

import datetime
import platform
from pathlib import Path

import torch


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (f"{cpu}, {torch.get_num_threads()} threads, GPU: {gpu}; Python {platform.python_version()}, "
            f"torch {torch.__version__}; {datetime.date.today().isoformat()}")


def read_sections(path: Path) -> dict[str, str]:
    """The `## ` sections of an existing benchmarks file, title → body, in order (empty if none)."""
    if not path.exists():
        return {}
    sections, title, stamp = {}, None, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if title is None and line.startswith("Written by "):  # an older file: one stamp for every section
            stamp = f"_{line.removeprefix('Written by ').rstrip('.').replace('` on:', '` on:')}._\n\n"
            stamp = "_Measured by " + stamp[1:]
        if line.startswith("## "):
            title = line[3:].strip()
            sections[title] = []
        elif title is not None:
            sections[title].append(line)
    bodies = {t: "\n".join(body).strip() for t, body in sections.items()}
    return {t: b if b.startswith("_Measured") else stamp + b for t, b in bodies.items()}


def write_sections(path: Path, sections: list[tuple[str, str]], command: str) -> None:
    """Put `sections` (title, body) into the benchmarks file at `path`, each stamped with `command` and this
    machine; the file's other sections stay as they are."""
    stamp = f"_Measured by `{command}` on: {machine()}._"
    kept = read_sections(path)
    for title, body in sections:
        kept[title] = stamp + "\n\n" + body.strip()
    text = ["# Benchmarks", "", "Each section says how and where it was measured; `python -m bench --only NAME` "
            "re-measures one section and keeps the others.", ""]
    for title, body in kept.items():
        text += [f"## {title}", "", body.strip(), ""]
    path.write_text("\n".join(text))
    print(f"\nwrote {path}")
