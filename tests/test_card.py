"""The model card: a schedule run in two parts (`continue_log`) is described as the one training it is."""

import json

import pytest

from greentext.training import card
from greentext.training import evaluate
from greentext.training import train as train_mod
from greentext.training.train import TrainConfig, train

TEXTS = ["the sun rises over the hill and the baker opens the shop early in the morning",
         "a dog runs across the park chasing a red ball while the children laugh"] * 8


@pytest.fixture(scope="module")
def two_parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("card")
    a_data, b_data = folder / "a.txt", folder / "b.txt"
    a_data.write_text("\n<|endoftext|>\n".join(TEXTS))
    b_data.write_text("\n<|endoftext|>\n".join(t.upper() for t in TEXTS))
    common = dict(batch_size=2, grad_accum=1, block_size=32, lr=3e-3, eval_every=2, save_every=2,
                  format_samples=0, seed=0, device="cpu", schedule="wsd", val_fraction=0.2)
    with pytest.MonkeyPatch.context() as m:
        m.setitem(train_mod.SIZES, "tiny", dict(n_layer=1, n_embd=32, n_head=2, n_positions=64))
        m.setitem(card.SAMPLE_SETTINGS, "max_new_tokens", 4)
        m.setitem(evaluate.FORMAT_SETTINGS, "max_new_tokens", 4)
        first = train(TrainConfig(size="tiny", data=str(a_data), out=str(folder / "a"), max_steps=4, warmup_steps=1,
                                  min_lr_ratio=1.0, checkpoint_dir=str(folder / "a-ckpt"), **common), progress=False)
        second = train(TrainConfig(base=str(first), data=str(b_data), out=str(folder / "b"), max_steps=2,
                                   warmup_steps=0, decay_fraction=0.5, continue_log=True,
                                   checkpoint_dir=str(folder / "b-ckpt"), **common), progress=False)
    return first, second


def test_a_continued_schedule_is_one_training_from_scratch(two_parts):
    _, second = two_parts
    text = (second / "README.md").read_text(encoding="utf-8")
    assert "**trained from scratch**" in text and "warmup-stable-decay schedule run in two parts: 4 steps on" in text
    assert "fine-tuned on the data below" not in text
    assert "| max_steps | 4 + 2 (the two parts) |" in text and "| size | tiny |" in text
    assert "| warmup_steps | 1, then 0 |" in text
    assert "(the first part), then `" in text and "a.txt" in text and "b.txt" in text
    metrics = json.loads((second / "metrics.json").read_text())
    assert (metrics["steps"], metrics["phase_a_steps"], metrics["phase_b_steps"]) == (6, 4, 2)
    assert metrics["phase_a_data"].endswith("a.txt") and metrics["phase_b_data"].endswith("b.txt")
    log = [json.loads(line) for line in (second / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 7))  # one log, the first part's steps first


def test_a_plain_fine_tune_still_names_its_base(two_parts):
    first, _ = two_parts
    cfg = TrainConfig(base=str(first), data="x.txt", out="o")
    assert card.earlier_part(cfg) is None  # without continue_log: a fine-tune, not a continued schedule
