"""The fine-tuning CLI on tiny configs and tiny data made here: loss goes down, output loads, resumes."""

import json

import pytest
import torch

from greentext import train as train_mod
from greentext.train import TrainConfig, make_blocks, parse_args, train

STORIES = [
    "the projector\n>be me\n>give a lecture\n>projector dies\n>draw the slides on the board\n>best lecture ever",
    "monday\n>be me\n>wake up late\n>miss the bus\n>walk to work\n>it is sunday",
    "the cake\n>be me\n>bake a cake\n>forget the sugar\n>call it bread\n>everyone loves the bread",
    "you're a model\n>be me model\n>predict the next token\n>it is another >\n>always another >",
    "the exam\n>be me\n>study all night\n>exam is easy\n>fall asleep during it\n>still pass",
    "the cat\n>be me\n>buy a cat bed\n>cat sleeps in the box\n>sleep in the cat bed\n>comfy",
] * 4


@pytest.fixture()
def data_file(tmp_path):
    path = tmp_path / "stories.jsonl"
    path.write_text("".join(json.dumps({"text": s}) + "\n" for s in STORIES))
    return path


def tiny_config(tmp_path, data_file, **overrides):
    values = dict(size="tiny", data=str(data_file), out=str(tmp_path / "out"), max_steps=12, batch_size=4,
                  grad_accum=1, block_size=64, lr=3e-3, warmup_steps=2, eval_every=4, save_every=6,
                  format_samples=3, seed=0, device="cpu")
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(autouse=True)
def smaller_tiny(monkeypatch):
    """The 'tiny' preset is the bundled model's shape; tests use a still smaller one, same code path."""
    monkeypatch.setitem(train_mod.SIZES, "tiny", dict(n_layer=1, n_embd=32, n_head=2, n_positions=128))


def test_loss_goes_down_and_the_output_loads_in_the_engine(tmp_path, data_file):
    from greentext.engine import Engine
    from greentext.settings import SamplingSettings

    out = train(tiny_config(tmp_path, data_file), progress=False)
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert log[-1]["train_loss"] < log[0]["train_loss"] - 1.0
    vals = [e["val_loss"] for e in log if "val_loss" in e]
    assert len(vals) == 3 and vals[-1] < vals[0]
    for name in ("model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "README.md",
                 "loss.png", "metrics.json"):
        assert (out / name).exists(), name
    assert (out / "checkpoints" / "checkpoint-6" / "trainer_state.pt").exists()
    assert (out / "checkpoints" / "checkpoint-12" / "trainer_state.pt").exists()
    gen = json.loads((out / "generation_config.json").read_text())
    assert gen["do_sample"] and gen["temperature"] == 0.8 and gen["top_p"] == 0.95
    metrics = json.loads((out / "metrics.json").read_text())
    card = (out / "README.md").read_text()
    assert f"{metrics['val_loss']:.3f}" in card and "format rate" in card and "from scratch" in card
    engine = Engine.load(str(out), device="cpu")
    assert engine.info.vocab_size == 50257 and engine.info.layers == 1
    run = engine.generate(">be me", SamplingSettings(temperature=0, max_new_tokens=10))
    assert len(run.ids) >= 1


def test_resume_goes_on_from_the_last_checkpoint(tmp_path, data_file, capsys):
    first = tiny_config(tmp_path, data_file, max_steps=6, save_every=3, format_samples=0)
    train(first, progress=False)  # leaves checkpoint-3 and checkpoint-6 (the last step)
    resumed = tiny_config(tmp_path, data_file, max_steps=8, save_every=3, format_samples=0, resume=True)
    out = train(resumed, progress=False)
    assert "resuming from" in capsys.readouterr().err
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 9))
    assert json.loads((out / "metrics.json").read_text())["resumed_from"].endswith("checkpoint-6")


def test_fine_tunes_a_local_base_checkpoint(tmp_path, data_file, tiny_path):
    cfg = tiny_config(tmp_path, data_file, size=None, base=str(tiny_path), max_steps=4, format_samples=0,
                      save_every=0)
    out = train(cfg, progress=False)
    config = json.loads((out / "config.json").read_text())
    assert config["n_layer"] == 2 and config["resid_pdrop"] == 0.1  # the base's shape, the report's dropout
    assert "fine-tuned" in (out / "README.md").read_text()


def test_bad_data_gives_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"title": "x", "score": 3}) + "\n")
    code = train_mod.main(["--size", "tiny", "--data", str(bad), "--out", str(tmp_path / "o"), "--max-steps", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "title" in err and err.count("\n") == 1


def test_missing_base_gives_a_clear_error(tmp_path, data_file, capsys):
    code = train_mod.main(["--base", str(tmp_path / "nope"), "--data", str(data_file), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and err.count("\n") == 1


def test_cli_presets_and_validation(capsys):
    cfg = parse_args(["--preset", "bundled"])
    assert cfg.size == "tiny" and cfg.out.endswith("assets/model") and cfg.save_dtype == "float16"
    assert parse_args(["--preset", "bundled", "--max-steps", "5"]).max_steps == 5
    assert parse_args(["--preset", "bundled", "--base", "gpt2"]).size is None
    cfg = parse_args([])
    assert (cfg.base, cfg.lr, cfg.weight_decay, cfg.dropout, cfg.beta1, cfg.beta2) == ("gpt2", 2.5e-4, 0.01, 0.1, 0.9, 0.999)
    assert cfg.data == "DarwinAnim8or/greentext"
    with pytest.raises(SystemExit):
        parse_args(["--size", "huge"])
    assert "--size must be one of tiny, small, medium" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert "--resume" in capsys.readouterr().out


def test_blocks_keep_every_token_and_shuffle_by_seed():
    docs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
    blocks = make_blocks(docs, 4, seed=None)
    assert blocks.shape == (3, 4) and blocks.flatten().tolist()[:9] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert torch.equal(make_blocks(docs, 4, seed=1), make_blocks(docs, 4, seed=1))


def test_lr_schedule_warms_up_and_decays():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1e-3, min_lr_ratio=0.1)
    lrs = [train_mod.lr_at(s, cfg) for s in range(100)]
    assert lrs[0] < lrs[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] == pytest.approx(1e-4, rel=0.05)
