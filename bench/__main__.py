"""All benchmarks in one run, printed as tables and written to BENCHMARKS.md:

    .venv/bin/python -m bench            # about 15 minutes on 2 CPU cores
    .venv/bin/python -m bench --quick    # fewer repeats and users: a smoke run

1. decode tokens/s at batch 1: the engine vs `model.generate()`, and the cost of step records;
   the batch worker's aggregate tokens/s with several generations at once;
2. concurrent `gradio_client` users streaming from a launched app: TTFT p50/p95, tokens/s, failures;
3. cold start: process start → page served;
4. the attention view: size and build time vs stock bertviz;
5. the bundled models: load time, and pretrain + fine-tune vs from scratch on the frozen validation stories;
6. the logit lens: one position lensed vs a plain forward pass over the same text (`--only lens`).
A soak (30 minutes of a crowd: memory, open files, temporary folders over time) runs on its own:
`python -m bench.soak --out BENCHMARKS.md`; so does the room vote (300 phones voting on one room while the
presenter steps: `python -m bench.room --out BENCHMARKS.md`, or `--only room` here).
Each section measures its contenders side by side in one run: read the ratios; absolute times on a
shared machine are noisy.
"""

from __future__ import annotations

import argparse
import datetime
import platform
from pathlib import Path

import torch

from . import coldstart, concurrency, decode

ROOT = Path(__file__).resolve().parent.parent


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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and users (a smoke run)")
    parser.add_argument("--out", default=None, help="the file to write (default: BENCHMARKS.md; with --quick, "
                                                   "runs/bench-quick.md, so a smoke run never touches the record)")
    parser.add_argument("--only", default="decode,concurrency,coldstart,attention,models,lens",
                        help="sections to run; the other sections already in --out are kept as they are")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = str(ROOT / "runs" / "bench-quick.md") if args.quick else str(ROOT / "BENCHMARKS.md")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    sections = []
    if "decode" in only:
        sections.append(("Decode speed (batch 1) and step records",
                         decode.main(["--repeats", "1" if args.quick else "3", "--tokens", "32" if args.quick else "64"])))
    if "concurrency" in only:
        sections.append(("Concurrent users", concurrency.main(["--users", "1,4" if args.quick else "1,4,16,32",
                                                                   "--repeats", "1" if args.quick else "3"])))
    if "coldstart" in only:
        sections.append(("Cold start", coldstart.main(["--repeats", "1" if args.quick else "3"])))
    if "attention" in only:
        from . import attention

        sections.append(("Attention view", attention.run(quick=args.quick)))
    if "models" in only:
        from . import models

        sections.append(("Bundled models", models.run(repeats=2 if args.quick else 5, samples=10 if args.quick else 100,
                                                                  write_card=not args.quick)))
    if "lens" in only:
        from . import lens

        sections.append(("Logit lens", lens.run(quick=args.quick)))
    if "room" in only:  # not in the default run: `--only room`
        from . import room

        sections.append(("Room", room.main(["--phones", "60" if args.quick else "300",
                                             "--steps", "4" if args.quick else "20"])))
    write_sections(Path(args.out), sections, f"python -m bench{' --quick' if args.quick else ''}")


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


if __name__ == "__main__":
    main()
