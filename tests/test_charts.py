"""Plotly figures: the step's bars and the attention heatmap, in the page's language, text escaped."""

import numpy as np

from greentext import charts
from greentext.steps import Candidate, Chosen, Step
from greentext.tokens import Token


def test_step_figure_colours_and_language():
    cands = [Candidate(1, 5, "·be", " be", 2.0, 0.8, 0.9, 1.0, 0.9, True, None),
             Candidate(2, 6, "·me", " me", 1.0, 0.1, 0.1, 0.0, 1.0, False, "top_k")]
    step = Step(0, ">", 1, cands, Chosen(5, "·be", " be", 1, 0.8, 1.0, "sampled"), 0.1, 0.0, 1.0, 0.0, 1)
    fig = charts.step_figure(step, "pt")
    assert fig.layout.title.text == "Passo 1" and fig.data[1].name == "no sorteio"
    assert list(fig.data[1].marker.color) == [charts.GOLD, charts.GREY]
    assert charts.step_figure(step).layout.title.text == "Step 1"


def test_attention_heatmap_marks_generated_tokens_and_escapes_text():
    tokens = [Token(i, t, t) for i, t in enumerate(["<b>", "·be", "·me"])]
    weights = np.tril(np.ones((3, 3))) / np.arange(1, 4)[:, None]
    fig = charts.attention_figure(tokens, weights, "layer 0", prompt_tokens=2)
    ticks = list(fig.layout.xaxis.ticktext)
    assert ticks[0] == "&lt;b&gt;" and charts.GEN in ticks[2] and charts.GEN not in ticks[1]
    assert np.isnan(fig.data[0].z[0][2])  # above the diagonal: nothing (causal)
