"""The models the benchmarks run on: the bundled checkpoint, and GPT-2 small / medium **shapes**.

Random weights cost exactly what trained ones cost (a forward pass does not look at the values), so
the GPT-2 shapes need no download. `checkpoint_for` saves one as a normal checkpoint directory, for
benchmarks that launch the app as a separate process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from greentext.decode.engine import Engine
from greentext.model.loading import BUNDLED_MODEL, LoadedModel, ModelInfo

SHAPES = {"small": dict(n_layer=12, n_embd=768, n_head=12), "medium": dict(n_layer=24, n_embd=1024, n_head=16)}


def random_gpt2(shape: str):
    """(model, tokenizer): GPT-2 of this shape with random weights, fp32, eval mode, GPT-2's tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from greentext.model.tokens import gpt2_tokenizer

    tok = gpt2_tokenizer()
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tok), n_positions=1024, bos_token_id=tok.eos_token_id,
                        eos_token_id=tok.eos_token_id, **SHAPES[shape])
    config._attn_implementation = "sdpa"
    model = GPT2LMHeadModel(config).eval()
    model.requires_grad_(False)
    return model, tok


def engine_for(shape: str, device: str = "cpu") -> Engine:
    """An engine on the bundled model ("bundled") or on a random GPT-2 shape ("small", "medium")."""
    if shape == "bundled":
        return Engine.load(str(BUNDLED_MODEL), device=device)
    model, tok = random_gpt2(shape)
    dtype = torch.float32
    if device != "cpu":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        model = model.to(device=device, dtype=dtype)
    cfg = model.config
    info = ModelInfo(f"gpt2-{shape} shape (random weights)", model.num_parameters(), cfg.n_layer, cfg.n_head,
                     cfg.n_embd, cfg.n_positions, cfg.vocab_size, device, str(dtype).removeprefix("torch."))
    return Engine(LoadedModel(model, tok, info))


def checkpoint_for(shape: str) -> str:
    """A checkpoint directory for `python app.py --model …`: the bundled one, or a saved random shape."""
    if shape == "bundled":
        return str(BUNDLED_MODEL)
    folder = Path(tempfile.mkdtemp(prefix=f"greentext-bench-{shape}-"))
    model, tok = random_gpt2(shape)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)
