"""The logit lens in the Probabilities tab, its handlers called directly, and its HTML: it follows the walk
while open, its last row is the step table's p (T=1), token text is escaped and masked (numbers not)."""

from types import SimpleNamespace

import gradio as gr
import pytest
from conftest import PT

from greentext.present import lens_html as lens_view
from greentext.present import html as views
from greentext.probes.lens import Lens, LensLayer
from greentext.decode.limits import RateLimiter
from greentext.model.tokens import Token
from greentext.ui.context import App
from greentext.ui.lens import LensTab
from greentext.ui.probabilities import ProbabilitiesTab

FORM = (">be me", 1.0, 0, 0.9, 3, 11, 5)  # prompt, temperature, top_k, top_p, max new tokens, seed, top_n


@pytest.fixture(scope="module")
def probs(engine):
    return ProbabilitiesTab(App(engine, safe_mode=True))


def test_the_lens_follows_the_walk_only_while_open(probs, engine):
    lens = probs.lens
    state, table, *_ = probs.sample(None, *FORM)
    assert lens.follow(False, state, 5, None) == (gr.skip(), gr.skip(), gr.skip())  # closed: the model is not run
    slider, html, key = lens.follow(True, state, 5, None)
    n = len(engine.tokenizer.encode(">be me")) + 1
    assert (slider.maximum, slider.value) == (n, n) and key[2][-1] == state["history"][0][1]
    assert html.count("<tr") == 1 + engine.info.layers and "1 · output" in html
    # its last row is the step table's p (T=1): the upcoming step's first candidate, same token, same percentage
    first = probs.walks.take(state).candidates().candidates[0]
    output_row = html.split('<tr class="output">')[1]
    assert f"{views.esc(first.token)}</code> <span class=\"lens-p\">{first.p_raw * 100:.1f}%" in output_row
    # a what-if (temperature only) changes nothing the lens shows: nothing runs
    state2, *_ = probs.show(state, FORM[0], 1.7, *FORM[2:])
    assert lens.follow(True, state2, 5, key) == (gr.skip(), gr.skip(), gr.skip())
    # another token of the text: the text's next token is tracked
    html = lens.show(True, state, 2, 3, request=PT)
    assert "Depois do token 2 de" in html and "o seguinte no texto" in html and html.count('class="lens-cell') == 3 * 2


def test_a_finished_story_shows_its_last_step(probs, engine):
    state, *_ = probs.run(None, *FORM, steps=3)
    assert len(state["history"]) == 3  # max new tokens reached
    slider, html, _ = probs.lens.follow(True, state, 5, None)
    n = len(engine.tokenizer.encode(">be me")) + 3
    assert (slider.maximum, slider.value) == (n, n - 1) and "next in the text" in html


def test_the_api_masks_token_text_not_numbers(engine, swearing):
    safe, raw = LensTab(App(engine, safe_mode=True)), LensTab(App(engine, safe_mode=False))
    shown, plain = safe.logit_lens(">be me shit", 3), raw.logit_lens(">be me shit", 3)
    assert plain["layers"][-1]["top"][0]["visible"] == "·shit" and plain["masked"] == 0
    assert shown["layers"][-1]["top"][0]["visible"] == "·████" and shown["masked"] >= 2 and shown["safe_mode"]
    assert [t["id"] for t in shown["tokens"]] == [t["id"] for t in plain["tokens"]]
    for a, b in zip(shown["layers"], plain["layers"]):
        assert [(t["id"], t["p"]) for t in a["top"]] == [(t["id"], t["p"]) for t in b["top"]]
    html = safe.html(engine.tokenizer.encode(">be me shit"), 3, 3, "en")
    assert "shit" not in html and "████" in html


def test_token_text_is_escaped():
    script = Token(1, "<script>", "<script>")
    img = Token(2, '<img src=x onerror="alert(1)">', '<img src=x onerror="alert(1)">')
    lens = Lens([img, script], 1, script, False, [LensLayer(0, [script, img], [0.5, 0.25], 1, 0.5)])
    html = lens_view.lens_html(lens, "en")
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html and 'class="lens-cell hit"' in html
    assert "<script" not in lens_view.lens_html(lens, "pt", context="<script>" * 2)
    assert "<b>" not in lens_view.note_html("<b>x</b>")


def test_bad_input_and_the_rate_limit(engine):
    tab = LensTab(App(engine, rate_limit=RateLimiter(1, 60)))
    client = SimpleNamespace(client=SimpleNamespace(host="10.0.0.9"), headers={})
    with pytest.raises(gr.Error, match="top_n must be a whole number from 1 to 50"):
        tab.logit_lens(">be me", 0, request=client)
    with pytest.raises(gr.Error, match="Too many requests"):
        tab.logit_lens(">be me", 5, request=client)
    with pytest.raises(gr.Error, match="posição deve ser um número inteiro de 0 a 2"):
        LensTab(App(engine)).logit_lens(">be me", 5, 3, request=PT)


def test_a_model_the_lens_does_not_know_gets_a_note_in_the_tab(engine, monkeypatch):
    from test_lens import tiny_llama

    import greentext.model.anatomy as anatomy

    monkeypatch.setattr(anatomy, "FINAL_NORMS", ("no_such_norm",))  # a family whose final norm is not known
    tab = ProbabilitiesTab(App(tiny_llama(engine), safe_mode=False))
    state, *_ = tab.show(None, *FORM)
    _, html, _ = tab.lens.follow(True, state, 5, None, request=PT)
    assert "normalização final" in html and "&#x27;llama&#x27;" in html and "<table" not in html
    with pytest.raises(gr.Error, match="needs the model's final norm and output layer"):
        tab.lens.logit_lens(">be me")
