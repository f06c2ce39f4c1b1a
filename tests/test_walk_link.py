"""A presenter's walk in the link (`walk=`): written compactly, read back with every value checked, and replayed
to exactly the presenter's tokens and step tables (picks, undos and changes of settings mid-walk included)."""

from urllib.parse import quote

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greentext.decode.settings import SamplingSettings
from greentext.decode.walk import Walk
from greentext.present import share, walk_link

PAGE = "http://192.168.1.23:7860/"
PROMPT = "the lecture\n>be me"


def through_a_link(walk: Walk, page: str = PAGE) -> tuple[str, dict]:
    """The link the Share panel makes of `walk` (its settings now: the step to come), and the walk's state as
    the opened page reads it back."""
    url = share.link(page, walk.prompt.text, walk.settings, "probabilities", walk_link.encode(walk.state(),
                                                                                              walk.settings))
    shared = share.parse(share.query_of(url))
    assert not shared.messages and shared.tab == "probabilities"
    return url, walk_link.decode(shared.walk, shared, walk.engine.info.vocab_size)


def same_walk(replayed: Walk, walk: Walk) -> None:
    """The same tokens, text, step tables (every number of every row), step to come and state."""
    assert replayed.ids == walk.ids and replayed.text == walk.text
    assert replayed.steps == walk.steps  # Step records: candidates, chosen, entropy, settings of each step
    assert replayed.finished == walk.finished
    if not walk.finished:
        assert replayed.candidates() == walk.candidates()
    assert replayed.state() == walk.state()


MOVES = st.lists(st.one_of(
    st.tuples(st.just("sample")), st.tuples(st.just("greedy")), st.tuples(st.just("undo")),
    st.tuples(st.just("pick"), st.integers(1, 12)), st.tuples(st.just("pick_id"), st.integers(0, 50256)),
    st.tuples(st.just("run"), st.integers(1, 4)),
    st.tuples(st.just("retune"), st.one_of(st.just(0.0), st.sampled_from([0.3, 0.85, 1.0, 1.7, 2.0])),
              st.sampled_from([0, 1, 5, 50, 200]), st.sampled_from([0.05, 0.5, 0.9, 0.95, 1.0]))),
    max_size=8)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES, seed=st.integers(0, 2**32 - 1), top_n=st.sampled_from([1, 3, 10, 50]),
       start=st.sampled_from([(0.8, 50, 0.95), (0.0, 0, 1.0), (1.3, 0, 0.9)]))
def test_any_walk_survives_the_link_and_replays_exactly(engine, moves, seed, top_n, start):
    """Random walks (samples, greedy steps, picks by rank and by id, undos, runs, changes of T, top-k and top-p
    between them) through a link: the same tokens and tables, and the random stream in the same place (the
    next steps drawn on both agree)."""
    walk = Walk.start(engine, PROMPT, SamplingSettings(*start, max_new_tokens=6, seed=seed), top_n=top_n)
    for name, *args in moves:
        if walk.finished and name not in ("undo", "retune"):
            continue
        if name == "pick":
            walk.pick(rank=args[0])
        elif name == "pick_id":
            walk.pick(token_id=args[0])
        elif name == "run":
            walk.run(*args)
        elif name == "retune":
            walk.retune(*args)
        else:
            getattr(walk, name)()
    url, state = through_a_link(walk)
    raw = share.query_of(url)["walk"]
    assert quote(raw, safe="~") == raw and f"walk={raw}" in url  # carried as it is: no %-escapes
    assert walk_link.encode(state, walk.settings) == raw  # read back, it writes the same
    replayed = walk_link.replay(engine, state)
    same_walk(replayed, walk)
    replayed.run(2), walk.run(2)
    assert replayed.ids == walk.ids


def test_a_lecture_walk_with_picks_an_undo_and_a_change_of_temperature(engine):
    """A walk as a lecture makes one: steps, a pick, an undo, T 0.8 → 1.2, steps, a pick, steps. The undo is
    not written (the link has the path on screen, which the undo left as if never taken); the replay is exact."""
    walk = Walk.start(engine, PROMPT, SamplingSettings(0.8, 50, 0.95, 80, 42), top_n=10)
    walk.run(3)
    walk.pick(rank=3)
    walk.run(2)
    walk.sample()
    walk.undo()
    walk.retune(temperature=1.2)
    walk.run(3)
    walk.pick(rank=2)
    walk.run(2)
    url, state = through_a_link(walk)
    picks = [h[1] for h in walk.state()["history"] if h[0] == "picked"]
    assert share.query_of(url)["walk"] == f"v1~T0.8s3p{picks[0]}s2T1.2s3p{picks[1]}s2~{walk_link.check(walk.ids)}"
    same_walk(walk_link.replay(engine, state), walk)


def test_a_40_step_walk_with_2_picks_and_a_change_of_temperature_fits_a_coarse_qr_code():
    """The report's example (no model needed to write a link): 40 steps, picks of 5-digit tokens at steps 13 and
    36, T 0.8 → 1.2 from step 21, on a LAN address: 181 characters, a version-8 code (49 × 49 squares)."""
    history = [["sampled", 1000 + i, 0.8 if i < 20 else 1.2, 50, 0.95] for i in range(40)]
    history[12][:2], history[35][:2] = ["picked", 32554], ["picked", 29795]
    state = {"prompt": PROMPT, "temperature": 1.2, "top_k": 50, "top_p": 0.95, "max_new_tokens": 80, "seed": 42,
             "top_n": 10, "history": history}
    settings = SamplingSettings(1.2, 50, 0.95, 80, 42)
    raw = walk_link.encode(state, settings)
    assert raw == f"v1~T0.8s12p32554s7T1.2s15p29795s4~{walk_link.check(h[1] for h in history)}"
    url = share.link(PAGE, PROMPT, settings, "probabilities", raw)
    assert len(url) == 181 and walk_link.fits(url) and share.qr(url).version == 8


def test_the_limit_is_the_largest_qr_code_that_scans_from_the_back():
    """LINK_MAX characters: the most a version-10 code holds (57 × 57 squares); one more needs a denser code."""
    url = PAGE + "?walk=" + "s" * (walk_link.LINK_MAX - len(PAGE) - 6)
    assert len(url) == walk_link.LINK_MAX and walk_link.fits(url) and not walk_link.fits(url + "s")
    assert segno.make_qr(url, error="l", boost_error=True).version == share.DENSE_VERSION - 1
    assert segno.make_qr(url + "s", error="l", boost_error=True).version == share.DENSE_VERSION
    assert share.qr(url + "s").dense


LINK = {"prompt": PROMPT, "temperature": "0.8", "top_k": "50", "top_p": "0.95", "max_new_tokens": "10",
        "seed": "7", "tab": "probabilities"}


def read(walk: str, **link) -> dict:
    shared = share.parse({**LINK, **link, "walk": walk})
    return walk_link.decode(shared.walk, shared, 50257)


@pytest.mark.parametrize("walk, link, english, portuguese", [
    ("v2~s3~abcdef", {}, "written by another version of this app (v2; this one reads v1)", "esta lê v1"),
    ("s3", {}, "cannot be read from character 1 of walk on", "a partir do caractere 1 de walk"),
    ("v1~s3x2~abcdef", {}, "cannot be read from character 6 of walk on", "a partir do caractere 6 de walk"),
    ("v1~s3", {}, "cannot be read from character 5 of walk on", "caractere 5"),
    ("v1~s3~ABCDEF", {}, "cannot be read from character 7", "caractere 7"),
    ("v1~s0~abcdef", {}, "cannot be read from character 4", "caractere 4"),
    ("v1~s2n5~abcdef", {}, "cannot be read from character 6", "caractere 6"),  # top_n first or never
    ("v1~n0s~abcdef", {}, "cannot be read from character 4", "caractere 4"),
    ("v1~pxs~abcdef", {}, "cannot be read from character 4", "caractere 4"),
    ("v1~s2T9s~abcdef", {}, "temperature=9 before step 3 is not allowed: temperature must be 0 (greedy) or a "
     "number from 0.01 to 2", "temperature=9 antes do passo 3 não é permitido: temperature deve ser 0 (guloso)"),
    ("v1~K500s~abcdef", {}, "top_k=500 before step 1 is not allowed", "top_k=500 antes do passo 1"),
    ("v1~P0s~abcdef", {}, "top_p=0 before step 1 is not allowed", "top_p=0 antes do passo 1"),
    ("v1~sp50257~abcdef", {}, "step 2 picks token 50257, and this model's tokens go from 0 to 50256",
     "o passo 2 escolhe o token 50257, e os tokens deste modelo vão de 0 a 50256"),
    ("v1~s8g3~abcdef", {}, "they are 11 steps, more than the link's max_new_tokens (10)", "são 11 passos"),
    ("v1~s999999999999~abcdef", {}, "they are 999999999999 steps", "são 999999999999 passos"),
    ("v1~s3~abcdef", {"seed": ""}, "they need the link's seed (missing or not used)", "precisam de seed do link"),
    ("v1~s3~abcdef", {"seed": "x", "top_k": "-1"}, "need the link's top_k, seed", "precisam de top_k, seed"),
    ("v1~" + "s" * 2000 + "~abcdef", {}, "walk has 2,010 characters, more than the 2,000", "walk tem 2.010 caracteres"),
])
def test_a_bad_walk_is_named_with_the_reason_in_both_languages(walk, link, english, portuguese):
    with pytest.raises(walk_link.BadWalk) as err:
        read(walk, **link)
    assert err.value.message("en").startswith("The link's steps (walk) were not used: ")
    assert err.value.message("en").endswith("The rest of the link is: the Probabilities tab starts at the prompt.")
    assert english in err.value.message("en") and english in str(err.value)
    assert err.value.message("pt").startswith("Os passos do link (walk) não foram usados: ")
    assert portuguese in err.value.message("pt")


def test_a_good_walk_reads_as_a_walks_state():
    state = read("v1~n5T0s2T1.5K0sp198g~c0ffee", temperature="1.2")
    assert state == {"prompt": PROMPT, "temperature": 1.2, "top_k": 50, "top_p": 0.95, "max_new_tokens": 10,
                     "seed": 7, "top_n": 5, walk_link.CHECK: "c0ffee", "history": [
                         ["sampled", None, 0.0, 50, 0.95], ["sampled", None, 0.0, 50, 0.95],
                         ["sampled", None, 1.5, 0, 0.95], ["picked", 198, 1.5, 0, 0.95],
                         ["greedy", None, 1.5, 0, 0.95]]}
    assert read("v1~~" + walk_link.check([]))["history"] == []


def test_another_model_says_so_instead_of_another_story(engine, other_tiny_path):
    """A link made on one model, opened where another one serves (a retrained checkpoint): a message, not the
    audience reading a story the projector never showed."""
    from greentext.decode.engine import Engine

    walk = Walk.start(engine, PROMPT, SamplingSettings(0.9, 0, 1.0, 10, 5), top_n=3)
    walk.run(4)
    _, state = through_a_link(walk)
    with pytest.raises(walk_link.BadWalk, match="this server's model writes other tokens for them") as err:
        walk_link.replay(Engine.load(str(other_tiny_path), device="cpu"), state)
    assert "o modelo deste servidor escreve outros tokens" in err.value.message("pt")
    walk.pick(token_id=engine.eos_id)
    raw = walk_link.encode(walk.state(), walk.settings)
    state["history"] = [["picked", engine.eos_id, 0.9, 0, 1.0], ["sampled", None, 0.9, 0, 1.0]]
    with pytest.raises(walk_link.BadWalk, match="the story ends after 1 tokens, before their last step"):
        walk_link.replay(engine, state)
    assert raw.endswith(walk_link.check(walk.ids)) and f"p{engine.eos_id}~" in raw
