"""Decode speed at batch 1: the engine vs `model.generate()`, the cost of step records and of the
rank and probabilities every token keeps (`steps.measure`, for the Generate tab's colouring).

    .venv/bin/python -m bench.decode [--shapes bundled,small] [--tokens 64] [--repeats 3]

Side by side in one run, interleaved (engine, generate, engine+records, …) so that machine noise hits
all of them alike; ratios are what to read. GPT-2 small/medium shapes use random weights: the cost of
a forward pass does not depend on the values, and no download is needed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager

import torch

from greentext.decode.settings import SamplingSettings

from .shapes import engine_for


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

    def run_engine(top_n=None):
        return engine.generate(prompt, settings, **({'top_n': top_n} if top_n else {}))

    def run_generate():
        torch.manual_seed(0)
        return engine.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0,
                                     top_k=0, top_p=1.0, max_new_tokens=tokens, pad_token_id=engine.eos_id)

    def run_unranked():
        with without_ranks():
            return run_engine()

    n_tokens = len(run_engine().ids)  # warm-up; also the real token count (may stop at <|endoftext|>)
    run_generate()
    run_engine(10)
    assert run_unranked().ids == run_engine().ids
    times = {"engine": [], "generate": [], "records": [], "unranked": []}
    for _ in range(repeats):
        times["engine"].append(time_it(run_engine))
        times["generate"].append(time_it(run_generate))
        times["records"].append(time_it(lambda: run_engine(10)))
        times["unranked"].append(time_it(run_unranked))
    med = {k: statistics.median(v) for k, v in times.items()}
    read = weight_read(engine.model)
    return {"shape": shape, "params": engine.info.parameters, "tokens": n_tokens, **read,
            "engine_gbs": read["bytes"] * n_tokens / med["engine"] / 1e9,
            "engine_tps": n_tokens / med["engine"], "generate_tps": n_tokens / med["generate"],
            "records_tps": n_tokens / med["records"], "speedup": med["generate"] / med["engine"],
            "records_cost": med["records"] / med["engine"] - 1, "ranks_cost": med["engine"] / med["unranked"] - 1}


@contextmanager
def without_ranks():
    """The engine as it was before every token kept its rank and probabilities: `measure` hands back only
    the chosen id (the one host copy the draw always needed), so the difference is the cost of the ranks."""
    from greentext.decode import engine

    def id_only(stages, chosen, greedy, probs=None):
        return torch.cat([chosen.float(), torch.zeros(3, device=chosen.device)])

    real = engine.measure
    engine.measure = id_only
    try:
        yield
    finally:
        engine.measure = real


def weight_read(model, repeats: int = 5) -> dict:
    """How fast this machine reads the model's weights: a streaming sum over every parameter, and the
    matrix-vector products in the layouts the model uses (GPT-2's Conv1D `x @ W`, the tied lm_head
    `F.linear(x, wte)`). Bytes per token / these rates bound batch-1 decoding from above."""
    import torch.nn.functional as F

    params = {p.data_ptr(): p for p in model.parameters()}.values()
    total = sum(p.numel() * p.element_size() for p in params)
    lm_head = model.get_output_embeddings().weight
    mats = [p for p in params if p.dim() == 2 and p.data_ptr() != model.transformer.wpe.weight.data_ptr()]
    mat_bytes = sum(p.numel() * p.element_size() for p in mats)
    with torch.inference_mode():
        def read_sum():
            for p in params:
                p.sum()

        def read_matvec():
            for w in mats:
                if w.data_ptr() == lm_head.data_ptr():
                    F.linear(torch.ones(1, w.shape[1], dtype=w.dtype), w)
                else:
                    torch.ones(1, w.shape[0], dtype=w.dtype) @ w

        read_sum(), read_matvec()
        t_sum = min(time_it(read_sum) for _ in range(repeats))
        t_mv = min(time_it(read_matvec) for _ in range(repeats))
    return {"bytes": total, "sum_gbs": total / t_sum / 1e9, "matvec_gbs": mat_bytes / t_mv / 1e9,
            "matvec_s": t_mv}


def sampling_cost(vocab: int = 50257, repeats: int = 200) -> list[dict]:
    """Milliseconds to choose one token from (1, vocab) logits, per setting: what each user's row costs
    the batch worker every step on top of the shared forward pass (it cannot be shared: each user has
    their own settings and seeded generator, as in `generate()`)."""
    from greentext.decode import sampling
    from greentext.decode.steps import measure

    logits = torch.randn(1, vocab, generator=torch.Generator().manual_seed(0)) * 3
    generator = torch.Generator().manual_seed(0)
    rows = []
    for name, (t, k, p) in {"plain": (1.0, 0, 1.0), "default": (0.8, 50, 0.95)}.items():
        settings = SamplingSettings(t, k, p, 32, 0)

        def choose():
            for _ in range(repeats):
                sampling.choose(sampling.process(logits, settings).final, False, generator)

        choose()
        rows.append({"sampling": name, "settings": f"T {t}, top-k {k}, top-p {p}",
                     "ms": min(time_it(choose) for _ in range(3)) / repeats * 1000})
    stages = sampling.process(logits, SamplingSettings(0.8, 50, 0.95, 32, 0))
    probs = stages.final.softmax(-1)
    chosen = sampling.draw(probs, generator)

    def rank():
        for _ in range(repeats):
            measure(stages, chosen, False, probs)

    rank()
    rows.append({"sampling": "rank and p (`steps.measure`)", "settings": "one comparison and one softmax",
                 "ms": min(time_it(rank) for _ in range(3)) / repeats * 1000})
    return rows


def bench_batching(shape: str, tokens: int, users=(1, 4, 16)) -> list[dict]:
    """Aggregate decode tokens/s of the batch worker with n generations submitted together (no web server)."""
    from greentext.decode.batching import BatchWorker

    engine = engine_for(shape)
    worker = BatchWorker(engine, max_batch=max(users))
    prompt = "the lecture\n>be me\n>"
    worker.submit(prompt, SamplingSettings(1.0, 0, 1.0, 4, 0)).wait()  # warm-up
    rows = []
    for n in users:
        start = time.perf_counter()
        jobs = [worker.submit(prompt, SamplingSettings(1.0, 0, 1.0, tokens, seed)) for seed in range(n)]
        made = sum(len(job.wait().ids) for job in jobs)
        rows.append({"shape": shape, "users": n, "tokens_per_s": made / (time.perf_counter() - start)})
    for r in rows:
        r["scaling"] = r["tokens_per_s"] / rows[0]["tokens_per_s"]
    return rows


def table(rows: list[dict], batch_rows: list[dict], tokens: int, sampling_rows=()) -> str:
    lines = [f"Batch 1, {tokens} new tokens, T 1.0 (no filter), median of interleaved repeats.", "",
             "| model | parameters | engine tok/s | generate() tok/s | engine / generate | with records (top 10) tok/s "
             "| records cost | rank and p cost |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['params'] / 1e6:.1f} M | {r['engine_tps']:.1f} | {r['generate_tps']:.1f} | "
                     f"{r['speedup']:.2f}× | {r['records_tps']:.1f} | {r['records_cost']:+.1%} | "
                     f"{r['ranks_cost']:+.1%} |")
    lines += ["", "Rank and p cost: the engine (every token keeps its rank and probabilities, for the Generate "
              "tab's colouring) against the same engine keeping only the token id, interleaved in one run."]
    lines += ["", "Batch 1 reads every weight once per token. The same machine, same run: how fast it reads the "
              "model's weights by a streaming sum, and by the matrix-vector products in the model's own layouts "
              "(the whole forward pass is those products plus a little). Effective = weight bytes × tokens/s.", "",
              "| model | weights | streaming read | matvec read (model layouts) | engine effective | "
              "engine / streaming bound | engine / matvec bound |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['bytes'] / 1e6:.0f} MB | {r['sum_gbs']:.1f} GB/s | {r['matvec_gbs']:.1f} GB/s | "
                     f"{r['engine_gbs']:.1f} GB/s | {r['engine_gbs'] / r['sum_gbs']:.0%} | "
                     f"{r['engine_gbs'] / r['matvec_gbs']:.0%} |")
    if sampling_rows:
        lines += ["", "Choosing one token from GPT-2's 50,257 logits (softmax, filters, a seeded multinomial draw), "
                  "per user and token; the batch worker shares the forward pass but not this.", "",
                  "| sampling | settings | ms per token per user |", "|---|---|---|"]
        lines += [f"| {r['sampling']} | {r['settings']} | {r['ms']:.2f} |" for r in sampling_rows]
    if batch_rows:
        lines += ["", "The batch worker alone (no web server): n generations submitted at once.", "",
                  "| model | generations | aggregate tok/s | vs 1 |", "|---|---|---|---|"]
        lines += [f"| {r['shape']} | {r['users']} | {r['tokens_per_s']:.1f} | {r['scaling']:.1f}× |" for r in batch_rows]
    return "\n".join(lines)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.decode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="bundled,small")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-shape", default="small", help="shape for the batch-worker table ('' to skip)")
    args = parser.parse_args(argv)
    rows = [bench_shape(s, args.tokens, args.repeats) for s in args.shapes.split(",")]
    batch_rows = bench_batching(args.batch_shape, 32) if args.batch_shape else []
    text = table(rows, batch_rows, args.tokens, sampling_cost())
    print(text)
    return text


if __name__ == "__main__":
    main()
