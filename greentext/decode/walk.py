"""The presenter's generation: one click at a time, with "pick this one", undo and reset.

    walk = Walk.start(engine, ">be me", SamplingSettings(temperature=0.8, seed=1), top_n=10)
    walk.candidates()          # the upcoming step, nothing chosen yet
    walk.sample(); walk.pick(rank=3); walk.undo()
    state = walk.state()       # plain data: prompt, settings, top_n, history
    Walk.from_state(engine, state)   # the same walk again (replayed), e.g. after a restart

Each step is `Generation.next_token`, the same step `Run` takes, so sampling N times reproduces
`Engine.generate` with the same settings. `walk.retune(temperature=1.2)` changes temperature, top-k or
top-p for the steps to come (a what-if on the upcoming step: `candidates()` shows it at once); the
history keeps the settings each step was made with, so a replay draws the same tokens. A walk's state is its replay data; the KV cache is a cache,
rebuilt by replaying the history (same arithmetic, same random draws). `Walks` keeps live walks by
their state so that a click does not replay the whole history.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

import torch

from greentext.decode import sampling
from greentext.decode.engine import Decoder, Engine, Generation, Request
from greentext.decode.settings import InvalidSetting, SamplingSettings, as_int
from greentext.decode.steps import Step


class WalkFinished(InvalidSetting):
    """A step asked of a walk that has ended (at <|endoftext|> or at max_new_tokens)."""

    def __init__(self, n: int, reason: str):
        super().__init__("step", n, "walk_finished_eos" if reason == "eos" else "walk_finished_length", n=n)

    def message(self, lang: str = "en") -> str:
        from greentext.language import i18n

        return i18n.text(self.allowed, lang, **self.values)


class Walk(Generation):
    """Look at the candidates, then sample, go greedy or pick one; undo replays the shorter history."""

    @classmethod
    def start(cls, engine: Engine, prompt: str, settings: SamplingSettings, top_n: int = 10) -> "Walk":
        """A new walk from `prompt` (checked as `Engine.generate` checks it), nothing drawn yet."""
        return cls(engine, engine.request(prompt, settings, top_n))

    def __init__(self, engine: Engine, request: Request):  # made by `Walk.start` (top_n ≥ 1)
        # ("sampled" | "greedy" | "picked", token id, (temperature, top_k, top_p) the step was made with)
        self.history: list[tuple[str, int, tuple]] = []
        super().__init__(engine, request)

    def _restart(self) -> None:
        super()._restart()
        self.history = []
        self._decoder = Decoder(self.engine.model, self.prompt.ids, self.engine.device)

    # --- state as plain data ----------------------------------------------------------------------
    def state(self) -> dict:
        """What this walk is, as plain data (JSON-ready): replaying it gives the same walk."""
        s = self.settings
        return {"prompt": self.prompt.text, "temperature": s.temperature, "top_k": s.top_k, "top_p": s.top_p,
                "max_new_tokens": s.max_new_tokens, "seed": s.seed, "top_n": self.top_n,
                "history": [[how, token_id, *tuned] for how, token_id, tuned in self.history]}

    @classmethod
    def from_state(cls, engine: Engine, state: dict) -> "Walk":
        """The walk that `state` describes, its history replayed."""
        settings = SamplingSettings(state["temperature"], state["top_k"], state["top_p"], state["max_new_tokens"],
                                    state["seed"])
        walk = cls.start(engine, state["prompt"], settings, state["top_n"])
        walk.replay(state["history"])
        return walk

    def replay(self, history) -> None:
        """Make the steps of `history` again, each with the settings it was made with (an entry without
        them, [how, token_id], was made with the walk's settings); the settings after are the walk's."""
        now = self.settings
        try:
            for how, token_id, *tuned in history:
                self.settings = self._tuned(*tuned) if tuned else now
                self._advance(how, token_id)
        finally:
            self.settings = now

    def retune(self, temperature=None, top_k=None, top_p=None) -> None:
        """New temperature, top-k or top-p (None: unchanged) for the steps to come; the steps made stay.
        Checked as every setting is (InvalidSetting names the bad one)."""
        s = self.settings
        self.settings = self._tuned(s.temperature if temperature is None else temperature,
                                    s.top_k if top_k is None else top_k, s.top_p if top_p is None else top_p)

    def _tuned(self, temperature, top_k, top_p) -> SamplingSettings:
        s = self.settings
        return SamplingSettings(temperature, top_k, top_p, s.max_new_tokens, s.seed)

    # --- the presenter's moves --------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True at <|endoftext|> or when max_new_tokens have been generated."""
        return self.finish_reason in ("eos", "length")

    def candidates(self) -> Step:
        """The upcoming step's candidates, nothing chosen yet."""
        return self.record(sampling.process(self._decoder.logits, self.settings), None, "")

    def sample(self) -> Step:
        """Next token by the settings (temperature, top-k, top-p, seed), as the Generate tab would."""
        return self._advance(None, None)

    def greedy(self) -> Step:
        """Next token = the most likely one (rank 1), whatever the settings."""
        return self._advance("greedy", None)

    def pick(self, token_id: int | None = None, rank: int | None = None) -> Step:
        """Next token chosen by the presenter, by vocabulary id or by rank (1 = most likely)."""
        vocab = self.engine.info.vocab_size
        if (token_id is None) == (rank is None):
            raise InvalidSetting("pick", {"token_id": token_id, "rank": rank}, "allowed_pick")
        if rank is not None:
            rank = as_int("rank", rank, 1, vocab)
            token_id = int(torch.argsort(self._decoder.logits[0], descending=True, stable=True)[rank - 1])
        else:
            token_id = as_int("token_id", token_id, 0, vocab - 1)
        return self._advance("picked", token_id)

    def run(self, n: int, time_limit: float | None = None) -> list[Step]:
        """Sample up to n steps (fewer if the generation finishes or `time_limit` seconds pass)."""
        steps = []
        deadline = time.perf_counter() + time_limit if time_limit is not None else None
        while len(steps) < n and not self.finished and (deadline is None or time.perf_counter() <= deadline):
            steps.append(self.sample())
        return steps

    def undo(self) -> None:
        """Take back the last step by replaying the history without it."""
        if self.history:
            history = [[how, token_id, *tuned] for how, token_id, tuned in self.history[:-1]]
            self._restart()
            self.replay(history)

    def reset(self) -> None:
        self._restart()

    def _advance(self, how: str | None, token_id: int | None) -> Step:
        if self.finished:
            raise WalkFinished(len(self.ids), self.finish_reason)
        token_id = self.next_token(self._decoder.logits, how, token_id)
        s = self.settings
        self.history.append((self.steps[-1].chosen.how, token_id, (s.temperature, s.top_k, s.top_p)))
        if not self.finished:
            self._decoder.advance(token_id)
        return self.steps[-1]


class Walks:
    """Live walks by their state (at most `size`): a click takes its walk out, moves it and puts it back
    under its new state; a state not here (another server, an evicted walk) is rebuilt by replaying it."""

    def __init__(self, engine: Engine, size: int = 32):
        self._engine, self.size = engine, size
        self._walks: OrderedDict[str, Walk] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine a state is replayed on."""
        return self._engine

    @staticmethod
    def key(state: dict) -> str:
        return json.dumps(state, sort_keys=True)

    def take(self, state: dict) -> Walk:
        """The walk `state` describes, for this caller alone until `put` back."""
        with self._lock:
            walk = self._walks.pop(self.key(state), None)
        return walk if walk is not None else Walk.from_state(self.engine, state)

    def put(self, walk: Walk) -> dict:
        """Keep `walk` for the next click; its state, for the user's session."""
        state = walk.state()
        with self._lock:
            self._walks[self.key(state)] = walk
            while len(self._walks) > self.size:
                self._walks.popitem(last=False)
        return state
