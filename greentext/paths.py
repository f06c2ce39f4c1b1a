"""Where the project's files are: the repository (the folder app.py is in), its assets, the package's JS and CSS."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder app.py is in
ASSETS = ROOT / "assets"
STATIC = Path(__file__).resolve().parent / "static"  # every JS and CSS file the pages load
CORPUS = ASSETS / "corpus"
GREENTEXTS = CORPUS / "greentexts.jsonl"  # the training stories
GREENTEXTS_VAL = CORPUS / "greentexts-val.jsonl"  # frozen before any training, never trained on
STORY_BATCHES = CORPUS / "batches"  # batches of stories being written (greentext.training.briefs)
PROSE_BATCHES = CORPUS / "prose"  # plain stories and dialogues written for the project


def static_text(name: str) -> str:
    """One file of greentext/static, as text."""
    return (STATIC / name).read_text(encoding="utf-8")
