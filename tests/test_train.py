"""The fine-tuning CLI on tiny configs and tiny data made here: loss goes down, output loads, resumes."""

import json

import pytest
import torch

from greentext.training import train as train_mod
from greentext.training.documents import make_blocks
from greentext.training.train import TrainConfig, parse_args, train

STORIES = [
    "the projector\n>be me\n>give a lecture\n>projector dies\n>draw the slides on the board\n>best lecture ever",
    "monday\n>be me\n>wake up late\n>miss the bus\n>walk to work\n>it is sunday",
    "the cake\n>be me\n>bake a cake\n>forget the sugar\n>call it bread\n>everyone loves the bread",
    "you're a model\n>be me model\n>predict the next token\n>it is another >\n>always another >",
    "the exam\n>be me\n>study all night\n>exam is easy\n>fall asleep during it\n>still pass",
    "the cat\n>be me\n>buy a cat bed\n>cat sleeps in the box\n>sleep in the cat bed\n>comfy",
] * 4


# The frozen validation file: one held-out story longer than 3 blocks of 64 tokens (so eval_blocks=3 bounds it)
HELD_OUT = "held out\n>be me\n>never seen\n>in training\n>at all\n" + "\n".join(
    f">still held out, line {i} of the story nobody trains on" for i in range(20))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("train")


@pytest.fixture(scope="module")
def data_file(folder):
    path = folder / "stories.jsonl"
    path.write_text("".join(json.dumps({"text": s}) + "\n" for s in STORIES))
    return path


@pytest.fixture(scope="module")
def val_file(folder):
    path = folder / "val.jsonl"
    path.write_text(json.dumps({"text": HELD_OUT}) + "\n")
    return path


def tiny_config(tmp_path, data_file, **overrides):
    values = dict(size="tiny", data=str(data_file), out=str(tmp_path / "out"), max_steps=12, batch_size=4,
                  grad_accum=1, block_size=64, lr=3e-3, warmup_steps=2, eval_every=4, save_every=6,
                  format_samples=3, seed=0, device="cpu")
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module", autouse=True)
def smaller_tiny():
    """The 'tiny' preset is the bundled model's shape; tests use a still smaller one, same code path."""
    # The card's samples are 80 tokens each (the report's length); 12 exercise the same code at a test's cost.
    from greentext.training import card
    from greentext.training import evaluate

    with pytest.MonkeyPatch.context() as m:
        m.setitem(train_mod.SIZES, "tiny", dict(n_layer=1, n_embd=32, n_head=2, n_positions=128))
        m.setitem(card.SAMPLE_SETTINGS, "max_new_tokens", 12)
        m.setitem(evaluate.FORMAT_SETTINGS, "max_new_tokens", 12)
        yield


def scratch_config(folder, data_file, val_file, **overrides):
    """The module's run: from scratch, 12 steps, a frozen validation file, evaluations bounded to 3 blocks, the
    training stories as a probe set too, checkpoints at 6 and 12, 3 format samples."""
    values = dict(out=str(folder / "scratch"), val_data=str(val_file), eval_blocks=3, probe_data=str(data_file))
    return tiny_config(folder, data_file, **{**values, **overrides})


@pytest.fixture(scope="module")
def scratch(folder, data_file, val_file):
    """One training run shared by the tests that only read what it wrote (or go on from it)."""
    return train(scratch_config(folder, data_file, val_file), progress=False)


def test_loss_goes_down_and_the_output_loads_in_the_engine(scratch):
    from greentext.decode.engine import Engine
    from greentext.decode.settings import SamplingSettings

    out = scratch
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


def test_resume_goes_on_from_the_last_checkpoint(scratch, folder, data_file, val_file, tmp_path, capsys):
    """The module's run left checkpoint-6 and checkpoint-12 (its last step): a copy of the last, resumed to 14."""
    import shutil

    out = tmp_path / "resumed"
    shutil.copytree(scratch / "checkpoints" / "checkpoint-12", out / "checkpoints" / "checkpoint-12")
    resumed = scratch_config(folder, data_file, val_file, out=str(out), max_steps=14, format_samples=0, resume=True)
    out = train(resumed, progress=False)
    assert "resuming from" in capsys.readouterr().err
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 15))
    assert json.loads((out / "metrics.json").read_text())["resumed_from"].endswith("checkpoint-12")


def test_fine_tunes_a_local_base_checkpoint(tmp_path, data_file, tiny_path):
    cfg = tiny_config(tmp_path, data_file, size=None, base=str(tiny_path), max_steps=4, format_samples=0,
                      save_every=0)
    out = train(cfg, progress=False)
    config = json.loads((out / "config.json").read_text())
    assert config["n_layer"] == 2 and config["resid_pdrop"] == 0.1  # the base's shape, the report's dropout
    assert "fine-tuned" in (out / "README.md").read_text()


def test_a_pretraining_in_two_runs_is_one_phase_with_a_probe_and_no_server_paths(scratch, tmp_path, tmp_path_factory,
                                                                                 data_file):
    """Model v3's base: part 1a on one text (the module's run, a probe set logged along), 1b on a mix (bf16
    autocast, warmup-stable-decay) continuing 1a's log; a second held-out set's loss (the greentexts) logged
    along; no absolute path in what is written."""
    second = tiny_config(tmp_path, data_file, size=None, base=str(scratch), out=str(tmp_path / "b"), max_steps=4,
                         eval_every=2, save_every=0, format_samples=0, data=f"{data_file},{data_file}*2",
                         precision="bf16", schedule="wsd", decay_fraction=0.5, continue_log=True, dropout=0.0,
                         probe_data=str(data_file))
    b = train(second, progress=False)
    log = [json.loads(line) for line in (b / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 17)) and all("probe_loss" in e for e in log if "val_loss" in e)
    metrics = json.loads((b / "metrics.json").read_text())
    assert metrics["steps"] == 16 and "probe_loss" in metrics
    card = (b / "README.md").read_text()
    assert "fine-tuning on greentexts" not in card  # one pretraining phase, not a base + fine-tune
    temporary = str(tmp_path_factory.getbasetemp())  # this run's folder and the base's
    for name in ("metrics.json", "hyperparameters.json", "README.md"):
        assert temporary not in (b / name).read_text(), name


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
    assert cfg.size is None and cfg.base.endswith("assets/model-base") and cfg.out.endswith("assets/model")
    assert cfg.val_data.endswith("greentexts-val.jsonl") and cfg.save_every == 300 and cfg.max_steps == 3500
    base = parse_args(["--preset", "base"])
    assert base.size == train_mod.BUNDLED_SIZE and base.out.endswith("runs/base-a") and base.dropout == 0
    assert base.data.endswith("runs/corpus/general-en.txt") and base.precision == "bf16" and base.min_lr_ratio == 1.0
    prose = parse_args(["--preset", "base-prose"])
    assert prose.size is None and prose.base.endswith("runs/base-a") and prose.out.endswith("assets/model-base")
    assert prose.data.endswith("assets/corpus/prose*8") and prose.continue_log and prose.schedule == "wsd"
    scratch = parse_args(["--preset", "scratch"])
    assert scratch.size == base.size and scratch.val_data == cfg.val_data and scratch.max_steps == cfg.max_steps
    assert parse_args(["--preset", "bundled", "--max-steps", "5"]).max_steps == 5
    assert parse_args(["--preset", "bundled", "--base", "gpt2"]).size is None
    cfg = parse_args([])
    assert (cfg.base, cfg.lr, cfg.weight_decay, cfg.dropout, cfg.beta1, cfg.beta2) == ("gpt2", 2.5e-4, 0.01, 0.1, 0.9, 0.999)
    assert cfg.data == "DarwinAnim8or/greentext"
    with pytest.raises(SystemExit):
        parse_args(["--size", "huge"])
    assert "--size must be one of tiny, tiny-6, tiny-8, 6x320, 8x320, small, medium" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    help_text = capsys.readouterr().out
    assert "--resume" in help_text and "default None" not in help_text and "(default: None)" not in help_text
    assert "peak learning rate (default 0.00025)" in " ".join(help_text.split())


def test_warmup_stable_decay_schedule():
    cfg = TrainConfig(lr=1e-3, warmup_steps=10, max_steps=100, schedule="wsd", decay_fraction=0.5, min_lr_ratio=0.1)
    lrs = [train_mod.lr_at(step, cfg) for step in range(100)]
    assert lrs[0] == 1e-4 and lrs[9] == 1e-3 and set(lrs[10:50]) == {1e-3}  # warmup, then constant
    assert all(a > b for a, b in zip(lrs[50:], lrs[51:])) and abs(lrs[-1] - 1e-4) < 2e-5  # a linear decay


def test_several_sources_in_one_run(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.jsonl"
    a.write_text("one\n\ntwo\n")
    b.write_text('{"text": "three"}\n')
    assert train_mod.load_sources(f"{a},{b}*3") == ["one", "two", "three", "three", "three"]


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


def test_a_frozen_validation_file_is_used_whole_and_never_trained_on(scratch):
    metrics = json.loads((scratch / "metrics.json").read_text())
    assert metrics["val_documents"] == 1 and metrics["train_documents"] == len(STORIES)
    assert "1 stories frozen before any training and never trained on" in (scratch / "README.md").read_text()


def test_end_of_run_evaluation_is_bounded(scratch, tokenizer):
    metrics = json.loads((scratch / "metrics.json").read_text())
    assert len(tokenizer.encode(HELD_OUT)) > 3 * 64  # unbounded, the held-out story would be more blocks
    assert metrics["train_loss_blocks"] == 3 and metrics["val_tokens"] <= 3 * 64


def test_spread_picks_evenly_and_keeps_small_sets():
    blocks = torch.arange(10).view(10, 1)
    assert train_mod.spread(blocks, 20).flatten().tolist() == list(range(10))
    assert train_mod.spread(blocks, 4).flatten().tolist() == [0, 3, 6, 9]


def test_two_phases_the_card_tells_both_with_samples_at_the_kept_steps(scratch, tmp_path, data_file):
    cfg = tiny_config(tmp_path / "f", data_file, size=None, base=str(scratch), max_steps=6, save_every=3,
                      format_samples=4)
    out = train(cfg, progress=False)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "pretrained on general English" in card and "fine-tuned on greentexts" in card
    assert "## Phase 1: pretraining" in card and "### After 3 steps" in card and "### After 6 steps" in card
    assert "you should ignore how the train was created" in card and "repeats a line" in card
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["repeat_rate"] <= 1 and metrics["line_start_top1"] > 0
