"""Floor 2: prompt in, tokens out, one exact step at a time (imports model/ and language/).

    settings.py  sampling settings and their allowed ranges, checked once
    presets.py   the named presets (greedy, balanced, creative, chaos)
    sampling.py  temperature → top-k → top-p → draw, as transformers' logits processors do it
    steps.py     the record of one step: candidates, probabilities at each stage, the draw
    engine.py    `Engine`: generation token-for-token equal to `generate()`, with step records
    walk.py      the presenter's generation, one click per token (`Walk.start(engine, …)`)
    batching.py  many users, one model: concurrent generations decoded together
    limits.py    limits for a crowd: per-client request rate
"""
