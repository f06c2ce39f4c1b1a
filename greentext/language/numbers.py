"""Numbers as the page shows them, by language: the one formatter for every number the audience sees.

    whole(17735936, "pt")        # "17.735.936"      (en: "17,735,936")
    decimal(42.1, "pt", 1)       # "42,1"            (en: "42.1")
    percent(0.853, "pt")         # "85,3%"
    small_percent(3.2e-9)        # "0.00000032%"     (tiny probabilities stay readable)
    text = "{n:,} tokens, {tps:.1f}/s".format(**localized(dict(n=1234, tps=42.1), "pt"))   # "1.234 tokens, 42,1/s"

Brazilian Portuguese swaps English's separators: a comma before the decimals, a dot between thousands.
Every word table in i18n.py passes its numbers through `localized`, so a format spec written once
(`{parameters:,}`) gives each language its own digits.
"""

from __future__ import annotations

import math

_SWAP = str.maketrans({",": ".", ".": ","})


def is_portuguese(lang: str) -> bool:
    return (lang or "").lower().startswith("pt")


def formatted(value, spec: str = "", lang: str = "en") -> str:
    """`format(value, spec)` with the language's separators."""
    shown = format(value, spec)
    return shown.translate(_SWAP) if is_portuguese(lang) else shown


def whole(n: int, lang: str = "en") -> str:
    """1234 → "1,234" (en) or "1.234" (pt)."""
    return formatted(int(n), ",", lang)


def decimal(x: float, lang: str = "en", digits: int = 2) -> str:
    """1.234 → "1.23" (en) or "1,23" (pt); no thousands separator (a CSV cell stays one number)."""
    return formatted(float(x), f".{digits}f", lang)


def percent(p: float, lang: str = "en", digits: int = 1) -> str:
    """0.853 → "85.3%" (en) or "85,3%" (pt)."""
    return decimal(p * 100, lang, digits) + "%"


def small_percent(p: float, lang: str = "en") -> str:
    """A probability as a percentage that stays readable when tiny: 0.853 → "85.3%", 0.00042 → "0.042%",
    3.2e-9 → "0.00000032%" (two significant digits below 1%; in pt-BR with a comma)."""
    if p >= 0.01 or p <= 0:
        return percent(p, lang)
    digits = min(12, 1 - math.floor(math.log10(p * 100)))
    return decimal(p * 100, lang, digits) + "%"


def short(x: float, lang: str = "en") -> str:
    """A setting as a label shows it: 0.8 → "0.8" / "0,8", 1.0 → "1", 50 → "50"."""
    return formatted(float(x), "g", lang)


class Localized:
    """A number that formats with its language's separators inside str.format: f"{Localized(1234.5, 'pt'):,}"."""

    __slots__ = ("value", "lang")

    def __init__(self, value, lang: str):
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        return formatted(self.value, spec, self.lang)

    def __str__(self) -> str:
        return formatted(self.value, "", self.lang)


def localized(values: dict, lang: str) -> dict:
    """`values` with every number (not booleans) wrapped to format in `lang`."""
    if not is_portuguese(lang):
        return values
    return {k: Localized(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for k, v in values.items()}
