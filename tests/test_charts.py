"""Plotly figures: the step's bars and the attention heatmap, in the page's language, text escaped."""

import numpy as np

from greentext.present import charts
from greentext.decode.steps import Candidate, Chosen, Step
from greentext.model.tokens import Token


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


def test_attention_heatmap_grows_in_projector_mode_and_keeps_its_title_clear():
    tokens = [Token(i, f"·t{i}", f" t{i}") for i in range(100)]
    weights = np.tril(np.ones((100, 100))) / np.arange(1, 101)[:, None]
    normal = charts.attention_figure(tokens, weights, "camada 0 · média das cabeças")
    big = charts.attention_figure(tokens, weights, "camada 0 · média das cabeças", big=True)
    assert big.layout.font.size >= 1.5 * normal.layout.font.size  # ticks and colorbar: 13 → 20 px
    assert big.layout.title.font.size > normal.layout.title.font.size
    assert len(big.layout.xaxis.tickvals) < len(normal.layout.xaxis.tickvals)  # labels don't overlap
    for fig in (normal, big):
        # the title in a band of its own at the top (the page's label badge used to sit on it)
        title = fig.layout.title
        assert fig.layout.margin.t >= 2 * title.font.size and title.yref == "container" and title.yanchor == "top"
        assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin  # long tokens fit their margin
