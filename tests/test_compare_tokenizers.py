"""Compare across two tokenizers (greentext/probes/compare.py): tokens mapped to the text's characters
(`cut_points`), the text cut where both models' tokens end (`align`), each stretch's probability the sum of
each model's own token log-probabilities; and a Llama-style model (SentencePiece pieces, byte fallback)
generating and showing its tokens exactly. The second tokenizer is trained in the test (tests/families.py)."""

import numpy as np
import pytest
import torch

from families import shared_llama_like_checkpoint
from greentext.decode.engine import Engine
from greentext.decode.settings import SamplingSettings
from greentext.probes import compare
from greentext.probes.compare import Checkpoints, Pair, Refused, align, cut_points, encode

TEXT = "Parabéns para você 🙂\n>be me\n>go to class"


@pytest.fixture(scope="module")
def llama():
    return Engine.load(str(shared_llama_like_checkpoint()), device="cpu")


@pytest.fixture(scope="module")
def pair(engine, llama):
    return Pair(engine, llama, ("gpt2", "llama"))


# ---- the alignment, on hand-made offsets ------------------------------------------------------------------
def test_cuts_fall_between_tokens_never_inside_one():
    assert cut_points([(0, 2), (2, 5)], 5) == {0: 0, 2: 1, 5: 2}
    assert cut_points([(0, 3), (1, 4)], 4) == {0: 0, 4: 2}  # overlapping tokens: no cut between them
    assert cut_points([], 3) == {0: 0, 3: 0}


def test_a_character_split_into_byte_tokens_is_cut_only_around_it():
    # "é!" as <0xC3> <0xA9> "!": both byte tokens carry é's offsets
    assert cut_points([(0, 1), (0, 1), (1, 2)], 2) == {0: 0, 1: 2, 2: 3}
    assert align(2, cut_points([(0, 1), (0, 1), (1, 2)], 2), cut_points([(0, 2)], 2)) == [(0, 2)]
    assert align(2, cut_points([(0, 1), (0, 1), (1, 2)], 2), cut_points([(0, 1), (1, 2)], 2)) == [(0, 1), (1, 2)]
    # an emoji (one character) as four byte tokens, then "x", against one token for both
    bytes_then_x = cut_points([(0, 1)] * 4 + [(1, 2)], 2)
    assert bytes_then_x == {0: 0, 1: 4, 2: 5} and align(2, bytes_then_x, cut_points([(0, 2)], 2)) == [(0, 2)]


def test_spaces_belong_to_the_token_after_them():
    # " be me": offsets that leave the spaces out (1,3) (4,6), against tokens that hold them (0,3) (3,6)
    trimmed, held = cut_points([(1, 3), (4, 6)], 6), cut_points([(0, 3), (3, 6)], 6)
    assert trimmed == held == {0: 0, 3: 1, 6: 2}
    assert align(6, trimmed, held) == [(0, 3), (3, 6)]
    # a SentencePiece start: "▁" put before the text shares the first character's offsets with ">"
    assert cut_points([(0, 1), (0, 1), (1, 3)], 3) == {0: 0, 1: 2, 3: 3}
    # trailing spaces no token holds go to the last token
    assert cut_points([(0, 2)], 4) == {0: 0, 4: 1}


def test_a_newline_is_a_cut_when_both_end_there():
    # "a\n>b": A reads a | \n | > | b, B reads a | \n> | b
    a, b = cut_points([(0, 1), (1, 2), (2, 3), (3, 4)], 4), cut_points([(0, 1), (1, 3), (3, 4)], 4)
    assert align(4, a, b) == [(0, 1), (1, 3), (3, 4)]


def test_the_comparison_starts_where_both_models_score():
    a, b = cut_points([(0, 1), (1, 2), (2, 3), (3, 4)], 4), cut_points([(0, 2), (2, 4)], 4)
    assert align(4, a, b) == [(0, 2), (2, 4)]
    assert align(4, a, b, start=1) == [(2, 4)]  # moved on to the first cut both share
    assert align(4, a, b, start=3) == []
    # a stretch in which one model has no token of its own joins the next
    assert align(4, {0: 0, 2: 1, 3: 1, 4: 2}, {0: 0, 2: 1, 3: 2, 4: 3}) == [(0, 2), (2, 4)]


# ---- scoring ------------------------------------------------------------------------------------------------
def own_log_probabilities(engine, lead, ids):
    """Each token's log p straight from the model's logits: after `lead` (<s>) read as one sequence; without
    one (GPT-2) the first token given <|endoftext|> and the rest given the text before them, as a generation
    from the text reads it."""
    def logp(seq, targets):
        with torch.no_grad():
            logits = engine.model(input_ids=torch.tensor([seq])).logits[0].double()
        return logits.log_softmax(-1)[torch.arange(len(targets)), torch.tensor(targets)].numpy()

    if lead:
        return logp(lead + ids[:-1], ids)
    return np.concatenate([logp([engine.eos_id], ids[:1]), logp(ids[:-1], ids[1:])])


def test_two_tokenizers_read_the_text_differently(pair, engine, llama):
    assert not pair.same_tokens
    a, b = encode(engine.tokenizer, TEXT), encode(llama.tokenizer, TEXT)
    assert a.lead == [] and b.lead == [llama.tokenizer.bos_token_id]  # Llama puts <s> first
    assert len(a.ids) != len(b.ids) and "<0xC3>" in llama.tokenizer.convert_ids_to_tokens(b.ids)


def test_each_stretch_is_the_sum_of_each_models_own_token_log_probabilities(pair, engine, llama, monkeypatch):
    monkeypatch.setattr(compare, "CHUNK", 5)  # several chunks of logits, as a long text makes
    probs = pair.probabilities(TEXT)
    assert probs.per_span and probs.truncated_chars == 0
    assert "".join(TEXT[s:e] for s, e in probs.spans) == TEXT and probs.spans[0][0] == 0
    texts = [TEXT[s:e] for s, e in probs.spans]
    assert "é" in texts and "ê" in texts and " 🙂" in texts  # the byte tokens' characters, whole
    for side, engine_, logp in (("a", engine, probs.logp_a), ("b", llama, probs.logp_b)):
        enc = encode(engine_.tokenizer, TEXT)
        own = own_log_probabilities(engine_, enc.lead, enc.ids)
        groups = probs.tokens_a if side == "a" else probs.tokens_b
        assert [t.id for g in groups for t in g] == enc.ids  # every token once, in order
        # each token belongs to the stretch its offsets end in
        ends = [e for _, e in enc.offsets]
        expected = [sum(own[i] for i in range(len(ends)) if s < ends[i] <= e or (s == 0 and ends[i] == 0))
                    for s, e in probs.spans]
        assert np.abs(logp - np.array(expected)).max() <= 1e-4, side
    assert np.allclose(probs.p_a, np.exp(probs.logp_a)) and not np.allclose(probs.logp_a, probs.logp_b)
    assert probs.tokens[0].id == -1 and [t.raw for t in probs.tokens] == texts


def test_one_tokenizer_per_stretch_is_its_tokens(engine, other):
    """With one tokenizer every stretch is one token (a character split over tokens: one stretch): the same
    numbers as the token-by-token comparison, which stays as it was."""
    same = Pair(other, engine, ("other", "tiny"))
    assert same.same_tokens and not same.probabilities("🙂 be me").per_span
    tokens, spans = same.token_probabilities("🙂 be me"), same.span_probabilities("🙂 be me")
    assert len(tokens.tokens) == len(spans.spans) + 1  # 🙂 is two byte-level tokens
    assert [t.raw for t in spans.tokens] == ["🙂", " be", " me"]
    assert np.allclose(spans.p_a, [tokens.p_a[0] * tokens.p_a[1], *tokens.p_a[2:]], rtol=1e-4)
    assert np.allclose(spans.p_b, [tokens.p_b[0] * tokens.p_b[1], *tokens.p_b[2:]], rtol=1e-4)


@pytest.fixture(scope="module")
def other(other_tiny_path):
    return Engine.load(str(other_tiny_path), device="cpu")


def test_a_text_longer_than_a_context_is_compared_where_both_score(pair, engine, llama):
    text = "be me, " * 60  # GPT-2 reads 180 tokens, the Llama-style model more; both read 128
    probs = pair.span_probabilities(text)
    a, b = encode(engine.tokenizer, text), encode(llama.tokenizer, text)
    assert len(a.ids) > 128 and len(b.ids) > 128
    assert probs.truncated_chars == probs.spans[0][0] > 0 and probs.spans[-1][1] == len(text)
    # each model's first scored token starts at or before the first compared character
    for enc, skipped in ((a, len(a.ids) - 127), (b, len(b.ids) - 127)):  # Llama: <s> left out, 127 scored
        assert enc.offsets[skipped][0] <= probs.truncated_chars
    # the compared stretches hold each model's last tokens, scored in its own window of 128
    window = b.ids[-128:]
    with torch.no_grad():
        logits = llama.model(input_ids=torch.tensor([window[:-1]])).logits[0].double()
    own = logits.log_softmax(-1)[torch.arange(127), torch.tensor(window[1:])].numpy()
    n_b = sum(len(g) for g in probs.tokens_b)
    assert abs(probs.logp_b.sum() - own[-n_b:].sum()) <= 1e-3


def test_empty_and_bad_text(pair):
    probs = pair.probabilities("")
    assert probs.spans == [] and probs.truncated_chars == 0
    with pytest.raises(Exception, match="text must be valid text without control characters"):
        pair.probabilities("be\x00me")


def test_a_slow_tokenizer_is_mapped_by_its_pieces(llama, engine):
    """Without offsets (a tokenizer that cannot give them), each token's share of the decoded text maps it:
    the same cuts as the offsets give."""

    class NoOffsets:
        def __init__(self, tokenizer):
            self._t = tokenizer

        def __call__(self, text, return_offsets_mapping=False, **kw):
            if return_offsets_mapping:
                raise NotImplementedError("return_offset_mapping is not available when using Python tokenizers")
            return self._t(text, **kw)

        def __getattr__(self, name):
            return getattr(self._t, name)

    for tok, text in ((engine.text, TEXT), (llama.text, TEXT)):
        fast, slow = encode(tok.tokenizer, text), encode(NoOffsets(tok.tokenizer), text, tok)
        assert slow.ids == fast.ids and slow.lead == fast.lead
        assert cut_points(slow.offsets, len(text)) == cut_points(fast.offsets, len(text))
    with pytest.raises(Refused, match="cannot be lined up"):  # pieces that do not spell the text
        encode(NoOffsets(llama.tokenizer), "  two", llama.text)


# ---- generation and the checkpoints ---------------------------------------------------------------------------
def test_both_generate_from_the_same_prompt_each_with_its_own_tokens(pair, engine, llama):
    settings = SamplingSettings(0.9, 40, 0.9, 8, 7)
    run_a, run_b = pair.generate("the lecture\n>be me", settings)
    assert run_a.seed == run_b.seed == 7
    assert run_a.ids == engine.generate("the lecture\n>be me", settings).ids
    assert run_b.ids == llama.generate("the lecture\n>be me", settings).ids
    assert run_b.prompt.ids == llama.tokenizer.encode("the lecture\n>be me") != run_a.prompt.ids


def test_a_llama_style_model_shows_its_tokens_and_text_exactly(llama):
    run = llama.generate("Parabéns >be", SamplingSettings(1.0, 0, 1.0, 24, 3), top_n=5)
    tok, text = llama.tokenizer, llama.text
    assert [t.token for t in run.prompt.tokens][:2] == ["<s>", "·"] and "\\xc3" in [t.token for t in run.prompt.tokens]
    assert "".join(text.pieces(run.ids)) == tok.decode(run.ids)
    continuation = "".join(text.pieces(run.ids, before=run.prompt.ids))
    assert tok.decode(run.prompt.ids) + continuation == tok.decode(run.prompt.ids + run.ids)
    assert run.text == continuation  # the story reads on from the prompt, its first space kept (not ">beme")
    for step in run.steps:  # the Probabilities table: every candidate written, none as ▁ or <0x..>
        for c in step.candidates:
            assert "▁" not in c.token and not c.token.startswith("<0x"), c.token
            assert c.token == text.token(c.id).token


def test_checkpoints_with_another_tokenizer_are_offered_and_compared(engine, tmp_path):
    path = shared_llama_like_checkpoint()
    checkpoints = Checkpoints(engine, [str(path)], root=tmp_path)
    checkpoints.check(path)  # no Refused: any readable tokenizer will do
    pair = checkpoints.pair(*checkpoints.default)
    assert not pair.same_tokens and pair.b is engine
    assert pair.probabilities(">be me").per_span
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((path / "config.json").read_text())
    (broken / "tokenizer.json").write_text("{not json")
    (broken / "tokenizer_config.json").write_text('{"tokenizer_class": "LlamaTokenizer"}')
    with pytest.raises(Refused, match="could not be loaded"):
        checkpoints.check(broken)
