"""The models the app could switch to (greentext/model/catalog.py): bundled and local checkpoints, the causal LMs
of the local Hugging Face hub cache (read offline, as huggingface_hub lays it out), their sizes, and the memory
check before a load."""

import json
import shutil

import pytest
import torch

from greentext.model import catalog


def checkpoint_copy(src, dest):
    shutil.copytree(src, dest)
    return dest


def hub_repo(cache, repo_id, config: dict, weights: dict | None = None, revision="0123abcd", ref="main"):
    """A repo laid out as huggingface_hub's cache does: blobs, refs/<ref>, snapshots/<hash>/ with links to blobs."""
    from safetensors.torch import save_file

    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / ref).write_text(revision)
    files = {"config.json": json.dumps(config).encode()}
    if weights is not None:
        tmp = cache / "weights.tmp"
        save_file(weights, str(tmp))
        files["model.safetensors"] = tmp.read_bytes()
        tmp.unlink()
    for name, data in files.items():
        blob = repo / "blobs" / f"{abs(hash((repo_id, name))):x}"
        blob.write_bytes(data)
        (snapshot / name).symlink_to(blob)
    return snapshot


GPT2 = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": 3, "n_head": 4, "n_embd": 64,
        "n_positions": 256, "vocab_size": 100}


@pytest.fixture()
def hub_cache(tmp_path, monkeypatch):
    """An empty hub cache in tmp_path, where huggingface_hub (and so the catalog and `load_model`) look."""
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))  # read at import: set as a new process would
    return cache


def test_the_list_has_the_bundled_models_local_checkpoints_and_the_hub_caches_causal_lms(tmp_path, tiny_path, hub_cache,
                                                                                           engine):
    from greentext.probes.compare import find_checkpoints, short_name

    root = tmp_path / "app"
    checkpoint_copy(tiny_path, root / "runs" / "blind" / "checkpoint-1200")
    checkpoint_copy(tiny_path, root / "runs" / "blind" / "checkpoint-300")
    checkpoint_copy(tiny_path, root / "assets" / "model")
    checkpoint_copy(tiny_path, root / "assets" / "model-base")
    (root / "runs" / "seq2seq").mkdir(parents=True)  # a checkpoint of no causal LM: left out
    (root / "runs" / "seq2seq" / "config.json").write_text(json.dumps({"architectures": ["T5ForConditionalGeneration"]}))
    (root / "runs" / "seq2seq" / "model.safetensors").write_bytes(b"x")
    hub_repo(hub_cache, "org/tiny-gpt", GPT2, {"w": torch.zeros(10, 10, dtype=torch.bfloat16)})
    hub_repo(hub_cache, "org/bert", {"architectures": ["BertForMaskedLM"], "model_type": "bert"},
             {"w": torch.zeros(2, 2)})  # not a causal LM
    hub_repo(hub_cache, "org/config-only", GPT2)  # only its config was downloaded: no weights, not listed

    local = [(short_name(p, root), p) for p in find_checkpoints(root)]
    entries = catalog.available(local, root)
    assert [(e.name, e.kind) for e in entries] == [
        ("assets/model", "bundled"), ("assets/model-base", "bundled"), ("runs/blind/checkpoint-300", "local"),
        ("runs/blind/checkpoint-1200", "local"), ("org/tiny-gpt", "hub")]
    tiny, hub = entries[0], entries[-1]
    assert (tiny.layers, tiny.heads, tiny.hidden, tiny.context, tiny.model_type) == (2, 2, 32, 128, "gpt2")
    assert tiny.parameters == engine.info.parameters  # read from the safetensors header, no weights loaded
    assert tiny.weight_bytes == (tiny_path / "model.safetensors").stat().st_size and tiny.file_dtype == "float32"
    # the hub entry loads by its id (from the cache); its size is the blob's, through the snapshot's link
    assert (hub.source, hub.layers, hub.parameters, hub.file_dtype) == ("org/tiny-gpt", 3, 100, "bfloat16")
    assert "3 layers · 4 heads · 64 wide · context 256 · 100 parameters" in hub.describe("en")
    assert "3 camadas" in hub.describe("pt") and "parâmetros" in hub.describe("pt")
    assert catalog.available([], root, hub=False) == []


def test_a_missing_or_empty_hub_cache_is_an_empty_list(tmp_path, hub_cache):
    assert catalog.hub_models(tmp_path / "nowhere") == [] and catalog.hub_models() == []
    shutil.rmtree(hub_cache)
    assert catalog.hub_models() == []


def test_the_newest_revision_on_main_is_the_one_described(hub_cache):
    old = hub_repo(hub_cache, "org/m", {**GPT2, "n_layer": 1}, {"w": torch.zeros(4)}, revision="aaaa", ref="old")
    hub_repo(hub_cache, "org/m", {**GPT2, "n_layer": 5}, {"w": torch.zeros(4)}, revision="bbbb")
    assert old.exists() and [e.layers for e in catalog.hub_models()] == [5]


def test_the_memory_a_model_takes_is_its_weights_as_they_will_sit_in_memory(tmp_path):
    from safetensors.torch import save_file

    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(GPT2))
    save_file({"a": torch.zeros(1000, 500, dtype=torch.float16)}, str(folder / "model.safetensors"))
    entry = catalog.describe(folder, "half", "local")
    assert entry.parameters == 500_000 and entry.file_dtype == "float16"
    assert entry.memory("float32") == 2_000_000 and entry.memory("torch.bfloat16") == 1_000_000  # fp32 doubles it
    assert entry.needed("float32") == 2_000_000 + catalog.MARGIN_MIN
    big = catalog.Entry("big", "big", "hub", weight_bytes=10 * 10**9, file_dtype="bfloat16")  # .bin: no header read
    assert big.memory("float32") == 20 * 10**9 and big.needed("float32") == 24 * 10**9
    assert catalog.size_text(1_234_567_890, "en") == "1.2 GB" and catalog.size_text(1_234_567_890, "pt") == "1,2 GB"
    assert catalog.size_text(71_400_000, "pt") == "71 MB" and catalog.size_text(420_000) == "0.4 MB"
    assert catalog.millions(17_735_936, "pt") == "17,7 M" and catalog.millions(950, "en") == "950"


def test_a_model_too_large_for_the_free_memory_is_refused_naming_both_sizes(monkeypatch):
    entry = catalog.Entry("org/huge", "org/huge", "hub", parameters=1_500_000_000)
    with pytest.raises(catalog.TooLarge) as refused:
        catalog.check_memory(entry, "cpu", "float32", free=3_100_000_000)
    assert "7.2 GB" in refused.value.message("en") and "3.1 GB" in refused.value.message("en")
    pt = refused.value.message("pt")
    assert "7,2 GB" in pt and "3,1 GB" in pt and "org/huge não foi carregado" in pt
    assert catalog.check_memory(entry, "cuda", "bfloat16", free=4 * 10**9) == 3_000_000_000 + 600_000_000
    monkeypatch.setattr(catalog, "free_memory", lambda device: 10**9)  # the machine's own, by default
    with pytest.raises(catalog.TooLarge):
        catalog.check_memory(entry, "cpu", "float32")
    monkeypatch.setattr(catalog, "free_memory", lambda device: None)  # unknown: not refused
    assert catalog.check_memory(entry, "cpu", "float32") > 0


def test_free_memory_is_memavailable_on_the_cpu(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:          100000 kB\nMemAvailable:    8000000 kB\n")
    assert catalog.free_memory("cpu", meminfo) == 8_000_000 * 1024
    assert catalog.free_memory("cpu", tmp_path / "none") is None
    if not torch.cuda.is_available():
        assert catalog.free_memory("cuda") is None


def test_what_counts_as_a_causal_lm():
    assert catalog.is_causal_lm({"architectures": ["LlamaForCausalLM"]})
    assert catalog.is_causal_lm({"architectures": ["GPT2LMHeadModel"]})
    assert not catalog.is_causal_lm({"architectures": ["BertForMaskedLM"], "model_type": "bert"})
    assert catalog.is_causal_lm({"model_type": "gpt2"}) and not catalog.is_causal_lm({"model_type": "t5"})
