"""Beside the app: the data the bundled models learn from, training, evaluation and the model card.

    greentexts.py  the project's own greentext stories (train / frozen validation)
    briefs.py      writing briefs for new batches of stories and prose, and their checks
    dedup.py       near-duplicate detection (MinHash LSH)
    debian.py      the general-English corpus from Debian packages
    documents.py   reading training documents and cutting them into blocks
    train.py       `python -m greentext.training.train`: pretraining and fine-tuning
    evaluate.py    held-out loss, format and repeat rates, Portuguese continuation
    card.py        the model card (README.md) and loss curve
"""
