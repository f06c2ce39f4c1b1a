"""GPT-2's real tokenizer, offline, and tokens made visible."""

from greentext.model.tokens import TokenText, visible


def test_tokenizer_is_gpt2s_own(tokenizer):
    assert len(tokenizer) == 50257
    assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == 50256
    assert tokenizer.encode("Hello world") == [15496, 995]  # GPT-2's well-known ids
    assert tokenizer.encode(">be me\n") == [29, 1350, 502, 198]


def test_visible_marks_spaces_newlines_and_controls():
    assert visible(" be") == "·be"
    assert visible("\n") == "↵"
    assert visible("a\tb\r\x00") == "a→b␍\\x00"


def test_tokenize_shows_ids_visible_and_raw(tokenizer):
    tokens = TokenText(tokenizer).tokens(tokenizer.encode("Parabéns para você\n>be me"))
    assert "".join(t.raw for t in tokens) == "Parabéns para você\n>be me"
    assert [t.token for t in tokens][-4:] == ["↵", ">", "be", "·me"]
    assert tokens[-1].id == 502


def test_split_characters_show_their_bytes(tokenizer):
    text = TokenText(tokenizer)
    ids = tokenizer.encode("🦜")  # one emoji, several byte-level tokens
    raws = [text.token(i).raw for i in ids]
    assert len(ids) > 1 and all("\\x" in r for r in raws)
    assert "�" not in "".join(raws)


def test_end_of_text_token_is_shown_by_name(tokenizer):
    assert TokenText(tokenizer).token(50256).token == "<|endoftext|>"


def test_pieces_are_each_tokens_share_of_the_decoded_text(tokenizer):
    text = TokenText(tokenizer)
    for sample in ["🙂 be me 👩‍🏫🔥\n>be", "Parabéns\n>be me", "<script>alert(1)</script>"]:
        ids = tokenizer.encode(sample)
        pieces = text.pieces(ids)
        assert len(pieces) == len(ids) and "".join(pieces) == tokenizer.decode(ids) == sample
    ids = tokenizer.encode("🙂 be")
    assert text.pieces(ids)[:2] == ["", "🙂"]  # the character goes to the token that completes it
    stray = [tokenizer.encode("🙂")[0], 502]  # an emoji's first byte, never completed
    assert "".join(text.pieces(stray)) == tokenizer.decode(stray) == "� me"
    assert text._pieces_by_decoding(tokenizer.encode("🙂 be\n>x")) == text.pieces(tokenizer.encode("🙂 be\n>x"))


# ---- other tokenizers: SentencePiece-style pieces (`▁be`) with byte fallback (`<0xC3>`), as Llama 2 reads ----
import pytest  # noqa: E402

from families import shared_llama_like_tokenizer  # noqa: E402
from greentext.model.tokens import reading  # noqa: E402


@pytest.fixture(scope="module")
def llama_tok():
    return shared_llama_like_tokenizer()


def test_each_kind_of_tokenizer_is_read_as_it_writes(tokenizer, llama_tok):
    from test_compare import make_foreign_checkpoint  # a word-level tokenizer

    assert reading(tokenizer).kind == "byte_level" and not reading(tokenizer).byte_fallback
    assert (reading(llama_tok).kind, reading(llama_tok).replacement, reading(llama_tok).byte_fallback) == \
        ("metaspace", "▁", True)
    from transformers import AutoTokenizer
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        words = AutoTokenizer.from_pretrained(make_foreign_checkpoint(folder))
    assert reading(words).kind == "other"
    text = TokenText(words)
    ids = words.encode(">be me the")
    assert [t.raw for t in text.tokens(ids)] == [">", "be", "me", "the"]
    assert "".join(text.pieces(ids)) == words.decode(ids)


def test_sentencepiece_tokens_show_the_word_space_as_a_dot_and_lone_bytes_as_escapes(llama_tok):
    ids = llama_tok.encode("Parabéns para você", add_special_tokens=False)
    pieces = llama_tok.convert_ids_to_tokens(ids)
    assert "<0xC3>" in pieces and "<0xA9>" in pieces and "▁p" in pieces  # é is not in the vocabulary: bytes
    shown = TokenText(llama_tok).tokens(ids)
    by_piece = {p: t for p, t in zip(pieces, shown)}
    assert (by_piece["<0xC3>"].token, by_piece["<0xC3>"].raw) == ("\\xc3", "\\xc3")
    assert by_piece["<0xA9>"].token == "\\xa9"
    assert (by_piece["▁p"].token, by_piece["▁p"].raw) == ("·p", " p")  # ▁ is the word's space, drawn as GPT-2's
    assert "▁" not in "".join(t.token for t in shown) and "<0x" not in "".join(t.token for t in shown)
    newline = llama_tok.convert_tokens_to_ids("<0x0A>")  # a byte token for a whole character
    assert TokenText(llama_tok).token(newline).token == "↵"
    bos = TokenText(llama_tok).token(llama_tok.bos_token_id)
    assert (bos.token, bos.raw) == ("<s>", "<s>")


@pytest.mark.parametrize("sample", ["Parabéns para você 🙂", "ação\n>be me\n\n>go", "  two  spaces ", "é",
                                    "👩‍🏫🔥 olá, coração", "<script>alert(1)</script>"])
def test_sentencepiece_pieces_spell_the_decoded_text(llama_tok, sample):
    text = TokenText(llama_tok)
    ids = llama_tok.encode(sample)  # with <s> first
    pieces = text.pieces(ids)
    assert len(pieces) == len(ids) and "".join(pieces) == llama_tok.decode(ids)
    if "ç" not in sample and "‍" not in sample:  # (one run of byte tokens for two characters: decoding it a
        # token at a time shows a run that is not yet UTF-8 as one � per byte, and the slow way loses the first)
        assert pieces == text._pieces_by_decoding(ids)  # the slow, sure way agrees token by token
    plain = llama_tok.encode(sample, add_special_tokens=False)
    assert "".join(text.pieces(plain)) == llama_tok.decode(plain)  # the decoder drops the text's leading space


def test_a_character_split_into_byte_tokens_goes_to_the_token_that_completes_it(llama_tok):
    text = TokenText(llama_tok)
    ids = llama_tok.encode("é 🙂", add_special_tokens=False)
    pieces = llama_tok.convert_ids_to_tokens(ids)
    assert pieces[-4:] == ["<0xF0>", "<0x9F>", "<0x99>", "<0x82>"]
    assert text.pieces(ids)[-4:] == ["", "", "", "🙂"]
    c3, a9 = pieces.index("<0xC3>"), pieces.index("<0xA9>")
    assert text.pieces(ids)[c3:a9 + 1] == ["", "é"]
    stray = [llama_tok.convert_tokens_to_ids("<0xC3>"), llama_tok.convert_tokens_to_ids("b")]  # never completed
    assert text.pieces(stray) == ["�", "b"] and "".join(text.pieces(stray)) == llama_tok.decode(stray)


def test_a_continuation_reads_after_its_prompt(llama_tok):
    """A SentencePiece decoder drops the first token's leading space: a continuation's text is what it adds
    after its prompt, not its own decoding."""
    text = TokenText(llama_tok)
    ids = llama_tok.encode(">be me para você")
    cut = next(i for i, p in enumerate(llama_tok.convert_ids_to_tokens(ids)) if i > 1 and p.startswith("▁"))
    before, after = ids[:cut], ids[cut:]
    pieces = text.pieces(after, before=before)
    assert pieces[0].startswith(" ") and "".join(pieces) == llama_tok.decode(ids)[len(llama_tok.decode(before)):]
    assert "".join(text.pieces(after)) == llama_tok.decode(after) == "".join(pieces)[1:]  # alone: no space
