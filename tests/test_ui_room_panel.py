"""The room on the Probabilities tab, its handlers called directly (the walk's and the room's states are plain
data): open a room, the step published as the vote, the projector's tally while the model's numbers stay hidden,
the reveal, taking the room's choice (a presenter pick), who took each step as the phones see it, a room gone."""

from __future__ import annotations

import warnings

import gradio as gr
import pytest

from greentext.present.room import PHONE_ID
from greentext.ui import room as rooms
from greentext.ui.context import App
from greentext.ui.probabilities import ProbabilitiesTab

FORM = (">be me", 1.0, 0, 0.9, 20, 11, 5)  # prompt, temperature, top_k, top_p, max new tokens, seed, top_n
PAGE = "http://127.0.0.1:7860/?tab=probabilities"
SKIP = gr.skip()


@pytest.fixture()
def tab(engine):
    return ProbabilitiesTab(App(engine, safe_mode=True))


def phone(i: int) -> str:
    name = f"phone-{i:04d}-abcdef"
    assert PHONE_ID.fullmatch(name)
    return name


def opened(tab, should=False):
    handle, panel, *shown, timer = tab.room.open(None, should, PAGE)
    assert handle["code"] in panel and f"/room/{handle['code']}" in handle["url"]
    assert all(u["visible"] for u in shown) and timer.active
    return handle


def vote(tab, handle, i, token_id):
    room = rooms.server(tab.app).rooms.get(handle["code"])
    view = room.view(phone(i))
    return room.vote(phone(i), view["step"], token_id, view["round"])


def test_a_room_hides_the_models_numbers_until_the_reveal_then_shows_them_beside_the_rooms(tab):
    handle = opened(tab)
    state, table, last, chart, *_ = tab.show(None, *FORM, room=handle)
    assert "room-vote" in table and "p (T=1)" not in table and "%" in table  # the room's shares only
    assert chart is None  # the chart would tell the room the model's answer
    room = rooms.server(tab.app).rooms.get(handle["code"])
    view = room.view(phone(1))
    assert view["phase"] == "voting" and view["step"] == 0
    texts = [c["text"] for c in view["candidates"]]
    assert texts == sorted(texts, key=str.casefold)  # not the model's order: that would tell
    step = tab.walks.take(state).candidates()
    top = [c.id for c in step.candidates[:2]]

    vote(tab, handle, 1, top[1])
    vote(tab, handle, 2, top[1])
    vote(tab, handle, 3, top[0])
    out = tab.room.tick(handle)
    assert len(out) == 8 and out[0] == SKIP
    panel, table = out[1], out[2]
    assert "3 votes" in panel and "66.7% <span class=\"room-n\">· 2</span>" in table and "p (T=1)" not in table
    assert all(o == SKIP for o in tab.room.tick(handle))  # nothing changed: nothing redrawn

    panel, table, chart = tab.room.reveal(handle)
    assert "p (T=1)" in table and "the room" in table and "◆" in table and chart is not None
    assert room.view(phone(1))["result"]["choice"] == top[1]


def test_taking_the_rooms_choice_is_a_presenter_pick_and_the_phones_are_told(tab):
    handle = opened(tab)
    state, *_ = tab.show(None, *FORM, room=handle)
    step = tab.walks.take(state).candidates()
    tab.walks.put(tab.walks.take(state))
    second = step.candidates[1].id
    vote(tab, handle, 1, second)
    state, table, *_ = tab.room.take(state, *FORM, room=handle)
    assert state["history"][0][:2] == ["picked", second]
    room = rooms.server(tab.app).rooms.get(handle["code"])
    view = room.view(phone(1))
    assert view["last"]["chosen"] == second and view["last"]["by"] == "room" and view["last"]["vote"] == second
    assert view["phase"] == "voting" and view["step"] == 1  # the next vote is open

    state, *_ = tab.sample(state, *FORM, room=handle)  # the model picks
    assert room.view(phone(1))["last"]["by"] == "model"
    state, *_ = tab.pick(state, *FORM, room=handle, rank=2)  # the presenter picks by hand
    assert room.view(phone(1))["last"]["by"] == "presenter"
    state, *_ = tab.run(state, *FORM, room=handle, steps=3)  # several steps: the vote was on the first
    assert room.view(phone(1))["last"]["step"] == 3 and room.view(phone(1))["step"] == 6


def test_take_without_votes_says_so_and_changes_nothing(tab):
    handle = opened(tab)
    state, *_ = tab.show(None, *FORM, room=handle)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert tab.room.take(state, *FORM, room=handle) == SKIP
    assert any("No votes yet" in str(w.message) for w in said)


def test_asking_what_it_should_pick_keeps_the_models_numbers_on_screen(tab):
    handle = opened(tab, should=True)
    state, table, last, chart, *_ = tab.show(None, *FORM, room=handle)
    assert "p (T=1)" in table and "the room" in table and chart is not None
    panel, table, chart = tab.room.mode(handle, False)  # back to "what will it pick?": hidden again
    assert "room-vote" in table and "p (T=1)" not in table and chart is None


def test_a_room_gone_is_said_the_panel_closes_and_the_walk_goes_on_without_it(tab):
    handle = opened(tab)
    state, *_ = tab.show(None, *FORM, room=handle)
    rooms.close(tab.app, handle)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = tab.room.tick(handle)
        state, table, *_ = tab.sample(state, *FORM, room=handle)
    assert out[0] is None and out[1] == "" and not out[-1].active
    assert "p (T=1)" in table and "the room" not in table and len(state["history"]) == 1
    assert sum(f"room {handle['code']} has closed" in str(w.message) for w in said) == 2


def test_closing_the_room_hides_the_panel_and_stops_the_timer(tab):
    handle = opened(tab)
    out = tab.room.close(handle)
    assert out[0] is None and out[1] == "" and not any(u["visible"] for u in out[2:6]) and not out[6].active
    with pytest.raises(Exception):
        rooms.tally(tab.app, handle)


def test_opening_again_closes_the_presenters_last_room(tab):
    first = opened(tab)
    second, *_ = tab.room.open(first, False, PAGE)
    assert second["code"] != first["code"] and not rooms.server(tab.app).rooms.has(first["code"])


def test_the_vote_table_escapes_the_prompt(tab):
    handle = opened(tab)
    form = ('<img src=x onerror="alert(1)">\n>be me',) + FORM[1:]
    state, table, *_ = tab.show(None, *form, room=handle)
    assert "room-vote" in table and "<img" not in table and "&lt;img" in table
