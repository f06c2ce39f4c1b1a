"""Which shape for the same CPU time: GPT-2 shapes that fit the bundled models' 120 MB, each trained on the
greentexts for the same time on this machine, measured on every frozen validation story.

    python -m bench.model_shape [--budget 600] [--shapes tiny-6,6x320,8x320] [--out BENCHMARKS.md]

1. Speed: each shape's training tokens/s under bf16 autocast (4 × 256-token batches, as the fine-tune),
   measured side by side in one process (`bench.training`): on a shared machine the ratios hold, the
   absolute numbers do not.
2. Runs: the `scratch` preset's recipe (from scratch on the training stories: lr 1e-3 cosine to the run's
   end, dropout 0.1, bf16), for `--budget` steps of the bundled shape (6 × 320) and, for every other shape,
   the steps it makes in the same time (budget × its speed ÷ 6 × 320's). A finished run in runs/shape/ is
   measured again, not retrained; an unfinished one resumes from its last checkpoint.
3. Held-out loss and perplexity on all frozen validation stories, overall and per language, and the
   validation curve each run logged (bounded to 128 blocks), so a shape that is still falling faster shows.

From scratch, not base + fine-tune: a base is pretrained per shape (an hour each on 2 cores), so the sweep
compares the shapes on the phase that decides the held-out loss, at a budget one session can pay for.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "6x320"  # the bundled models' shape: the budget is counted in its steps
BATCH, BLOCK = 4, 256


def speeds(shapes: list[str], steps: int = 4) -> dict[str, float]:
    """Training tokens/s of each shape (bf16 autocast, plain AdamW), side by side in this process."""
    from bench.training import tokens_per_second
    from greentext.training.train import SIZES

    return {s: tokens_per_second(SIZES[s]["n_layer"], SIZES[s]["n_embd"], "bf16", False, steps, batch=BATCH,
                                 block=BLOCK)[0] for s in shapes}


def train_shape(shape: str, steps: int, out: Path) -> Path:
    """The `scratch` recipe for this shape and step count, into `out` (resumed when a checkpoint is there)."""
    import dataclasses

    from greentext.training.train import PRESETS, TrainConfig, train

    if (out / "metrics.json").exists():
        return out
    values = dict(PRESETS["scratch"], size=shape, max_steps=steps, out=str(out), checkpoint_dir=str(out / "checkpoints"),
                  eval_every=max(1, steps // 6), save_every=max(1, steps // 6), format_samples=0)
    cfg = dataclasses.replace(TrainConfig(), **values, resume=(out / "checkpoints").exists())
    return train(cfg, progress=True)


def measure(run: Path) -> dict:
    from greentext.model.loading import load_model
    from greentext.training.documents import load_documents
    from greentext.training.evaluate import held_out
    from greentext.training.languages import is_portuguese

    val = load_documents(str(ROOT / "assets/corpus/greentexts-val.jsonl"))
    pt, en = [d for d in val if is_portuguese(d)], [d for d in val if not is_portuguese(d)]
    loaded = load_model(str(run), device="cpu")
    loss, loss_en, loss_pt = (held_out(loaded.model, loaded.tokenizer, docs) for docs in (val, en, pt))
    log = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    metrics = json.loads((run / "metrics.json").read_text())
    return {"loss": loss, "en": loss_en, "pt": loss_pt, "stories": len(val), "pt_stories": len(pt),
            "parameters": loaded.info.parameters, "minutes": metrics.get("training_minutes"),
            "curve": [(e["step"], e["val_loss"]) for e in log if "val_loss" in e]}


def run(shapes: list[str], budget: int, folder: Path) -> str:
    from greentext.training.evaluate import perplexity

    plan = folder / "plan.json"  # the speeds and steps of the first start: a resumed sweep keeps them
    saved = json.loads(plan.read_text()) if plan.exists() else {}
    if saved.get("budget") != budget or set(saved.get("speeds", {})) != set(shapes):
        saved = {"budget": budget, "speeds": speeds(shapes)}
        folder.mkdir(parents=True, exist_ok=True)
        plan.write_text(json.dumps(saved, indent=1))
    fast = saved["speeds"]
    steps = {s: max(1, round(budget * fast[s] / fast[REFERENCE])) for s in shapes}
    print(f"tokens/s {fast}; steps {steps}", file=sys.stderr, flush=True)
    rows = {}
    for s in shapes:
        rows[s] = measure(train_shape(s, steps[s], folder / s))
    first = next(iter(rows.values()))
    lines = [f"Same time for each shape: {budget} steps of {REFERENCE} (the bundled shape), the others the steps they "
             f"make in that time at the speeds measured side by side here (bf16, {BATCH} × {BLOCK}-token batches). "
             f"Recipe: `--preset scratch` (from scratch on the {json.loads((folder / REFERENCE / 'metrics.json').read_text())['train_documents']:,} "
             f"training stories). Held-out: all {first['stories']:,} frozen validation stories ({first['pt_stories']:,} in Portuguese).", "",
             "| shape | parameters | fp16 size | tokens/s (bf16) | steps in the budget | minutes here | held-out loss | "
             "perplexity | en | pt |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s, r in rows.items():
        lines.append(f"| {s} | {r['parameters'] / 1e6:.1f} M | {r['parameters'] * 2 / 1e6:.0f} MB | {fast[s]:,.0f} | "
                     f"{steps[s]:,} | {r['minutes']} | {r['loss']:.3f} | {perplexity(r['loss']):.1f} | "
                     f"{perplexity(r['en']):.1f} | {perplexity(r['pt']):.1f} |")
    lines += ["", "Validation loss as each run went (bounded evaluation, 128 blocks; step: loss):", ""]
    for s, r in rows.items():
        lines.append(f"- {s}: " + ", ".join(f"{step}: {loss:.3f}" for step, loss in r["curve"]))
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.model_shape", description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default=f"tiny-6,{REFERENCE},8x320", help="shapes of greentext.training.train.SIZES")
    p.add_argument("--budget", type=int, default=600, help=f"steps of {REFERENCE}: the time every shape gets")
    p.add_argument("--folder", default=str(ROOT / "runs/shape"), help="where the runs go")
    p.add_argument("--out", help="write the result as the 'Model shape' section of this Markdown file")
    args = p.parse_args(argv)
    from greentext.training.train import SIZES

    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in shapes if s not in SIZES]
    if unknown or REFERENCE not in shapes:
        p.error(f"--shapes: {', '.join(unknown) or 'the list'} must be among {', '.join(SIZES)} and include {REFERENCE}")
    text = run(shapes, args.budget, Path(args.folder))
    print(text)
    if args.out:
        from bench.record import write_sections

        write_sections(Path(args.out), [("Model shape", text)], "python -m bench.model_shape")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
