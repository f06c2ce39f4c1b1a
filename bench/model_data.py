"""What more data buys: the data-scaling curve of the fine-tune, and what the prose did to the base.

    python -m bench.model_data [--out BENCHMARKS.md]

1. The curve: model v3's recipe (`--preset bundled --max-steps 600`: 600 steps × 4 × 256 tokens, lr 5e-4,
   dropout 0.1) run on 25%, 50% and 100% of its 13,775 training stories (nested seeded subsets,
   `--subsets` writes `runs/curve/train-*.jsonl`), each measured on every frozen validation story (never
   trained on): held-out loss and perplexity, overall and per language. The 100% run is model v3 itself
   (read from git history); the bundled model (v3.1: 2,000 steps on 14,633 stories) is measured beside them.
2. The prose: from the same base checkpoint (part 1a, 800 steps on the Debian text), 100 steps at the same
   constant learning rate on the Debian text alone vs on the Debian text + the project's prose; the
   greentext validation loss of each (the base never sees a greentext: a measure of how much closer to
   stories the prose brings it), read from the two runs' logs.
3. The stories and prose written for v3 (`python -m greentext.training.briefs summary`).
Runs that are not on this machine are named, never estimated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CURVE = [("25%", ROOT / "runs/curve/ft-25", ROOT / "runs/curve/train-25.jsonl", 600),
         ("50%", ROOT / "runs/curve/ft-50", ROOT / "runs/curve/train-50.jsonl", 600),
         ("100% (model v3)", "v3", None, 600),
         ("the bundled model, v3.1 (all 14,633 stories)", ROOT / "assets/model", ROOT / "assets/corpus/greentexts.jsonl",
          2000)]
PROSE_RUN, CONTROL_RUN = ROOT / "runs/base-b", ROOT / "runs/base-control"


V3 = "d941a45"  # a commit with model v3 and its training file (13,775 stories): the curve's 100%


def v3_stories() -> str:
    """Model v3's training file, from git history (the curve's stories)."""
    return subprocess.run(["git", "show", f"{V3}:assets/corpus/greentexts.jsonl"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def make_subsets(out: Path = ROOT / "runs/curve") -> list[Path]:
    """The curve's training subsets: one seeded shuffle of model v3's training stories (`random.Random("curve")`),
    its first 25% and 50%, so the smaller subset lies inside the larger. Written to runs/curve/train-NN.jsonl."""
    import random

    lines = [line for line in v3_stories().splitlines() if line.strip()]
    random.Random("curve").shuffle(lines)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for pct in (25, 50):
        path = out / f"train-{pct}.jsonl"
        path.write_text("\n".join(lines[: round(len(lines) * pct / 100)]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def curve_rows() -> tuple[list[str], list[str]]:
    from greentext.training.documents import load_documents
    from greentext.training.evaluate import held_out, perplexity
    from greentext.training.languages import is_portuguese
    from greentext.model.loading import load_model

    val = load_documents(str(ROOT / "assets/corpus/greentexts-val.jsonl"))
    pt, en = [d for d in val if is_portuguese(d)], [d for d in val if not is_portuguese(d)]
    rows = [f"Each run measured on the {len(val):,} frozen validation stories ({len(pt):,} in Portuguese).", "",
            "| training stories | stories | tokens seen (steps × 4 × 256) | epochs | held-out loss | perplexity | "
            "perplexity en | perplexity pt |", "|---|---|---|---|---|---|---|---|"]
    missing = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, run, data, steps in CURVE:
            if run == "v3":  # model v3, from git history; its data: the training file as it was then
                from bench.models import previous_model

                run = previous_model(Path(tmp), "v3")
                data = Path(tmp) / "v3-train.jsonl"
                data.write_text(v3_stories(), encoding="utf-8")
            if run is None or not (run / "config.json").exists() or not data.exists() or not count_lines(data):
                missing.append(label)
                continue
            print(f"measuring {label}", file=sys.stderr, flush=True)
            loaded = load_model(str(run), device="cpu")
            model, tok = loaded.model, loaded.tokenizer
            stories = count_lines(data)
            tokens = sum(len(ids) + 1 for ids in tok(load_documents(str(data)))["input_ids"])
            loss, loss_en, loss_pt = (held_out(model, tok, docs) for docs in (val, en, pt))
            seen = steps * 4 * 256
            rows.append(f"| {label} | {stories:,} | {steps:,} × 4 × 256 = {seen:,} | {seen / tokens:.1f} | {loss:.3f} | "
                        f"{perplexity(loss):.1f} | {perplexity(loss_en):.1f} | {perplexity(loss_pt):.1f} |")
    return rows, missing


def probe_at(run: Path, step: int) -> tuple[float, float] | None:
    """(general validation loss, greentext validation loss) logged at `step` of a run, from its log."""
    log = run / "train_log.jsonl"
    if not log.exists():
        return None
    for entry in map(json.loads, log.read_text().splitlines()):
        if entry.get("step") == step and "probe_loss" in entry:
            return entry["val_loss"], entry["probe_loss"]
    return None


def run() -> str:
    lines, missing = curve_rows()
    lines = ["### The fine-tune's data-scaling curve", "", *lines]
    lines += [f"\nNot on this machine, so not measured: {m}." for m in missing]
    prose, control = probe_at(PROSE_RUN, 100), probe_at(CONTROL_RUN, 100)
    lines += ["", "### What the prose did to the base", ""]
    if prose and control:
        lines += ["| 100 steps after part 1a, on | greentext validation loss (the base never saw one) |",
                  "|---|---|",
                  f"| the Debian text alone | {control[1]:.3f} |",
                  f"| the Debian text + the project's prose (8 copies) | {prose[1]:.3f} |",
                  "", f"The prose lowers the greentext loss of the base by {control[1] - prose[1]:.3f} nats per token "
                  f"after 100 steps (each run's own general-text validation: {control[0]:.3f} and {prose[0]:.3f}, "
                  f"on different mixes, so not comparable)."]
    else:
        lines.append("The two 100-step runs (`runs/base-b`, `runs/base-control`) are not on this machine.")
    from greentext.training.briefs import summary

    s = summary()
    lines += ["", "### Written for v3", "", "```json", json.dumps(s, indent=1), "```"]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.model_data", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", help="write the result as the 'Model data' section of this Markdown file")
    p.add_argument("--subsets", action="store_true", help="only write the curve's 25%% and 50%% training subsets "
                                                          "(runs/curve/train-25.jsonl, -50.jsonl) and stop")
    args = p.parse_args(argv)
    if args.subsets:
        for path in make_subsets():
            print(f"{path.relative_to(ROOT)}: {count_lines(path):,} stories")
        return 0
    text = run()
    print(text)
    if args.out:
        from bench.record import write_sections

        write_sections(Path(args.out), [("Model data", text)], "python -m bench.model_data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
