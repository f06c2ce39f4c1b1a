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
presenter steps: `python -m bench.room --out BENCHMARKS.md`, or `--only room` here; the same on the presenter's
real page in chromium: `python -m bench.room_projector --out BENCHMARKS.md`).
Each section measures its contenders side by side in one run: read the ratios; absolute times on a
shared machine are noisy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import coldstart, concurrency, decode
from .record import write_sections

ROOT = Path(__file__).resolve().parent.parent


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


if __name__ == "__main__":
    main()
