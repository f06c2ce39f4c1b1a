"""Step records as the slide shows them: every column on its own base adding up to 100% with its rest, the
cumulative column the running total of the base top-p works on, and the chosen token always a row."""

from __future__ import annotations

import pytest

from greentext.decode.walk import Walk
from greentext.decode.settings import SamplingSettings
from greentext.present.html import columns, step_html


def sums_to_one(step, field: str, rest: float) -> None:
    assert sum(getattr(c, field) for c in step.candidates) + rest == pytest.approx(1.0, abs=1e-6), field


def test_each_column_and_its_rest_add_up_on_one_base(engine):
    walk = Walk.start(engine, ">be me\n>", SamplingSettings(temperature=0.8, top_k=50, top_p=0.9, seed=3), top_n=10)
    step = walk.sample()
    sums_to_one(step, "p_raw", step.p_other)
    sums_to_one(step, "p_temperature", step.p_other_temperature)
    sums_to_one(step, "p_top_k", step.p_other_top_k)
    sums_to_one(step, "p_final", step.p_other_final)
    running = 0.0
    for c in step.candidates:  # Σ adds up the top-k column, the one top-p compares with 0.9
        running += c.p_top_k
        assert c.cumulative == pytest.approx(min(running, 1.0), abs=1e-6)
    assert step.settings == {"temperature": 0.8, "top_k": 50, "top_p": 0.9}


@pytest.mark.parametrize("how", ["pick", "sample"])
def test_the_chosen_token_is_always_a_row(engine, how):
    """Picking rank 15 with 10 shown, or sampling far down at a high temperature: the chosen row is there,
    after a gap, with its own rank and numbers."""
    settings = SamplingSettings(temperature=2.0, top_k=0, top_p=1.0, seed=5, max_new_tokens=40)
    walk = Walk.start(engine, ">be me", settings, top_n=10)
    below = 0
    for _ in range(30 if how == "sample" else 1):
        step = walk.pick(rank=15) if how == "pick" else walk.sample()
        ids = [c.id for c in step.candidates]
        assert step.chosen.id in ids
        row = step.candidates[ids.index(step.chosen.id)]
        assert row.rank == step.chosen.rank and row.p_raw == pytest.approx(step.chosen.p_raw)
        if step.chosen.rank > 10:
            below += 1
            assert len(step.candidates) == 11 and step.candidates[-1] is row
            assert 'class="gap"' in step_html(step) and 'class="chosen"' in step_html(step)
            sums_to_one(step, "p_raw", step.p_other)  # the rest is what the 11 rows leave
    assert below >= 1  # the case was met (rank 15 picked; at T=2 the tiny model samples far down)


def test_headers_name_their_base_in_the_pages_language(engine):
    walk = Walk.start(engine, ">be me", SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, seed=1), top_n=5)
    step = walk.sample()
    pt, en = step_html(step, "pt"), step_html(step, "en")
    for words in ("T=0,8", "top-k 50", "no sorteio", "todos os outros tokens", "95,0%"):
        assert words in pt, words
    for words in ("T=0.8", "top-k 50", "sampled from", "all other tokens"):
        assert words in en, words
    assert [f for f, _, _ in columns(step)] == ["p_raw", "p_temperature", "p_top_k", "p_final", "cumulative"]
    greedy = Walk.start(engine, ">be me", SamplingSettings(temperature=0), top_n=5).sample()
    assert [f for f, _, _ in columns(greedy)] == ["p_raw", "p_temperature"]
    no_k = Walk.start(engine, ">be me", SamplingSettings(temperature=1.0, top_k=0, seed=1), top_n=5).sample()
    assert "p_top_k" not in [f for f, _, _ in columns(no_k)] and "T=1" in step_html(no_k)
