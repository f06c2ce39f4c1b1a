"""The batch worker: solo runs equal the engine exactly; concurrent runs decode together and each
stream is its own generation."""

from __future__ import annotations

import threading

import pytest

from greentext.decode.batching import BatchWorker, Busy
from greentext.decode.settings import InvalidSetting, SamplingSettings

PROMPTS = [">be me", "the lecture\n>be me", "feijoada on wednesday\n>be me\n>", "", "you're a model\n>be me model"]


@pytest.fixture()
def worker(engine):
    return BatchWorker(engine, max_batch=8)


@pytest.mark.parametrize("settings", [
    SamplingSettings(temperature=0, max_new_tokens=20, seed=1),
    SamplingSettings(temperature=0.9, top_k=40, top_p=0.9, max_new_tokens=25, seed=7),
    SamplingSettings(temperature=1.3, top_k=0, top_p=1.0, max_new_tokens=25, seed=123),
])
def test_alone_it_equals_the_engine_token_for_token(engine, worker, settings):
    for prompt in PROMPTS[:3]:
        job = worker.submit(prompt, settings).wait()
        run = engine.generate(prompt, settings)
        assert job.ids == run.ids and job.text == run.text
        assert job.ranks == run.ranks and len(job.ranks) == len(job.ids)  # the same numbers, from the same step
        assert job.finish_reason == run.finish_reason


def test_concurrent_requests_are_batched_and_each_is_its_own_generation(engine, worker):
    settings = [SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=12 + 3 * i, seed=i)
                for i in range(len(PROMPTS))]
    gate = threading.Event()
    jobs = []
    # Queue them all before the worker can start (submit while it is blocked on a held job).
    hold = worker.submit(">be me", SamplingSettings(temperature=0, max_new_tokens=1, seed=0))
    for prompt, s in zip(PROMPTS, settings):
        jobs.append(worker.submit(prompt, s))
    gate.set()
    hold.wait()
    results = [job.wait() for job in jobs]
    assert worker.max_rows_seen > 1  # they really shared forward passes
    for job, prompt, s in zip(results, PROMPTS, settings):
        solo = engine.generate(prompt, s)
        assert job.finish_reason in ("eos", "length")
        assert len(job.ids) == len(solo.ids) or job.finish_reason == "eos"
        # Batched matmuls may differ in the last bits; on this tiny model the tokens still agree.
        agree = sum(a == b for a, b in zip(job.ids, solo.ids)) / max(len(solo.ids), 1)
        assert agree > 0.8, (prompt, job.ids, solo.ids)


def test_batched_logits_match_solo_logits(engine):
    """The numbers a batched row sees are the solo numbers up to float rounding."""
    import torch

    from greentext.decode.batching import _Batch
    from greentext.decode.engine import Decoder

    batch = _Batch(engine.model)
    prompts = [engine.prepare(p, 10).ids for p in PROMPTS[:3]]
    decoders = [Decoder(engine.model, ids, engine.device) for ids in prompts]
    for d in decoders:
        batch.add(None, d)
    for step in range(4):
        tokens = [int(torch.argmax(batch.logits[r])) for r in range(3)]
        for d, t in zip(decoders, tokens):
            d.advance(t)
        batch.forward(tokens)
        for r, d in enumerate(decoders):
            torch.testing.assert_close(batch.logits[r:r + 1], d.logits, rtol=1e-4, atol=1e-4)
    batch.keep([0, 2])  # a row leaves; the others go on unchanged
    tokens = [int(torch.argmax(batch.logits[r])) for r in range(2)]
    for d, t in zip([decoders[0], decoders[2]], tokens):
        d.advance(t)
    batch.forward(tokens)
    torch.testing.assert_close(batch.logits[1:2], decoders[2].logits, rtol=1e-4, atol=1e-4)


def test_a_shared_prefill_matches_solo_prefills(engine):
    """Requests arriving together share one left-padded prefill pass: the same numbers as prefilling
    each alone (to float rounding), nothing non-finite from the padding, and decoding goes on alike."""
    import torch

    from greentext.decode.batching import _Batch, prefill_group
    from greentext.decode.engine import Decoder

    prompts = [engine.prepare(p, 10).ids for p in PROMPTS]  # lengths 1 to 11 tokens
    assert len({len(p) for p in prompts}) > 2
    decoders = [Decoder(engine.model, ids, engine.device) for ids in prompts]
    batch = _Batch(engine.model)
    batch.add(None, decoders[0])  # a row already running, then a group joins it
    batch.add_group([None] * 4, *prefill_group(engine.model, prompts[1:], engine.device))
    for layer in batch.cache.layers:
        assert torch.isfinite(layer.keys).all() and torch.isfinite(layer.values).all()
    for step in range(5):
        torch.testing.assert_close(batch.logits, torch.cat([d.logits for d in decoders]), rtol=1e-4, atol=1e-4)
        tokens = [int(torch.argmax(d.logits)) for d in decoders]
        for d, t in zip(decoders, tokens):
            d.advance(t)
        batch.forward(tokens)


def test_stop_frees_the_row_at_once(worker):
    job = worker.submit(">be me", SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=100, seed=3))
    for n, _ in enumerate(job, start=1):
        if n == 3:
            job.stop()
    assert job.finish_reason == "stopped" and len(job.ids) <= 4


def test_closing_the_stream_cancels_the_job(worker):
    job = worker.submit(">be me", SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=100, seed=3))
    stream = iter(job)
    next(stream)
    stream.close()  # what happens when gradio cancels a streaming event
    assert job.stopped


def test_time_limit_ends_a_long_job(engine):
    worker = BatchWorker(engine, time_limit=0.0)
    job = worker.submit(">be me", SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=100, seed=3))
    job.wait()
    assert job.finish_reason == "time" and len(job.ids) < 100


def test_bad_settings_and_a_full_queue_are_refused(engine):
    worker = BatchWorker(engine, max_waiting=0)
    with pytest.raises(InvalidSetting, match="max_new_tokens"):
        worker.submit(">be me", SamplingSettings(max_new_tokens=engine.info.context))
    with pytest.raises(Busy, match="busy"):
        worker.submit(">be me", SamplingSettings(max_new_tokens=5))


def test_a_failing_request_does_not_stop_the_worker(engine, worker, monkeypatch):
    from greentext.decode import batching

    real = batching.Decoder

    def broken(model, ids, device):
        if len(ids) == 1:
            raise RuntimeError("out of memory (simulated)")
        return real(model, ids, device)

    monkeypatch.setattr(batching, "Decoder", broken)
    bad = worker.submit("", SamplingSettings(max_new_tokens=5, seed=1))  # the empty prompt is one token
    with pytest.raises(RuntimeError, match="out of memory"):
        bad.wait()
    good = worker.submit(">be me", SamplingSettings(max_new_tokens=5, seed=1)).wait()
    assert good.finish_reason in ("eos", "length") and good.ids


def test_a_retired_worker_finishes_its_generations_hands_new_ones_on_and_ends(engine, slow_engine):
    """The app's model changed (ui/context.py `App.switch`): the old worker's generation runs to its end on the old
    model, a request that still reaches it goes to its successor, then its thread ends."""
    old, new = BatchWorker(slow_engine), BatchWorker(engine)
    settings = SamplingSettings(temperature=0.9, top_k=40, top_p=0.9, max_new_tokens=12, seed=5)
    going = old.submit(">be me", settings)
    old.retire(new, grace=0.05, poll=0.01)
    later = old.submit(">be me", settings)  # after the switch
    assert later.engine is engine and going.engine is slow_engine
    assert going.wait().ids == engine.generate(">be me", settings).ids  # the same weights: the same story, whole
    assert later.wait().finish_reason in ("length", "eos")
    old._thread.join(timeout=10)
    assert not old.running and not old.busy() and new.running
