"""The bundled model in assets/model: loaded by default, GPT-2's vocabulary, small, and a greentext writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentext.loading import BUNDLED_MODEL

pytestmark = pytest.mark.skipif(not (BUNDLED_MODEL / "config.json").exists(), reason="assets/model not built")


@pytest.fixture(scope="module")
def bundled():
    from greentext.engine import Engine

    return Engine.load(device="cpu")  # no name: the default is the bundled model


def test_loaded_by_default_with_gpt2s_vocabulary(bundled):
    info = bundled.info
    assert info.name == "greentext-tiny (bundled)"
    assert info.vocab_size == 50257 and len(bundled.tokenizer) == 50257
    assert (info.layers, info.heads, info.hidden) == (4, 4, 256)
    assert bundled.tokenizer.encode(" be me") == [307, 502]  # GPT-2's own ids


def test_small_on_disk_with_standard_files():
    files = {p.name: p.stat().st_size for p in Path(BUNDLED_MODEL).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json", "README.md",
            "loss.png", "metrics.json"} <= set(files)
    assert sum(files.values()) <= 40e6


def test_card_numbers_are_the_measured_ones():
    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    card = (BUNDLED_MODEL / "README.md").read_text(encoding="utf-8")
    assert metrics["format_rate"] >= 0.9 and metrics["format_samples"] == 100
    assert f"{metrics['val_loss']:.3f}" in card and f"{metrics['format_rate']:.0%}" in card
    assert "trained from scratch" in card


def test_it_writes_greentexts(bundled):
    from greentext.evaluate import format_rate

    report = format_rate(bundled, n=5)  # the card's first five samples, same seeds
    card = (BUNDLED_MODEL / "README.md").read_text(encoding="utf-8")
    assert report.rate >= 0.8
    assert report.samples[0].strip() in card  # the card shows what the model really writes
