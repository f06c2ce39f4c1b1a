"""Sampling presets a lesson can name: greedy, balanced, creative, chaos (no gradio here).

    PRESETS["balanced"]   # (temperature, top_k, top_p) = (0.8, 50, 0.95)

The Generate and Probabilities tabs show them as buttons with their values (labels in i18n.py).
"""

from __future__ import annotations

# (temperature, top_k, top_p). Greedy ignores the filters; top_k 0 and top_p 1 turn them off.
PRESETS: dict[str, tuple[float, int, float]] = {
    "greedy": (0.0, 50, 0.95),
    "balanced": (0.8, 50, 0.95),
    "creative": (1.1, 0, 0.95),
    "chaos": (1.8, 0, 1.0),
}
