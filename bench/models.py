"""The bundled models: load time, and the transfer story (pretrain + fine-tune vs from scratch) in numbers.

    .venv/bin/python -m bench.models [--repeats 5] [--samples 100]

Every model is measured on the frozen validation stories (assets/corpus/greentexts-val.jsonl) by
`greentext.training.evaluate.measure`: held-out loss and perplexity, the next-token distribution after `\\n>`,
and format and repeat rates of 100 samples from `>be me`. Rows for models that are not on this machine
(the from-scratch run lives in runs/, the previous bundled model is read from git history) are skipped
with a note, never estimated.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Earlier bundled models, read from git history: v2 (6 × 256, base + 600 steps on 3,173 stories), v3 (6 × 320,
# 600 steps on 13,775 stories) and v3.1 (v3's base, 2,000 steps on 14,633 stories; its base read 61 of the
# 160 prose batches, today's base all of them).
EARLIER = {"v2": "644f55e", "v3": "d941a45", "v3.1": "4b9462c"}

LOAD = ("import time, torch, transformers; from greentext.model.loading import load_model; t0 = time.perf_counter(); "
        "from transformers import GPT2LMHeadModel, GPT2TokenizerFast; t1 = time.perf_counter(); "
        "load_model({path!r}, device='cpu'); print(t1 - t0, time.perf_counter() - t1)")


def load_seconds(path: Path, repeats: int) -> list[tuple[float, float]]:
    """(seconds importing transformers' GPT-2 code, seconds in `load_model`) on the CPU, each in a fresh process.

    The import is paid once per process whatever the checkpoint (transformers imports its model code
    lazily, at the first load); `import torch, transformers` is excluded.
    """
    runs = [subprocess.run([sys.executable, "-c", LOAD.format(path=str(path))], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split() for _ in range(repeats)]
    return [(float(a), float(b)) for a, b in runs]


def previous_model(folder: Path, version: str = "v2", part: str = "model") -> Path | None:
    """An earlier bundled model (`EARLIER`; part "model-base": its base), checked out of git history into
    `folder` (None outside a git clone)."""
    out = folder / f"{version}-{part}"
    out.mkdir()
    for name in ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer_config.json"):
        done = subprocess.run(["git", "show", f"{EARLIER[version]}:assets/{part}/{name}"], cwd=ROOT, capture_output=True)
        if done.returncode != 0:
            return None
        (out / name).write_bytes(done.stdout)
    return out


def run(repeats: int = 5, samples: int = 100, write_card: bool = False, pt_prompts: int = 100) -> str:
    from greentext.training.documents import load_documents
    from greentext.training.evaluate import measure, table

    lines = []
    val = load_documents(str(ROOT / "assets/corpus/greentexts-val.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        previous, v3, v31 = (previous_model(Path(tmp), v) for v in ("v2", "v3", "v3.1"))
        v31_base = previous_model(Path(tmp), "v3.1", "model-base")
        timed = {"assets/model": ROOT / "assets/model", "assets/model-base": ROOT / "assets/model-base"}
        if previous is not None:
            timed["previous bundled model"] = previous
        times = {name: load_seconds(path, repeats) for name, path in timed.items()}
        lines += [f"Loading on the CPU, median of {repeats} loads, each in a fresh process after `import torch, "
                  "transformers`: the first load also imports transformers' GPT-2 code (once per process, the same "
                  "for any checkpoint), then `load_model` reads the checkpoint:", "",
                  "| model | GPT-2 code import | `load_model` | max `load_model` |", "|---|---|---|---|"]
        lines += [f"| {n} | {statistics.median(a for a, _ in t):.2f} s | {statistics.median(b for _, b in t):.2f} s | "
                  f"{max(b for _, b in t):.2f} s |" for n, t in times.items()]
        candidates = [("model v2 (6 × 256, 600 steps on 3,173 stories)", previous),
                      ("model v3 (6 × 320, 600 steps on 13,775 stories)", v3),
                      ("model v3.1 (v3's base — 61 of the prose batches — 2,000 steps on 14,633 stories)", v31),
                      ("the bundled model, v3.2 (`assets/model`: a base on all 160 prose batches, the same 2,000 "
                       "steps on 14,633 stories)", ROOT / "assets/model"),
                      ("v3.1's base alone, before fine-tuning", v31_base),
                      ("v3.2's base alone, before fine-tuning (`assets/model-base`)", ROOT / "assets/model-base")]
        rows, missing = [], []
        for label, path in candidates:
            if path is None or not (path / "config.json").exists():
                missing.append(label)
                continue
            print(f"measuring {label}", file=sys.stderr, flush=True)
            row = measure(str(path), val, samples, deep=True, pt_prompts=pt_prompts)
            row["label"] = label
            rows.append(row)
    pt = sum(1 for r in rows[:1] for _ in range(r.get("val_stories_pt", 0)))
    lines += ["", f"On the {len(val)} frozen validation stories (never trained on; {pt} of them in Portuguese); "
              f"samples: {samples} from `>be me`, T 0.8, top-p 0.95, 80 new tokens, seeds 0–{samples - 1}:", "",
              table(rows), "", deep_table(rows)]
    lines += [f"\nNot on this machine, so not measured: {m}." for m in missing]
    if write_card and rows:  # the same table, in the bundled model's card
        from greentext.training.evaluate import write_card_section

        note = (f"Measured by `python -m bench.models` on the {len(val)} frozen validation stories "
                f"(`assets/corpus/greentexts-val.jsonl`, never trained on); samples: {samples} from `>be me`, "
                f"T 0.8, top-p 0.95, 80 new tokens, seeds 0–{samples - 1}.")
        write_card_section(ROOT / "assets/model/README.md", "Compared", note + "\n\n" + table(rows))
    return "\n".join(lines)


def deep_table(rows: list[dict]) -> str:
    """Per language, and how sure the model is (the lecture's "sure moments"), old vs new."""
    out = ["| model | perplexity en | perplexity pt | line starts: top-1 / entropy / ≥ 80% sure | inside lines: "
           "top-1 / entropy / ≥ 80% sure | Portuguese prompts continued in Portuguese | after `Parabéns pra você` |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        cands = ", ".join(f"`{t.strip() or repr(t)}` {p:.0%}" for t, p in r.get("after Parabéns pra você", []))
        out.append(f"| {r['label']} | {r.get('val_perplexity_en', float('nan')):.1f} | "
                   f"{r.get('val_perplexity_pt', float('nan')):.1f} | {r['line_start_top1']:.1%} / "
                   f"{r['line_start_entropy_bits']:.2f} bits / {r['line_start_sure']:.1%} | {r['inside_top1']:.1%} / "
                   f"{r['inside_entropy_bits']:.2f} bits / {r['inside_sure']:.1%} | "
                   f"{r.get('portuguese_continues', float('nan')):.0%} of {r.get('portuguese_prompts', 0)} | {cands} |")
    return "\n".join(out)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.models", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--card", action="store_true", help="also write the comparison into assets/model/README.md")
    parser.add_argument("--pt-prompts", type=int, default=100,
                        help="Portuguese validation stories whose first two lines are continued (language check)")
    args = parser.parse_args(argv)
    text = run(args.repeats, args.samples, args.card, args.pt_prompts)
    print(text)
    return text


if __name__ == "__main__":
    main()
