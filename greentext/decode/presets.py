"""Sampling presets a lesson can name: greedy, balanced, creative, chaos (no gradio here).

    PRESETS["balanced"]   # (temperature, top_k, top_p) = (0.8, 50, 0.95)

The Generate and Probabilities tabs show them as buttons with their values (`labels(lang)`).
"""

from __future__ import annotations

from greentext.language import i18n
from greentext.language.numbers import short

# (temperature, top_k, top_p). Greedy ignores the filters; top_k 0 and top_p 1 turn them off.
PRESETS: dict[str, tuple[float, int, float]] = {
    "greedy": (0.0, 50, 0.95),
    "balanced": (0.8, 50, 0.95),
    "creative": (1.1, 0, 0.95),
    "chaos": (1.8, 0, 1.0),
}


def labels(lang: str) -> dict[str, str]:
    """Each preset button's label in `lang`, with its values: {"preset_balanced": "Balanced · T 0.8 · top-k 50 · top-p 0.95"}."""
    out = {}
    off = i18n.text("preset_off", lang)
    for name, (t, k, p) in PRESETS.items():
        parts = [f"{i18n.text(f'preset_name_{name}', lang)} · T {short(t, lang)}"]
        if t:
            parts += [f"top-k {k or off}", f"top-p {short(p, lang) if p < 1 else off}"]
        out[f"preset_{name}"] = " · ".join(parts)
    return out
