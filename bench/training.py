"""Training speed on this machine: tokens/s for GPT-2 shapes, fp32 vs bf16 autocast, plain vs fused AdamW.

    python -m bench.training [--shapes 6x256,6x384] [--steps 6] [--out BENCHMARKS.md]

Each row trains a fresh model with GPT-2's vocabulary (50,257 tokens, tied output layer) on random token
blocks (batch 8 × 256), as `python -m greentext.training.train` does: forward, loss, backward, clip, AdamW step.
The rows run side by side in one process, so their ratios are comparable; absolute numbers are noisy.
"""

from __future__ import annotations

import argparse
import time

import torch


def shape(text: str) -> tuple[int, int]:
    layers, width = text.lower().split("x")
    return int(layers), int(width)


def tokens_per_second(layers: int, width: int, precision: str, fused: bool, steps: int, batch: int = 8,
                      block: int = 256) -> tuple[float, float]:
    """(training tokens/s, parameters in millions) for one configuration."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    heads = max(1, width // 64)
    config = GPT2Config(vocab_size=50257, n_positions=512, n_layer=layers, n_embd=width, n_head=heads)
    model = GPT2LMHeadModel(config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fused)
    data = torch.randint(0, 50257, (steps + 2, batch, block))
    amp = precision == "bf16"

    def step(x):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for x in data[:2]:  # warm-up
        step(x)
    started = time.perf_counter()
    for x in data[2:]:
        step(x)
    elapsed = time.perf_counter() - started
    params = sum(p.numel() for p in model.parameters()) / 1e6
    return steps * batch * block / elapsed, params


def table(shapes: list[str], steps: int) -> list[str]:
    rows = ["| shape | parameters | fp32 tok/s | bf16 tok/s | bf16 + fused AdamW tok/s | bf16 / fp32 | fp16 size |",
            "|---|---|---|---|---|---|---|"]
    for text in shapes:
        layers, width = shape(text)
        fp32, params = tokens_per_second(layers, width, "fp32", False, steps)
        bf16, _ = tokens_per_second(layers, width, "bf16", False, steps)
        fused, _ = tokens_per_second(layers, width, "bf16", True, steps)
        rows.append(f"| {layers}×{width} | {params:.1f} M | {fp32:,.0f} | {bf16:,.0f} | {fused:,.0f} | "
                    f"{bf16 / fp32:.2f}× | {params * 2:.0f} MB |")
        print(rows[-1], flush=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.training", description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="6x256,6x320,8x320,6x384", help="layers×width, comma-separated")
    p.add_argument("--steps", type=int, default=6, help="timed steps per configuration (after 2 warm-up steps)")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--out", help="write the table as the 'Training speed' section of this Markdown file")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = table(args.shapes.split(","), args.steps)
    print("\n".join(rows))
    if args.out:
        from pathlib import Path

        from bench.record import write_sections

        intro = ("Training tokens/s on this machine (batch 8 × 256, AdamW, GPT-2's vocabulary, 2 threads), every row "
                 "measured side by side in one run; bf16 = `torch.autocast('cpu', dtype=torch.bfloat16)` "
                 "(`--precision bf16` in `python -m greentext.training.train`).")
        write_sections(Path(args.out), [("Training speed", intro + "\n\n" + "\n".join(rows))],
                       "python -m bench.training")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
