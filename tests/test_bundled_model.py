"""The bundled models: assets/model (fine-tuned, loaded by default) and assets/model-base (its pretrained
base): GPT-2's vocabulary, small together, fast to load, and a greentext writer whose card tells the truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentext.model.loading import BUNDLED_MODEL
from greentext.training.train import BUNDLED_SIZE, SIZES

BASE_MODEL = BUNDLED_MODEL.parent / "model-base"

pytestmark = pytest.mark.skipif(not (BUNDLED_MODEL / "config.json").exists(), reason="assets/model not built")


@pytest.fixture(scope="module")
def bundled():
    from greentext.decode.engine import Engine

    return Engine.load(device="cpu")  # no name: the default is the bundled model


def test_loaded_by_default_with_gpt2s_vocabulary(bundled):
    info = bundled.info
    assert info.name == "greentext-tiny (bundled)"
    assert info.vocab_size == 50257 and len(bundled.tokenizer) == 50257
    shape = SIZES[BUNDLED_SIZE]
    assert (info.layers, info.heads, info.hidden) == (shape["n_layer"], shape["n_head"], shape["n_embd"])
    assert bundled.tokenizer.encode(" be me") == [307, 502]  # GPT-2's own ids
    assert "pretrained on general English" in info.about and "fine-tuned on greentexts" in info.about


def test_small_on_disk_with_standard_files():
    total = 0
    for folder in (BUNDLED_MODEL, BASE_MODEL):
        files = {p.name: p.stat().st_size for p in Path(folder).iterdir()}
        assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json", "README.md",
                "loss.png", "metrics.json", "train_log.jsonl"} <= set(files), folder
        total += sum(files.values())
    assert total <= 120e6  # both checkpoints together (model v3's budget)


def test_no_server_paths_in_the_committed_files():
    """Model v3: the cards, hyperparameters and metrics named absolute paths of the machine that trained them."""
    import re

    root = str(BUNDLED_MODEL.parent.parent)
    for folder in (BUNDLED_MODEL, BASE_MODEL):
        for name in ("README.md", "hyperparameters.json", "metrics.json", "train_log.jsonl"):
            text = (Path(folder) / name).read_text(encoding="utf-8")
            assert root not in text and not re.search(r'"/(work|tmp|home|root|Users)/', text), (folder, name)


def test_the_base_is_the_same_shape_and_vocabulary():
    from greentext.model.loading import load_model

    base = load_model(str(BASE_MODEL), device="cpu")
    assert base.info.vocab_size == 50257 and base.info.layers == SIZES[BUNDLED_SIZE]["n_layer"]
    assert "trained from scratch" in base.info.about


def test_card_numbers_are_the_measured_ones():
    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    card = (BUNDLED_MODEL / "README.md").read_text(encoding="utf-8")
    assert metrics["format_rate"] >= 0.95 and metrics["format_samples"] == 100 and metrics["repeat_rate"] <= 0.1
    # Model v3.3 measured 27.9 here (its training's evaluation; 27.1 held out on every validation story), under
    # the target of 30 (v3: 48.5, v2: 77 on its 280). This guards against bundling a worse model than the one
    # the README and card describe.
    assert metrics["val_perplexity"] <= 30 and metrics["val_documents"] >= 1400
    assert f"{metrics['val_perplexity']:.1f}" in card
    assert f"{metrics['val_loss']:.3f}" in card and f"{metrics['format_rate']:.0%}" in card
    assert "pretrained on general English" in card and "### After 300 steps" in card and "### After 600 steps" in card


def test_it_writes_greentexts(bundled):
    from greentext.training.evaluate import format_rate

    report = format_rate(bundled, n=5)  # the card's first five samples, same seeds
    card = (BUNDLED_MODEL / "README.md").read_text(encoding="utf-8")
    assert report.rate >= 0.8
    assert report.samples[0].strip() in card  # the card shows what the model really writes
