"""The Attention tab's handlers, called directly: views, the layer slider, and the Generate tab's text."""


import gradio as gr
import pytest
from conftest import PT

from greentext import charts
from greentext.ui.app import App
from greentext.ui.attention import CACHED_TEXTS, AttentionTab


@pytest.fixture(scope="module")
def tab(engine):
    return AttentionTab(App(engine, safe_mode=True))


def test_show_draws_every_view(tab):
    figure, head_html, note, model_html = tab.show("the lecture\n>be me and then", 1, -1, "the lecture\n>be me")
    assert figure.layout.title.text == "layer 1 · average of heads"
    assert 'sandbox="allow-scripts"' in head_html and 'sandbox="allow-scripts"' in model_html and note == ""
    figure, head_html, note = tab.show_layer("the lecture", 0, 1, None,
                                             request=PT)
    assert figure.layout.title.text == "camada 0 · cabeça 1" and "Visão por cabeça" in head_html


def test_the_layer_slider_waits_for_a_text(tab):
    assert all(isinstance(x, type(gr.skip())) for x in tab.show_layer("  ", 1, 0, None))


def test_a_text_longer_than_the_context_says_so(tab, engine):
    _, _, note, _ = tab.show(" ".join(str(i) for i in range(300)), 0, 0, None)
    assert "tokens were dropped" in note


def test_weights_are_cached_for_the_latest_texts(tab):
    first = tab.weights(">be me")
    assert tab.weights(">be me") is first
    for i in range(CACHED_TEXTS):
        tab.weights(f">be me {i}")
    assert tab.weights(">be me") is not first


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
    figure, head_html, _, model_html = tab.show(text, 0, -1, None, True)
    assert figure.layout.font.size == charts.HEATMAP_TYPE[True][0]
    assert 'class=&quot;big&quot;' in head_html and 'class=&quot;big&quot;' in model_html
    normal, head_html, _ = tab.show_layer(text, 0, -1, None, False)
    assert normal.layout.font.size < figure.layout.font.size and 'class=&quot;big&quot;' not in head_html
    # toggled later: the heatmap alone is drawn again (the frames resize themselves)
    assert tab.show_heatmap(text, 0, -1, None, True).layout.font.size == figure.layout.font.size
    assert isinstance(tab.show_heatmap(" ", 0, -1, None, True), type(gr.skip()))
