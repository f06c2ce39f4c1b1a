"""How good is a greentext model? Held-out loss / perplexity, and the format rate.

The format rate is the share of samples from `>be me` that look like a greentext: at least three
lines, and every non-empty line starts with `>`.
"""

from __future__ import annotations

import math
from pathlib import Path
from dataclasses import dataclass

import torch

from greentext.decode.settings import SamplingSettings
from greentext.training.languages import is_portuguese

FORMAT_PROMPT = ">be me"
FORMAT_SETTINGS = dict(temperature=0.8, top_k=0, top_p=0.95, max_new_tokens=80)


def is_greentext(text: str) -> bool:
    """At least three lines, and every non-empty line starts with '>'."""
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) >= 3 and all(line.startswith(">") for line in lines)


@dataclass
class FormatReport:
    rate: float  # share of samples in greentext format
    samples: list[str]  # prompt + continuation, in order
    seeds: list[int]


def format_rate(engine, n: int = 100, first_seed: int = 0) -> FormatReport:
    """Generate n samples from `>be me` (T 0.8, top-p 0.95, 80 tokens; seeds first_seed…) and score them."""
    samples, seeds = [], []
    for seed in range(first_seed, first_seed + n):
        run = engine.generate(FORMAT_PROMPT, SamplingSettings(**FORMAT_SETTINGS, seed=seed))
        samples.append(FORMAT_PROMPT + run.text)
        seeds.append(seed)
    rate = sum(is_greentext(s) for s in samples) / n
    return FormatReport(rate, samples, seeds)


@torch.no_grad()
def mean_loss(model, blocks: torch.Tensor, batch_size: int = 8, device: torch.device | str = "cpu",
              autocast_dtype: torch.dtype | None = None) -> float:
    """Mean next-token cross-entropy (nats) of the model over token blocks (n_blocks, block_size)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(blocks), batch_size):
        batch = blocks[i:i + batch_size].to(device)
        with torch.autocast(device_type=torch.device(device).type, dtype=autocast_dtype,
                            enabled=autocast_dtype is not None):
            logits = model(input_ids=batch).logits.float()
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)),
                                                 batch[:, 1:].reshape(-1), reduction="sum")
        total += loss.item()
        count += batch[:, 1:].numel()
    model.train(was_training)
    return total / max(count, 1)


def perplexity(loss: float) -> float:
    return math.exp(loss) if loss < 50 else float("inf")


def repeats_a_line(text: str) -> bool:
    """True if some non-empty line (after the first) appears twice: the sign of a model stuck in a loop."""
    lines = [line.strip() for line in text.split("\n") if line.strip() and line.strip() != ">"]
    return len(set(lines)) < len(lines)


@dataclass
class LineStarts:
    """The next-token distribution right after a line's `>` (what the Probabilities tab shows most)."""

    positions: int  # how many line starts were measured
    median_entropy_bits: float
    median_top1: float


@torch.no_grad()
def line_starts(model, tokenizer, docs: list[str], device="cpu") -> LineStarts:
    """Median entropy (bits) and top-1 probability of the token after every `\\n>` in `docs`, each
    document read on its own from `<|endoftext|>` (as a story starts in the app)."""
    model.eval()
    eos = tokenizer.eos_token_id
    newline, gt = tokenizer.encode("\n"), tokenizer.encode(">")
    entropies, tops = [], []
    context = getattr(model.config, "n_positions", 1024)
    for doc in docs:
        ids = ([eos] + tokenizer.encode(doc))[:context]
        at = [i for i in range(1, len(ids) - 1) if ids[i - 1:i] == newline and ids[i:i + 1] == gt]
        if not at:
            continue
        logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, at].float()
        logp = torch.log_softmax(logits, dim=-1)
        entropies += (-(logp.exp() * logp).sum(-1) / math.log(2)).tolist()
        tops += logp.max(-1).values.exp().tolist()
    if not tops:
        return LineStarts(0, float("nan"), float("nan"))
    return LineStarts(len(tops), float(torch.tensor(entropies).median()), float(torch.tensor(tops).median()))


@dataclass
class Sureness:
    """How sure the model is of the text's next token, at line starts and inside lines."""

    positions: int
    median_top1: float  # the model's largest probability at a position, median over positions
    median_entropy_bits: float
    sure: float  # share of positions where the top candidate has at least SURE (the lecture's "nessa 85%")


SURE = 0.8


@torch.no_grad()
def sureness(model, tokenizer, docs: list[str], device="cpu") -> dict[str, Sureness]:
    """{"line_start": …, "inside": …}: at every position of each document (read from `<|endoftext|>`,
    as a story starts in the app) the next-token distribution; a line start is the position right after
    `\n>` (what the model writes first on a new line), inside is every other position."""
    model.eval()
    eos = tokenizer.eos_token_id
    newline, gt = tokenizer.encode("\n"), tokenizer.encode(">")
    context = getattr(model.config, "n_positions", 1024)
    found: dict[str, list[tuple[float, float]]] = {"line_start": [], "inside": []}
    for doc in docs:
        ids = ([eos] + tokenizer.encode(doc))[:context]
        if len(ids) < 2:
            continue
        logp = torch.log_softmax(model(input_ids=torch.tensor([ids], device=device)).logits[0, :-1].float(), -1)
        top1 = logp.max(-1).values.exp().tolist()
        entropy = (-(logp.exp() * logp).sum(-1) / math.log(2)).tolist()
        for i in range(len(ids) - 1):  # position i predicts token i + 1
            start = i >= 1 and ids[i - 1:i] == newline and ids[i:i + 1] == gt
            found["line_start" if start else "inside"].append((top1[i], entropy[i]))
    out = {}
    for key, rows in found.items():
        if not rows:
            out[key] = Sureness(0, float("nan"), float("nan"), float("nan"))
            continue
        tops, ents = torch.tensor([r[0] for r in rows]), torch.tensor([r[1] for r in rows])
        out[key] = Sureness(len(rows), float(tops.median()), float(ents.median()), float((tops >= SURE).float().mean()))
    return out


def portuguese_share(engine, prompts: list[str], seeds: int = 1) -> tuple[float, list[str]]:
    """(share of samples that continue in Portuguese, the samples): each prompt sampled `seeds` times with
    the card's settings (T 0.8, top-p 0.95, 80 new tokens); only the continuation is judged."""
    samples = []
    for prompt in prompts:
        for seed in range(seeds):
            samples.append(engine.generate(prompt, SamplingSettings(**FORMAT_SETTINGS, seed=seed)).text)
    return sum(map(is_portuguese, samples)) / max(1, len(samples)), samples


@torch.no_grad()
def top_candidates(model, tokenizer, prompt: str, k: int = 5, device="cpu") -> list[tuple[str, float]]:
    """The model's k most likely next tokens after `prompt` (read from `<|endoftext|>`), with p at T = 1."""
    ids = [tokenizer.eos_token_id] + tokenizer.encode(prompt)
    probs = torch.softmax(model(input_ids=torch.tensor([ids], device=device)).logits[0, -1].float(), -1)
    top = probs.topk(k)
    return [(tokenizer.decode([int(i)]), float(p)) for p, i in zip(top.values, top.indices)]


def held_out(model, tokenizer, docs: list[str], block_size: int = 256, device="cpu") -> float:
    """Mean loss (nats/token) on documents joined with `<|endoftext|>` and cut into blocks, as in training."""
    from greentext.training.documents import encode_documents, make_blocks

    block_size = min(block_size, model.config.n_positions)
    return mean_loss(model, make_blocks(encode_documents(tokenizer, docs), block_size, seed=None), 8, device)


def measure(name: str, val_docs: list[str], samples: int = 100, device: str = "cpu", deep: bool = False,
            pt_prompts: int = 100) -> dict:
    """Every number the model card reports, measured on one checkpoint. `deep` adds what the model
    report compares (BENCHMARKS.md "Bundled models"): perplexity per language, sureness at line starts
    and inside lines, Portuguese continuation rate, and the lecture's birthday-song example."""
    from greentext.decode.engine import Engine
    from greentext.model.loading import load_model

    engine = Engine(load_model(name, device=device))
    model, tokenizer = engine.model, engine.tokenizer
    loss = held_out(model, tokenizer, val_docs, device=device)
    starts = line_starts(model, tokenizer, val_docs, device=device)
    report = format_rate(engine, samples) if samples else None
    row = {"model": name, "val_loss": round(loss, 4), "val_perplexity": round(perplexity(loss), 2),
           "line_starts": starts.positions, "line_start_entropy_bits": round(starts.median_entropy_bits, 3),
           "line_start_top1": round(starts.median_top1, 4),
           "format_rate": report.rate if report else None,
           "repeat_rate": sum(map(repeats_a_line, report.samples)) / samples if report else None,
           "samples": samples}
    if deep:
        pt = [d for d in val_docs if is_portuguese(d)]
        en = [d for d in val_docs if not is_portuguese(d)]
        for lang, docs in (("en", en), ("pt", pt)):
            if docs:
                lang_loss = held_out(model, tokenizer, docs, device=device)
                row[f"val_loss_{lang}"], row[f"val_perplexity_{lang}"] = round(lang_loss, 4), round(perplexity(lang_loss), 2)
                row[f"val_stories_{lang}"] = len(docs)
        for where, sure in sureness(model, tokenizer, val_docs, device=device).items():
            row[f"{where}_positions"] = sure.positions
            row[f"{where}_top1"], row[f"{where}_entropy_bits"] = round(sure.median_top1, 4), round(sure.median_entropy_bits, 3)
            row[f"{where}_sure"] = round(sure.sure, 4)
        prompts = ["\n".join(d.split("\n")[:2]) for d in pt][:pt_prompts]
        if prompts:
            share, _ = portuguese_share(engine, prompts)
            row["portuguese_continues"], row["portuguese_prompts"] = share, len(prompts)
        for prompt in BIRTHDAY:
            row[f"after {prompt}"] = [(t, round(p, 4)) for t, p in top_candidates(model, tokenizer, prompt, 3, device)]
    return row


BIRTHDAY = ("Parabéns pra você", "Parabéns para você")  # the lecture's slide: "→ nessa 85%, nesta 6%, por 4%"


def table(rows: list[dict]) -> str:
    """The measurements of several models as a markdown table."""
    out = ["| model | held-out loss | perplexity | line-start entropy (median, bits) | line-start top-1 (median) "
           "| format rate | repeats a line |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        pct = (lambda v: "–" if v is None else f"{v:.0%}")
        out.append(f"| {r['label']} | {r['val_loss']:.3f} | {r['val_perplexity']:.1f} | "
                   f"{r['line_start_entropy_bits']:.2f} | {r['line_start_top1']:.1%} | {pct(r['format_rate'])} | "
                   f"{pct(r['repeat_rate'])} |")
    return "\n".join(out)


def write_card_section(card: Path, title: str, body: str) -> None:
    """Put `body` under `## title` in a model card, between markers, replacing what an earlier call put."""
    start, end = f"<!-- {title}: start -->", f"<!-- {title}: end -->"
    text = card.read_text(encoding="utf-8")
    block = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        marker = "\n## Data\n"
        text = text.replace(marker, f"\n{block}\n{marker}", 1) if marker in text else text + "\n" + block + "\n"
    card.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    """`python -m greentext.training.evaluate [LABEL=]MODEL … --val FILE`: measure and compare checkpoints."""
    import argparse
    import json
    import sys

    from greentext.training.documents import DataError, load_documents
    from greentext.model.loading import ModelLoadError

    p = argparse.ArgumentParser(prog="python -m greentext.training.evaluate",
                                description="Held-out loss and perplexity, line-start entropy and top-1, "
                                            "format rate and line repeats of one or more checkpoints.")
    p.add_argument("models", nargs="+", metavar="[LABEL=]MODEL", help="checkpoint directories or hub ids")
    p.add_argument("--val", default="assets/corpus/greentexts-val.jsonl", help="the frozen validation stories")
    p.add_argument("--samples", type=int, default=100, help="samples from `>be me` for the format rate (0 = skip)")
    p.add_argument("--json", help="also write the measurements to this JSON file")
    p.add_argument("--card", help="also write the table into this checkpoint's model card (README.md), "
                                  "replacing the table an earlier run wrote there")
    args = p.parse_args(argv)
    try:
        val_docs = load_documents(args.val)
        rows = []
        for spec in args.models:
            label, _, name = spec.rpartition("=")
            row = measure(name, val_docs, args.samples)
            row["label"] = label or name
            rows.append(row)
            print(f"measured {row['label']}", file=sys.stderr)
    except (DataError, ModelLoadError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(table(rows))
    if args.card:
        note = (f"Measured by `python -m greentext.training.evaluate` on `{args.val}` ({len(val_docs)} stories never trained "
                f"on); samples: {args.samples} from `{FORMAT_PROMPT}`, T {FORMAT_SETTINGS['temperature']}, top-p "
                f"{FORMAT_SETTINGS['top_p']}, {FORMAT_SETTINGS['max_new_tokens']} new tokens, seeds 0–{args.samples - 1}.")
        write_card_section(Path(args.card) / "README.md", "Compared", note + "\n\n" + table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
