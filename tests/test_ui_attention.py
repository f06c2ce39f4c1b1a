"""The Attention tab's handlers, called directly: views, the layer slider, and the Generate tab's text."""


import threading
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import pytest
from conftest import PT

from greentext.present import attention_html as attention_view
from greentext.present import charts
from greentext.ui.context import App
from greentext.ui.attention import AttentionTab


@pytest.fixture(scope="module")
def tab(engine):
    return AttentionTab(App(engine, safe_mode=True))


def test_show_draws_every_view(tab):
    figure, head_html, note, model_html, window = tab.show("the lecture\n>be me and then", 1, -1, "the lecture\n>be me")
    assert figure.layout.title.text == "layer 1 · average of heads"
    assert 'sandbox="allow-scripts"' in head_html and 'sandbox="allow-scripts"' in model_html and note == ""
    assert window["visible"] is False  # a short text: all its tokens in the head view, no window
    figure, head_html, note, _ = tab.show_layer("the lecture", 0, 1, None,
                                             request=PT)
    assert figure.layout.title.text == "camada 0 · cabeça 1" and "Visão por cabeça" in head_html


def test_the_layer_slider_waits_for_a_text(tab):
    assert all(isinstance(x, type(gr.skip())) for x in tab.show_layer("  ", 1, 0, None))


def test_a_text_longer_than_the_context_says_so(tab, engine):
    _, _, note, _, _ = tab.show(" ".join(str(i) for i in range(300)), 0, 0, None)
    assert "tokens were dropped" in note


def test_weights_are_cached_by_text_within_a_byte_budget(engine):
    tab = AttentionTab(App(engine), cache_mb=0.01)  # 10 KB: a handful of short texts on the tiny model
    first = tab.weights(">be me")
    assert tab.weights(">be me") is first and tab.weights.cache_info().hits == 1
    texts = [f">be me {i} and then" for i in range(40)]
    for text in texts:
        tab.weights(text)
        assert tab.cache.currsize <= tab.cache.maxsize
    assert ">be me" not in tab.cache and texts[-1] in tab.cache and 3 < len(tab.cache) < 40  # LRU went first
    assert tab.weights(">be me") is not first
    huge = tab.weights("and then " * 40)  # larger than the whole budget: computed, never cached
    assert huge.weights.nbytes > tab.cache.maxsize and "and then " * 40 not in tab.cache


def test_a_crowd_reads_each_text_once(engine, monkeypatch):
    """32 users, each asking for the presenter's story, the default prompt or their own text, a few times
    and all at once: every distinct text is computed exactly once (the others wait for it); the hit rate
    is what is left. The cache used to keep one text (then four), so a crowd recomputed almost always."""
    tab = AttentionTab(App(engine))
    computed = []
    attention = engine.attention
    monkeypatch.setattr(engine, "attention", lambda text, kind: computed.append(text) or attention(text, kind))
    shared = ["the lecture\n>be me\n>projector dies", "the lecture\n>be me"]
    start = threading.Barrier(32)

    def user(i):
        start.wait()
        for j in range(6):
            text = shared[j % 2] if j < 4 or i % 4 else f">be user {i}"
            tab.show(text, j % 2, -1, None)

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(user, range(32)))
    info = tab.weights.cache_info()
    distinct = 2 + 8  # the two shared texts, and 8 users' own
    assert sorted(computed) == sorted(set(computed)) and len(computed) == info.misses == distinct
    assert info.hits == 32 * 6 - distinct  # hit rate 182/192 = 95%


def test_text_from_the_generate_tab(tab):
    assert tab.from_generate("the lecture\n>be me and then", "the lecture\n>be me") == \
        ("the lecture\n>be me and then", "the lecture\n>be me")
    assert tab.from_generate("a story", "") == ("a story", "")  # from <|endoftext|>: all generated
    assert tab.from_generate("be me, ████ happens", "be me, shit") == ("be me, ████ happens", "be me, ████")
    assert tab.from_generate("the end", "cut to the context") == ("the end", None)


def test_bad_text_and_layer_are_named(tab):
    with pytest.raises(gr.Error, match="text must be"):
        tab.attention("a\x00", 0)
    with pytest.raises(gr.Error, match="layer must be a whole number from 0 to 1"):
        tab.attention(">be me", 5)


def test_projector_mode_draws_larger(tab):
    text = "the lecture\n>be me and then"
    figure, head_html, _, model_html, _ = tab.show(text, 0, -1, None, True)
    assert figure.layout.font.size == charts.HEATMAP_TYPE[True][0]
    assert 'class=&quot;big&quot;' in head_html and 'class=&quot;big&quot;' in model_html
    normal, head_html, _, _ = tab.show_layer(text, 0, -1, None, False)
    assert normal.layout.font.size < figure.layout.font.size and 'class=&quot;big&quot;' not in head_html
    # toggled later: the heatmap alone is drawn again (the frames resize themselves)
    assert tab.show_heatmap(text, 0, -1, None, True).layout.font.size == figure.layout.font.size
    assert isinstance(tab.show_heatmap(" ", 0, -1, None, True), type(gr.skip()))


def test_a_long_text_is_drawn_as_a_window_the_slider_moves(tab):
    """Issue 20, item 6: a long text's head view was one column of every token (17,527 px tall at 512
    tokens); now it draws HEAD_WINDOW tokens, the last ones first, and the slider moves the window."""
    HEAD_WINDOW = attention_view.HEAD_WINDOW[False]
    text = "\n".join(f">line {i} of the story" for i in range(30))
    n = len(tab.weights(text).tokens)
    _, head_html, _, _, window = tab.show(text, 0, -1, None)
    assert window["visible"] is True and window["maximum"] == n - HEAD_WINDOW and window["value"] == n - HEAD_WINDOW
    assert "⋯ " in head_html and f"Tokens {n - HEAD_WINDOW}–{n - 1} of {n}" in head_html
    _, head_html, _, window = tab.show_layer(text, 0, -1, None, False, 0, request=PT)
    assert window["value"] == 0 and "Tokens 0–" in head_html and "anteriores" not in head_html  # at the start
    _, _, _, window = tab.show_layer(text, 0, -1, None, False, 10_000)
    assert window["value"] == n - HEAD_WINDOW  # kept inside the text
    _, _, _, window = tab.show_layer(text, 0, -1, None, True, None)  # projector mode: fewer, larger rows
    assert window["maximum"] == n - attention_view.HEAD_WINDOW[True] > n - HEAD_WINDOW
