"""Floor 3: looking inside a model (imports decode/ and below).

    lens.py     the logit lens: what each layer would say next
    compare.py  two checkpoints side by side on the same prompt and seed
"""
