"""The engine: prompt in, tokens out, one step at a time, with a record of every choice.

    engine = Engine.load()                        # the bundled model (or a path / hub id)
    run = engine.start(">be me", SamplingSettings(temperature=0.8, seed=1), top_n=10)
    for step in run:                              # streams: one Step per generated token
        print(step.chosen.token, run.text)

The sampling path, top to bottom: `Engine.request` checks and prepares a request (prompt, settings,
seed), `Decoder` runs the model with a KV cache, and `Generation.next_token` — the one decode step —
applies the finish rules, `sampling.process` (temperature → top-k → top-p) and `sampling.choose` with
the run's own seeded generator. `Run` loops it here; `walk.Walk` (the presenter's version, one click
at a time, with "pick this one" and undo) and `batching.Job` (many users at once) use the same step.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from greentext.language import i18n
from greentext.decode import sampling
from greentext.model import chat
from greentext.model.loading import LoadedModel, eager_twin, load_model
from greentext.decode.settings import InvalidSetting, SamplingSettings, check_prompt, check_top_n
from greentext.decode.steps import Step, TokenRank, build_step, measure
from greentext.model.tokens import Token, TokenText


class _NoRecords:
    """The default top_n: record no steps (any top_n given, 0 and None included, is checked)."""

    def __repr__(self) -> str:
        return "NO_RECORDS"


NO_RECORDS = _NoRecords()


@dataclass
class Prompt:
    """The prompt as the model reads it, and what was done to it to fit."""

    text: str  # what the user typed
    ids: list[int]  # what the model reads
    tokens: list[Token]
    started_from_eos: bool  # empty or whitespace prompt: the model starts from <|endoftext|>
    truncated_tokens: int  # tokens dropped from the start to fit the context
    adjustments: list[tuple[str, dict]] = field(default_factory=list)  # (i18n key, values), one per adjustment

    @property
    def context(self) -> str:
        """The prompt as text before the first new token: what was typed, or "" after <|endoftext|>."""
        return "" if self.started_from_eos else self.text

    def notes_in(self, lang: str) -> list[str]:
        """One line per adjustment, in `lang`."""
        return [i18n.text(key, lang, **values) for key, values in self.adjustments]

    @property
    def notes(self) -> list[str]:
        return self.notes_in("en")


@dataclass(frozen=True)
class Request:
    """A checked generation request: the prompt as the model reads it, the settings with the seed used,
    and how many candidates each step records (0 = no records). Made by `Engine.request` only."""

    prompt: Prompt
    settings: SamplingSettings
    top_n: int = 0


def cache_kwargs(model: torch.nn.Module, cache) -> dict:
    """The KV cache argument under the name this transformers takes: `cache` from 5.24 (where
    `past_key_values` is a deprecated alias, removed in 5.40), `past_key_values` before."""
    owner = getattr(model.forward, "__self__", model)  # the module whose forward runs (also through a wrapper)
    return {_cache_name(type(owner)): cache, "use_cache": True}


@functools.lru_cache(maxsize=None)
def _cache_name(model_class: type) -> str:
    return "cache" if "cache" in inspect.signature(model_class.forward).parameters else "past_key_values"


class Decoder:
    """Runs the model over a growing sequence with a KV cache; `logits` are the next token's, float32 (1, V).

    The calls match `generate()`'s: a prefill over the prompt, then one token at a time, each keeping
    only the last position's logits, so the numbers are the same bit for bit.
    """

    def __init__(self, model: torch.nn.Module, ids: list[int], device: torch.device):
        from transformers import DynamicCache

        self.model = model
        self.device = device
        self.cache = DynamicCache(config=model.config)
        self.length = len(ids)
        self.logits = self._forward(torch.tensor([ids], device=device))

    @torch.inference_mode()
    def _forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        out = self.model(input_ids=input_ids, logits_to_keep=1, **cache_kwargs(self.model, self.cache))
        return out.logits[:, -1].to(copy=True, dtype=torch.float32)

    def advance(self, token_id: int | torch.Tensor) -> None:
        token = torch.as_tensor(token_id, device=self.device).view(1, 1)
        self.logits = self._forward(token)
        self.length += 1


class Engine:
    """A loaded model and everything the tabs ask of it. One per process, shared by all users."""

    def __init__(self, loaded: LoadedModel):
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.info = loaded.info
        self.source = loaded.source  # the directory or hub id it was loaded from
        self.device = loaded.device
        self.text = TokenText(self.tokenizer)
        self.eos_id = self.tokenizer.eos_token_id
        self._twin = None
        self._twin_lock = threading.Lock()

    @classmethod
    def load(cls, name: str | None = None, device: str | None = None, dtype: str | None = None) -> "Engine":
        """Load a checkpoint (default: the bundled model) — see `loading.load_model`."""
        return cls(load_model(name, device, dtype))

    # --- requests -----------------------------------------------------------------------------
    def request(self, prompt: str, settings: SamplingSettings, top_n=NO_RECORDS) -> Request:
        """The one way in for a generation: check the prompt, max_new_tokens against the context and
        top_n (1–50 candidates recorded per step; left out, no records), fit the prompt, and fix the
        seed (a random one if none)."""
        limit = self.info.context - 1
        if settings.max_new_tokens > limit:
            raise InvalidSetting("max_new_tokens", settings.max_new_tokens, "allowed_context", hi=limit,
                                 context=self.info.context)
        top_n = 0 if top_n is NO_RECORDS else check_top_n(top_n)
        return Request(self.prepare(prompt, settings.max_new_tokens), settings.with_seed(), top_n)

    def prepare(self, prompt: str, max_new_tokens: int) -> Prompt:
        """Tokenize the prompt; start from <|endoftext|> if it is empty or blank; keep its most recent
        tokens if it does not leave room for max_new_tokens in the context."""
        prompt = check_prompt(prompt)
        adjustments = []
        started_from_eos = not prompt.strip()
        if started_from_eos:
            ids = [self.eos_id]
            adjustments.append(("prompt_empty", {}))
        else:
            ids = chat.encode(self.tokenizer, prompt)
        room = self.info.context - max_new_tokens
        truncated = max(0, len(ids) - room)
        if truncated:
            ids = ids[truncated:]
            adjustments.append(("prompt_cut", dict(n=len(ids) + truncated, k=truncated, new=max_new_tokens,
                                                   context=self.info.context)))
        return Prompt(prompt, ids, self.text.tokens(ids), started_from_eos, truncated, adjustments)

    def continuation(self, ids: list[int], before=()) -> str:
        """The text of generated ids, without a final <|endoftext|>; `before`: the prompt's ids, for a tokenizer
        whose decoder drops the text's leading space (SentencePiece: `▁be` alone decodes to "be", after a
        prompt to " be"). GPT-2's byte-level text is the same either way, decoded alone."""
        if ids and ids[-1] == self.eos_id:
            ids = ids[:-1]
        if before and self.text.reading.kind != "byte_level":
            return "".join(self.text.pieces(ids, before))
        return self.tokenizer.decode(ids)

    def tokenize(self, text: str) -> list[Token]:
        """Text → tokens (visible form) → ids."""
        return self.text.tokens(chat.encode(self.tokenizer, check_prompt(text)))

    # --- generation ---------------------------------------------------------------------------
    def start(self, prompt: str, settings: SamplingSettings, top_n=NO_RECORDS,
              time_limit: float | None = None) -> "Run":
        """A generation ready to stream: iterate it for one Step per token (records only if top_n is given).
        After `time_limit` seconds (None = none) it ends early with finish_reason "time"."""
        return Run(self, self.request(prompt, settings, top_n), time_limit)

    def generate(self, prompt: str, settings: SamplingSettings, top_n=NO_RECORDS,
                 time_limit: float | None = None) -> "Run":
        """Generate to the end (max_new_tokens, <|endoftext|> or the time limit) and return the finished run."""
        run = self.start(prompt, settings, top_n, time_limit)
        for _ in run:
            pass
        return run

    def generator(self, seed: int) -> torch.Generator:
        """A private random generator: same stream as `torch.manual_seed(seed)` gives `generate()`."""
        return torch.Generator(device=self.device).manual_seed(seed)

    # --- attention ----------------------------------------------------------------------------
    def attention(self, text: str, name: str = "prompt") -> "Attention":
        """Tokens of `text` and the attention weights, float32 (layers, heads, n, n), by eager attention.

        Generation keeps the fast kernel: the weights come from an eager twin sharing the same weights.
        Text longer than the context keeps its last `context` tokens. A bad text is named `name`.
        """
        prompt = check_prompt(text, name)
        ids = chat.encode(self.tokenizer, prompt) if prompt.strip() else [self.eos_id]
        truncated = max(0, len(ids) - self.info.context)
        ids = ids[truncated:]
        with self._twin_lock:
            if self._twin is None:
                self._twin = eager_twin(self.model)
        with torch.inference_mode():
            out = self._twin(input_ids=torch.tensor([ids], device=self.device), output_attentions=True,
                             logits_to_keep=1)
        weights = torch.stack([a[0] for a in out.attentions]).float().cpu().numpy()
        return Attention(self.text.tokens(ids), weights, truncated)


@dataclass
class Attention:
    tokens: list[Token]
    weights: np.ndarray  # (layers, heads, n, n); row i = how token i spreads its attention over tokens ≤ i
    truncated_tokens: int


class Generation:
    """One request being decoded: its prompt, settings (with the seed used), seeded generator, the ids
    made so far with each one's rank and probabilities (`ranks`), step records, a Stop flag, a deadline
    and its decode time. `Run` (here), the presenter's `Walk` and the batch worker's `Job` are all one,
    and all choose each token with `next_token`."""

    def __init__(self, engine: Engine, request: Request):
        self.engine = engine
        self.prompt = request.prompt
        self.settings = request.settings  # with the seed actually used
        self.top_n = request.top_n  # candidates recorded per step (0 = no records)
        self.deadline: float | None = None  # time.perf_counter() after which the next token is not made
        self._stop = threading.Event()
        self._restart()

    def _restart(self) -> None:
        """Back to no tokens: the same seed, the random stream from its start."""
        self.ids: list[int] = []
        self.ranks: list[TokenRank] = []  # one per id: its rank and probabilities when it was chosen
        self.steps: list[Step] = []
        self.finish_reason: str | None = None  # "eos", "length", "stopped", "time" (or "error" in the worker)
        self.generator = self.engine.generator(self.settings.seed)
        self.started = time.perf_counter()  # decoding began (prefill included)
        self.seconds = 0.0  # decode time: from `started` to the latest token
        self._context = self.prompt.context

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def text(self) -> str:
        """The continuation (text after the prompt), without the final <|endoftext|>."""
        return self.engine.continuation(self.ids, self.prompt.ids)

    @property
    def tokens_per_second(self) -> float:
        """Tokens made per second of decoding (prefill included; time waiting for a batch row is not)."""
        return len(self.ids) / self.seconds if self.seconds > 0 else 0.0

    def stop(self) -> None:
        """Ask the generation to stop before its next token (e.g. the user pressed Stop)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def finish(self, reason: str) -> None:
        if self.finish_reason is None:
            self.finish_reason = reason

    def next_token(self, logits: torch.Tensor, how: str | None = None, token_id: int | None = None) -> int | None:
        """The decode step every loop shares: apply the finish rules, choose the next token from `logits`
        (1, V), keep its rank and probabilities (`ranks`), record it (with top_n), and end the generation
        at <|endoftext|> or max_new_tokens.

        Returns the token id, or None (with `finish_reason` "stopped" or "time") when the generation
        ends before it. `how`: "sampled" (a draw from the seeded generator), "greedy" (rank 1) or
        "picked" (`token_id`); None = as the settings say. A sampled `token_id` is a replay: drawn again
        so the random stream stays in step, and checked.
        """
        if self.stopped or (self.deadline is not None and time.perf_counter() > self.deadline):
            self.finish("stopped" if self.stopped else "time")
            return None
        how = how or ("greedy" if self.settings.greedy else "sampled")
        stages = sampling.process(logits, self.settings)
        probs = None
        if how == "picked":
            chosen = torch.tensor([token_id], device=logits.device)
        elif how == "greedy":
            chosen = torch.argmax(stages.logits, dim=-1)
        else:  # `sampling.choose`'s draw, keeping the probabilities it drew from
            probs = torch.nn.functional.softmax(stages.final, dim=-1)
            chosen = sampling.draw(probs, self.generator)
        # The token, its rank and probabilities: one copy to the host per token (the draw needed one anyway).
        chosen_id, rank, p_raw, p_final = measure(stages, chosen, self.settings.greedy, probs).tolist()
        if how != "picked":
            if token_id is not None and int(chosen_id) != token_id:  # would mean non-deterministic kernels
                raise RuntimeError(f"replaying step {len(self.ids)} drew token {int(chosen_id)}, not {token_id}")
            token_id = int(chosen_id)
        measured = TokenRank(int(rank), p_raw, p_final)
        if self.top_n:
            self.steps.append(self.record(stages, token_id, how, measured))
            self._context += self.engine.text.token(token_id).raw
        self.ranks.append(measured)  # before `ids`: a reader of ids finds its ranks
        self.ids.append(token_id)
        self.seconds = time.perf_counter() - self.started
        self._emitted(token_id)
        if token_id == self.engine.eos_id:
            self.finish("eos")
        elif len(self.ids) >= self.settings.max_new_tokens:
            self.finish("length")
        return token_id

    def record(self, stages: sampling.Stages, token_id: int | None, how: str,
               measured: TokenRank | None = None) -> Step:
        """The step record of the upcoming position (`token_id` None: nothing chosen yet; else `measured` is
        its rank and probabilities, from `measure`)."""
        return build_step(stages, self.settings, self.top_n, self.engine.text, index=len(self.ids),
                          context=self._context, context_tokens=len(self.prompt.ids) + len(self.ids),
                          chosen_id=token_id, how=how, measured=measured)

    def _emitted(self, token_id: int) -> None:
        """Called with each new token (the batch worker's jobs stream it from here)."""


class Run(Generation):
    """One generation. Iterating it decodes token by token and yields a Step for each (None without
    records); `ids`, `text`, `steps` and `finish_reason` fill in as it goes."""

    def __init__(self, engine: Engine, request: Request, time_limit: float | None = None):
        super().__init__(engine, request)
        self.time_limit = time_limit  # seconds from the start of decoding; None = no limit

    def __iter__(self):
        self.started = time.perf_counter()
        self.deadline = self.started + self.time_limit if self.time_limit is not None else None
        decoder = Decoder(self.engine.model, self.prompt.ids, self.engine.device)
        while self.finish_reason is None:
            token_id = self.next_token(decoder.logits)
            if token_id is None:
                return
            yield self.steps[-1] if self.top_n else None
            if self.finish_reason is None:
                decoder.advance(token_id)
