"""Lessons: a presenter's deck of slides on the live model, checked against it (no gradio here).

A lesson is a small JSON file (YAML also reads) in `assets/lessons/`: a title in English and Brazilian
Portuguese, and slides. Each slide is a prompt, sampling settings with a seed, the presenter's moves
made before it is shown, the view to show, a note in both languages, and claims about the slide's
upcoming step that the model must still make true:

    {"name": "next-token", "lang": "en",
     "title": {"en": "How the model picks the next token", "pt": "Como o modelo escolhe o próximo token"},
     "slides": [
       {"title": {"en": "A sure moment", "pt": "Um momento de certeza"},
        "prompt": "the farm printer\\n>be me, a mail",
        "settings": {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "max_new_tokens": 40, "seed": 42},
        "moves": [],
        "view": "probabilities",
        "note": {"en": "**The model is sure.** After “a mail” it gives {top1} {top1_p} …",
                 "pt": "**O modelo tem certeza.** Depois de “a mail” ele dá {top1_p} para {top1} …"},
        "claims": {"top1_is": " carrier", "top1_at_least": 0.85, "entropy_at_most": 1.0}}]}

- `settings`: temperature, top_k, top_p, max_new_tokens and seed, checked by `SamplingSettings` (same
  ranges as the form); `preset` (greedy, balanced, creative, chaos: `decode/presets.py`) fills the first
  three, and values given beside it win. `seed` is required: a slide shows the same step every time.
- `moves`: what the presenter clicks before the slide is shown, as the clicker's words: `"sample"`,
  `"greedy"`, `"pick:3"` (the 3rd candidate by rank). Ranks, not token ids or text: a rank is what the
  room reads off the table, and one click is one move (a word may be several tokens). A slide whose
  moves no longer lead where it meant to go fails its claims.
- `view`: `probabilities`, `lens`, `compare` or `attention` (the tab or panel to show).
- `note`: Markdown in `en` and `pt`, with placeholders filled from the live model when the slide is shown
  (`PLACEHOLDERS`: `{top1}`, `{top1_p}`, `{entropy}`, `{kept}`, `{lens_settles}`, `{base_p}`, …), numbers
  in the page's language, so a number on screen is always the model's own.
- `claims`: checked on the upcoming step after the moves (`CLAIMS`): `top1_at_least`, `top1_is`,
  `entropy_at_most`, `kept_at_least`, `lens_settles_at_least`, `tuned_over_base_at_least`, …
  `check(lesson, engine, base_engine)` lists the claims that no longer hold, with the measured value.

Why JSON: the standard library reads it, and a prompt's exact characters matter (every `\\n`, the `>` at
a line start, a trailing space are tokens); JSON writes them explicitly, where YAML reads a `>` as
syntax. A file ending in .yaml/.yml is read with PyYAML (installed with gradio and transformers) for
teachers who prefer it; quote its prompts.

Every problem in a file is a `LessonError` naming the field by its path, in both languages:
`slides[3].settings.temperature must be 0 (greedy) or a number from 0.01 to 2 (got 9)`.

How the page uses it (the UI's calls; `i` is 0-based, a link's `slide=` 1-based):

    lessons.bundled()                                   # {"next-token": Lesson, "proximo-token": Lesson}
    lesson, i = lessons.at("next-token", "3")           # a link's ?lesson=…&slide=3 → (lesson, 2); InvalidSetting
    base = checkpoints.engine("assets/model-base")      # for compare slides (probes/compare.py; None: no base)
    shown = lessons.show(lesson, i, engine, lang="pt", base_engine=base, top_n=10, words=display.words)
    shown.prompt, shown.settings, shown.moves, shown.view   # fill the form, open the view
    shown.walk                                          # the Walk after the moves: put it in `Walks`, the
                                                        # clicker's next step continues from it
    shown.step, shown.lens, shown.base                  # the upcoming step, the lens, the base model's numbers
    shown.note, shown.title, shown.position             # the note filled in `lang` (Markdown), "3 / 8"
    shown.note_in("en", markdown=False)                 # another language, or plain text
    shown.text                                          # prompt + moves' tokens: the Attention/Compare text
    lesson.slide(i).same_step_as(lesson.slide(i - 1))  # True: only T/top-k/top-p changed (retune the walk)
    lessons.check(lesson, engine, base)                 # [] while every claim holds; else Results with
                                                        # .message(lang) and the measured value

`show` raises a UserError (said in the page's language) when a slide cannot be reached on this model
(its moves end the story, max_new_tokens past its context); a lesson file's problems are LessonErrors.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from greentext.decode.engine import Decoder, Engine
from greentext.decode.presets import PRESETS
from greentext.decode.settings import TOP_N_MAX, InvalidSetting, SamplingSettings, as_int, check_prompt
from greentext.decode.steps import Step
from greentext.decode.walk import Walk, WalkFinished
from greentext.language import i18n
from greentext.language.errors import UserError
from greentext.language.numbers import decimal, percent, short, small_percent, whole
from greentext.model.tokens import Token
from greentext.paths import ASSETS
from greentext.probes.lens import Lens, lens_of_ids

LESSONS = ASSETS / "lessons"  # the bundled lessons, one file each
FORMAT = 1  # the format version a file may state ("format": 1)
VIEWS = ("probabilities", "lens", "compare", "attention")
LANGS = ("en", "pt")

# Size limits: a lesson is a deck for one lecture, read from the back of a room.
MAX_FILE_BYTES = 256_000
MAX_SLIDES = 24
MAX_MOVES = 32
MAX_CLAIMS = 12
MAX_NOTE = 800  # characters per language
MAX_TITLE = 100
MAX_PROMPT = 400  # a prompt has to fit a projected slide
MAX_NAME = 40
MAX_TOKEN = 50  # top1_is
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_MOVE = re.compile(r"(sample|greedy|pick:(\d{1,3}))\Z")

LESSON_FIELDS = ("format", "name", "lang", "title", "description", "slides")
SLIDE_FIELDS = ("title", "prompt", "settings", "moves", "view", "note", "claims")
SETTING_FIELDS = ("preset", "temperature", "top_k", "top_p", "max_new_tokens", "seed")

# ---- what a note can show: each placeholder and what it needs measured ("step", "lens" or "base") ----
PLACEHOLDERS: dict[str, str] = {
    "top1": "step", "top1_p": "step",  # the model's first choice (as the table shows it) and its p (T = 1)
    "top2": "step", "top2_p": "step", "top3": "step", "top3_p": "step",
    "entropy": "step",  # bits, of the model's own distribution (T = 1)
    "kept": "step",  # tokens left after temperature, top-k and top-p
    "sampled_top1_p": "step",  # the first choice's p in the draw (after T, top-k, top-p)
    "temperature": "step", "top_k": "step", "top_p": "step",  # the slide's settings ("off" for 0 / 1)
    "lens_settles": "lens",  # the first layer from which every layer's top-1 is the output's
    "lens_first": "lens", "lens_first_p": "lens",  # layer 0's top-1 and its p
    "layers": "lens",  # the model's layers (the lens's rows)
    "base_p": "base",  # the base model's p of this model's first choice
    "base_top1": "base", "base_top1_p": "base",  # the base model's own first choice and its p
    "ratio": "base",  # this model's p of its first choice ÷ the base model's
}
MISSING = "—"  # a placeholder that cannot be filled (no base model given, fewer candidates listed)
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Claim:
    """A claim's measured quantity, its kind (how its value is checked and shown) and its comparison."""

    quantity: str
    kind: str  # "probability", "bits", "count", "layer", "factor", "token", "flag"
    op: str  # ">=", "<=" or "=="


CLAIMS: dict[str, Claim] = {
    "top1_at_least": Claim("top1_p", "probability", ">="),  # the first choice's p (T = 1)
    "top1_at_most": Claim("top1_p", "probability", "<="),
    "top1_is": Claim("top1", "token", "=="),  # the first choice's text, e.g. ">" or " be"
    "entropy_at_least": Claim("entropy", "bits", ">="),
    "entropy_at_most": Claim("entropy", "bits", "<="),
    "kept_at_least": Claim("kept", "count", ">="),  # tokens left after T, top-k and top-p
    "kept_at_most": Claim("kept", "count", "<="),
    "sampled_top1_at_least": Claim("sampled_top1_p", "probability", ">="),  # the first choice's p in the draw
    "sampled_top1_at_most": Claim("sampled_top1_p", "probability", "<="),
    "lens_settles_at_least": Claim("lens_settles", "layer", ">="),  # layers agree with the output from L on
    "lens_settles_at_most": Claim("lens_settles", "layer", "<="),
    "lens_first_differs": Claim("lens_first_differs", "flag", "=="),  # layer 0's top-1 ≠ the output's
    "tuned_over_base_at_least": Claim("ratio", "factor", ">="),  # p(first choice) here ÷ under the base
    "base_p_at_most": Claim("base_p", "probability", "<="),  # the base model's p of this first choice
}
NEEDS = {"top1_p": "step", "top1": "step", "entropy": "step", "kept": "step", "sampled_top1_p": "step",
         "lens_settles": "lens", "lens_first_differs": "lens", "ratio": "base", "base_p": "base"}


# ---- errors -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    """Words said in the message's language: an i18n key and its values (themselves Words or plain)."""

    key: str
    values: dict = field(default_factory=dict)

    def say(self, lang: str) -> str:
        return i18n.text(self.key, lang, **_said(self.values, lang))


def _said(values: dict, lang: str) -> dict:
    return {k: v.say(lang) if isinstance(v, Words) else v for k, v in values.items()}


class LessonError(UserError, ValueError):
    """A lesson file that cannot be used: the field's path, what it must be and what it is, in the page's
    language (`message("pt")`; `str(err)` is English; `both()` says it in both)."""

    def __init__(self, key: str, **values):
        super().__init__(key, **values)

    def message(self, lang: str = "en") -> str:
        return i18n.text(self.key, lang, **_said(self.values, lang))

    def both(self) -> str:
        return " / ".join(self.message(lang) for lang in i18n.LANGS)


def _shown(value) -> str:
    """A bad value as a message quotes it: repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _Reader:
    """Reads a lesson's plain data, raising LessonError with the field's path (and the file, if any)."""

    def __init__(self, source: str | None):
        self.source = source

    def where(self, path: str) -> str:
        path = path or "lesson"  # the file's top level
        return f"{self.source}: {path}" if self.source else path

    def bad(self, path: str, allowed: Words, got) -> LessonError:
        return LessonError("invalid", name=self.where(path), allowed=allowed, got=_shown(got))

    def missing(self, path: str) -> LessonError:
        return LessonError("lesson_missing", name=self.where(path))

    def object(self, value, path: str, fields: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.bad(path, Words("lesson_an_object"), value)
        for key in value:
            if key not in fields:
                where = f"{path}.{key}" if path else str(key)
                raise LessonError("lesson_unknown", name=self.where(where), known=", ".join(fields))
        for key in required:
            if key not in value:
                raise self.missing(f"{path}.{key}" if path else key)
        return value

    def text(self, value, path: str, limit: int, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.bad(path, Words("allowed_text"), value)
        if not empty and not value.strip():
            raise LessonError("lesson_empty", name=self.where(path))
        if len(value) > limit:
            raise LessonError("lesson_too_long", name=self.where(path), n=len(value), max=limit)
        return value

    def both(self, value, path: str, limit: int, placeholders: bool = False) -> "Bilingual":
        value = self.object(value, path, LANGS, LANGS)
        said = {}
        for lang in LANGS:
            said[lang] = self.text(value[lang], f"{path}.{lang}", limit)
            if placeholders:
                for name in _FIELD.findall(said[lang]):
                    if name not in PLACEHOLDERS:
                        raise LessonError("lesson_placeholder", name=self.where(f"{path}.{lang}"),
                                          field="{" + name + "}",
                                          known=", ".join("{" + p + "}" for p in PLACEHOLDERS))
        return Bilingual(said["en"], said["pt"])

    def items(self, value, path: str, limit: int, least: int = 0) -> list:
        if not isinstance(value, list):
            raise self.bad(path, Words("lesson_a_list", dict(lo=least, hi=limit)), value)
        if not least <= len(value) <= limit:
            raise self.bad(path, Words("lesson_a_list", dict(lo=least, hi=limit)), len(value))
        return value

    def choice(self, value, path: str, choices) -> str:
        if value not in choices:
            raise self.bad(path, Words("lesson_one_of", dict(choices=", ".join(choices))), value)
        return value


# ---- the format ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bilingual:
    """Words in English and Brazilian Portuguese."""

    en: str
    pt: str

    def in_lang(self, lang: str) -> str:
        return self.pt if (lang or "").lower().startswith("pt") else self.en

    def as_dict(self) -> dict:
        return {"en": self.en, "pt": self.pt}


@dataclass(frozen=True)
class Slide:
    prompt: str
    settings: SamplingSettings  # with its seed: the slide shows the same step every time
    view: str  # one of VIEWS
    note: Bilingual  # Markdown with placeholders (PLACEHOLDERS)
    moves: tuple[str, ...] = ()  # "sample", "greedy", "pick:N", made before the slide is shown
    claims: dict = field(default_factory=dict)  # CLAIMS name → value, on the upcoming step after the moves
    title: Bilingual | None = None

    def same_step_as(self, other: "Slide | None") -> bool:
        """True when `other` shows the same position (same prompt, seed, moves; a sampled move also with the
        same settings), so going from one to the other is a what-if: retune the walk, nothing redrawn."""
        if other is None or (self.prompt, self.moves, self.settings.seed) != (other.prompt, other.moves,
                                                                                other.settings.seed):
            return False
        return "sample" not in self.moves or self.settings == other.settings

    def as_dict(self) -> dict:
        s = self.settings
        out = {"prompt": self.prompt,
               "settings": {"temperature": s.temperature, "top_k": s.top_k, "top_p": s.top_p,
                            "max_new_tokens": s.max_new_tokens, "seed": s.seed},
               "moves": list(self.moves), "view": self.view, "note": self.note.as_dict(), "claims": dict(self.claims)}
        return ({"title": self.title.as_dict()} if self.title else {}) | out


@dataclass(frozen=True)
class Lesson:
    name: str  # the link's ?lesson= (lower case, digits, hyphens)
    lang: str  # the language of its prompts: "en" or "pt"
    title: Bilingual
    slides: tuple[Slide, ...]
    description: Bilingual | None = None
    source: str | None = None  # the file it was read from

    def __len__(self) -> int:
        return len(self.slides)

    def slide(self, i: int) -> Slide:
        """Slide `i` (0-based); InvalidSetting names the allowed range otherwise."""
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self.slides):
            raise InvalidSetting("slide", i, "allowed_int", lo=0, hi=len(self.slides) - 1)
        return self.slides[i]

    def as_dict(self) -> dict:
        out = {"format": FORMAT, "name": self.name, "lang": self.lang, "title": self.title.as_dict()}
        if self.description:
            out["description"] = self.description.as_dict()
        return out | {"slides": [s.as_dict() for s in self.slides]}


def parse(data: Any, source: str | None = None) -> Lesson:
    """A lesson from plain data (a JSON object), every field checked; LessonError names a bad one."""
    r = _Reader(source)
    data = r.object(data, "", LESSON_FIELDS, ("name", "lang", "title", "slides"))
    if "format" in data and (data["format"] != FORMAT or isinstance(data["format"], bool)):
        raise r.bad("format", Words("lesson_one_of", dict(choices=str(FORMAT))), data["format"])
    name = r.text(data["name"], "name", MAX_NAME)
    if not _NAME.match(name):
        raise r.bad("name", Words("lesson_name"), name)
    lang = r.choice(data["lang"], "lang", LANGS)
    title = r.both(data["title"], "title", MAX_TITLE)
    description = r.both(data["description"], "description", MAX_NOTE) if "description" in data else None
    slides = tuple(parse_slide(s, f"slides[{i}]", r)
                   for i, s in enumerate(r.items(data["slides"], "slides", MAX_SLIDES, 1)))
    return Lesson(name, lang, title, slides, description, source)


def parse_slide(data: Any, path: str = "slide", reader: _Reader | None = None) -> Slide:
    r = reader or _Reader(None)
    data = r.object(data, path, SLIDE_FIELDS, ("prompt", "settings", "view", "note"))
    prompt = r.text(data["prompt"], f"{path}.prompt", MAX_PROMPT)
    try:
        check_prompt(prompt)
    except InvalidSetting as err:
        raise r.bad(f"{path}.prompt", Words(err.allowed, err.values), err.value) from None
    settings = _settings(data["settings"], f"{path}.settings", r)
    moves = tuple(_move(m, f"{path}.moves[{j}]", r)
                  for j, m in enumerate(r.items(data.get("moves", []), f"{path}.moves", MAX_MOVES)))
    if len(moves) >= settings.max_new_tokens:
        raise r.bad(f"{path}.settings.max_new_tokens", Words("lesson_more_than", dict(n=len(moves))),
                    settings.max_new_tokens)
    view = r.choice(data["view"], f"{path}.view", VIEWS)
    note = r.both(data["note"], f"{path}.note", MAX_NOTE, placeholders=True)
    claims = _claims(data.get("claims", {}), f"{path}.claims", r)
    title = r.both(data["title"], f"{path}.title", MAX_TITLE) if "title" in data else None
    return Slide(prompt, settings, view, note, moves, claims, title)


def _settings(data, path: str, r: _Reader) -> SamplingSettings:
    data = r.object(data, path, SETTING_FIELDS, ("seed",))
    values = dict(zip(("temperature", "top_k", "top_p"), PRESETS["balanced"]))
    if "preset" in data:
        values.update(zip(("temperature", "top_k", "top_p"), PRESETS[r.choice(data["preset"], f"{path}.preset",
                                                                              tuple(PRESETS))]))
    values.update({k: v for k, v in data.items() if k != "preset"})
    if values["seed"] is None or isinstance(values["seed"], str):  # a slide's seed is a number: no random one
        raise r.bad(f"{path}.seed", Words("allowed_int", dict(lo=0, hi=2**32 - 1)), values["seed"])
    for key, value in values.items():  # numbers only: "0.8" is a form's string, not a lesson's
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise r.bad(f"{path}.{key}", Words("lesson_a_number"), value)
    try:
        return SamplingSettings(**values)
    except InvalidSetting as err:
        allowed = Words(err.allowed, err.values) if err.allowed in i18n.WORDS else Words("lesson_plain",
                                                                                          {"text": err.allowed})
        raise r.bad(f"{path}.{err.name}", allowed, err.value) from None


def _move(value, path: str, r: _Reader) -> str:
    m = _MOVE.match(value) if isinstance(value, str) else None
    if not m or (m.group(2) is not None and not 1 <= int(m.group(2)) <= TOP_N_MAX):
        raise r.bad(path, Words("lesson_move", dict(hi=TOP_N_MAX)), value)
    return value


def _claims(data, path: str, r: _Reader) -> dict:
    data = r.object(data, path, tuple(CLAIMS))
    if len(data) > MAX_CLAIMS:
        raise r.bad(path, Words("lesson_a_list", dict(lo=0, hi=MAX_CLAIMS)), len(data))
    out = {}
    for name, value in data.items():
        kind, where = CLAIMS[name].kind, f"{path}.{name}"
        if kind == "token":  # a token's text: " be", ">", "\n" (whitespace is text here)
            out[name] = r.text(value, where, MAX_TOKEN, empty=True)
            if not value:
                raise LessonError("lesson_empty", name=r.where(where))
            continue
        if kind == "flag":
            if not isinstance(value, bool):
                raise r.bad(where, Words("lesson_a_flag"), value)
            out[name] = value
            continue
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        ranges = {"probability": (0.0, 1.0), "bits": (0.0, 16.0), "count": (1, 50_257), "layer": (0, 96),
                  "factor": (0.0, 1e12)}
        lo, hi = ranges[kind]
        if number is None or not math.isfinite(number) or not lo <= number <= hi or \
                (kind in ("count", "layer") and number != int(number)):
            allowed = "allowed_int" if kind in ("count", "layer") else "lesson_range"
            plain = lambda x: int(x) if float(x).is_integer() and abs(x) < 1e6 else f"{x:g}"  # noqa: E731
            raise r.bad(where, Words(allowed, dict(lo=plain(lo), hi=plain(hi))), value)
        out[name] = int(number) if kind in ("count", "layer") else float(number)
    return out


def load(path: str | Path) -> Lesson:
    """The lesson in a .json (or .yaml/.yml) file; LessonError for anything wrong with it."""
    path = Path(path)
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise LessonError("lesson_syntax", name=source, error=err.strerror or str(err)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise LessonError("lesson_file_size", name=source, n=len(raw), max=MAX_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except UnicodeDecodeError as err:
        raise LessonError("lesson_syntax", name=source, error=f"not UTF-8 (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise LessonError("lesson_syntax", name=source,
                          error=f"line {err.lineno}, column {err.colno}: {err.msg}") from None
    except Exception as err:  # yaml.YAMLError and its kin
        raise LessonError("lesson_syntax", name=source, error=" ".join(str(err).split())[:200]) from None
    return parse(data, source)


def load_folder(folder: str | Path = LESSONS) -> dict[str, Lesson]:
    """Every lesson in `folder` (*.json, *.yaml, *.yml) by name; two with one name is a LessonError."""
    found: dict[str, Lesson] = {}
    for path in sorted(Path(folder).glob("*")):
        if path.suffix.lower() in (".json", ".yaml", ".yml"):
            lesson = load(path)
            if lesson.name in found:
                raise LessonError("lesson_duplicate", name=lesson.name, a=found[lesson.name].source, b=path.name)
            found[lesson.name] = lesson
    return found


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Lesson]:
    return load_folder(LESSONS)


def bundled() -> dict[str, Lesson]:
    """The bundled lessons (assets/lessons), by name, read once."""
    return dict(_bundled())


def at(name: str, slide: Any = 1, lessons: dict[str, Lesson] | None = None) -> tuple[Lesson, int]:
    """A link's `lesson=` and `slide=` (1-based, as a presenter counts: "slide 3") → (lesson, 0-based index).
    An unknown lesson or a slide out of range is an InvalidSetting, said in the page's language."""
    lessons = bundled() if lessons is None else lessons
    if name not in lessons:
        raise InvalidSetting("lesson", name, "lesson_one_of", choices=", ".join(sorted(lessons)))
    lesson = lessons[name]
    return lesson, as_int("slide", slide, 1, len(lesson)) - 1


# ---- measuring a slide on a model ---------------------------------------------------------------------
@dataclass
class Base:
    """The base model's numbers at the slide's upcoming step (the Compare view's pair)."""

    top1: Token  # its own first choice
    top1_p: float
    p: float  # its p of the main model's first choice


@dataclass
class Shown:
    """Slide `index` of a lesson as the page shows it, measured on the live model."""

    lesson: Lesson
    index: int
    slide: Slide
    walk: Walk  # after the moves: the clicker's next step continues from here
    step: Step  # the upcoming step (nothing chosen)
    lens: Lens | None  # what each layer predicts there (for the lens view, or a note or claim that needs it)
    base: Base | None  # the base model's numbers there (with a base engine, for compare)
    lang: str = "en"
    words: Any = None  # a WordFilter: token texts in the note are masked (lecture-safe mode)

    @property
    def prompt(self) -> str:
        return self.slide.prompt

    @property
    def settings(self) -> SamplingSettings:
        return self.slide.settings

    @property
    def moves(self) -> tuple[str, ...]:
        return self.slide.moves

    @property
    def view(self) -> str:
        return self.slide.view

    @property
    def text(self) -> str:
        """The text the model has read at this step: the prompt and the moves' tokens."""
        return self.step.context

    @property
    def title(self) -> str:
        return self.slide.title.in_lang(self.lang) if self.slide.title else ""

    @property
    def position(self) -> str:
        """"3 / 8": this slide among the lesson's (1-based)."""
        return f"{self.index + 1} / {len(self.lesson)}"

    @property
    def values(self) -> dict:
        """Every measured quantity (claims' names: top1_p, top1, entropy, kept, …), as numbers and text."""
        return quantities(self.step, self.lens, self.base)

    @property
    def note(self) -> str:
        return fill(self.slide.note.in_lang(self.lang), self.step, self.lens, self.base, self.lang, self.words)

    def note_in(self, lang: str, markdown: bool = True) -> str:
        return fill(self.slide.note.in_lang(lang), self.step, self.lens, self.base, lang, self.words, markdown)


def needs(slide: Slide) -> set[str]:
    """What the slide's note, claims and view need measured: {"step", "lens", "base"}."""
    out = {"step"}
    for text in (slide.note.en, slide.note.pt):
        out |= {PLACEHOLDERS[n] for n in _FIELD.findall(text) if n in PLACEHOLDERS}
    out |= {NEEDS[CLAIMS[c].quantity] for c in slide.claims}
    if slide.view == "lens":
        out.add("lens")
    if slide.view == "compare":
        out.add("base")
    return out


def walk_to(slide: Slide, engine: Engine, top_n: int = 10) -> Walk:
    """A Walk on the slide's prompt and settings, its moves made: the slide's upcoming step is next."""
    walk = Walk.start(engine, slide.prompt, slide.settings, top_n)
    for move in slide.moves:
        if move == "sample":
            walk.sample()
        elif move == "greedy":
            walk.greedy()
        else:
            walk.pick(rank=int(move.split(":")[1]))
    if walk.finished:  # the last move wrote <|endoftext|>: no step is coming
        raise WalkFinished(len(walk.ids), walk.finish_reason)
    return walk


def base_numbers(base_engine: Engine, ids: list[int], token_id: int) -> Base:
    """The base model's first choice and its p, and its p of `token_id`, after `ids` (float32 softmax of its
    logits, as the Probabilities tab computes p (T = 1))."""
    ids = ids[-base_engine.info.context:]
    p = Decoder(base_engine.model, ids, base_engine.device).logits[0].softmax(-1)
    best = int(torch.argmax(p))
    top1_p, token_p = torch.stack([p[best], p[token_id]]).tolist()
    return Base(base_engine.text.token(best), top1_p, token_p)


def show(lesson: Lesson, i: int, engine: Engine, lang: str = "en", base_engine: Engine | None = None,
         top_n: int = 10, words=None, need: set[str] | None = None) -> Shown:
    """Slide `i` (0-based) measured on `engine`: the walk after its moves, the upcoming step, the lens and
    the base model's numbers when the slide needs them (`need` adds more), its note filled in `lang`.
    A slide whose moves end the story raises WalkFinished (an InvalidSetting)."""
    slide = lesson.slide(i)
    walk = walk_to(slide, engine, top_n)
    step = walk.candidates()
    wanted = needs(slide) | (need or set())
    ids = walk.prompt.ids + walk.ids
    lens = lens_of_ids(engine, ids[-engine.info.context:], 5) if "lens" in wanted else None
    base = base_numbers(base_engine, ids, step.candidates[0].id) if "base" in wanted and base_engine else None
    return Shown(lesson, i, slide, walk, step, lens, base, lang, words)


def settles(lens: Lens) -> int:
    """The first layer from which every layer's top-1 is the output's own (the last layer: only the output)."""
    best = lens.output.top[0].id
    layer = len(lens.layers) - 1
    while layer > 0 and lens.layers[layer - 1].top[0].id == best:
        layer -= 1
    return lens.layers[layer].layer


def quantities(step: Step, lens: Lens | None = None, base: Base | None = None) -> dict:
    """The measured quantities claims compare (None where not measured)."""
    top = step.candidates[0]
    out = {"top1_p": top.p_raw, "top1": top.raw, "entropy": step.entropy, "kept": step.kept_count,
           "sampled_top1_p": top.p_final, "lens_settles": None, "lens_first_differs": None, "ratio": None,
           "base_p": None}
    if lens is not None:
        out["lens_settles"] = settles(lens)
        out["lens_first_differs"] = lens.layers[0].top[0].id != lens.output.top[0].id
    if base is not None:
        out["base_p"] = base.p
        out["ratio"] = top.p_raw / base.p if base.p > 0 else math.inf
    return out


def _token(token, words, markdown: bool) -> str:
    """A token (a Token, a Candidate or its visible text) as a note shows it: as the table does (`·be`, `↵`),
    masked in lecture-safe mode, in a Markdown code span (so `<`, `*` or `>` stay text)."""
    shown = token if isinstance(token, str) else token.token
    if words is not None:
        shown = words.mask(shown).text
    if not markdown:
        return shown
    ticks = "`" * (max((len(run) for run in re.findall("`+", shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def _p(p: float, lang: str) -> str:
    return small_percent(p, lang) if p < 0.001 else percent(p, lang)


def _ratio(x: float, lang: str) -> str:
    if math.isinf(x):
        return "∞"
    return "×" + (whole(round(x), lang) if x >= 10 else decimal(x, lang, 1))


def placeholder_values(step: Step, lens: Lens | None, base: Base | None, lang: str = "en", words=None,
                       markdown: bool = True) -> dict[str, str]:
    """Each placeholder's text in `lang` (MISSING where not measured): tokens as the table shows them (in a
    Markdown code span when `markdown`), percentages and bits with the language's separators."""
    off = i18n.text("preset_off", lang)
    s = step.settings
    out = dict.fromkeys(PLACEHOLDERS, MISSING)
    for n, c in enumerate(step.candidates[:3], 1):
        out[f"top{n}"], out[f"top{n}_p"] = _token(c, words, markdown), _p(c.p_raw, lang)
    out["entropy"] = decimal(step.entropy, lang, 1)
    out["kept"] = whole(step.kept_count, lang)
    out["sampled_top1_p"] = _p(step.candidates[0].p_final, lang)
    out["temperature"] = short(s.get("temperature", 0), lang)
    out["top_k"] = whole(s["top_k"], lang) if s.get("top_k") else off
    out["top_p"] = short(s["top_p"], lang) if s.get("top_p", 1) < 1 else off
    if lens is not None:
        first = lens.layers[0]
        out["lens_settles"] = whole(settles(lens), lang)
        out["lens_first"], out["lens_first_p"] = _token(first.top[0], words, markdown), _p(first.p[0], lang)
        out["layers"] = whole(len(lens.layers), lang)
    if base is not None:
        out["base_p"] = _p(base.p, lang)
        out["base_top1"], out["base_top1_p"] = _token(base.top1, words, markdown), _p(base.top1_p, lang)
        out["ratio"] = _ratio(quantities(step, lens, base)["ratio"], lang)
    return out


def fill(note: str, step: Step, lens: Lens | None = None, base: Base | None = None, lang: str = "en",
         words=None, markdown: bool = True) -> str:
    """`note` with its placeholders filled from the live numbers (unknown `{names}` stay as written)."""
    values = placeholder_values(step, lens, base, lang, words, markdown)
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), note)


# ---- checking a lesson's claims -----------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """One claim of one slide, measured: `holds` None when it could not be measured (no base model)."""

    slide: int  # 0-based
    claim: str  # a CLAIMS name, or "moves" when the slide could not be reached
    expected: Any
    measured: Any
    holds: bool | None

    @property
    def path(self) -> str:
        return f"slides[{self.slide}].claims.{self.claim}" if self.claim in CLAIMS else f"slides[{self.slide}]"

    def margin(self) -> float | None:
        """How far the measured value is inside (positive) or outside the claim, as a ratio for factors and
        counts, as a difference otherwise."""
        if self.claim not in CLAIMS or not isinstance(self.measured, (int, float)) or isinstance(self.measured,
                                                                                                    bool):
            return None
        claim = CLAIMS[self.claim]
        sign = 1 if claim.op == ">=" else -1
        if claim.kind in ("factor",):
            return self.measured / self.expected if sign > 0 else self.expected / self.measured
        return sign * (self.measured - self.expected)

    def message(self, lang: str = "en") -> str:
        if self.claim not in CLAIMS:
            return i18n.text("lesson_unreachable", lang, path=self.path, error=self.measured)
        kind = CLAIMS[self.claim].kind
        return i18n.text("lesson_claim_failed", lang, path=self.path, expected=_value(self.expected, kind, lang),
                         measured=_value(self.measured, kind, lang))


Failure = Result  # a Result whose claim does not hold


def _value(value, kind: str, lang: str) -> str:
    if value is None:
        return MISSING
    if kind == "probability":
        return _p(value, lang)
    if kind == "bits":
        return decimal(value, lang, 2) + " bits"
    if kind == "factor":
        return _ratio(value, lang)
    if kind == "token":
        return repr(value)
    if kind == "flag":
        return i18n.text("lesson_yes" if value else "lesson_no", lang)
    return whole(value, lang)


def _holds(op: str, measured, expected) -> bool:
    if op == ">=":
        return measured >= expected
    if op == "<=":
        return measured <= expected
    return measured == expected


def holds(claim: str, expected, values: dict) -> bool | None:
    """Whether `claim` (a CLAIMS name) with `expected` holds for measured `values` (`quantities`); None when
    its quantity was not measured."""
    c = CLAIMS[claim]
    measured = values[c.quantity]
    return None if measured is None else _holds(c.op, measured, expected)


def measure(lesson: Lesson, engine: Engine, base_engine: Engine | None = None) -> list[Result]:
    """Every claim of every slide measured on `engine` (and `base_engine` for the compare claims; without
    one they are not measured: holds None)."""
    results = []
    for i, slide in enumerate(lesson.slides):
        if not slide.claims:
            continue
        try:
            shown = show(lesson, i, engine, base_engine=base_engine, top_n=3, need=needs(slide))
        except UserError as err:
            results.append(Result(i, "moves", list(slide.moves), err.message("en"), False))
            continue
        values = shown.values
        for name, expected in slide.claims.items():
            results.append(Result(i, name, expected, values[CLAIMS[name].quantity], holds(name, expected, values)))
    return results


def check(lesson: Lesson, engine: Engine, base_engine: Engine | None = None) -> list[Result]:
    """The claims that no longer hold on `engine`, each with its measured value (`message(lang)` says it).
    Compare claims need `base_engine`; without it they are skipped."""
    return [r for r in measure(lesson, engine, base_engine) if r.holds is False]

