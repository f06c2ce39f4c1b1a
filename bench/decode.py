"""Decode speed at batch 1: the engine vs `model.generate()`, and the cost of step records.

    .venv/bin/python -m bench.decode [--shapes bundled,small] [--tokens 64] [--repeats 3]

Side by side in one run, interleaved (engine, generate, engine+records, …) so that machine noise hits
all of them alike; ratios are what to read. GPT-2 small/medium shapes use random weights: the cost of
a forward pass does not depend on the values, and no download is needed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from greentext.engine import Engine
from greentext.loading import BUNDLED_MODEL, LoadedModel, ModelInfo
from greentext.settings import SamplingSettings

SHAPES = {"small": dict(n_layer=12, n_embd=768, n_head=12), "medium": dict(n_layer=24, n_embd=1024, n_head=16)}


def engine_for(shape: str) -> Engine:
    if shape == "bundled":
        return Engine.load(str(BUNDLED_MODEL), device="cpu")
    from transformers import GPT2Config, GPT2LMHeadModel

    from greentext.tokens import gpt2_tokenizer

    tok = gpt2_tokenizer()
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_positions=1024, **SHAPES[shape],
                                       attn_implementation="sdpa")).eval()
    model.requires_grad_(False)
    cfg = model.config
    info = ModelInfo(f"gpt2-{shape} shape (random)", model.num_parameters(), cfg.n_layer, cfg.n_head, cfg.n_embd,
                     cfg.n_positions, cfg.vocab_size, "cpu", "float32")
    return Engine(LoadedModel(model, tok, info))


def time_it(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_shape(shape: str, tokens: int, repeats: int) -> dict:
    engine = engine_for(shape)
    prompt = "the lecture\n>be me\n>"
    # top_k=0, top_p=1: no filter stops early; a fixed seed; eos ignored by generating from a fixed length
    settings = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=tokens, seed=0)
    ids = torch.tensor([engine.prepare(prompt, tokens).ids])

    def run_engine(top_n=0):
        return engine.generate(prompt, settings, top_n=top_n)

    def run_generate():
        torch.manual_seed(0)
        return engine.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0,
                                     top_k=0, top_p=1.0, max_new_tokens=tokens, pad_token_id=engine.eos_id)

    n_tokens = len(run_engine().ids)  # warm-up; also the real token count (may stop at <|endoftext|>)
    run_generate()
    run_engine(10)
    times = {"engine": [], "generate": [], "records": []}
    for _ in range(repeats):
        times["engine"].append(time_it(run_engine))
        times["generate"].append(time_it(run_generate))
        times["records"].append(time_it(lambda: run_engine(10)))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"shape": shape, "params": engine.info.parameters, "tokens": n_tokens,
            "engine_tps": n_tokens / med["engine"], "generate_tps": n_tokens / med["generate"],
            "records_tps": n_tokens / med["records"], "speedup": med["generate"] / med["engine"],
            "records_cost": med["records"] / med["engine"] - 1}


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="bundled,small")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(torch.get_num_threads())
    rows = [bench_shape(s, args.tokens, args.repeats) for s in args.shapes.split(",")]
    print(f"| model | parameters | engine tok/s | generate() tok/s | engine / generate | with records (top 10) tok/s | records cost |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['shape']} | {r['params'] / 1e6:.1f} M | {r['engine_tps']:.1f} | {r['generate_tps']:.1f} | "
              f"{r['speedup']:.2f}× | {r['records_tps']:.1f} | {r['records_cost']:+.1%} |")
    return rows


if __name__ == "__main__":
    main()
