"""Plotly figures: a step's candidates as bars, and one layer/head of attention as a heatmap."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .steps import Step
from .tokens import Token

GREEN = "#789922"
GREY = "#b8b8b8"
GOLD = "#e0a100"


def step_figure(step: Step, lang: str = "en", top: int = 15) -> go.Figure:
    """Bars of the top candidates: the model's probability (T=1) and the final one sampled from."""
    cands = step.candidates[:top]
    labels = [f"{c.rank}. {c.token}" for c in cands]
    chosen = step.chosen.id if step.chosen else None
    colors = [GOLD if c.id == chosen else (GREEN if c.kept else GREY) for c in cands]
    pt = lang == "pt"
    fig = go.Figure()
    fig.add_bar(x=labels, y=[c.p_raw for c in cands], name="p (T=1)", marker_color="rgba(0,0,0,0.15)",
                hovertemplate="%{x}<br>p (T=1) = %{y:.2%}<extra></extra>")
    fig.add_bar(x=labels, y=[c.p_final for c in cands], name="após top-k/top-p" if pt else "after top-k/top-p",
                marker_color=colors, hovertemplate="%{x}<br>%{y:.2%}<extra></extra>")
    fig.update_layout(barmode="group", height=360, margin=dict(l=40, r=10, t=40, b=90),
                      title=("Passo" if pt else "Step") + f" {step.index + 1}", yaxis_tickformat=".0%",
                      font=dict(size=16), legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
                      plot_bgcolor="white")
    fig.update_xaxes(tickangle=-45)
    return fig


def attention_figure(tokens: list[Token], weights: np.ndarray, title: str, prompt_tokens: int | None = None) -> go.Figure:
    """Heatmap of one (n × n) attention matrix: row = the token attending, column = the token looked at."""
    labels = [f"{i}:{t.token}" for i, t in enumerate(tokens)]
    n = len(tokens)
    masked = np.where(np.tril(np.ones((n, n), dtype=bool)), weights, np.nan)
    # The first token soaks up much attention in GPT-2; a 99th-percentile top keeps the rest visible.
    top = float(np.nanpercentile(masked, 99)) if n > 1 else 1.0
    fig = go.Figure(go.Heatmap(z=masked, x=labels, y=labels, colorscale="Greens", zmin=0, zmax=max(top, 1e-6),
                               hovertemplate="%{y} → %{x}<br>%{z:.3f}<extra></extra>"))
    if prompt_tokens and 0 < prompt_tokens < n:
        edge = prompt_tokens - 0.5
        fig.add_shape(type="line", x0=-0.5, x1=n - 0.5, y0=edge, y1=edge, line=dict(color=GOLD, width=2))
    size = min(900, 220 + 18 * n)
    fig.update_layout(title=title, height=size, margin=dict(l=110, r=10, t=40, b=110), font=dict(size=13),
                      plot_bgcolor="white")
    fig.update_yaxes(autorange="reversed")
    return fig
