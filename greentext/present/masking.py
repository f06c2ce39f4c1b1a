"""What the audience sees of a generation: lecture-safe masking and the prompt as shown (no gradio here).

    display = Display(safe_mode=True)
    shown = display.story(run.prompt, run.text)   # Shown(prompt="the lecture\n>be me", text=" ████ …", masked=1)
    display.steps(run.steps), display.tokens(run.prompt.tokens)
    shown, pieces = display.pieces(run.prompt, engine.text.pieces(run.ids, before=run.prompt.ids))   # the story, token by token
    shown, masked = display.lens(lens)   # a logit lens: its token text (masked: how many token texts were)

With lecture-safe mode off every method hands its input back unchanged, so handlers call it either way.
Masking changes only text (tokens' text, the context, the story); ids and probabilities stay the model's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from greentext.present.safety import WordFilter, mask_candidates, mask_step, mask_tokens
from greentext.decode.steps import Step
from greentext.model.tokens import Token

if TYPE_CHECKING:
    from greentext.probes.lens import Lens


@dataclass(frozen=True)
class Shown:
    prompt: str  # the prompt as shown ("" when the model started from <|endoftext|>)
    text: str  # the continuation as shown
    masked: int  # words masked in the two together

    @property
    def story(self) -> str:
        return self.prompt + self.text


class Display:
    """Lecture-safe masking (a no-op when off) and the prompt as shown, for every tab and the API."""

    def __init__(self, safe_mode: bool = True, words: WordFilter | None = None):
        self.words = (words or WordFilter.default()) if safe_mode else None

    @property
    def safe_mode(self) -> bool:
        return self.words is not None

    def story(self, prompt, continuation: str) -> Shown:
        """A prompt (an `engine.Prompt`) and its continuation as shown. The two are masked together, so a
        word split between them is caught too; a prompt that started from <|endoftext|> shows as ""."""
        text = prompt.context
        if self.words is None:
            return Shown(text, continuation, 0)
        masked = self.words.mask(text + continuation)
        return Shown(masked.text[:len(text)], masked.text[len(text):], masked.count)

    def pieces(self, prompt, pieces: list[str]) -> tuple[Shown, list[str]]:
        """`story` of a continuation given as its tokens' pieces, and those pieces as shown: the masked
        story cut where the pieces were cut (masking keeps the length), so a masked word stays masked
        however the tokens split it."""
        shown = self.story(prompt, "".join(pieces))
        cut, at = [], 0
        for piece in pieces:
            cut.append(shown.text[at:at + len(piece)])
            at += len(piece)
        return shown, cut

    def text(self, text: str) -> str:
        return text if self.words is None else self.words.mask(text).text

    def step(self, step: Step | None) -> Step | None:
        return step if self.words is None or step is None else mask_step(step, self.words)

    def steps(self, steps: list[Step]) -> list[Step]:
        return [self.step(s) for s in steps]

    def tokens(self, tokens: list[Token]) -> list[Token]:
        """The tokens of one text, masked by the text's whole words."""
        return tokens if self.words is None else mask_tokens(tokens, self.words)

    def candidates(self, tokens: list[Token], before: str = "") -> list[Token]:
        """Alternatives for one position (after the text `before`), each masked on its own."""
        return tokens if self.words is None else mask_candidates(tokens, self.words, before)

    def lens(self, lens: Lens) -> tuple[Lens, int]:
        """A logit lens as shown, and how many token texts were masked: the text's tokens masked by its whole
        words; each layer's top tokens and the tracked token as alternatives after the text up to the lensed
        token (each row predicts the token after it). Ids, ranks and probabilities stay the model's."""
        if self.words is None:
            return lens, 0
        before = "".join(t.raw for t in lens.tokens[:lens.position + 1])
        shown = replace(lens, tokens=self.tokens(lens.tokens), tracked=self.candidates([lens.tracked], before)[0],
                        layers=[replace(row, top=self.candidates(row.top, before)) for row in lens.layers])
        raw = lens.tokens + [lens.tracked] + [t for row in lens.layers for t in row.top]
        masked = shown.tokens + [shown.tracked] + [t for row in shown.layers for t in row.top]
        return shown, sum(a.raw != b.raw for a, b in zip(raw, masked))
