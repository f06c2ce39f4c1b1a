"""The engine: prompt in, tokens out, one step at a time, with a record of every choice.

    engine = Engine.load()                        # the bundled model (or a path / hub id)
    run = engine.start(">be me", SamplingSettings(temperature=0.8, seed=1), top_n=10)
    for step in run:                              # streams: one Step per generated token
        print(step.chosen.token, run.text)

The sampling path, top to bottom: `Engine.start` prepares the prompt (`Engine.prepare`), `Decoder`
runs the model with a KV cache, `sampling.process` applies temperature → top-k → top-p, and
`sampling.choose` draws the token with the run's own seeded generator. `Walk` is the presenter's
version: the same path, one click at a time, with "pick this one" and undo.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from . import sampling
from .loading import LoadedModel, eager_twin, load_model
from .settings import InvalidSetting, SamplingSettings, check_prompt, check_top_n
from .steps import Step, build_step
from .tokens import Token, TokenText


@dataclass
class Prompt:
    """The prompt as the model reads it, and what was done to it to fit."""

    text: str  # what the user typed
    ids: list[int]  # what the model reads
    tokens: list[Token]
    started_from_eos: bool  # empty or whitespace prompt: the model starts from <|endoftext|>
    truncated_tokens: int  # tokens dropped from the start to fit the context
    notes: list[str] = field(default_factory=list)  # one line per adjustment, for the UI


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
        self.device = loaded.device
        self.text = TokenText(self.tokenizer)
        self.eos_id = self.tokenizer.eos_token_id
        self._twin = None
        self._twin_lock = threading.Lock()

    @classmethod
    def load(cls, name: str | None = None, device: str | None = None, dtype: str | None = None) -> "Engine":
        """Load a checkpoint (default: the bundled model) — see `loading.load_model`."""
        return cls(load_model(name, device, dtype))

    # --- prompt -------------------------------------------------------------------------------
    def check_max_new_tokens(self, settings: SamplingSettings) -> None:
        limit = self.info.context - 1
        if settings.max_new_tokens > limit:
            raise InvalidSetting("max_new_tokens", settings.max_new_tokens,
                                 f"a whole number from 1 to {limit} for this model (context {self.info.context})")

    def prepare(self, prompt: str, max_new_tokens: int) -> Prompt:
        """Tokenize the prompt; start from <|endoftext|> if it is empty or blank; keep its most recent
        tokens if it does not leave room for max_new_tokens in the context."""
        prompt = check_prompt(prompt)
        notes = []
        started_from_eos = not prompt.strip()
        if started_from_eos:
            ids = [self.eos_id]
            notes.append("The prompt is empty, so the model starts from <|endoftext|> (the start of a document).")
        else:
            ids = self.tokenizer.encode(prompt)
        room = self.info.context - max_new_tokens
        truncated = max(0, len(ids) - room)
        if truncated:
            ids = ids[truncated:]
            notes.append(f"The prompt is {len(ids) + truncated} tokens long; the first {truncated} were dropped "
                         f"to leave room for {max_new_tokens} new tokens in the {self.info.context}-token context.")
        return Prompt(prompt, ids, self.text.tokens(ids), started_from_eos, truncated, notes)

    def continuation(self, ids: list[int]) -> str:
        """The text of generated ids, without a final <|endoftext|>."""
        if ids and ids[-1] == self.eos_id:
            ids = ids[:-1]
        return self.tokenizer.decode(ids)

    def tokenize(self, text: str) -> list[Token]:
        """Text → tokens (visible form) → ids."""
        return self.text.tokens(self.tokenizer.encode(check_prompt(text)))

    # --- generation ---------------------------------------------------------------------------
    def start(self, prompt: str, settings: SamplingSettings, top_n: int = 0,
              time_limit: float | None = None) -> "Run":
        """A generation ready to stream: iterate it for one Step per token (records only if top_n > 0).
        After `time_limit` seconds (None = none) it ends early with finish_reason "time"."""
        self.check_max_new_tokens(settings)
        if top_n:
            top_n = check_top_n(top_n)
        return Run(self, self.prepare(prompt, settings.max_new_tokens), settings.with_seed(), top_n, time_limit)

    def generate(self, prompt: str, settings: SamplingSettings, top_n: int = 0,
                 time_limit: float | None = None) -> "Run":
        """Generate to the end (max_new_tokens, <|endoftext|> or the time limit) and return the finished run."""
        run = self.start(prompt, settings, top_n, time_limit)
        for _ in run:
            pass
        return run

    def walk(self, prompt: str, settings: SamplingSettings, top_n: int = 10) -> "Walk":
        """A step-by-step generation for the presenter (see `Walk`)."""
        return Walk(self, prompt, settings, top_n)

    def generator(self, seed: int) -> torch.Generator:
        """A private random generator: same stream as `torch.manual_seed(seed)` gives `generate()`."""
        return torch.Generator(device=self.device).manual_seed(seed)

    # --- attention ----------------------------------------------------------------------------
    def attention(self, text: str) -> "Attention":
        """Tokens of `text` and the attention weights, float32 (layers, heads, n, n), by eager attention.

        Generation keeps the fast kernel: the weights come from an eager twin sharing the same weights.
        Text longer than the context keeps its last `context` tokens.
        """
        prompt = check_prompt(text)
        ids = self.tokenizer.encode(prompt) if prompt.strip() else [self.eos_id]
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
    """What every generation has: its engine, prompt, settings (with the seed used), the ids made so
    far, and a Stop flag. `Run` (here) and the batch worker's `Job` are both one."""

    def __init__(self, engine: Engine, prompt: Prompt, settings: SamplingSettings):
        self.engine = engine
        self.prompt = prompt
        self.settings = settings  # with the seed actually used
        self.ids: list[int] = []
        self.finish_reason: str | None = None  # "eos", "length", "stopped", "time" (or "error" in the worker)
        self._stop = threading.Event()

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def text(self) -> str:
        """The continuation (text after the prompt), without the final <|endoftext|>."""
        return self.engine.continuation(self.ids)

    def stop(self) -> None:
        """Ask the generation to stop before its next token (e.g. the user pressed Stop)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


class Run(Generation):
    """One generation. Iterating it decodes token by token and yields a Step for each;
    `ids`, `text`, `steps` and `finish_reason` fill in as it goes."""

    def __init__(self, engine: Engine, prompt: Prompt, settings: SamplingSettings, top_n: int,
                 time_limit: float | None = None):
        super().__init__(engine, prompt, settings)
        self.time_limit = time_limit  # seconds from the start of decoding; None = no limit
        self.top_n = top_n
        self.steps: list[Step] = []
        self.seconds = 0.0

    @property
    def tokens_per_second(self) -> float:
        return len(self.ids) / self.seconds if self.seconds else 0.0

    def __iter__(self):
        engine, settings = self.engine, self.settings
        start = time.perf_counter()
        deadline = start + self.time_limit if self.time_limit is not None else None
        decoder = Decoder(engine.model, self.prompt.ids, engine.device)
        generator = engine.generator(settings.seed)
        context = self.prompt.text if not self.prompt.started_from_eos else ""
        try:
            for index in range(settings.max_new_tokens):
                if self._stop.is_set():
                    self.finish_reason = "stopped"
                    return
                if deadline is not None and time.perf_counter() > deadline:
                    self.finish_reason = "time"
                    return
                stages = sampling.process(decoder.logits, settings)
                token = sampling.choose(stages.final, settings.greedy, generator)
                token_id = int(token)
                step = None
                if self.top_n:
                    step = build_step(stages, settings.greedy, self.top_n, engine.text, index=index,
                                      context=context, context_tokens=decoder.length, chosen_id=token_id,
                                      how="greedy" if settings.greedy else "sampled")
                    self.steps.append(step)
                    context += engine.text.token(token_id).raw
                self.ids.append(token_id)
                self.seconds = time.perf_counter() - start
                yield step
                if token_id == engine.eos_id:
                    self.finish_reason = "eos"
                    return
                if index + 1 < settings.max_new_tokens:
                    decoder.advance(token)
            self.finish_reason = "length"
        finally:
            self.seconds = time.perf_counter() - start


class Walk:
    """The presenter's generation: look at the candidates, then sample, go greedy or pick one.

    `candidates` shows the upcoming position before anything is chosen. Sampling uses the run's seed
    exactly as `Run` does, so sampling N times reproduces `Engine.generate` with the same settings.
    Undo replays the shorter history from the prompt (same arithmetic, same random draws).
    """

    def __init__(self, engine: Engine, prompt: str, settings: SamplingSettings, top_n: int = 10):
        engine.check_max_new_tokens(settings)
        self.engine = engine
        self.settings = settings.with_seed()
        self.top_n = check_top_n(top_n)
        self.prompt = engine.prepare(prompt, self.settings.max_new_tokens)
        self.history: list[tuple[str, int]] = []  # ("sampled" | "greedy" | "picked", token id)
        self._restart()

    def __deepcopy__(self, memo):  # the UI may copy session state; the KV cache is rebuilt on demand
        clone = Walk.__new__(Walk)
        clone.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("_decoder", "_generator")})
        clone.history = list(self.history)
        clone.steps = list(self.steps)
        clone._decoder = None
        return clone

    def _restart(self) -> None:
        self.steps: list[Step] = []
        self.ids: list[int] = []
        self._decoder = Decoder(self.engine.model, self.prompt.ids, self.engine.device)
        self._generator = self.engine.generator(self.settings.seed)
        self._context = self.prompt.text if not self.prompt.started_from_eos else ""

    def _ensure(self) -> None:
        if self._decoder is None:
            history = self.history
            self.history = []
            self._restart()
            for how, token_id in history:
                self._advance(how, token_id)

    @property
    def text(self) -> str:
        return self.engine.continuation(self.ids)

    @property
    def finished(self) -> bool:
        """True at <|endoftext|> or when max_new_tokens have been generated."""
        return (bool(self.ids) and self.ids[-1] == self.engine.eos_id) or len(self.ids) >= self.settings.max_new_tokens

    def candidates(self) -> Step:
        """The upcoming step's candidates, nothing chosen yet."""
        self._ensure()
        return self._record(sampling.process(self._decoder.logits, self.settings), None, "")

    def sample(self) -> Step:
        """Next token by the settings (temperature, top-k, top-p, seed), as the Generate tab would."""
        return self._advance("sampled" if not self.settings.greedy else "greedy", None)

    def greedy(self) -> Step:
        """Next token = the most likely one (rank 1), whatever the settings."""
        return self._advance("greedy", None)

    def pick(self, token_id: int | None = None, rank: int | None = None) -> Step:
        """Next token chosen by the presenter, by vocabulary id or by rank (1 = most likely)."""
        vocab = self.engine.info.vocab_size
        if (token_id is None) == (rank is None):
            raise InvalidSetting("pick", {"token_id": token_id, "rank": rank}, "exactly one of token_id or rank")
        self._ensure()
        if rank is not None:
            from .settings import as_int

            rank = as_int("rank", rank, 1, vocab)
            token_id = int(torch.argsort(self._decoder.logits[0], descending=True, stable=True)[rank - 1])
        else:
            from .settings import as_int

            token_id = as_int("token_id", token_id, 0, vocab - 1)
        return self._advance("picked", token_id)

    def run(self, n: int, time_limit: float | None = None) -> list[Step]:
        """Sample up to n steps (fewer if the generation finishes or `time_limit` seconds pass)."""
        steps = []
        deadline = time.perf_counter() + time_limit if time_limit is not None else None
        for _ in range(n):
            if self.finished or (deadline is not None and time.perf_counter() > deadline):
                break
            steps.append(self.sample())
        return steps

    def undo(self) -> None:
        """Take back the last step by replaying the history without it."""
        if self.history:
            history = self.history[:-1]
            self.history = []
            self._restart()
            for how, token_id in history:
                self._advance(how, token_id)

    def reset(self) -> None:
        self.history = []
        self._restart()

    def with_top_n(self, top_n: int) -> "Walk":
        """The same walk (prompt, settings, choices) listing top_n candidates per step."""
        clone = Walk(self.engine, self.prompt.text, self.settings, top_n)
        for how, token_id in self.history:
            clone._advance(how, token_id)
        return clone

    def _advance(self, how: str, token_id: int | None) -> Step:
        self._ensure()
        if self.finished:
            raise InvalidSetting("step", len(self.ids), f"at most {self.settings.max_new_tokens} steps, ending at "
                                 "<|endoftext|> (undo or reset to go on)")
        stages = sampling.process(self._decoder.logits, self.settings)
        if token_id is None:
            if how == "sampled":
                token_id = int(sampling.choose(stages.final, False, self._generator))
            else:
                token_id = int(torch.argmax(stages.logits, dim=-1))
        elif how == "sampled":  # replaying a sampled step: draw again so the random stream stays in step
            drawn = int(sampling.choose(stages.final, False, self._generator))
            if drawn != token_id:  # cannot happen on one machine; would mean non-deterministic kernels
                raise RuntimeError(f"replaying step {len(self.ids)} drew token {drawn}, not {token_id}")
        step = self._record(stages, token_id, how)
        self.steps.append(step)
        self.history.append((how, token_id))
        self.ids.append(token_id)
        self._context += self.engine.text.token(token_id).raw
        if not self.finished:
            self._decoder.advance(token_id)
        return step

    def _record(self, stages, token_id, how) -> Step:
        return build_step(stages, self.settings.greedy, self.top_n, self.engine.text, index=len(self.ids),
                          context=self._context, context_tokens=self._decoder.length, chosen_id=token_id, how=how)
