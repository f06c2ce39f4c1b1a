"""The Generate tab's handlers, called directly: the stream, its notes, Stop, and lecture-safe mode."""

import re
import time

import pytest
from conftest import PT

from greentext.decode.settings import SamplingSettings
from greentext.ui.context import App
from greentext.ui.generate import GenerateTab



@pytest.fixture(scope="module")
def tab(engine):
    return GenerateTab(App(engine, safe_mode=True))


def test_the_stream_is_the_engines_generation(tab, engine):
    *_, (html, plain, status, _) = tab.stream(">be me", 0.9, 40, 0.9, 12, 7)
    run = engine.generate(">be me", SamplingSettings(0.9, 40, 0.9, 12, 7))
    assert plain == ">be me" + run.text and "seed **7**" in status and f"{len(run.ids)} tokens" in status
    assert "tokens/s" in status and 'class="gt-gen"' in html
    assert list(tab.generate(">be me", 0.9, 40, 0.9, 12, 7))[-1] == run.text


def test_notes_in_the_pages_language(tab):
    *_, (html, plain, status, _) = tab.stream("", 0, 0, 1.0, 3, 1, request=PT)
    assert "O prompt está vazio" in html and status.startswith("semente **1**")
    *_, (html, _, _, _) = tab.stream("", 0, 0, 1.0, 3, 1)
    assert "The prompt is empty" in html and "<|endoftext|>" in html.replace("&lt;", "<").replace("&gt;", ">")


def test_time_limit_ends_a_long_request_with_a_note(engine):
    tab = GenerateTab(App(engine, time_limit=0))
    *_, (html, _, _, _) = tab.stream(">be me", 0.8, 40, 0.9, 50, 1)
    assert "Stopped at the time limit of 0 s per request." in html


def test_a_closed_stream_stops_its_generation(slow_engine):
    tab = GenerateTab(App(slow_engine))
    stream = tab.stream(">be me", 1.0, 0, 1.0, 120, 1)
    next(stream)
    stream.close()  # what gradio does when the user presses Stop or closes the tab
    time.sleep(0.2)
    before = tab.app.worker.steps
    time.sleep(0.5)
    assert tab.app.worker.steps - before <= 1


def test_masked_story_and_note(tab, swearing):
    *_, (html, plain, _, _) = tab.stream(">be me", 0, 0, 1.0, 3, 1)
    assert "shit" not in html + plain and "████" in plain and "3 words masked — lecture-safe mode" in html
    assert list(tab.generate(">be me", 0, 0, 1.0, 3, 1))[-1] == " ████ ████ ████"


def test_stop_leaves_a_trace_in_the_status(tab):
    assert tab.stopped("seed **1** · 5 tokens", PT) == "seed **1** · 5 tokens · ⏹ parado"
    assert tab.stopped("") == "⏹ stopped"


def test_explain_replays_exactly_the_generated_text(tab, engine):
    """Explain fills the Probabilities tab with the run's prompt, settings and seed; its walk, stepped as
    many times as the story has tokens, writes the same text."""
    import gradio as gr

    from greentext.ui import build_app
    from greentext.ui.layout import explainer
    from greentext.ui.probabilities import ProbabilitiesTab

    *_, (_, plain, _, replay) = tab.stream("the lecture\n>be me", 0.9, 40, 0.9, 16, None)
    page = build_app(engine).controls
    explain, outputs = explainer(tab, page)
    out, walk = explain(replay), page.probabilities
    assert len(out) == len(outputs) and all(c in out for c in outputs)  # one update per output, keyed by component
    assert out[page.tabs].selected == "probabilities" and out[walk.state] is None
    assert out[walk.form.seed] == str(replay["seed"])
    probs = ProbabilitiesTab(tab.app)
    form = (*(out[c] for c in walk.form.fields()), 5)
    state, *_ = probs.show(None, *form)
    state, *_ = probs.run(state, *form, steps=out[walk.steps])
    walk = probs.walks.take(state)
    assert tab.app.display.story(walk.prompt, walk.text).story == plain
    with pytest.warns(UserWarning, match="Generate a story first"):
        assert explain(None) == gr.skip()  # before any generation: a message, nothing changes


def test_a_bad_setting_is_named_in_the_pages_language(tab):
    import gradio as gr

    with pytest.raises(gr.Error, match="temperatura deve ser 0 \\(guloso\\)"):
        list(tab.stream(">be me", 7, 40, 0.9, 16, 1, request=PT))


def test_the_last_update_carries_the_ranks_and_colour_streams_them(tab, engine):
    updates = list(tab.stream(">be me", 1.5, 0, 1.0, 12, 3))
    run = engine.generate(">be me", SamplingSettings(1.5, 0, 1.0, 12, 3))
    *streamed, (html, plain, _, _) = updates
    assert all("data-rank" not in u[0] for u in streamed)  # colour off: the plain greentext while streaming
    ranks = [int(r) for r in re.findall(r'data-rank="(\d+)"', html.split('<div class="greentext ranked">')[1])]
    assert ranks == [r.rank for r in run.ranks] and plain == ">be me" + run.text  # each token once, in order
    colour = list(tab.stream(">be me", 1.5, 0, 1.0, 12, 3, True, request=PT))
    assert all("data-rank" in u[0] for u in colour) and colour[-1][0].count("posição ") == len(run.ids)


def test_masked_words_stay_masked_in_the_coloured_story(tab, swearing):
    *_, (html, plain, _, _) = tab.stream(">be me", 0, 0, 1.0, 3, 1, True)
    assert "shit" not in html + plain
    assert html.count('data-rank="1"> ████<span class="rk-tip"><code>·████</code>') == 3
