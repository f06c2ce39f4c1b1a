"""Sampling settings and their allowed ranges, checked once, here.

Every way into the engine (Python, the UI, the HTTP API) goes through `SamplingSettings`, so a bad
value gets the same message everywhere: the parameter, the value, and the allowed range.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from greentext.language.errors import UserError

# Allowed ranges. The UI's sliders and the API's checks are built from these numbers.
TEMPERATURE_MAX = 2.0  # 0 means greedy
TEMPERATURE_MIN_SAMPLING = 0.01  # below this, logits / T overflows; use 0 for greedy
TOP_K_MAX = 200  # 0 turns top-k off
MAX_NEW_TOKENS_MAX = 256
TOP_N_MAX = 50  # candidates listed per step
SEED_MAX = 2**32 - 1
PROMPT_MAX_CHARS = 20_000  # far past GPT-2's 1024-token context; longer text is rejected, not truncated


class InvalidSetting(UserError, ValueError):
    """A parameter outside its allowed range; the message names the parameter, value and range.

    `allowed` is a key of i18n.WORDS filled with `values` (or plain English), so `message("pt")` says it in
    Brazilian Portuguese; `str(err)` is English (the API's and Python's language).
    """

    def __init__(self, name: str, value, allowed: str, **values):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(allowed, **values)

    def message(self, lang: str = "en") -> str:
        from greentext.language import i18n

        shown = repr(self.value) if not isinstance(self.value, str) or len(self.value) < 40 \
            else repr(self.value[:40] + "…")
        allowed = i18n.text(self.allowed, lang, **self.values) if self.allowed in i18n.WORDS else self.allowed
        name = i18n.text(f"param_{self.name}", lang) if f"param_{self.name}" in i18n.WORDS else self.name
        return i18n.text("invalid", lang, name=name, allowed=allowed, got=shown)


def as_number(name: str, value, minimum: float, maximum: float, allowed: str, **values) -> float:
    """`value` as a finite float in [minimum, maximum], else InvalidSetting. Numeric strings ("0.8") are accepted."""
    if isinstance(value, bool) or value is None:
        raise InvalidSetting(name, value, allowed, **values)
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidSetting(name, value, allowed, **values) from None
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise InvalidSetting(name, value, allowed, **values)
    return number


def as_int(name: str, value, minimum: int, maximum: int, allowed: str = "allowed_int", **values) -> int:
    """`value` as an int in [minimum, maximum]; whole floats (5.0, as sliders send) count, 5.5 does not."""
    values = values or dict(lo=minimum, hi=maximum)
    number = as_number(name, value, minimum, maximum, allowed, **values)
    if number != int(number):
        raise InvalidSetting(name, value, allowed, **values)
    return int(number)


def as_seed(value) -> int | None:
    """A seed in [0, 2**32 - 1], or None (also for "" and blank text) meaning 'pick one at random'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return as_int("seed", value, 0, SEED_MAX, "allowed_seed", hi=SEED_MAX)


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
        t_range = dict(lo=f"{TEMPERATURE_MIN_SAMPLING}", hi=f"{TEMPERATURE_MAX:g}")
        t = as_number("temperature", self.temperature, 0.0, TEMPERATURE_MAX, "allowed_temperature", **t_range)
        if 0 < t < TEMPERATURE_MIN_SAMPLING:
            raise InvalidSetting("temperature", self.temperature, "allowed_temperature", **t_range)
        object.__setattr__(self, "temperature", t)
        object.__setattr__(self, "top_k", as_int("top_k", self.top_k, 0, TOP_K_MAX, "allowed_top_k", hi=TOP_K_MAX))
        top_p = as_number("top_p", self.top_p, 0.0, 1.0, "allowed_top_p")
        if top_p <= 0:
            raise InvalidSetting("top_p", self.top_p, "allowed_top_p")
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
        raise InvalidSetting(name, prompt, "allowed_text")
    if len(prompt) > PROMPT_MAX_CHARS:
        raise InvalidSetting(name, f"{len(prompt):,} characters", "allowed_prompt_length", n=PROMPT_MAX_CHARS)
    bad = _CONTROL.search(prompt)
    if bad:
        code = ord(bad.group())
        what = "lone surrogate" if 0xD800 <= code <= 0xDFFF else _CONTROL_NAMES.get(code, "a control character")
        raise InvalidSetting(name, f"{what} (U+{code:04X}) at character {bad.start() + 1}", "allowed_control")
    return prompt


def check_top_n(top_n) -> int:
    return as_int("top_n", top_n, 1, TOP_N_MAX)
