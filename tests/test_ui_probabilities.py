"""The Probabilities tab's handlers, called directly: the state is plain data, each button one method."""

import csv
import io
import json
import tempfile
from pathlib import Path

import gradio as gr
import pytest

from greentext.present import html as views
from greentext.decode.settings import SamplingSettings
from greentext.ui.context import App
from greentext.ui.probabilities import ProbabilitiesTab

from conftest import EMOJI, HTML, MIXED, PT, RTL


FORM = (">be me", 1.0, 0, 0.9, 20, 11, 5)  # prompt, temperature, top_k, top_p, max new tokens, seed, top_n


@pytest.fixture(scope="module")
def tab(engine):
    return ProbabilitiesTab(App(engine, safe_mode=True))


def test_clicks_reproduce_generate_and_the_state_is_plain_data(tab, engine):
    state, *_ = tab.show(None, *FORM)
    assert state["history"] == [] and json.loads(json.dumps(state)) == state
    for _ in range(3):
        state, *view = tab.sample(state, *FORM)
    state, *view = tab.run(state, *FORM, steps=4)
    run = engine.generate(">be me", SamplingSettings(*FORM[1:6]), top_n=5)
    assert [h[1] for h in state["history"]] == run.ids[:7]
    assert "seed **11** · 7/20 tokens" in view[4]
    # another server (or an evicted walk) replays the state to the same walk
    again, *view_again = ProbabilitiesTab(tab.app).sample(state, *FORM)
    state, *view = tab.sample(state, *FORM)
    assert again == state and view_again[0] == view[0]


def test_pick_undo_reset_and_greedy(tab):
    state, *_ = tab.show(None, *FORM)
    state, *_ = tab.pick(state, *FORM, rank=3)
    state, *_ = tab.greedy(state, *FORM)
    assert [h[0] for h in state["history"]] == ["picked", "greedy"]
    state, *_ = tab.undo(state, *FORM)
    assert len(state["history"]) == 1
    state, *view = tab.reset(state, *FORM)
    assert state["history"] == [] and len(view) == 6


def test_the_form_decides_whether_the_walk_goes_on(tab):
    form = FORM[:5] + ("",) + FORM[6:]  # an empty seed: a random one, then kept
    state, *_ = tab.sample(None, *form)
    seed = state["seed"]
    state, *_ = tab.sample(state, *form)
    assert state["seed"] == seed and len(state["history"]) == 2
    state, *_ = tab.sample(state, *form[:6], 8)  # more candidates: the same walk, replayed
    assert state["top_n"] == 8 and len(state["history"]) == 3
    state, *_ = tab.sample(state, "another prompt", *form[1:])  # another prompt: a new walk, its step 1 shown
    assert state["prompt"] == "another prompt" and len(state["history"]) == 0  # (issue 20.1: never taken unseen)


def test_a_move_past_the_end_is_a_warning_not_an_error(tab, monkeypatch):
    warnings = []
    monkeypatch.setattr(gr, "Warning", warnings.append)
    form = FORM[:4] + (1,) + FORM[5:]
    state, *_ = tab.sample(None, *form)
    state, *_ = tab.sample(state, *form)
    assert len(state["history"]) == 1 and "reached its 1 new tokens (Max new tokens). Undo or reset" in warnings[0]
    with pytest.raises(gr.Error, match="top_n must be"):
        tab.sample(None, *FORM[:6], 0)
    # Run N steps with 300: a warning in the page's language naming the range; the view stays (no error state)
    state, table, *_ = tab.run(state, *form, steps=300, request=PT)
    assert "passos deve ser um número inteiro de 1 a 256 (recebido: 300)" in warnings[-1] and table


def test_user_text_is_always_escaped(tab):
    form = (HTML, 0, 0, 1.0, 3, 1, 5)
    state, *_ = tab.run(None, *form, steps=3)
    table, last, _, story, _, tokens = tab.view(tab.walks.take(state), "en")
    for html in (table, story, tokens, views.greentext_html(HTML, "<b>", "<i>note</i>")):
        assert "<script" not in html and "onerror=\"" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in story


def test_csv_exports_keep_emoji_and_right_to_left_text(tab):
    for prompt in (EMOJI, RTL, MIXED):
        state, *_ = tab.run(None, prompt, 1.0, 0, 1.0, 4, 5, 5, steps=4)
        full = tab.download(state, "en", slides=False)
        rows = list(csv.reader(io.StringIO(Path(full).read_text(encoding="utf-8"))))
        assert rows[0][:3] == ["step", "context", "rank"] and rows[1][1] == prompt
        slides = tab.download(state, "pt", slides=True)
        assert Path(slides).name == "slides-pt-BR.csv" and Path(tab.download(state, "en", slides=True)).name == "slides.csv"
        slide_rows = list(csv.reader(io.StringIO(Path(slides).read_text(encoding="utf-8-sig")), delimiter=";"))
        assert slide_rows[0][0] == "passo" and len(slide_rows) == 1 + 4


def test_downloads_are_written_only_when_asked_into_a_bounded_folder(engine, tmp_path, monkeypatch):
    """A day of lectures: the buttons that move a walk write nothing (not even a temporary folder);
    thousands of downloads keep the folder at `keep` files, the latest ones, each with its own content."""
    tab = ProbabilitiesTab(App(engine, safe_mode=False))
    downloads = tab.app.downloads
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # anything made with tempfile lands here
    state, *_ = tab.show(None, *FORM)
    for i in range(60):
        move = (tab.sample, tab.greedy, tab.undo, lambda *a: tab.pick(*a, rank=2), tab.sample, tab.reset)[i % 6]
        state, *_ = move(state, *FORM)
    state, *_ = tab.run(state, *FORM, steps=12)
    assert list(tmp_path.iterdir()) == []  # nothing on disk before the first download
    paths = [tab.download(state, "en", slides=bool(i % 2)) for i in range(3000)]
    files = sorted(p for p in downloads.root.rglob("*") if p.is_file())
    assert len(files) == downloads.keep and sorted(map(str, files)) == sorted(paths[-downloads.keep:])
    assert sum(p.stat().st_size for p in files) <= downloads.keep * max(Path(p).stat().st_size for p in paths[-2:])
    assert Path(paths[-2]).read_text(encoding="utf-8").startswith("step,context,rank")
    assert list(tmp_path.iterdir()) == [downloads.root]  # the one folder, made by the first download


def test_a_download_before_any_step_says_so_in_the_page_language(tab):
    state, *_ = tab.show(None, *FORM)
    assert tab.download(state, "pt", slides=False) is None and tab.download(None, "en", slides=True) is None
    said = tab.offer_steps(state, request=PT)
    assert said.label.startswith("Nada para baixar ainda") and said.interactive is False and said.visible is True
    assert tab.offer_slides(None).label.startswith("Nothing to download yet")


def test_time_limit(engine):
    tab = ProbabilitiesTab(App(engine, time_limit=0))
    result = tab.probabilities(">be me", 0.8, 40, 0.9, 50, 1, 5)
    assert result["finish_reason"] == "time" and result["steps"] == []
    state, *_ = tab.run(None, ">be me", 0.8, 40, 0.9, 50, 1, 5, steps=50)
    assert state["history"] == []


def test_safe_mode_masks_tokens_and_text_but_not_numbers(tab, engine, swearing):
    unsafe = ProbabilitiesTab(App(engine, safe_mode=False))
    result = tab.probabilities(">be me", 0, 0, 1.0, 3, 1, 5)
    raw = unsafe.probabilities(">be me", 0, 0, 1.0, 3, 1, 5)
    assert raw["text"] == " shit shit shit" and result["text"] == " ████ ████ ████"
    assert result["masked"] >= 3 and result["safe_mode"] is True and raw["masked"] == 0
    top, top_raw = result["steps"][0]["candidates"][0], raw["steps"][0]["candidates"][0]
    assert top["visible"] == "·████" and top_raw["visible"] == "·shit"
    assert (top["id"], top["p_raw"], top["p_final"]) == (top_raw["id"], top_raw["p_raw"], top_raw["p_final"])
    state, table, _, _, story, _, _ = tab.run(None, ">be me", 0, 0, 1.0, 3, 1, 5, steps=2)
    assert "shit" not in table + story and "lecture-safe mode" in table
    csv_text = Path(tab.download(state, "en", slides=False)).read_text(encoding="utf-8")
    assert "shit" not in csv_text and str(swearing) in csv_text


def test_what_if_sliders_redraw_the_upcoming_step_without_sampling(tab):
    """Moving T (or top-k, top-p) is `show` with the new values: the same walk, the upcoming step's columns
    recomputed, nothing sampled; Next then samples with them."""
    state, *_ = tab.sample(None, *FORM)
    hot = FORM[:1] + (1.7, 0, 1.0) + FORM[4:]
    state2, table, *_ = tab.show(state, *hot)
    assert len(state2["history"]) == 1 and state2["temperature"] == 1.7
    assert "T=1.7" in table and ">top-k " not in table
    state3, *_ = tab.sample(state2, *hot)
    assert len(state3["history"]) == 2 and state3["history"][-1][2:] == [1.7, 0, 1.0]


def test_the_download_button_offers_the_file_by_name(tab):
    """What the page gets from a CSV button: the file in a button of its own, named and counted (a tap saves
    it when the browser refuses the automatic download); before any step, the button says why not."""
    state, *_ = tab.run(None, *FORM, steps=3)
    offered = tab.offer_slides(state, request=PT)
    assert offered.label == "⬇ slides-pt-BR.csv · 3 passos" and offered.visible is True
    assert tab.offer_steps(state).label == "⬇ steps.csv · 3 steps"
    state, *_ = tab.reset(state, *FORM)
    assert tab.offer_steps(state).interactive is False


def test_a_new_prompt_shows_its_first_step_and_next_never_takes_a_step_unseen(tab):
    """Issue 20.1: editing the prompt left the old prompt's step on screen; the first → then sampled step 1
    unseen and showed "step 2"."""
    state, *_ = tab.show(None, *FORM)
    state, *_ = tab.sample(state, *FORM)
    assert len(state["history"]) == 1
    edited = ("the exam\n>be me", *FORM[1:])
    state, table, *_ = tab.sample(state, *edited)  # → with the new prompt typed: its step 1, nothing taken
    assert state["prompt"] == edited[0] and state["history"] == [] and "step 1<" in table
    state, table, *_ = tab.sample(state, *edited)  # the next → takes the step that was on screen
    assert len(state["history"]) == 1 and "step 2<" in table
    reseeded = (*edited[:5], 12, edited[6])
    state, *_ = tab.greedy(state, *reseeded)  # another seed is another walk: shown first, too
    assert state["seed"] == 12 and state["history"] == []


def test_typing_a_prompt_seed_or_length_redraws_the_upcoming_step(engine):
    from greentext.ui import build_app

    demo = build_app(engine)
    by_id = {getattr(c, "elem_id", None): c._id for c in demo.blocks.values()}
    show_inputs = {t[0] for d in demo.fns.values() if d.name == "show" for t in d.targets if t[1] == "input"}
    assert {by_id["p-prompt"], by_id["p-seed"], by_id["p-max-new"]} <= show_inputs
