"""The logit lens's cost beside a plain forward pass over the same text (GPT-2 small's shape, random weights).

    .venv/bin/python -m bench.lens [--tokens 128,1024] [--repeats 5] [--shapes small]

Plain = `model(ids, logits_to_keep=1)`: the next token's logits, as the app's prefill computes them (no KV
cache kept). Lens = `lens.lens_of_ids` at the text's last token: the same forward pass with hidden states,
then every other layer's output through the final layer norm and the output layer, top 10 and the tracked
token's rank per layer, copied to the host. Also shown: a forward pass with logits at every position
(`model(ids)`), what a lens of every position at once would start from. Each repeat runs the three in turn;
the best of the repeats is kept (a shared machine's noise only adds time). Target: lens ≤ 1.5 × plain.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

import torch

from greentext.probes.lens import lens_of_ids

from .attention import text_of
from .shapes import engine_for

TARGET = 1.5


def _seconds(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def run_rows(tokens=(128, 1024), repeats: int = 8, shapes=("small",), threads: int = 0) -> list[dict]:
    """Rows of the table; `threads` > 0 sets torch's CPU threads first (1 is steadiest on a busy shared machine,
    where a descheduled thread stalls the others)."""
    if threads:
        torch.set_num_threads(threads)
    rows = []
    for shape in shapes:
        engine = engine_for(shape)
        model = engine.model
        for n in tokens:
            ids = engine.tokenizer.encode(text_of(engine.tokenizer, n))[:min(n, engine.info.context)]
            x = torch.tensor([ids], device=engine.device)

            def plain():
                with torch.inference_mode():
                    model(input_ids=x, logits_to_keep=1, use_cache=False).logits.float().cpu()

            def full():
                with torch.inference_mode():
                    model(input_ids=x, use_cache=False).logits[0, -1].float().cpu()

            def lens():
                lens_of_ids(engine, ids, top_n=10)

            runs = {"plain": plain, "full": full, "lens": lens}
            best = {name: float("inf") for name in runs}
            for fn in runs.values():  # warm-up
                fn()
            for _ in range(repeats):
                for name, fn in runs.items():
                    best[name] = min(best[name], _seconds(fn))
            rows.append(dict(shape=shape, desc=f"{engine.info.layers} layers × {engine.info.hidden}", n=len(ids),
                             device=f"{engine.info.device}, {torch.get_num_threads()} thread(s)", **best))
            print(f"  measured {shape}, {len(ids)} tokens", file=sys.stderr, flush=True)  # progress
    return rows


def table(rows: list[dict], repeats: int) -> str:
    lines = [
        "One position lensed (the token after the text): every layer's top 10 and the tracked token's rank, "
        "from one forward pass with hidden states. *Plain* = the next token's logits (`logits_to_keep=1`, as the "
        "app's prefill); *all logits* = `model(ids)`, logits at every position. Best of "
        f"{repeats} repeats, the three interleaved, on the threads named (one by default: on a shared machine two "
        f"threads stall each other and the times become noise; `--threads 0` for torch's default). "
        f"Target: lens ≤ {TARGET}× plain.",
        "",
        "| model | tokens | device | plain forward | forward, all logits | logit lens | lens / plain |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r["lens"] / r["plain"]
        lines.append(f"| {r['shape']} ({r['desc']}) | {r['n']} | {r['device']} | {r['plain'] * 1000:.0f} ms | "
                     f"{r['full'] * 1000:.0f} ms | {r['lens'] * 1000:.0f} ms | **{ratio:.2f}×** |")
    return "\n".join(lines)


def run(quick: bool = False, threads: int = 1) -> str:
    """The section of BENCHMARKS.md (quick: 2 repeats), on one CPU thread (steadiest on a shared machine)."""
    repeats = 2 if quick else 8
    text = table(run_rows(repeats=repeats, threads=threads), repeats)
    print(text)
    return text


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.lens", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", default="128,1024")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--shapes", default="small", help="small, medium or bundled (comma-separated)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0 = torch's default)")
    args = parser.parse_args(argv)
    rows = run_rows(tuple(int(n) for n in args.tokens.split(",")), args.repeats, tuple(args.shapes.split(",")),
                    args.threads)
    text = table(rows, args.repeats)
    print(text)
    return text


if __name__ == "__main__":
    main()
