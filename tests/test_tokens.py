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
