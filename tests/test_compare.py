"""Two checkpoints side by side (greentext/probes/compare.py): each side is its engine's own exact generation, the
per-token probabilities are each model's own softmax, a foreign tokenizer is compared per stretch of text
(tests/test_compare_tokenizers.py), and models load once and stay bounded."""

import shutil

import numpy as np
import pytest
import torch

from greentext.probes import compare
from greentext.present import html as views
from greentext.probes.compare import Checkpoints, Pair, Refused, find_checkpoints, label, short_name
from greentext.decode.engine import Engine
from greentext.model.loading import load_model
from greentext.decode.settings import InvalidSetting, SamplingSettings
from greentext.model.tokens import Token


@pytest.fixture(scope="module")
def other(other_tiny_path):
    return Engine.load(str(other_tiny_path), device="cpu")


@pytest.fixture(scope="module")
def pair(other, engine):
    return Pair(other, engine, ("other", "tiny"))


def make_foreign_checkpoint(path):
    """A tiny GPT-2 whose tokenizer is a 6-word vocabulary: it does not read GPT-2's tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    vocab = {"<|endoftext|>": 0, "[UNK]": 1, ">": 2, "be": 3, "me": 4, "the": 5}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>", unk_token="[UNK]")
    config = GPT2Config(vocab_size=len(vocab), n_positions=32, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=0, eos_token_id=0)
    GPT2LMHeadModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.mark.parametrize("settings", [SamplingSettings(0.9, 40, 0.9, 8, 7), SamplingSettings(0, 0, 1.0, 6, 3),
                                      SamplingSettings(1.2, 0, 0.8, 8, None)])
def test_compare_equals_two_independent_runs_with_the_same_seed(pair, other, engine, settings):
    run_a, run_b = pair.generate("the lecture\n>be me", settings)
    assert run_a.seed == run_b.seed and (settings.seed is None or run_a.seed == settings.seed)
    same = SamplingSettings(settings.temperature, settings.top_k, settings.top_p, settings.max_new_tokens, run_a.seed)
    assert run_a.ids == other.generate("the lecture\n>be me", same).ids
    assert run_b.ids == engine.generate("the lecture\n>be me", same).ids


def test_the_two_models_really_differ(pair):
    run_a, run_b = pair.generate(">be me", SamplingSettings(1.0, 0, 1.0, 8, 1))
    assert run_a.ids != run_b.ids


def independent_softmax(engine, ids):
    """p(ids[0] | <|endoftext|>), then p(ids[i] | ids[:i]), straight from the model's logits (a softmax
    over the float32 logits, as the app computes p)."""
    with torch.no_grad():
        first = engine.model(input_ids=torch.tensor([[engine.eos_id]])).logits[0, -1].float().softmax(-1)[ids[0]]
        logits = engine.model(input_ids=torch.tensor([ids[:-1]])).logits[0].float() if len(ids) > 1 else None
    rest = logits.softmax(-1)[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].numpy() if len(ids) > 1 else []
    return np.concatenate([[first.item()], rest])


@pytest.mark.parametrize("text", ["the lecture\n>be me\n>go to class", "🙂 be me 👩‍🏫", "x"])
def test_token_probabilities_equal_each_models_own_softmax(pair, other, engine, text, monkeypatch):
    monkeypatch.setattr(compare, "CHUNK", 3)  # several chunks of logits, as a long text makes
    probs = pair.token_probabilities(text)
    ids = engine.tokenizer.encode(text)
    assert [t.id for t in probs.tokens] == ids and probs.truncated_tokens == 0
    assert np.abs(probs.p_a - independent_softmax(other, ids)).max() <= 1e-5
    assert np.abs(probs.p_b - independent_softmax(engine, ids)).max() <= 1e-5
    assert not np.allclose(probs.p_a, probs.p_b)


def test_a_text_longer_than_the_context_keeps_its_last_tokens(pair, engine):
    text = " ".join(["be me"] * 120)  # 240 tokens; the tiny models read 128
    probs = pair.token_probabilities(text)
    ids = engine.tokenizer.encode(text)
    window = ids[-128:]  # the model reads 128 tokens: the first is context, the 127 after it are scored
    assert [t.id for t in probs.tokens] == window[1:] and probs.truncated_tokens == len(ids) - 127
    with torch.no_grad():
        logits = engine.model(input_ids=torch.tensor([window[:-1]])).logits[0].float()
    p = logits.softmax(-1)[torch.arange(127), torch.tensor(window[1:])].numpy()
    assert np.abs(probs.p_b - p).max() <= 1e-5


def test_a_generated_storys_tokens_have_the_probabilities_the_generation_saw(pair, engine):
    """Scoring a story gives each generated token the p (T = 1) its step had in the Probabilities tab."""
    run = engine.generate("the lecture\n>be me", SamplingSettings(1.0, 0, 1.0, 10, 4), top_n=1)
    probs = pair.token_probabilities("the lecture\n>be me" + run.text)
    assert [t.id for t in probs.tokens] == run.prompt.ids + run.ids  # the story tokenizes as it was written
    seen = np.array([step.chosen.p_raw for step in run.steps])
    assert np.abs(probs.p_b[len(run.prompt.ids):] - seen).max() <= 1e-5


def test_empty_text_has_no_tokens_and_bad_text_is_named(pair):
    assert pair.token_probabilities("").tokens == []
    with pytest.raises(InvalidSetting, match="text must be valid text without control characters"):
        pair.token_probabilities("be\x00me")


def test_where_they_differ_most_reads_like_a_slide():
    tokens = [Token(198, "↵", "\n"), Token(29, ">", ">"), Token(1350, "be", "be"), Token(502, "·me", " me")]
    p_a, p_b = np.array([0.5, 0.031, 0.2, 0.9]), np.array([0.5, 0.964, 0.1, 0.95])
    probs = compare.TokenProbabilities(tokens, p_a, p_b, 0)
    assert probs.biggest(2) == [1, 2]
    again = compare.TokenProbabilities(tokens * 2, np.tile(p_a, 2), np.tile(p_b, 2), 0)
    assert again.biggest(3) == [1, 2, 3]  # `>` after `↵` once, though it is there twice
    html = views.compare_html(tokens, p_a, p_b, probs.biggest(2), ("base", "fine-tuned"), "en")
    assert ('<code class="tok-text">&gt;</code> after <code class="tok-text">↵</code>: base <b>3.1%</b> → '
            'fine-tuned <b>96.4%</b>') in html
    pt = views.compare_html(tokens, p_a, p_b, [0], ("base", "ajustado"), "pt")
    assert "Onde eles mais diferem" in pt and "no início: base <b>50,0%</b> → ajustado <b>50,0%</b>" in pt
    hostile = [Token(1, "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>")]
    assert "<img" not in views.compare_html(hostile, [0.1], [0.2], [0], ("<b>a", "b"), "en")


def test_the_chart_has_a_bar_per_token_and_the_difference(pair):
    from greentext.present import charts

    probs = pair.token_probabilities(">be me >be me")  # a repeated token keeps a bar of its own
    fig = charts.compare_figure(probs.tokens, probs.p_a, probs.p_b, ("base", "fine-tuned"), "pt")
    bars = [t for t in fig.data if t.type == "bar"]
    assert [list(b.y) for b in bars] == [pytest.approx(list(probs.p_a)), pytest.approx(list(probs.p_b))]
    assert len(bars[0].x) == len(probs.tokens) == 6
    assert fig.data[2].z[0] == pytest.approx(list(probs.p_b - probs.p_a), abs=1e-4)
    assert "Probabilidade de cada token" in fig.layout.title.text


def test_a_foreign_tokenizer_is_compared_per_stretch_of_text(tmp_path, engine):
    """Another tokenizer is no longer refused (issue 23.3): the pair is compared per stretch of text
    (tests/test_compare_tokenizers.py checks the numbers)."""
    foreign = make_foreign_checkpoint(tmp_path / "foreign")
    checkpoints = Checkpoints(engine, [str(foreign)], root=tmp_path)
    checkpoints.check(foreign)  # no Refused
    pair = checkpoints.pair(checkpoints.default[0], checkpoints.default[1])
    assert not pair.same_tokens and checkpoints.loaded() == [checkpoints.default[0]]
    probs = pair.probabilities(">be me the")
    assert probs.per_span and [t.raw for t in probs.tokens] == [">", "be", " me", " the"]
    with pytest.raises(ValueError, match="per stretch"):  # token by token only for one tokenizer
        pair.token_probabilities(">be me")
    by_hand = Pair(Engine.load(str(foreign), device="cpu"), engine)  # two engines put side by side by hand
    assert not by_hand.same_tokens and Pair(engine, engine).same_tokens


def test_the_same_tokenizer_in_other_bytes_is_accepted(tmp_path, tiny_path, engine):
    """Not the same tokenizer.json file (here: re-indented), so the vocabularies and merges are compared."""
    import json

    copy = tmp_path / "reformatted"
    shutil.copytree(tiny_path, copy)
    data = json.loads((copy / "tokenizer.json").read_text(encoding="utf-8"))
    (copy / "tokenizer.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    Checkpoints(engine, root=tmp_path).check(copy)  # no Refused


def test_checkpoints_are_found_load_once_and_stay_bounded(tmp_path, tiny_path, other_tiny_path, engine):
    runs = tmp_path / "runs" / "tiny"
    for step, source in ((300, tiny_path), (1200, other_tiny_path), (600, other_tiny_path)):
        shutil.copytree(source, runs / f"checkpoint-{step}")
    (tmp_path / "assets" / "screenshots").mkdir(parents=True)  # no config.json: not a checkpoint
    found = find_checkpoints(tmp_path)
    assert [p.name for p in found] == ["checkpoint-300", "checkpoint-600", "checkpoint-1200"]
    checkpoints = Checkpoints(engine, root=tmp_path, keep=1)
    names = list(checkpoints.choices)
    assert names[:3] == ["runs/tiny/checkpoint-300", "runs/tiny/checkpoint-600", "runs/tiny/checkpoint-1200"]
    assert checkpoints.default[1] == checkpoints.main_name and checkpoints.engine(checkpoints.main_name) is engine
    first = checkpoints.engine(names[0])
    assert checkpoints.engine(names[0]) is first  # once, for everyone
    assert first.model is load_model(str(found[0].resolve()), device="cpu").model  # through loading.py's cache
    checkpoints.engine(names[2])
    assert checkpoints.loaded() == [names[2]]  # keep=1: the least recently used was let go
    assert load_model(str(found[0].resolve()), device="cpu").model is not first.model  # …and left loading's cache
    with pytest.raises(Refused, match="not one of the checkpoints"):
        checkpoints.engine("/etc")
    with pytest.raises(Refused, match="was not found"):
        checkpoints.check(tmp_path / "nothing-here")
    (tmp_path / "just-a-folder").mkdir()
    (tmp_path / "just-a-folder" / "notes.txt").write_text("x")
    with pytest.raises(Refused, match="is not a checkpoint: a checkpoint folder holds config.json"):
        checkpoints.check(tmp_path / "just-a-folder")  # issue 20.11: was transformers' internal message
    assert label("assets/model-base") == "base" and label("assets/model", "pt") == "ajustado"
    assert label("runs/tiny/checkpoint-300") == "tiny/checkpoint-300"
    assert short_name(found[0], tmp_path) == "runs/tiny/checkpoint-300" and short_name("gpt2") == "gpt2"
    assert compare.facts(found[0]) == "2 layers · 2 heads · 32 wide · context 128"


def test_one_or_two_checkpoints_name_the_pair(engine, tiny_path, other_tiny_path, tmp_path):
    one = Checkpoints(engine, [str(other_tiny_path)], root=tmp_path)
    assert one.default == (str(other_tiny_path), one.main_name)
    two = Checkpoints(engine, [str(other_tiny_path), str(tiny_path)], root=tmp_path)
    assert two.default == (str(other_tiny_path), str(tiny_path))
    assert two.pair(*two.default).b is engine  # the app's own model is never loaded twice
    with pytest.raises(ValueError, match="one or two"):
        Checkpoints(engine, ["a", "b", "c"])


@pytest.mark.skipif(not (compare.BASE_MODEL / "config.json").is_file(), reason="the bundled base is not built")
def test_by_default_the_bundled_base_faces_the_apps_model(engine):
    checkpoints = Checkpoints(engine)
    assert checkpoints.default[0] == "assets/model-base" and "assets/model" in checkpoints.choices
    checkpoints.check(compare.BASE_MODEL)  # the same tokenizer as the tiny models: GPT-2's
