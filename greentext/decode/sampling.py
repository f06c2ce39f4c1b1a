"""Temperature → top-k → top-p, one pure step each, exactly as transformers' `generate()` does them.

Each step takes scores (logits) of shape (..., vocab) and returns new scores; cut tokens get -inf, so a
softmax gives them probability 0 and renormalises the rest. The arithmetic mirrors
`TemperatureLogitsWarper`, `TopKLogitsWarper` and `TopPLogitsWarper` operation for operation, which is
what makes our continuations token-for-token identical to `model.generate()` for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from greentext.decode.settings import SamplingSettings

CUT = float("-inf")


def apply_temperature(scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide the logits by T: T < 1 sharpens the distribution, T > 1 flattens it."""
    return scores / temperature


def apply_top_k(scores: torch.Tensor, top_k: int) -> torch.Tensor:
    """Keep the k highest scores (ties with the k-th are kept too); 0 keeps everything."""
    if top_k <= 0:
        return scores
    top_k = min(top_k, scores.size(-1))
    kth_best = torch.topk(scores, top_k)[0][..., -1, None]
    return scores.masked_fill(scores < kth_best, CUT)


def apply_top_p(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of best tokens whose probability adds up to at least top_p; 1 keeps all.

    Sorted ascending, a token is cut when the mass of it and everything below it is ≤ 1 - top_p.
    The best token is always kept.
    """
    if top_p >= 1.0:
        return scores
    sorted_scores, sorted_ids = torch.sort(scores, descending=False)
    cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
    sorted_cut = cumulative <= (1 - top_p)
    sorted_cut[..., -1:] = False
    cut = sorted_cut.scatter(-1, sorted_ids, sorted_cut)
    return scores.masked_fill(cut, CUT)


@dataclass
class Stages:
    """The scores after each step of the pipeline, kept so the Probabilities tab can show every stage."""

    logits: torch.Tensor  # raw, float32
    temperature: torch.Tensor  # logits / T (equal to logits when greedy)
    top_k: torch.Tensor  # after top-k
    final: torch.Tensor  # after top-p: what is sampled from


def process(logits: torch.Tensor, settings: SamplingSettings) -> Stages:
    """Run temperature → top-k → top-p on float32 logits. Greedy (T = 0) applies no filter."""
    if settings.greedy:
        return Stages(logits, logits, logits, logits)
    # generate() skips the division when T == 1; dividing by 1.0 is exact, so the result is the same.
    scaled = apply_temperature(logits, settings.temperature)
    after_k = apply_top_k(scaled, settings.top_k)
    return Stages(logits, scaled, after_k, apply_top_p(after_k, settings.top_p))


def choose(final_scores: torch.Tensor, greedy: bool, generator: torch.Generator | None) -> torch.Tensor:
    """The next token id(s): argmax when greedy, else one draw from softmax(final_scores)."""
    if greedy:
        return torch.argmax(final_scores, dim=-1)
    return draw(torch.nn.functional.softmax(final_scores, dim=-1), generator)


def draw(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One draw from probabilities `probs` (..., vocab): `generate()`'s `torch.multinomial` call."""
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)
