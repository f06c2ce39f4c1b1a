"""The Attention tab's bertviz views vs stock bertviz: bytes shipped to the browser and build time.

    .venv/bin/python -m bench.attention [--tokens 128,512,1024] [--stock-max 512] [--shapes small,bundled]

Same inputs for both: the eager attention of a model (GPT-2 small's shape with random weights, and
the bundled model) over n tokens of the corpus. Stock = `bertviz.head_view(..., html_action="return")`
plus `bertviz.model_view(...)`, the HTML a notebook would get (and it still needs a CDN to draw).
Ours = what the tab sends when it opens: the head view of one layer + the model view (thumbnails), each
in its sandboxed iframe, plus d3 and jQuery (served once by the app, then cached by the browser);
then each layer change sends one head view.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

from greentext.present import attention_html as av

from .shapes import engine_for

CORPUS = Path(__file__).resolve().parent.parent / "assets" / "corpus" / "greentexts.jsonl"


def text_of(tokenizer, n: int) -> str:
    """About n tokens of corpus text, the stories one after another (the table gives the exact count)."""
    ids: list[int] = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        ids += tokenizer.encode(json.loads(line)["text"] + "\n")
        if len(ids) >= n:
            break
    return tokenizer.decode(ids[:n])


def timed(fn, repeats: int = 1):
    best, out = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def ours(att, layer: int, prompt_tokens: int) -> dict:
    """The tab's first render (head view of `layer` + model view) and a layer change (head view)."""
    kw = dict(prompt_tokens=prompt_tokens, url_prefix="gradio_api/file=")

    def first():
        head = av.head_view(att.tokens, att.weights[layer], layer, **kw)
        model = av.model_view(att.tokens, att.weights, **kw)
        return head.iframe(), model.iframe()

    def change():
        return av.head_view(att.tokens, att.weights[(layer + 1) % len(att.weights)], layer + 1, **kw).iframe()

    (head, model), t_first = timed(first, repeats=3)
    view, t_change = timed(change, repeats=3)
    libraries = sum(p.stat().st_size for p in av.library_files().values())
    return dict(first_bytes=len(head.encode()) + len(model.encode()), libraries=libraries, first_s=t_first,
                change_bytes=len(view.encode()), change_s=t_change)


def stock(att) -> dict:
    """Stock bertviz's head view + model view of the same weights (all layers in each)."""
    import torch
    from bertviz import head_view, model_view

    attention = [torch.from_numpy(np.ascontiguousarray(w))[None] for w in att.weights]
    tokens = [t.raw for t in att.tokens]

    def build():
        return (head_view(attention, tokens, html_action="return").data,
                model_view(attention, tokens, html_action="return").data)

    (head, model), seconds = timed(build)
    size = len(head.encode()) + len(model.encode())
    del head, model
    gc.collect()
    return dict(bytes=size, seconds=seconds)


def run_rows(tokens=(128, 512, 1024), stock_max: int = 512, shapes=("small", "bundled")) -> list[dict]:
    rows = []
    for shape in shapes:
        engine = engine_for(shape)
        layer = engine.info.layers // 2
        for n in tokens:
            if n > engine.info.context:  # the text would keep its last `context` tokens: a row already shown
                continue
            text = text_of(engine.tokenizer, n)
            att, t_att = timed(lambda: engine.attention(text))
            row = dict(shape=shape, shape_desc=f"{engine.info.layers}×{engine.info.heads}", n=len(att.tokens),
                       attention_s=t_att, **ours(att, layer, prompt_tokens=len(att.tokens) * 3 // 4))
            row["stock"] = stock(att) if n <= stock_max else None
            rows.append(row)
            print(f"  measured {row['shape_desc']}, {row['n']} tokens", file=sys.stderr, flush=True)  # progress
            del att
            gc.collect()
    return rows


def _mb(b: float) -> str:
    return f"{b / 1e6:.2f} MB" if b < 1e8 else f"{b / 1e6:,.0f} MB"


def table(rows: list[dict], stock_max: int) -> str:
    lines = [
        "Same eager attention in both; *ours* = the tab's first render (head view of one layer + model view, "
        "in sandboxed iframes) + d3 and jQuery (served once by the app, cached after); a layer change sends "
        "one head view. Stock = `bertviz.head_view` + `bertviz.model_view` HTML (all weights as JSON; it "
        f"also needs a CDN to draw). Stock is not run above {stock_max} tokens (its size grows as n²·layers·heads). "
        "Targets on GPT-2 small's shape: 128 tokens ≤ 2 MB and ≤ 0.3 s; 512 tokens ≤ 8 MB and ≤ 1 s.",
        "",
        "| model (layers×heads) | tokens | eager attention | stock size | stock build | ours: first render "
        "(+ libraries) | ours: build | size ratio | build ratio | layer change |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours_bytes = r["first_bytes"] + r["libraries"]
        s = r["stock"]
        stock_size = _mb(s["bytes"]) if s else "not run"
        stock_time = f"{s['seconds']:.2f} s" if s else "not run"
        size_ratio = f"{s['bytes'] / ours_bytes:,.0f}× smaller" if s else "–"
        time_ratio = f"{s['seconds'] / r['first_s']:,.0f}× faster" if s else "–"
        lines.append(
            f"| {r['shape']} ({r['shape_desc']}) | {r['n']} | {r['attention_s']:.2f} s | {stock_size} | {stock_time} | "
            f"{_mb(r['first_bytes'])} (+ {_mb(r['libraries'])}) | {r['first_s']:.3f} s | {size_ratio} | {time_ratio} | "
            f"{_mb(r['change_bytes'])}, {r['change_s']:.3f} s |")
    return "\n".join(lines)


def run(quick: bool = False) -> str:
    """The section of BENCHMARKS.md (quick: 128 and 512 tokens, stock at 128 only)."""
    tokens, stock_max = ((128, 512), 128) if quick else ((128, 512, 1024), 512)
    text = table(run_rows(tokens, stock_max), stock_max)
    print(text)
    return text


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.attention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", default="128,512,1024")
    parser.add_argument("--stock-max", type=int, default=512, help="largest n stock bertviz is run on")
    parser.add_argument("--shapes", default="small,bundled")
    args = parser.parse_args(argv)
    rows = run_rows(tuple(int(n) for n in args.tokens.split(",")), args.stock_max, tuple(args.shapes.split(",")))
    text = table(rows, args.stock_max)
    print(text)
    return text


if __name__ == "__main__":
    main()
