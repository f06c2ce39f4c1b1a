"""Tiny random causal LMs of every family the app supports, built in the tests (no network): the same
contract tests run on each. Each takes GPT-2's tokenizer (the real vocabulary, shipped with the package),
so a family's checkpoint loads like any local one."""

from __future__ import annotations

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
