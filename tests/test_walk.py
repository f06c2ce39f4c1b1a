"""The presenter's walk: the same step as generate(), pick and undo, and a state that is plain data."""

import json

import pytest

from greentext.decode.settings import InvalidSetting, SamplingSettings
from greentext.decode.walk import Walk, Walks

from test_engine import PROMPT, SETTINGS


def test_walk_sampling_reproduces_generate(engine):
    s = SETTINGS[2]
    walk = Walk.start(engine, PROMPT, s, top_n=10)
    walk.run(s.max_new_tokens + 5)
    run = engine.generate(PROMPT, s, top_n=10)
    assert walk.ids == run.ids and walk.text == run.text and walk.finished
    assert [st.candidates for st in walk.steps] == [st.candidates for st in run.steps]


def test_walk_candidates_pick_greedy_and_undo(engine):
    s = SamplingSettings(temperature=1.0, top_k=0, max_new_tokens=20, seed=3)
    walk = Walk.start(engine, PROMPT, s, top_n=10)
    preview = walk.candidates()
    assert preview.chosen is None and preview.index == 0
    third = preview.candidates[2].id
    step = walk.pick(rank=3)
    assert step.chosen.id == third and step.chosen.rank == 3 and step.chosen.how == "picked"
    step = walk.pick(token_id=198)
    assert step.chosen.id == 198 and walk.ids == [third, 198]
    g = walk.greedy()
    assert g.chosen.rank == 1 and g.chosen.how == "greedy"
    walk.sample()
    before_undo = list(walk.ids)
    walk.undo()
    assert walk.ids == before_undo[:-1] and len(walk.steps) == 3
    walk.sample()
    assert walk.ids == before_undo  # the same draw again: undo replays the random stream
    # a picked history continued by sampling equals generate() from the longer prompt's state
    walk.reset()
    assert walk.ids == [] and walk.steps == []


def test_a_walk_is_its_state(engine):
    """The state is plain data (JSON); replayed, it is the same walk, random stream included."""
    s = SETTINGS[1]
    walk = Walk.start(engine, PROMPT, s, top_n=5)
    walk.run(3)
    walk.pick(rank=2)
    state = walk.state()
    assert json.loads(json.dumps(state)) == state and state["seed"] == 1 and len(state["history"]) == 4
    clone = Walk.from_state(engine, state)
    assert clone.ids == walk.ids and [x.candidates for x in clone.steps] == [x.candidates for x in walk.steps]
    clone.run(6)
    walk.run(6)
    assert clone.ids == walk.ids


def test_walks_keep_live_walks_and_rebuild_missing_ones(engine):
    walks = Walks(engine, size=1)
    state = Walk.start(engine, PROMPT, SETTINGS[2], top_n=3).state()
    walk = walks.take(state)
    walk.sample()
    state = walks.put(walk)
    assert walks.take(state) is walk  # a click finds its live walk...
    assert walks.take(state) is not walk  # ...taken out while in use: a second taker gets its own
    other = Walk.start(engine, ">be me", SETTINGS[2], top_n=3)
    walks.put(walk), walks.put(other)  # size 1: the older one is dropped, and rebuilt on demand
    again = walks.take(state)
    assert again is not walk and again.ids == walk.ids


def test_walk_refuses_past_the_end(engine):
    walk = Walk.start(engine, PROMPT, SamplingSettings(temperature=1.0, max_new_tokens=2, seed=1))
    walk.run(5)
    assert len(walk.ids) == 2 and walk.finished
    with pytest.raises(InvalidSetting, match="reached its 2 new tokens") as err:
        walk.sample()
    assert err.value.message("pt").startswith("A história terminou: chegou aos 2 tokens novos")
    assert "(got" not in str(err.value)  # a sentence, not "step must be … (got 2)"
    with pytest.raises(InvalidSetting, match="exactly one of token_id or rank"):
        Walk.start(engine, PROMPT, SETTINGS[1]).pick()
    with pytest.raises(InvalidSetting, match="token_id must be a whole number from 0 to 50256"):
        Walk.start(engine, PROMPT, SETTINGS[1]).pick(token_id=50257)


def test_retune_is_a_what_if_on_the_upcoming_step_and_replays_exactly(engine):
    """Dragging T redraws the upcoming step without sampling; Next then samples with the new values; the
    walk's state replays to the same tokens, and undo goes back through a change of settings."""
    walk = Walk.start(engine, ">be me", SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, seed=7), top_n=5)
    walk.sample()
    before = walk.candidates()
    walk.retune(temperature=1.6, top_k=0)
    after = walk.candidates()
    assert len(walk.ids) == 1  # nothing sampled
    assert [c.p_raw for c in after.candidates] == [c.p_raw for c in before.candidates]  # the model's own: unchanged
    assert after.candidates[0].p_temperature < before.candidates[0].p_temperature  # flatter at T=1.6
    assert after.settings == {"temperature": 1.6, "top_k": 0, "top_p": 0.95}
    walk.sample()
    walk.sample()
    walk.retune(temperature=0)
    walk.sample()
    state = walk.state()
    assert [h[2:] for h in state["history"]] == [[0.8, 50, 0.95], [1.6, 0, 0.95], [1.6, 0, 0.95], [0.0, 0, 0.95]]
    clone = Walk.from_state(engine, json.loads(json.dumps(state)))
    assert clone.ids == walk.ids and clone.settings == walk.settings
    # the same draws as a walk that had those settings all along for the first two steps
    manual = Walk.start(engine, ">be me", SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, seed=7), top_n=5)
    manual.sample()
    manual.retune(temperature=1.6, top_k=0)
    manual.sample()
    assert manual.ids == walk.ids[:2]
    walk.undo()
    assert walk.ids == clone.ids[:3] and walk.settings.temperature == 0.0
    with pytest.raises(InvalidSetting, match="temperature"):
        walk.retune(temperature=9)


def test_messages_in_the_pages_language(engine):
    """Every check names the parameter, the value and the range, in English or Brazilian Portuguese."""
    with pytest.raises(InvalidSetting) as err:
        SamplingSettings(temperature=5)
    assert str(err.value) == "temperature must be 0 (greedy) or a number from 0.01 to 2 (got 5)"
    assert err.value.message("pt") == "temperatura deve ser 0 (guloso) ou um número de 0.01 a 2 (recebido: 5)"
    with pytest.raises(InvalidSetting) as err:
        SamplingSettings(seed="abc")
    assert err.value.message("pt").startswith("semente deve ser vazia (aleatória) ou um número inteiro de 0 a")
    with pytest.raises(InvalidSetting) as err:
        Walk.start(engine, PROMPT, SETTINGS[1]).pick(rank=0)
    assert err.value.message("pt") == "posição do candidato deve ser um número inteiro de 1 a 50257 (recebido: 0)"
    eos = Walk.start(engine, PROMPT, SamplingSettings(temperature=0, max_new_tokens=3))
    eos.pick(token_id=engine.eos_id)
    with pytest.raises(InvalidSetting, match=r"wrote <\|endoftext\|> after 1 tokens"):
        eos.sample()
