"""Sampling settings and their allowed ranges, checked once, here.

Every way into the engine (Python, the UI, the HTTP API) goes through `SamplingSettings`, so a bad
value gets the same message everywhere: the parameter, the value, and the allowed range.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

# Allowed ranges. The UI's sliders and the API's checks are built from these numbers.
TEMPERATURE_MAX = 2.0  # 0 means greedy
TEMPERATURE_MIN_SAMPLING = 0.01  # below this, logits / T overflows; use 0 for greedy
TOP_K_MAX = 200  # 0 turns top-k off
MAX_NEW_TOKENS_MAX = 256
TOP_N_MAX = 50  # candidates listed per step
SEED_MAX = 2**32 - 1
PROMPT_MAX_CHARS = 20_000  # far past GPT-2's 1024-token context; longer text is rejected, not truncated


class InvalidSetting(ValueError):
    """A parameter outside its allowed range; the message names the parameter, value and range."""

    def __init__(self, name: str, value, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        shown = repr(value) if not isinstance(value, str) or len(value) < 40 else repr(value[:40] + "…")
        super().__init__(f"{name} must be {allowed} (got {shown})")


def as_number(name: str, value, lo: float, hi: float, allowed: str) -> float:
    """`value` as a finite float in [lo, hi], else InvalidSetting. Numeric strings ("0.8") are accepted."""
    if isinstance(value, bool) or value is None:
        raise InvalidSetting(name, value, allowed)
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidSetting(name, value, allowed) from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise InvalidSetting(name, value, allowed)
    return number


def as_int(name: str, value, lo: int, hi: int, allowed: str | None = None) -> int:
    """`value` as an int in [lo, hi]; whole floats (5.0, as sliders send) count, 5.5 does not."""
    allowed = allowed or f"a whole number from {lo} to {hi}"
    number = as_number(name, value, lo, hi, allowed)
    if number != int(number):
        raise InvalidSetting(name, value, allowed)
    return int(number)


def as_seed(value) -> int | None:
    """A seed in [0, 2**32 - 1], or None (also for "" and blank text) meaning 'pick one at random'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return as_int("seed", value, 0, SEED_MAX, f"empty (random) or a whole number from 0 to {SEED_MAX}")


def random_seed() -> int:
    return random.SystemRandom().randint(0, SEED_MAX)


@dataclass(frozen=True)
class SamplingSettings:
    """How the next token is chosen: temperature → top-k → top-p, as in transformers' `generate()`.

    temperature 0 is greedy (top_k and top_p are then ignored), top_k 0 and top_p 1 turn those filters
    off. seed None picks a random seed, which is then reported so the run can be replayed.
    """

    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95
    max_new_tokens: int = 80
    seed: int | None = None

    def __post_init__(self):
        t = as_number("temperature", self.temperature, 0.0, TEMPERATURE_MAX,
                      f"0 (greedy) or a number from {TEMPERATURE_MIN_SAMPLING} to {TEMPERATURE_MAX:g}")
        if 0 < t < TEMPERATURE_MIN_SAMPLING:
            raise InvalidSetting("temperature", self.temperature,
                                 f"0 (greedy) or a number from {TEMPERATURE_MIN_SAMPLING} to {TEMPERATURE_MAX:g}")
        object.__setattr__(self, "temperature", t)
        object.__setattr__(self, "top_k", as_int("top_k", self.top_k, 0, TOP_K_MAX,
                                                 f"a whole number from 0 (off) to {TOP_K_MAX}"))
        top_p = as_number("top_p", self.top_p, 0.0, 1.0, "a number greater than 0 and at most 1 (1 = off)")
        if top_p <= 0:
            raise InvalidSetting("top_p", self.top_p, "a number greater than 0 and at most 1 (1 = off)")
        object.__setattr__(self, "top_p", top_p)
        object.__setattr__(self, "max_new_tokens", as_int("max_new_tokens", self.max_new_tokens, 1,
                                                          MAX_NEW_TOKENS_MAX))
        object.__setattr__(self, "seed", as_seed(self.seed))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def with_seed(self) -> "SamplingSettings":
        """These settings with a concrete seed (a random one if none was given)."""
        if self.seed is not None:
            return self
        return SamplingSettings(self.temperature, self.top_k, self.top_p, self.max_new_tokens, random_seed())


# Control characters a prompt may not hold: C0 (except tab, newline, carriage return), DEL and C1. They never
# occur in a greentext, are invisible on screen, and NUL cuts strings short in C code and logs. Rejected with
# the character and its position rather than silently removed, so the model reads exactly what the user sees.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|[\ud800-\udfff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 11: "VERTICAL TAB", 12: "FORM FEED", 27: "ESCAPE", 127: "DELETE"}


def check_prompt(prompt, name: str = "prompt") -> str:
    """The prompt as text, or InvalidSetting for a non-string, text over PROMPT_MAX_CHARS characters, or text
    with a control character (other than tab and newline) or a lone surrogate (not valid Unicode).

    Everything else is text: emoji, right-to-left and mixed scripts, HTML (always shown escaped).
    """
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise InvalidSetting(name, prompt, "text")
    if len(prompt) > PROMPT_MAX_CHARS:
        raise InvalidSetting(name, f"{len(prompt):,} characters",
                             f"at most {PROMPT_MAX_CHARS:,} characters (the model reads only the last ~1,000 tokens)")
    bad = _CONTROL.search(prompt)
    if bad:
        code = ord(bad.group())
        what = "lone surrogate" if 0xD800 <= code <= 0xDFFF else _CONTROL_NAMES.get(code, "a control character")
        raise InvalidSetting(name, f"{what} (U+{code:04X}) at character {bad.start() + 1}",
                             "valid text without control characters (tabs and newlines are fine)")
    return prompt


def check_top_n(top_n) -> int:
    return as_int("top_n", top_n, 1, TOP_N_MAX)
