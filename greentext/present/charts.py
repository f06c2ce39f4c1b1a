"""Plotly figures: a step's candidates as bars, and one layer/head of attention as a heatmap."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from greentext.present.attention_html import GEN_COLOR as GEN, labels
from greentext.language.i18n import text
from greentext.decode.steps import Step
from greentext.model.tokens import Token

GREEN = "#789922"
GREY = "#b8b8b8"
GOLD = "#e0a100"


def step_figure(step: Step, lang: str = "en", top: int = 15) -> go.Figure:
    """Bars of the top candidates: the model's probability (T=1) and the final one sampled from."""
    cands = step.candidates[:top]
    labels = [f"{c.rank}. {c.token}" for c in cands]
    chosen = step.chosen.id if step.chosen else None
    colors = [GOLD if c.id == chosen else (GREEN if c.kept else GREY) for c in cands]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[c.p_raw for c in cands], name="p (T=1)", marker_color="rgba(0,0,0,0.15)",
                hovertemplate="%{x}<br>p (T=1) = %{y:.2%}<extra></extra>")
    fig.add_bar(x=labels, y=[c.p_final for c in cands], name=text("col_final", lang),
                marker_color=colors, hovertemplate="%{x}<br>%{y:.2%}<extra></extra>")
    # The title on its own line, the legend under it (never over it, however narrow the column).
    fig.update_layout(barmode="group", height=380, margin=dict(l=40, r=10, t=78, b=90),
                      title=dict(text=text("step_title", lang, n=step.index + 1), y=0.98, yanchor="top", x=0.02),
                      yaxis_tickformat=".0%", font=dict(size=16),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, xanchor="left"),
                      plot_bgcolor="white")
    fig.update_xaxes(tickangle=-45)
    return fig


# The heatmap's type: (font px, px per token row, most labelled ticks an axis) in normal and projector mode.
HEATMAP_TYPE = {False: (13, 18, 48), True: (20, 26, 32)}
HEATMAP_MAX_HEIGHT = {False: 900, True: 1100}


def attention_figure(tokens: list[Token], weights: np.ndarray, title: str, prompt_tokens: int | None = None,
                     big: bool = False) -> go.Figure:
    """Heatmap of one (n × n) attention matrix: row = the token attending, column = the token looked at.

    The axes carry the tokens as the bertviz views write them ("·be", "↵"); generated tokens (from
    `prompt_tokens` on) are labelled in bold orange, after a gold line. `big`: projector mode (larger
    type, taller rows, fewer labelled ticks); the margins grow to fit the labels (automargin) and the
    title sits in a top margin of its own."""
    names = labels(tokens)
    n = len(tokens)
    font, row, most = HEATMAP_TYPE[bool(big)]
    masked = np.where(np.tril(np.ones((n, n), dtype=bool)), weights, np.nan)
    # The first token soaks up much attention in GPT-2; a 99th-percentile top keeps the rest visible.
    top = float(np.nanpercentile(masked, 99)) if n > 1 else 1.0
    prompt = n if prompt_tokens is None else max(0, min(n, int(prompt_tokens)))
    # Plotly reads a little HTML in labels: escape the tokens, then mark the generated ones.
    ticks = [html.escape(t, quote=False) for t in names]
    ticks = [f"<b><span style='color:{GEN}'>{t}</span></b>" if i >= prompt else t for i, t in enumerate(ticks)]
    every = max(1, -(-n // most))  # at most `most` labelled ticks an axis
    shown = list(range(0, n, every))
    hover = np.array([[f"{i}:{ticks[i]} → {j}:{ticks[j]}" for j in range(n)] for i in range(n)], dtype=object) \
        if n <= 256 else None
    fig = go.Figure(go.Heatmap(z=masked.round(4), colorscale="Greens", zmin=0, zmax=max(top, 1e-6),
                               text=hover, hovertemplate=("%{text}" if hover is not None else "%{y} → %{x}")
                               + "<br>%{z:.3f}<extra></extra>"))
    if 0 < prompt < n:
        edge = prompt - 0.5
        for line in (dict(x0=-0.5, x1=n - 0.5, y0=edge, y1=edge), dict(x0=edge, x1=edge, y0=-0.5, y1=n - 0.5)):
            fig.add_shape(type="line", line=dict(color=GOLD, width=2), **line)
    title_size = round(font * 1.35)
    top_margin = title_size * 2 + 12  # the title's own band: nothing of the plot (or the page) over it
    size = min(HEATMAP_MAX_HEIGHT[bool(big)], 200 + top_margin + row * n)
    fig.update_layout(title=dict(text=title, font=dict(size=title_size), x=0, xref="paper", xanchor="left",
                                 y=1, yref="container", yanchor="top", pad=dict(t=8)),
                      height=size, margin=dict(l=40, r=10, t=top_margin, b=40, autoexpand=True),
                      font=dict(size=font), plot_bgcolor="white")
    fig.update_xaxes(tickvals=shown, ticktext=[ticks[i] for i in shown], tickangle=-60, automargin=True)
    fig.update_yaxes(tickvals=shown, ticktext=[ticks[i] for i in shown], autorange="reversed", automargin=True)
    return fig


def compare_figure(tokens: list[Token], p_a, p_b, names: tuple[str, str], lang: str = "en",
                   per_span: bool = False) -> go.Figure:
    """Every token's probability under A (grey) and B (green) as bars, and under them a strip of B − A
    (green: B gives the token more; orange: A does). Tokens are placed by position, so a repeated token
    keeps a bar of its own. `per_span`: the "tokens" are stretches of text (two tokenizers), so titled."""
    from plotly.subplots import make_subplots

    names_shown = [html.escape(n, quote=False) for n in names]
    ticks = [html.escape(t, quote=False) for t in labels(tokens)]
    n = len(tokens)
    x = list(range(n))
    p_a, p_b = np.asarray(p_a, dtype=float), np.asarray(p_b, dtype=float)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.04)
    hover = [f"{i}: {t}" for i, t in enumerate(ticks)]
    fig.add_bar(x=x, y=p_a, name=f"A · {names_shown[0]}", marker_color="rgba(0,0,0,0.28)", customdata=hover,
                hovertemplate="%{customdata}<br>A = %{y:.2%}<extra></extra>", row=1, col=1)
    fig.add_bar(x=x, y=p_b, name=f"B · {names_shown[1]}", marker_color=GREEN, customdata=hover,
                hovertemplate="%{customdata}<br>B = %{y:.2%}<extra></extra>", row=1, col=1)
    fig.add_heatmap(x=x, z=[(p_b - p_a).round(4).tolist()], zmin=-1, zmax=1, showscale=False,
                    colorscale=[[0, "#e07800"], [0.5, "#ffffff"], [1, GREEN]], customdata=[hover],
                    hovertemplate="%{customdata}<br>B − A = %{z:+.1%}<extra></extra>", row=2, col=1)
    every = max(1, -(-n // 60))  # at most ~60 labelled tokens
    shown = list(range(0, n, every))
    fig.update_layout(barmode="group", height=460, margin=dict(l=50, r=10, t=78, b=100), font=dict(size=15),
                      title=dict(text=text("compare_spans_chart" if per_span else "compare_chart", lang), y=0.98,
                                 yanchor="top", x=0.02),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, xanchor="left"),
                      plot_bgcolor="white", bargap=0.15)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_yaxes(tickvals=[0], ticktext=[text("compare_diff", lang)], row=2, col=1)
    fig.update_xaxes(tickvals=shown, ticktext=[ticks[i] for i in shown], tickangle=-60, row=2, col=1)
    return fig
