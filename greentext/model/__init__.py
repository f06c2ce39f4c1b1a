"""Floor 1: a causal LM checkpoint and its tokenizer.

    loading.py  a local folder or a hub name → `LoadedModel` (the bundled model by default)
    tokens.py   GPT-2's tokenizer and how a token is shown (`Token`, `TokenText`)
"""
