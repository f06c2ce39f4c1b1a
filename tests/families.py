"""Tiny random causal LMs of every family the app supports, built in the tests (no network): the same
contract tests run on each. Each takes GPT-2's tokenizer (the real vocabulary, shipped with the package),
so a family's checkpoint loads like any local one. Below them, a Llama-style tokenizer (SentencePiece-like
pieces with byte fallback) trained here, and a tiny Llama that reads it."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import torch

SMALL = dict(num_hidden_layers=3, hidden_size=32, intermediate_size=64, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=128)
# model_type → config arguments (grouped-query attention where the family has it; sliding windows where
# the family has them; Gemma 2 with its final soft cap)
FAMILIES = {
    "gpt2": dict(n_layer=3, n_embd=32, n_head=4, n_positions=128),
    "gpt_neo": dict(num_layers=3, hidden_size=32, num_heads=4, max_position_embeddings=128, window_size=4,
                    attention_types=[[["global", "local"], 1], [["global"], 1]]),
    "gpt_neox": dict(num_hidden_layers=3, hidden_size=32, intermediate_size=64, num_attention_heads=4,
                     max_position_embeddings=128),
    "llama": SMALL,
    "qwen2": SMALL,
    "qwen3": dict(SMALL, head_dim=8),
    "mistral": dict(SMALL, sliding_window=4),
    "gemma2": dict(SMALL, head_dim=8, sliding_window=4, final_logit_softcapping=30.0),
    "gemma3_text": dict(SMALL, head_dim=8, sliding_window=4),
    "phi3": dict(SMALL, pad_token_id=0),
}


def make_family_checkpoint(path, tokenizer, family: str, seed: int = 0):
    """Save a randomly initialised tiny model of `family` with GPT-2's vocabulary and tokenizer."""
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(seed)
    config = AutoConfig.for_model(family, vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id,
                                  eos_token_id=tokenizer.eos_token_id, **FAMILIES[family])
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():  # sharper than the default init, so the top candidates differ visibly
        model.get_output_embeddings().weight.mul_(20)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


# ---- another tokenizer: SentencePiece-style pieces with byte fallback, as Llama 2, Mistral and Gemma read ----
# A few sentences to train it on (no network): its alphabet is ASCII only, so é, ç, ã, ê and every emoji
# come out as byte-fallback tokens (`<0xC3>` `<0xA9>`), as a Portuguese word or an emoji does in a vocabulary
# that lacks it.
SENTENCES = ["the lecture\n>be me\n>go to class", ">be me\n>go to class\n>the professor walks in",
             "Parabéns para você, a ação e o coração", "olá mundo, be me", "hello world, the lecture hall"]


def llama_like_tokenizer(vocab_size: int = 400):
    """A Llama-style tokenizer (transformers' `LlamaTokenizer`: BPE with byte fallback, a Metaspace
    pre-tokenizer, `<s>` added at the start) trained here, in well under a second, on `SENTENCES`."""
    import json
    import string

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaTokenizer

    alphabet = list(string.ascii_letters + string.digits + string.punctuation + "\n") + ["▁"]
    backend = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, initial_alphabet=alphabet,
                                  limit_alphabet=len(alphabet),
                                  special_tokens=["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)])
    backend.train_from_iterator(SENTENCES * 3, trainer)
    model = json.loads(backend.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    return LlamaTokenizer(vocab=model["vocab"], merges=merges, add_bos_token=True)  # "<s>" first, as Llama reads


def make_checkpoint_with(path, tokenizer, family: str = "llama", seed: int = 0):
    """`make_family_checkpoint` with any tokenizer: its vocabulary's size, its own <s> and </s>."""
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(seed)
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    config = AutoConfig.for_model(family, vocab_size=len(tokenizer), bos_token_id=bos,
                                  eos_token_id=tokenizer.eos_token_id, **FAMILIES[family])
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():
        model.get_output_embeddings().weight.mul_(20)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@functools.lru_cache(maxsize=None)
def shared_llama_like_tokenizer():
    """`llama_like_tokenizer()`, trained once per test process (the tests that read it share it)."""
    return llama_like_tokenizer()


@functools.lru_cache(maxsize=None)
def shared_llama_like_checkpoint(seed: int = 0) -> Path:
    """A tiny Llama reading `shared_llama_like_tokenizer()`, saved once per test process in a folder of its
    own (removed at exit); `Engine.load` of it shares one model through loading.py's cache."""
    path = Path(tempfile.mkdtemp(prefix=f"llama-like-{seed}-"))
    atexit.register(shutil.rmtree, path, True)
    return make_checkpoint_with(path, shared_llama_like_tokenizer(), "llama", seed)
