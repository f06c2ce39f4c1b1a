"""The logit lens on every family (tiny random models built here): the last row is the model's own p, every
other row is the family's own final norm, output head and soft cap applied to its block's output (each
layer normed with its own statistics)."""

import pytest
import torch

from families import FAMILIES
from greentext.decode.settings import SamplingSettings
from greentext.decode.walk import Walk
from greentext.probes.lens import logit_lens, lens_of_ids

TEXT = "the lecture\n>be me"
# Written out per family here, independently of greentext/model/anatomy.py's search:
# (the decoder blocks, the final norm) as attribute paths
PARTS = {"gpt2": ("transformer.h", "transformer.ln_f"), "gpt_neo": ("transformer.h", "transformer.ln_f"),
         "gpt_neox": ("gpt_neox.layers", "gpt_neox.final_layer_norm")}


def part(model, path: str):
    for name in path.split("."):
        model = getattr(model, name)
    return model


def test_the_last_row_is_the_models_own_p(family):
    name, engine = family
    walk = Walk.start(engine, TEXT, SamplingSettings(1.0, 0, 1.0, 20, 3), top_n=10)
    for _ in range(2):
        step = walk.candidates()
        lens = lens_of_ids(engine, walk.prompt.ids + walk.ids, top_n=10)
        assert len(lens.layers) == FAMILIES[name].get("n_layer", FAMILIES[name].get("num_layers", 3)) == 3
        assert [t.id for t in lens.output.top] == [c.id for c in step.candidates], name
        assert max(abs(p - c.p_raw) for p, c in zip(lens.output.p, step.candidates)) <= 1e-5, name
        walk.sample()


def test_each_row_is_the_familys_own_norm_and_head_on_its_blocks_output(family):
    name, engine = family
    model = engine.model
    blocks, norm = PARTS.get(name, ("model.layers", "model.norm"))
    outputs = []
    hooks = [b.register_forward_hook(lambda m, a, out: outputs.append(out[0] if isinstance(out, tuple) else out))
             for b in part(model, blocks)]
    try:
        lens = logit_lens(engine, TEXT, top_n=5)
    finally:
        for h in hooks:
            h.remove()
    cap = getattr(model.config, "final_logit_softcapping", None)
    for row, out in zip(lens.layers[:-1], outputs):
        with torch.inference_mode():
            logits = model.get_output_embeddings()(part(model, norm)(out[0, -1:]))[0]
            if cap:
                logits = torch.tanh(logits / cap) * cap
        expected, ids = torch.topk(logits.float().softmax(-1), 5)
        assert [t.id for t in row.top] == ids.tolist(), (name, row.layer)
        assert row.p == pytest.approx(expected.tolist(), abs=1e-5), (name, row.layer)
