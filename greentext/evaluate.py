"""How good is a greentext model? Held-out loss / perplexity, and the format rate.

The format rate is the share of samples from `>be me` that look like a greentext: at least three
lines, and every non-empty line starts with `>`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .settings import SamplingSettings

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
