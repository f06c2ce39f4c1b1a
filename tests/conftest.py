"""Fixtures: tiny GPT-2 models with GPT-2's real tokenizer, built and saved locally (no downloads)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session")
def tokenizer():
    from greentext.tokens import gpt2_tokenizer

    return gpt2_tokenizer()


def make_tiny_checkpoint(path, tokenizer, *, n_layer=2, n_head=2, n_embd=32, n_positions=128, seed=0):
    """Save a randomly initialised tiny GPT-2 with the real vocabulary as a Hugging Face checkpoint."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer,
                        n_head=n_head, bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():  # sharper than the default init, so sampling settings make a visible difference
        model.lm_head.weight.mul_(20)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_path(tmp_path_factory, tokenizer):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("tiny"), tokenizer)


@pytest.fixture(scope="session")
def engine(tiny_path):
    from greentext.engine import Engine

    return Engine.load(str(tiny_path), device="cpu")


def pytest_configure(config):
    # gradio's queue calls pandas options that pandas 3 deprecates; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:gradio.*")
    config.addinivalue_line("filterwarnings", "ignore:.*no_silent_downcasting.*")
    config.addinivalue_line("filterwarnings", "ignore:The copy keyword is deprecated.*")
