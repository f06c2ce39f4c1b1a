"""Lecture-safe mode: mask profanity and slurs (English and Portuguese) before they reach a projector.

    words = WordFilter.default()
    masked = words.mask("be me, sh1t happens")    # Masked(text="be me, ████ happens", count=1)
    step = mask_step(step, words)                   # the same step, its tokens and context masked

Whole words are masked, one `█` per character, so the text keeps its length (the Generate tab splits
prompt from continuation by position) and the reader sees that something was there. Matching ignores
case and accents ("cuzão" = "cuzao") and reads common leetspeak (`@`/`4` = a, `3` = e, `1`/`!` = i,
`0` = o, `$`/`5` = s, `7`/`+` = t) and stretched letters ("shiiit"). Probabilities are never touched:
only the text shown for a token changes, so the lesson stays honest.

The English words are better-profanity's list (read from the installed package) minus
`assets/safety/allow-en.txt`; the Portuguese words are `assets/safety/pt-BR.txt` (see its README).
It is a word list, not a classifier: it catches the words on the list, not every offensive sentence.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from greentext.decode.steps import Step
from greentext.model.tokens import Token, visible
from greentext.paths import ASSETS

LISTS = ASSETS / "safety"
MASK = "█"

# Each look-alike character → the letter it stands for ("1" and "!" → i; "l" stays l).
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s",
                       "7": "t", "+": "t"})
# A word: letters, digits and the look-alike symbols, e.g. "sh!t", "a$$", "f0da", "foda-se".
_WORD = re.compile(r"(?:[^\W_]|[@$!+])+(?:['-](?:[^\W_]|[@$!+])+)*['-]?")
_PART = re.compile(r"[^'-]+")
_STRETCH = re.compile(r"(.)\1{2,}")  # three or more of the same letter


@dataclass(frozen=True)
class Masked:
    text: str
    count: int  # words masked


def _fold(word: str) -> str:
    """Lower case, without accents, look-alikes read as letters: "CuZãO" → "cuzao", "Sh1t" → "shit"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.translate(_LEET)


def _read_words(text: str) -> set[str]:
    return {line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#")}


class WordFilter:
    """Whole-word masking against a set of words (and a few multi-word phrases)."""

    def __init__(self, words, allow=()):
        allowed = {_fold(w) for w in allow}
        self.words: set[str] = set()
        self.phrases: dict[str, list[tuple[str, ...]]] = {}  # first word → phrases starting with it
        for w in words:
            parts = tuple(_fold(p) for p in w.split())
            if not parts or " ".join(parts) in allowed:
                continue
            if len(parts) == 1:
                self.words.add(parts[0])
            else:
                self.phrases.setdefault(parts[0], []).append(parts)
        self._is_bad = lru_cache(maxsize=65536)(self._check)

    @classmethod
    def default(cls) -> "WordFilter":
        """better-profanity's English list (minus allow-en.txt) + the Portuguese list, loaded once."""
        return _default()

    def _check(self, word: str) -> bool:
        for form in {_fold(word), _fold(word.rstrip("!"))}:  # "sh!t" (! reads as i), "shit!" (! ends it)
            if form in self.words:
                return True
            for squeezed in (_STRETCH.sub(r"\1", form), _STRETCH.sub(r"\1\1", form)):  # "shiiit", "asss"
                if squeezed != form and squeezed in self.words:
                    return True
        return False

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each listed word or phrase in `text`."""
        found = []
        matches = list(_WORD.finditer(text))
        for i, m in enumerate(matches):
            word = m.group()
            if self._is_bad(word):
                end = m.end() if _fold(word) in self.words else m.start() + len(word.rstrip("!"))
                found.append((m.start(), end))
                continue
            if "-" in word or "'" in word:  # "well-fucking-done", "fuckin'": each part on its own
                for part in _PART.finditer(word):
                    if self._is_bad(part.group()):
                        found.append((m.start() + part.start(), m.start() + part.end()))
            for phrase in self.phrases.get(_fold(word), ()):
                following = matches[i:i + len(phrase)]
                if len(following) == len(phrase) and tuple(_fold(x.group()) for x in following) == phrase:
                    found.append((m.start(), following[-1].end()))
        return found

    def mask(self, text: str) -> Masked:
        """`text` with every listed word replaced by █ (same length), and how many were masked."""
        spans = self.spans(text) if text else []
        if not spans:
            return Masked(text, 0)
        chars = list(text)
        for start, end in spans:
            for i in range(start, end):
                if not chars[i].isspace():
                    chars[i] = MASK
        return Masked("".join(chars), len(spans))


@lru_cache(maxsize=1)
def _default() -> WordFilter:
    english = (resources.files("better_profanity") / "profanity_wordlist.txt").read_text(encoding="utf-8")
    allow = (LISTS / "allow-en.txt").read_text(encoding="utf-8")
    portuguese = (LISTS / "pt-BR.txt").read_text(encoding="utf-8")
    return WordFilter(_read_words(english) | _read_words(portuguese), _read_words(allow))


def mask_step(step: Step, words: WordFilter) -> Step:
    """The step with its context, candidate tokens and chosen token masked; every number unchanged.

    A candidate is masked where the word it makes with the end of the context is listed (a candidate
    `ody` after `…nob` is read as part of "nobody"); `step.extra["masked"]` counts the masked candidates
    (and context words), for the note under the table.
    """
    context = words.mask(step.context)
    count = context.count
    candidates = []
    for c in step.candidates:
        raw = mask_after(step.context, c.raw, words)
        count += raw != c.raw
        candidates.append(dataclasses.replace(c, raw=raw, token=visible(raw)) if raw != c.raw else c)
    chosen = step.chosen
    if chosen is not None:
        raw = mask_after(step.context, chosen.raw, words)
        if raw != chosen.raw:
            chosen = dataclasses.replace(chosen, raw=raw, token=visible(raw))
    if not count and chosen is step.chosen:
        return step
    extra = dict(step.extra, masked=count)
    return dataclasses.replace(step, context=context.text, candidates=candidates, chosen=chosen, extra=extra)


_TAIL = 64  # characters of the text before a candidate that can hold the start of its word


def mask_after(before: str, piece: str, words: WordFilter) -> str:
    """`piece` (a candidate for the text after `before`) masked where the word it belongs to, read with
    the end of `before`, is listed."""
    tail = before[-_TAIL:]
    masked = words.mask(tail + piece)
    return masked.text[len(tail):] if masked.count else piece


def mask_tokens(tokens: list[Token], words: WordFilter) -> list[Token]:
    """The tokens of one text with the text's listed words masked; ids unchanged. Words are read across
    tokens, so a token is masked only where the word it belongs to is listed: "nobody" cut into `nob` +
    `ody` stays, "████" cut into two tokens is masked in both."""
    text = "".join(t.raw for t in tokens)
    masked = words.mask(text)
    if not masked.count:
        return tokens
    out, at = [], 0
    for t in tokens:
        piece = masked.text[at:at + len(t.raw)]
        at += len(t.raw)
        out.append(dataclasses.replace(t, raw=piece, token=visible(piece)) if piece != t.raw else t)
    return out


def mask_candidates(tokens: list[Token], words: WordFilter, before: str = "") -> list[Token]:
    """Candidates for the token after `before`, each read on its own with the end of `before`."""
    out = []
    for t in tokens:
        raw = mask_after(before, t.raw, words)
        out.append(dataclasses.replace(t, raw=raw, token=visible(raw)) if raw != t.raw else t)
    return out
