"""Every family passes GPT-2's contract (tiny random models of each, built here, no network): seeded
generation equal to transformers' generate() token for token, the step table equal to an independent
softmax, attention per query head (grouped-query heads expanded, sliding windows as the model draws them)
equal to the model's own eager attention, and the batch worker equal to the engine alone."""


import numpy as np
import pytest
import torch

from families import FAMILIES
from greentext.decode.batching import BatchWorker
from greentext.decode.settings import SamplingSettings
from test_engine import reference

PROMPT = "the projector\n>be me\n>"
SETTINGS = [SamplingSettings(temperature=0, max_new_tokens=12, seed=0),
            SamplingSettings(temperature=0.9, top_k=40, top_p=0.9, max_new_tokens=12, seed=3)]


def test_seeded_generation_equals_generate_token_for_token(family):
    name, engine = family
    for s in SETTINGS:
        run = engine.generate(PROMPT, s)
        assert run.ids == reference(engine, run.prompt.ids, s), (name, s)


def test_the_step_table_is_an_independent_softmax(family):
    name, engine = family
    s = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=3, seed=1)
    run = engine.generate(PROMPT, s, top_n=10)
    ids = list(run.prompt.ids)
    for step, chosen in zip(run.steps, run.ids):
        with torch.inference_mode():
            p = engine.model(input_ids=torch.tensor([ids])).logits[0, -1].float().softmax(-1)
        top, top_ids = torch.topk(p, 10)
        listed = [c for c in step.candidates if c.rank <= 10]  # (the chosen token is added below if lower)
        assert [c.id for c in listed] == top_ids.tolist(), name
        assert [c.p_raw for c in listed] == pytest.approx(top.tolist(), abs=1e-5), name
        ids.append(chosen)


def test_attention_per_query_head_equals_the_models_own(family):
    name, engine = family
    config = engine.model.config.get_text_config()
    att = engine.attention(PROMPT + "wake up late")
    n = len(att.tokens)
    heads = getattr(config, "num_attention_heads", None) or config.num_heads
    assert att.weights.shape == (3, heads, n, n) == (engine.info.layers, engine.info.heads, n, n), name
    assert np.allclose(att.weights.sum(-1), 1, atol=1e-5) and not np.triu(att.weights, 1).any(), name
    from transformers import AutoModelForCausalLM

    eager = AutoModelForCausalLM.from_pretrained(engine.info.name, attn_implementation="eager")
    with torch.inference_mode():
        expected = eager(torch.tensor([[t.id for t in att.tokens]]), output_attentions=True).attentions
    assert np.allclose(att.weights, torch.stack([a[0] for a in expected]).numpy(), atol=1e-6), name
    window = getattr(config, "sliding_window", None) or getattr(config, "window_size", None)
    if window:  # some layer attends only to the last `window` tokens: nothing older is drawn
        local = [layer for layer in range(3) if not np.tril(att.weights[layer], -window).any()]
        assert local, f"{name}: no layer keeps to its sliding window of {window}"


def test_the_batch_worker_alone_and_batched(family):
    name, engine = family
    worker = BatchWorker(engine, max_batch=4)
    s = SETTINGS[1]
    solo = worker.submit(PROMPT, s).wait()
    assert solo.ids == engine.generate(PROMPT, s).ids, name
    prompts = [PROMPT, ">be me", "the lecture\n>be me\n>wifi dies"]
    hold = worker.submit(">be me", SamplingSettings(temperature=0, max_new_tokens=1, seed=0))
    jobs = [worker.submit(p, SamplingSettings(temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=10, seed=i))
            for i, p in enumerate(prompts)]
    hold.wait()
    from greentext.decode.batching import has_sliding_window

    # Rows share forward passes, except in a model with sliding-window layers (each generation alone there)
    assert worker.max_rows_seen == (1 if has_sliding_window(engine.model) else worker.max_rows_seen) >= 1
    assert has_sliding_window(engine.model) == (name in ("gpt_neo", "mistral", "gemma2", "gemma3_text")), name
    for job, prompt in zip(jobs, prompts):
        job.wait()
        alone = engine.generate(prompt, job.settings)
        agree = sum(a == b for a, b in zip(job.ids, alone.ids)) / max(len(alone.ids), 1)
        assert job.finish_reason in ("eos", "length") and agree > 0.8, (name, prompt, job.ids, alone.ids)
