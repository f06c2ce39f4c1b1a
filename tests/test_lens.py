"""The logit lens on the tiny GPT-2: its last row is the model's own p (T=1), every other row is the final layer
norm and the output layer of its block's output, positions track the text's next token, and other
architectures are refused with a message."""

import pytest
import torch

from greentext.decode.walk import Walk
from greentext.probes.lens import LensUnsupported, lens_of_ids, logit_lens
from greentext.decode.settings import InvalidSetting, SamplingSettings

TEXT = "the lecture\n>be me"


def test_the_last_row_is_the_models_own_p_raw(engine):
    """At the walk's first step and after a few (the KV-cache path), to 1e-5, same tokens in the same order."""
    walk = Walk.start(engine, TEXT, SamplingSettings(1.0, 0, 1.0, 20, 3), top_n=10)
    for _ in range(3):
        step = walk.candidates()
        lens = lens_of_ids(engine, walk.prompt.ids + walk.ids, top_n=10)
        assert [t.id for t in lens.output.top] == [c.id for c in step.candidates]
        assert max(abs(p - c.p_raw) for p, c in zip(lens.output.p, step.candidates)) <= 1e-5
        assert lens.output.tracked_rank == 1 and not lens.tracked_is_next  # the text ends: the model's choice
        walk.sample()


def test_one_row_per_block_each_the_final_norm_and_output_layer_of_its_output(engine):
    model = engine.model
    outputs = []
    hooks = [block.register_forward_hook(lambda m, a, out: outputs.append(out[0] if isinstance(out, tuple) else out))
             for block in model.transformer.h]
    try:
        lens = logit_lens(engine, TEXT, top_n=7)
    finally:
        for h in hooks:
            h.remove()
    assert len(lens.layers) == model.config.n_layer == engine.info.layers
    assert [row.layer for row in lens.layers] == list(range(engine.info.layers))
    for row, out in zip(lens.layers, outputs):
        with torch.inference_mode():
            p = model.lm_head(model.transformer.ln_f(out[0, -1])).float().softmax(-1)
        expected, ids = torch.topk(p, 7)
        assert [t.id for t in row.top] == ids.tolist()
        assert torch.allclose(torch.tensor(row.p, dtype=torch.float64), expected.double(), atol=1e-6)
        assert sum(row.p) <= 1 + 1e-6 and all(a >= b for a, b in zip(row.p, row.p[1:]))


def test_a_position_tracks_the_texts_next_token(engine):
    ids = engine.tokenizer.encode(TEXT)
    lens = logit_lens(engine, TEXT, top_n=50, position=2)
    assert lens.position == 2 and lens.tracked_is_next and lens.tracked.id == ids[3]
    assert [t.id for t in lens.tokens] == ids  # the whole text, its rows read up to the position
    for row in lens.layers:
        listed = [t.id for t in row.top]
        if ids[3] in listed:
            assert row.tracked_rank == listed.index(ids[3]) + 1 and row.tracked_p == row.p[row.tracked_rank - 1]
        else:
            assert row.tracked_rank > 50 and row.tracked_p <= row.p[-1]
    # causal: the rows at a position are the lens of the text cut after it
    cut = lens_of_ids(engine, ids[:3], top_n=50)
    for a, b in zip(cut.layers, lens.layers):
        assert [t.id for t in a.top] == [t.id for t in b.top] and a.p == pytest.approx(b.p, abs=1e-6)


def test_bad_input_is_named_with_its_range(engine):
    with pytest.raises(InvalidSetting, match="top_n must be a whole number from 1 to 50"):
        logit_lens(engine, TEXT, top_n=0)
    n = len(engine.tokenizer.encode(TEXT))
    with pytest.raises(InvalidSetting, match=f"position must be a whole number from 0 to {n - 1}") as err:
        logit_lens(engine, TEXT, position=n)
    assert f"posição deve ser um número inteiro de 0 a {n - 1}" in err.value.message("pt")
    with pytest.raises(InvalidSetting, match="NUL"):
        logit_lens(engine, "a\x00b")
    empty = logit_lens(engine, "  ", top_n=3)  # the start of a document
    assert [t.id for t in empty.tokens] == [engine.eos_id] and empty.position == 0


def test_a_text_longer_than_the_context_keeps_its_last_tokens(engine):
    text = ">be me\n" * 100  # 400 tokens; the tiny model's context is 128
    lens = logit_lens(engine, text, top_n=2)
    assert len(lens.tokens) == engine.info.context and lens.truncated_tokens == 400 - engine.info.context


class ScaledLogits(torch.nn.Module):
    """A model that multiplies its logits after the head, a step the lens does not know."""

    def __init__(self, model):
        super().__init__()
        self.inner, self.config = model, model.config

    def get_output_embeddings(self):
        return self.inner.get_output_embeddings()

    @property
    def base_model(self):
        return self.inner.base_model

    def forward(self, **kwargs):
        out = self.inner(**kwargs)
        out.logits = out.logits * 3
        return out


def test_a_model_whose_own_logits_the_parts_do_not_give_is_refused_with_a_message(engine):
    from types import SimpleNamespace

    odd = SimpleNamespace(model=ScaledLogits(engine.model), device=engine.device, text=engine.text,
                          tokenizer=engine.tokenizer, eos_id=engine.eos_id, info=engine.info)
    with pytest.raises(LensUnsupported) as err:
        logit_lens(odd, TEXT)
    assert "final norm and output layer" in err.value.message("en") and "'gpt2'" in err.value.message("en")
    assert "normalização final" in err.value.message("pt")
    assert isinstance(err.value, InvalidSetting)  # the app's error handling turns it into a message


def tiny_llama(engine):
    """An engine on a tiny Llama (another architecture), built from its config: no hub."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from greentext.decode.engine import Engine
    from greentext.model.loading import LoadedModel, ModelInfo

    config = LlamaConfig(vocab_size=len(engine.tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64)
    model = LlamaForCausalLM(config).eval()
    info = ModelInfo("tiny-llama", model.num_parameters(), 2, 2, 16, 64, config.vocab_size, "cpu", "float32")
    return Engine(LoadedModel(model, engine.tokenizer, info))


def test_other_users_passes_at_the_same_time_do_not_fool_the_check(engine, monkeypatch):
    """The lens checks its parts on its own pass; the batch worker and other tabs run the same model in other
    threads at the same time (a soak saw lens requests refused by the first version). Here another thread's
    whole pass runs in the middle of the lens's own, every time."""
    import threading

    head = engine.model.get_output_embeddings()
    real, inside = head.forward, threading.local()
    other = torch.tensor([engine.tokenizer.encode(">be me\n>wake up late")])

    def forward(hidden):
        if not getattr(inside, "busy", False):  # the lens's thread: another user's pass runs now
            def pass_of_another_user():
                inside.busy = True
                with torch.inference_mode():
                    engine.model(input_ids=other)

            t = threading.Thread(target=pass_of_another_user)
            t.start()
            t.join()
        return real(hidden)

    monkeypatch.setattr(head, "forward", forward)
    lens = logit_lens(engine, TEXT, top_n=3)
    assert len(lens.layers) == engine.info.layers
