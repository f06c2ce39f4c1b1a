"""The engine: identical to generate(), honest step records, manual steps, truncation, attention."""

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greentext.decode.walk import Walk
from greentext.decode.settings import PROMPT_MAX_CHARS, InvalidSetting, SamplingSettings, check_prompt

from conftest import EMOJI, HTML, MIXED, RTL

PROMPT = "the projector\n>be me\n>"
SETTINGS = [
    SamplingSettings(temperature=0, max_new_tokens=40, seed=0),  # greedy
    SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=40, seed=1),  # pure sampling
    SamplingSettings(temperature=0.7, top_k=20, top_p=0.9, max_new_tokens=40, seed=2),
    SamplingSettings(temperature=1.5, top_k=5, top_p=1.0, max_new_tokens=40, seed=3),
    SamplingSettings(temperature=1.2, top_k=0, top_p=0.8, max_new_tokens=40, seed=4),
    SamplingSettings(temperature=2.0, top_k=200, top_p=0.99, max_new_tokens=40, seed=12345),
]


def reference(engine, prompt_ids, s: SamplingSettings):
    """What transformers' own generate() makes after torch.manual_seed(seed)."""
    torch.manual_seed(s.seed)
    kwargs = dict(do_sample=False) if s.greedy else dict(do_sample=True, temperature=s.temperature,
                                                         top_k=s.top_k, top_p=s.top_p)
    ids = torch.tensor([prompt_ids])
    out = engine.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=s.max_new_tokens,
                                pad_token_id=engine.eos_id, **kwargs)
    return out[0, ids.shape[1]:].tolist()


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"T{s.temperature}-k{s.top_k}-p{s.top_p}")
def test_token_for_token_equal_to_generate(engine, settings):
    run = engine.generate(PROMPT, settings)
    assert run.ids == reference(engine, run.prompt.ids, settings)


def test_settings_make_different_continuations(engine):
    """The equality above is not trivial: the tiny model's continuations differ between settings."""
    assert len({tuple(engine.generate(PROMPT, s).ids) for s in SETTINGS}) >= 4


def test_records_do_not_change_the_tokens(engine):
    s = SETTINGS[2]
    assert engine.generate(PROMPT, s, top_n=50).ids == engine.generate(PROMPT, s).ids


def test_stops_at_end_of_text(engine, monkeypatch):
    s = SamplingSettings(temperature=0, max_new_tokens=30, seed=0)
    first = engine.generate(PROMPT, s).ids[0]
    monkeypatch.setattr(engine, "eos_id", first)  # pretend the first greedy token is <|endoftext|>
    run = engine.generate(PROMPT, s)
    assert run.ids == [first] and run.finish_reason == "eos" and run.text == ""


def test_stream_yields_one_step_per_token_and_can_stop(engine):
    run = engine.start(PROMPT, SamplingSettings(temperature=1.0, max_new_tokens=30, seed=5), top_n=5)
    seen = []
    for step in run:
        seen.append(step.chosen.id)
        if len(seen) == 3:
            run.stop()
    assert seen == run.ids and len(seen) == 3 and run.finish_reason == "stopped"


def test_random_seed_is_reported_and_replays(engine):
    run = engine.generate(PROMPT, SamplingSettings(temperature=1.0, max_new_tokens=20, seed=None))
    assert isinstance(run.seed, int)
    again = engine.generate(PROMPT, SamplingSettings(temperature=1.0, max_new_tokens=20, seed=run.seed))
    assert again.ids == run.ids and again.text == run.text


def full_stages(engine, settings):
    from greentext.decode import sampling

    run = engine.start(PROMPT, settings)
    from greentext.decode.engine import Decoder

    decoder = Decoder(engine.model, run.prompt.ids, engine.device)
    return sampling.process(decoder.logits, settings)


@pytest.mark.parametrize("settings", SETTINGS[1:], ids=lambda s: f"T{s.temperature}-k{s.top_k}-p{s.top_p}")
def test_probabilities_sum_to_one_over_their_support(engine, settings):
    stages = full_stages(engine, settings)
    for scores in (stages.logits, stages.temperature, stages.top_k, stages.final):
        p = scores.softmax(-1)
        assert math.isclose(p.double().sum().item(), 1.0, abs_tol=1e-4)  # float32 over 50,257 tokens
    step = engine.generate(PROMPT, settings, top_n=50).steps[0]
    listed_final = sum(c.p_final for c in step.candidates)
    assert math.isclose(listed_final + step.p_other_final, 1.0, abs_tol=1e-6)
    assert math.isclose(sum(c.p_raw for c in step.candidates) + step.p_other, 1.0, abs_tol=1e-6)
    kept = [c for c in step.candidates if c.kept]
    if step.kept_count <= 50:  # every kept token is listed: they carry all the final mass
        assert math.isclose(sum(c.p_final for c in kept), 1.0, abs_tol=1e-5)


def test_step_record_fields(engine):
    s = SamplingSettings(temperature=0.7, top_k=10, top_p=0.9, max_new_tokens=5, seed=7)
    run = engine.generate(PROMPT, s, top_n=20)
    assert len(run.steps) == len(run.ids)
    for i, step in enumerate(run.steps):
        c = step.candidates
        assert [x.rank for x in c] == list(range(1, 21))
        assert all(a.logit >= b.logit for a, b in zip(c, c[1:]))
        assert all(a.cumulative <= b.cumulative + 1e-12 for a, b in zip(c, c[1:]))
        for x in c:
            assert math.isclose(x.p_raw, math.exp(x.logit) / sum(math.exp(y.logit) for y in c) * (1 - step.p_other),
                                rel_tol=1e-4)
            assert x.kept == (x.p_final > 0) and (x.cut_by is None) == x.kept
        assert all(x.cut_by == "top_k" for x in c[10:])  # ranks past k are cut by top-k
        assert any(x.cut_by == "top_p" for x in c[:10]) or step.kept_count == 10
        assert step.chosen.id == run.ids[i] and step.chosen.how == "sampled"
        assert step.chosen.p_final > 0
        assert c[step.chosen.rank - 1].id == step.chosen.id
        assert step.context_tokens == len(run.prompt.ids) + i
        assert step.context == PROMPT + run.text[: len(step.context) - len(PROMPT)]
        assert 0 <= step.entropy <= math.log2(50257) and step.entropy_final <= step.entropy + 1e-6
        assert step.kept_count <= 10
    first = run.steps[0].candidates[0]
    assert first.token == first.raw.replace(" ", "·").replace("\n", "↵")


def test_greedy_records_mark_everything_else_cut(engine):
    step = engine.generate(PROMPT, SamplingSettings(temperature=0, max_new_tokens=1), top_n=5).steps[0]
    assert step.chosen.rank == 1 and step.chosen.how == "greedy" and step.chosen.p_final == 1.0
    assert [c.cut_by for c in step.candidates] == [None] + ["greedy"] * 4


def test_top_k_1_and_tiny_top_p_are_greedy(engine):
    greedy = engine.generate(PROMPT, SamplingSettings(temperature=0, max_new_tokens=30)).ids
    for s in (SamplingSettings(temperature=1.3, top_k=1, max_new_tokens=30, seed=9),
              SamplingSettings(temperature=1.3, top_k=0, top_p=1e-6, max_new_tokens=30, seed=9)):
        assert engine.generate(PROMPT, s).ids == greedy


@pytest.mark.parametrize("prompt", ["", "   \n\t "])
def test_empty_prompt_starts_from_end_of_text(engine, prompt):
    run = engine.generate(prompt, SamplingSettings(temperature=0, max_new_tokens=5))
    assert run.prompt.started_from_eos and run.prompt.ids == [engine.eos_id]
    assert "<|endoftext|>" in run.prompt.notes[0]
    assert len(run.ids) >= 1


def test_long_prompt_keeps_the_most_recent_tokens(engine):
    context = engine.info.context  # 128 for the tiny model
    prompt = " ".join(str(i) for i in range(400))
    all_ids = engine.tokenizer.encode(prompt)
    s = SamplingSettings(temperature=0, max_new_tokens=30)
    run = engine.generate(prompt, s)
    assert run.prompt.ids == all_ids[-(context - 30):]
    assert run.prompt.truncated_tokens == len(all_ids) - (context - 30)
    assert f"the first {run.prompt.truncated_tokens} were dropped" in run.prompt.notes[0]
    assert len(run.ids) == 30  # the context is never overrun


def test_max_new_tokens_must_fit_the_context(engine):
    with pytest.raises(InvalidSetting, match="max_new_tokens must be a whole number from 1 to 127 for this model"):
        engine.generate(PROMPT, SamplingSettings(max_new_tokens=200))


def test_bad_inputs_are_named(engine):
    with pytest.raises(InvalidSetting, match="prompt must be text"):
        engine.generate(42, SETTINGS[0])
    with pytest.raises(InvalidSetting, match="top_n must be a whole number from 1 to 50"):
        engine.generate(PROMPT, SETTINGS[0], top_n=99)


def test_tokenizer_view(engine):
    tokens = engine.tokenize(">be me\n>be 20")
    assert [t.id for t in tokens] == engine.tokenizer.encode(">be me\n>be 20")
    assert [t.token for t in tokens][:4] == [">", "be", "·me", "↵"]


def test_attention_matches_the_model(engine):
    text = PROMPT + "wake up late"
    att = engine.attention(text)
    ids = engine.tokenizer.encode(text)
    n = len(ids)
    assert [t.id for t in att.tokens] == ids
    assert att.weights.shape == (2, 2, n, n)
    assert torch.allclose(torch.from_numpy(att.weights.sum(-1)), torch.ones(2, 2, n), atol=1e-5)
    assert (att.weights[:, :, torch.triu_indices(n, n, 1)[0], torch.triu_indices(n, n, 1)[1]] == 0).all()
    from transformers import AutoModelForCausalLM

    eager = AutoModelForCausalLM.from_pretrained(engine.info.name, attn_implementation="eager")
    with torch.inference_mode():
        expected = eager(torch.tensor([ids]), output_attentions=True).attentions
    assert torch.allclose(torch.from_numpy(att.weights), torch.stack([a[0] for a in expected]), atol=1e-6)
    assert engine.model.config._attn_implementation == "sdpa"  # generation kept the fast kernel


def test_attention_over_the_context_keeps_the_end(engine):
    text = " ".join(str(i) for i in range(300))
    att = engine.attention(text)
    assert att.weights.shape[-1] == engine.info.context
    assert att.truncated_tokens == len(engine.tokenizer.encode(text)) - engine.info.context


@pytest.mark.parametrize("prompt", ["", "   \n\t ", EMOJI, RTL, MIXED, HTML, "x" * PROMPT_MAX_CHARS])
def test_engine_takes_every_kind_of_text(engine, prompt):
    run = engine.generate(prompt, SamplingSettings(temperature=0, max_new_tokens=3, seed=1), top_n=3)
    assert len(run.ids) >= 1 and len(run.steps) == len(run.ids)
    if prompt.strip():
        assert engine.tokenizer.decode(engine.tokenizer.encode(prompt)) == prompt  # byte-exact tokens


@pytest.mark.parametrize("prompt, fragment", [
    ("x" * (PROMPT_MAX_CHARS + 1), "at most 20,000 characters"),
    ("y" * 5_000_000, "5,000,000 characters"),
    (">be\x00me", "NUL (U+0000) at character 4"),
    ("\x1b[31mred", "ESCAPE (U+001B) at character 1"),
    ("ok\x7f", "DELETE (U+007F) at character 3"),
    ("c1\x85", "U+0085"),
    ("bad \ud800 surrogate", "lone surrogate (U+D800) at character 5"),
    (12, "prompt must be text"),
    ([">be me"], "prompt must be text"),
])
def test_engine_rejects_bad_prompts_by_name(engine, prompt, fragment):
    for call in (lambda: engine.generate(prompt, SamplingSettings(max_new_tokens=2)),
                 lambda: engine.tokenize(prompt), lambda: engine.attention(prompt)):
        with pytest.raises(InvalidSetting) as err:
            call()
        assert str(err.value).startswith("prompt must be") and fragment in str(err.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=40))
def test_accepted_text_round_trips_through_the_tokenizer(engine, text):
    ids = engine.tokenizer.encode(check_prompt(text))
    assert engine.tokenizer.decode(ids) == text
    assert [t.id for t in engine.tokenize(text)] == ids


def test_one_request_path_checks_once(engine, monkeypatch):
    """Every generation (Run, Walk, the batch worker) is prepared by Engine.request: each check runs once."""
    from greentext.decode import engine as engine_module
    from greentext.decode.batching import BatchWorker

    calls = []
    real = engine_module.check_top_n
    monkeypatch.setattr(engine_module, "check_top_n", lambda n: calls.append(n) or real(n))
    engine.generate(PROMPT, SETTINGS[0], top_n=3)
    Walk.start(engine, PROMPT, SETTINGS[0], top_n=3)
    assert calls == [3, 3]
    request = engine.request(PROMPT, SamplingSettings(max_new_tokens=5, seed=None))
    assert isinstance(request.settings.seed, int) and request.top_n == 0  # the seed is fixed here
    job = BatchWorker(engine).submit(PROMPT, SETTINGS[0]).wait()
    assert job.ids == engine.generate(PROMPT, SETTINGS[0]).ids and calls == [3, 3]


def test_tokens_per_second_is_decode_time(engine):
    run = engine.generate(PROMPT, SamplingSettings(temperature=0, max_new_tokens=8))
    assert run.seconds > 0 and run.tokens_per_second == pytest.approx(len(run.ids) / run.seconds)



# ---- every token's rank and probabilities (the Generate tab's colouring) ------------------------------
def teacher_forced(engine, run):
    """The logits of every generated position from one forward pass over prompt + generation (no cache)."""
    ids = torch.tensor([run.prompt.ids + run.ids])
    with torch.inference_mode():
        logits = engine.model(input_ids=ids).logits[0].float()
    return logits[len(run.prompt.ids) - 1: ids.shape[1] - 1]  # position i predicts generated token i


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"T{s.temperature}-k{s.top_k}-p{s.top_p}")
def test_each_tokens_rank_and_p_are_the_models_numbers(engine, settings):
    from greentext.decode import sampling

    run = engine.generate(PROMPT, settings)
    assert len(run.ranks) == len(run.ids)
    for token, kept, logits in zip(run.ids, run.ranks, teacher_forced(engine, run)):
        assert kept.rank == int((logits > logits[token]).sum()) + 1
        assert kept.p_raw == pytest.approx(float(logits.softmax(-1)[token]), abs=1e-5)
        final = sampling.process(logits[None], settings).final[0].softmax(-1)
        expected = float(token == int(logits.argmax())) if settings.greedy else float(final[token])
        assert kept.p_final == pytest.approx(expected, abs=1e-5) and kept.p_final > 0


def test_greedy_tokens_are_all_rank_1(engine):
    run = engine.generate(PROMPT, SamplingSettings(temperature=0, max_new_tokens=30))
    assert {r.rank for r in run.ranks} == {1} and {r.p_final for r in run.ranks} == {1.0}
    assert all(0 < r.p_raw <= 1 for r in run.ranks)


def test_temperature_shows_in_the_ranks(engine):
    """What the colouring makes visible: the hotter, the more tokens from far down the list."""
    def beyond_10(temperature):
        ranks = [r.rank for seed in range(3) for r in engine.generate(
            PROMPT, SamplingSettings(temperature=temperature, top_k=0, top_p=1.0, max_new_tokens=40, seed=seed)).ranks]
        return sum(r > 10 for r in ranks) / len(ranks)

    assert beyond_10(0.3) < beyond_10(2.0) and beyond_10(2.0) > 0.3


def test_ranks_are_the_step_records_numbers(engine):
    run = engine.generate(PROMPT, SETTINGS[2], top_n=5)
    for step, kept in zip(run.steps, run.ranks):
        assert (step.chosen.rank, step.chosen.p_raw, step.chosen.p_final) == pytest.approx(
            (kept.rank, kept.p_raw, kept.p_final), rel=1e-6)
    walk = Walk.start(engine, PROMPT, SETTINGS[2], top_n=5)
    walk.sample(), walk.sample(), walk.pick(rank=7), walk.undo()
    assert len(walk.ranks) == len(walk.ids) == 2 and walk.ranks == run.ranks[:2]
    walk.pick(rank=7)
    assert walk.ranks[-1].rank == 7 and walk.ranks[-1].p_final == walk.steps[-1].chosen.p_final
