"""Step records: what the model saw and how the next token was chosen, for the Probabilities tab.

For each generated token we keep the top-N candidates with their probability at every stage of
temperature → top-k → top-p, the token that was chosen, the mass of the tokens not listed and the
entropy. Everything is computed on the device in one pass and copied to the host once per step.

Every generation, records or not, also keeps a `TokenRank` per token (rank, p at T = 1, p drawn with):
`measure` computes them on the device in the decode step itself, for the Generate tab's colouring.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch

from greentext.decode.sampling import Stages
from greentext.decode.settings import SamplingSettings
from greentext.model.tokens import TokenText

LN2 = math.log(2)


@dataclass
class Candidate:
    rank: int  # 1 = highest logit
    id: int
    token: str  # visible form: "·be", "↵"
    raw: str  # the text itself: " be", "\n"
    logit: float
    p_raw: float  # softmax(logits): the model's own probability (T = 1)
    p_temperature: float  # softmax(logits / T)
    p_final: float  # after top-k and top-p, renormalised over the kept tokens: what is sampled from
    cumulative: float  # Σ p_top_k of ranks 1..rank: what top-p compares with top_p (it keeps until it reaches it)
    kept: bool
    cut_by: str | None  # None, "top_k", "top_p" or "greedy"
    p_top_k: float | None = None  # after temperature and top-k, renormalised over the top k: the base top-p works on


@dataclass
class Chosen:
    id: int
    token: str
    raw: str
    rank: int
    p_raw: float
    p_final: float
    how: str  # "sampled", "greedy" or "picked"


@dataclass(frozen=True)
class TokenRank:
    """Where a generated token stood when it was chosen: the model's own numbers (as `Chosen` has them)."""

    rank: int  # 1 + how many tokens had a strictly higher logit (1 = the model's top choice)
    p_raw: float  # softmax(logits): the model's own probability (T = 1)
    p_final: float  # the probability it was drawn with: after temperature, top-k and top-p (greedy: 1)


def measure(stages: Stages, chosen: torch.Tensor, greedy: bool, probs: torch.Tensor | None = None) -> torch.Tensor:
    """On the device, without a copy to the host: (id, rank, p_raw, p_final) of the token `chosen` (a (1,)
    long tensor) as float32 (exact: ids and ranks are below 2^24, the probabilities are float32 already).
    One comparison and one softmax over the vocabulary; `probs`: softmax(stages.final) when already made.
    The same numbers `build_step` gives its `Chosen`."""
    logits = stages.logits[0]
    rank = (logits > logits.index_select(0, chosen)).sum().view(1) + 1
    p_raw = logits.softmax(-1).index_select(0, chosen)
    if greedy:  # the limit T → 0: all mass on the best token
        p_final = (torch.argmax(logits).view(1) == chosen).float()
    else:
        p_final = (stages.final[0].softmax(-1) if probs is None else probs[0]).index_select(0, chosen)
    return torch.cat([chosen.float(), rank.float(), p_raw.float(), p_final.float()])


@dataclass
class Step:
    """One position: the context so far, the candidates for the next token and the one chosen."""

    index: int  # 0 for the first generated token
    context: str  # the text the model saw (prompt + tokens so far)
    context_tokens: int
    candidates: list[Candidate]
    chosen: Chosen | None  # None while the presenter has not chosen yet
    p_other: float  # p_raw mass of all tokens not listed
    p_other_final: float  # p_final mass of all tokens not listed
    entropy: float  # bits, of the model's own distribution (T = 1)
    entropy_final: float  # bits, of the distribution sampled from
    kept_count: int  # how many tokens survive the filters
    p_other_temperature: float = 0.0  # p_temperature mass of all tokens not listed
    p_other_top_k: float = 0.0  # p_top_k mass of all tokens not listed
    settings: dict = field(default_factory=dict)  # temperature, top_k, top_p: the bases of the columns
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _entropy_bits(p: torch.Tensor) -> torch.Tensor:
    return torch.special.entr(p).sum(-1) / LN2


def build_step(stages: Stages, settings: SamplingSettings, top_n: int, text: TokenText, *, index: int,
               context: str, context_tokens: int, chosen_id: int | None = None, how: str = "sampled",
               measured: TokenRank | None = None) -> Step:
    """The record of one step from its stages (each of shape (1, vocab)); `chosen_id` None = not chosen yet,
    else `measured` is its rank and probabilities as `measure` found them when it was chosen.

    The top_n candidates are listed; a chosen token ranked below them is listed too, last, with its own
    rank, so the table always shows what was chosen. Each "mass of the rest" is over the tokens not listed,
    on the base of its column.
    """
    greedy = settings.greedy
    logits = stages.logits[0]
    p_raw = logits.softmax(-1)
    if greedy:  # the limit T → 0: all mass on the best token, nothing sampled
        best = torch.argmax(logits)
        p_temp = torch.zeros_like(p_raw).index_fill_(0, best.view(1), 1.0)
        p_k = p_final = p_temp
    else:
        p_temp = stages.temperature[0].softmax(-1)
        p_k = stages.top_k[0].softmax(-1)
        p_final = stages.final[0].softmax(-1)
    top_n = min(top_n, logits.numel())
    top_logits, ids = torch.topk(logits, top_n)
    ranks = torch.arange(1, top_n + 1, device=logits.device, dtype=torch.float64)
    cumulative = p_k[ids].double().cumsum(0)
    if chosen_id is not None and not bool((ids == chosen_id).any()):  # chosen below the list: add its row
        above = logits > logits[chosen_id]
        ids = torch.cat([ids, ids.new_tensor([chosen_id])])
        top_logits = logits[ids]
        ranks = torch.cat([ranks, ranks.new_tensor([measured.rank])])
        cumulative = torch.cat([cumulative, ((p_k * above).sum() + p_k[chosen_id]).double().view(1)])
    n = ids.numel()
    cut_k = torch.isinf(stages.top_k[0][ids])
    kept = p_final[ids] > 0
    rows = torch.stack([
        ids.to(torch.float64), top_logits.double(), p_raw[ids].double(), p_temp[ids].double(),
        p_final[ids].double(), cumulative, kept.double(), cut_k.double(), ranks, p_k[ids].double()])
    scalars = torch.stack([
        (1 - p_raw[ids].double().sum()), (1 - p_final[ids].double().sum()), _entropy_bits(p_raw).double(),
        _entropy_bits(p_final).double(), (p_final > 0).sum().double(), (1 - p_temp[ids].double().sum()),
        (1 - p_k[ids].double().sum())])
    # One copy to the host per step.
    host = torch.cat([rows.flatten(), scalars]).tolist()
    cols = [host[i * n:(i + 1) * n] for i in range(10)]
    s = host[10 * n: 10 * n + 7]
    candidates = []
    for r in range(n):
        tid = int(cols[0][r])
        tok = text.token(tid)
        is_kept = cols[6][r] > 0
        cut_by = None if is_kept else ("greedy" if greedy else "top_k" if cols[7][r] > 0 else "top_p")
        candidates.append(Candidate(int(cols[8][r]), tid, tok.token, tok.raw, cols[1][r], cols[2][r], cols[3][r],
                                    cols[4][r], min(cols[5][r], 1.0), is_kept, cut_by, cols[9][r]))
    chosen = None
    if chosen_id is not None:
        tok = text.token(chosen_id)
        chosen = Chosen(int(chosen_id), tok.token, tok.raw, measured.rank, measured.p_raw, measured.p_final, how)
    shown = {"temperature": settings.temperature, "top_k": settings.top_k, "top_p": settings.top_p}
    return Step(index, context, context_tokens, candidates, chosen, max(s[0], 0.0), max(s[1], 0.0),
                s[2], s[3], int(s[4]), max(s[5], 0.0), max(s[6], 0.0), shown)
