"""Loading checkpoints: device and dtype, model facts, load-once, and one-line errors."""

import pytest
import torch

from greentext.model.loading import ModelLoadError, eager_twin, load_model, pick_device, pick_dtype


def test_model_facts(tiny_path):
    loaded = load_model(str(tiny_path), device="cpu")
    info = loaded.info
    assert (info.layers, info.heads, info.hidden, info.context, info.vocab_size) == (2, 2, 32, 128, 50257)
    assert info.parameters == sum(p.numel() for p in loaded.model.parameters())
    assert info.device == "cpu" and info.dtype == "float32"
    assert loaded.model.config._attn_implementation == "sdpa"  # the fast kernel for generation
    assert set(info.as_dict()) >= {"name", "parameters", "layers", "heads", "context", "vocab_size", "device", "dtype"}


def test_loads_once_per_process(tiny_path):
    assert load_model(str(tiny_path), device="cpu") is load_model(str(tiny_path), device="cpu")


def test_device_and_dtype_choice():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(None).type in {"cuda", "mps", "cpu"}
    assert pick_dtype(torch.device("cpu")) == torch.float32
    assert pick_dtype(torch.device("cpu"), "bf16") == torch.bfloat16
    with pytest.raises(ModelLoadError, match="Unknown dtype 'float8'"):
        pick_dtype(torch.device("cpu"), "float8")
    with pytest.raises(ModelLoadError, match="Unknown device"):
        pick_device("toaster")
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="no CUDA GPU is available: use --device cpu"):
            pick_device("cuda")


def test_missing_path_is_one_line(tmp_path):
    with pytest.raises(ModelLoadError) as err:
        load_model(str(tmp_path / "nope"), device="cpu")
    message = str(err.value)
    assert "\n" not in message and "nope" in message and "not found" in message


def test_corrupt_checkpoint_is_one_line(tmp_path, tiny_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_path, broken)
    (broken / "model.safetensors").write_bytes(b"this is not a safetensors file")
    with pytest.raises(ModelLoadError) as err:
        load_model(str(broken), device="cpu")
    message = str(err.value)
    assert "\n" not in message and str(broken) in message and "corrupt" in message
    assert "bundled model" in message


def test_unreachable_hub_suggests_bundled_model(monkeypatch):
    import huggingface_hub.constants

    # What a machine without the hub looks like, without waiting: huggingface_hub reads HF_HUB_OFFLINE
    # once, at import (conftest sets it before that), so a test run after others sets the constant too.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelLoadError) as err:
        load_model("someone/not-a-cached-model", device="cpu")
    message = str(err.value)
    assert "\n" not in message and "someone/not-a-cached-model" in message and "bundled model" in message


def test_eager_twin_shares_weights_and_matches(tiny_path):
    model = load_model(str(tiny_path), device="cpu").model
    twin = eager_twin(model)
    assert twin.config._attn_implementation == "eager"
    assert model.config._attn_implementation == "sdpa"
    assert twin.transformer.wte.weight.data_ptr() == model.transformer.wte.weight.data_ptr()
    ids = torch.tensor([[29, 1350, 502, 198, 29]])
    with torch.inference_mode():
        assert torch.allclose(twin(ids).logits, model(ids).logits, atol=1e-5)
        attentions = twin(ids, output_attentions=True).attentions
    assert len(attentions) == 2 and attentions[0].shape == (1, 2, 5, 5)


def test_an_unreachable_hub_fails_in_seconds_with_one_line(monkeypatch, tmp_path):
    """Issue 20.10: `--model gpt2` offline retried for 52 s and printed 22 lines before its message."""
    import time

    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # conftest sets it; a user has not
    from transformers import AutoModelForCausalLM  # noqa: F401 — imported first: the test times the hub check
    started = time.perf_counter()
    with pytest.raises(ModelLoadError) as err:
        load_model("someone/not-cached-model", device="cpu")
    assert time.perf_counter() - started < 5
    message = str(err.value)
    assert "\n" not in message and "cannot be reached" in message and "bundled model" in message


def test_a_model_in_the_local_hub_cache_loads_without_the_network(monkeypatch, tmp_path, tiny_path):
    import shutil

    import huggingface_hub.constants

    snapshot = tmp_path / "hub" / "models--someone--tiny" / "snapshots" / "abc123"
    shutil.copytree(tiny_path, snapshot)
    (tmp_path / "hub" / "models--someone--tiny" / "refs").mkdir()
    (tmp_path / "hub" / "models--someone--tiny" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    loaded = load_model("someone/tiny", device="cpu")
    assert loaded.info.name == "someone/tiny" and loaded.info.layers == 2
