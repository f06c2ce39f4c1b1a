"""Two checkpoints side by side: the same prompt, settings and seed through each, and every token's
probability under both (no gradio here).

    checkpoints = Checkpoints(engine)                   # the app's model, and what assets/ and runs/ hold
    pair = checkpoints.pair(*checkpoints.default)       # bundled base (A) vs the app's model (B)
    a, b = pair.generate(">be me", SamplingSettings(0.8, 50, 0.95, 60, seed=1))   # two Runs, one seed
    probs = pair.token_probabilities("the lecture\\n>be me")
    for i in probs.biggest(3):                          # where the two models differ most
        print(probs.tokens[i].token, probs.p_a[i], probs.p_b[i])

Each side is its own engine's exact generation (`Engine.generate` with the same settings and seed; each
model tokenizes the prompt itself), so its text is what that model's `/generate` gives alone. A second
model loads on first use, once per process, shared by all users; at most `keep` of them stay loaded
besides the app's own model.

Two models that read the same tokens are compared token by token (`token_probabilities`). Two with
different tokenizers cut the same text in different places, so they are compared per stretch of text
(`span_probabilities`): each model's tokens are mapped to the characters of the text (`cut_points`), the
text is cut where both models' tokens end (`align`: the finest such cut), and each stretch gets each
model's probability of it, the product of its tokens' probabilities (a sum of log-probabilities).

    probs = pair.probabilities("Parabéns\n>be me")   # TokenProbabilities or SpanProbabilities
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from greentext.language import i18n
from greentext.decode.engine import Engine, Run
from greentext.model.loading import BUNDLED_MODEL, ModelLoadError, load_model, unload
from greentext.decode.settings import InvalidSetting, SamplingSettings, check_prompt
from greentext.model.tokens import Token, TokenText, visible

ROOT = BUNDLED_MODEL.parent.parent  # the repository: assets/ and runs/ are searched for checkpoints
BASE_MODEL = ROOT / "assets" / "model-base"  # the bundled pretrained model the fine-tune started from
SEARCHED = ("assets", "runs")  # where checkpoints are found (up to three folders deep)
KEEP = 2  # models loaded at most besides the app's own (the app passes Config.compare_models)
CHUNK = 256  # positions whose logits are made at once: (CHUNK, vocab) floats, not (context, vocab)
# Friendly names of the bundled checkpoints (i18n keys); others are named by their last two folders.
LABELS = {"assets/model-base": "name_base", "assets/model": "name_tuned"}


class Refused(InvalidSetting):
    """A checkpoint or text the comparison cannot use (not in the list, unreadable). An
    InvalidSetting, so the app says it in the page's language like any bad value."""

    def __init__(self, key: str, **values):
        self.key = key
        self.name, self.value, self.allowed, self.values = "model", values.get("name"), key, values
        ValueError.__init__(self, self.message("en"))

    def message(self, lang: str = "en") -> str:
        return i18n.text(self.key, lang, **self.values)


# ---- checkpoints on disk -----------------------------------------------------------------------------
def find_checkpoints(root: Path = ROOT) -> list[Path]:
    """Checkpoint directories (config.json and weights) under assets/ and runs/, up to three folders deep,
    in order (checkpoint-300 before checkpoint-1200)."""
    found = []
    for top in SEARCHED:
        for depth in ("*", "*/*", "*/*/*"):
            for config in (root / top).glob(f"{depth}/config.json"):
                folder = config.parent
                if any((folder / w).is_file() for w in ("model.safetensors", "pytorch_model.bin")):
                    found.append(folder)
    natural = lambda p: [int(s) if s.isdigit() else s for s in re.split(r"(\d+)", p.as_posix())]  # noqa: E731
    return sorted(set(found), key=natural)


def short_name(source: str | os.PathLike, root: Path = ROOT) -> str:
    """A checkpoint as the page names it: its path from the repository (`runs/bundled/checkpoint-300`), or
    as given when outside it (an absolute path, a hub id)."""
    path = Path(source)
    if path.exists():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)
    return str(source)


def label(name: str, lang: str = "en") -> str:
    """A short name for the page: "base" and "fine-tuned" for the bundled two, else the last two folders."""
    if name in LABELS:
        return i18n.text(LABELS[name], lang)
    return "/".join(Path(name).parts[-2:]) if "/" in name else name


def facts(source: str | os.PathLike, lang: str = "en") -> str:
    """"6 layers · 4 heads · 256 wide · context 512" from a checkpoint's config.json (weights not read)."""
    try:
        cfg = json.loads((Path(source) / "config.json").read_text(encoding="utf-8"))
        get = lambda *names: next(int(cfg[n]) for n in names if cfg.get(n) is not None)  # noqa: E731
        return i18n.text("compare_facts", lang, layers=get("n_layer", "num_hidden_layers"),
                         heads=get("n_head", "num_attention_heads"), hidden=get("n_embd", "hidden_size"),
                         context=get("n_positions", "max_position_embeddings"))
    except (OSError, ValueError, StopIteration, TypeError):
        return ""


_fingerprints: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


def fingerprint(tokenizer) -> str:
    """What makes two tokenizers read text the same way: the vocabulary, merges, normalizer, pre-tokenizer
    and added tokens (not padding or length settings). Computed once per tokenizer (about a second)."""
    try:
        return _fingerprints[tokenizer]
    except (KeyError, TypeError):
        pass
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # tokenizers writes the vocabulary in id order: the same text for the same data
        data = json.loads(backend.to_str())
        added = sorted((t["id"], t["content"]) for t in data.get("added_tokens") or [])
        parts = [data.get("model"), data.get("normalizer"), data.get("pre_tokenizer"), added]
    else:  # a slow tokenizer: its vocabulary
        parts = sorted(tokenizer.get_vocab().items())
    key = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    try:
        _fingerprints[tokenizer] = key
    except TypeError:  # not weakly referable: computed again next time
        pass
    return key


def _file_hash(folder: str) -> str | None:
    """The sha256 of a checkpoint's tokenizer.json (None without one)."""
    path = Path(os.path.expanduser(folder)) / "tokenizer.json"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def same_tokenizer(a: Engine, b: Engine) -> bool:
    """Whether two engines read text as the same tokens: the same tokenizer.json file (milliseconds), else
    the same `fingerprint` (about a second per tokenizer, once)."""
    if a is b or a.tokenizer is b.tokenizer:
        return True
    try:
        known = [_fingerprints.get(e.tokenizer) for e in (a, b)]
    except TypeError:  # not weakly referable
        known = [None]
    if None not in known:
        return known[0] == known[1]
    try:
        files = [_file_hash(e.source) if e.source else None for e in (a, b)]
    except OSError:
        files = [None, None]
    if files[0] is not None and files[0] == files[1]:
        return True
    return fingerprint(a.tokenizer) == fingerprint(b.tokenizer)


def same_source(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b) if os.path.exists(a) and os.path.exists(b) else a == b


# ---- two models ---------------------------------------------------------------------------------------
@dataclass
class TokenProbabilities:
    """Each token of a text with its probability under both models given the text before it, as a
    generation from that text would see it (the first token given <|endoftext|>, as a generation from an
    empty prompt starts)."""

    tokens: list[Token]
    p_a: np.ndarray  # float32 (n,): model A's softmax at the token
    p_b: np.ndarray
    truncated_tokens: int  # tokens at the start left out to fit the shorter context

    per_span = False  # compared token by token

    def biggest(self, n: int = 5) -> list[int]:
        """The positions where the two probabilities differ most (absolute difference), largest first; a
        token after the same token as a position already listed (`>` after `↵` again) is not listed twice."""
        return _biggest(self.p_a, self.p_b, [t.id for t in self.tokens], n)


def _biggest(p_a, p_b, keys: list, n: int) -> list[int]:
    order = np.argsort(-np.abs(np.asarray(p_b) - np.asarray(p_a)), kind="stable")
    seen, out = set(), []
    for i in (int(i) for i in order):
        pair = (keys[i - 1] if i else None, keys[i])
        if pair not in seen:
            seen.add(pair)
            out.append(i)
            if len(out) == n:
                break
    return out


@dataclass
class SpanProbabilities:
    """A text under two models with different tokenizers, per stretch of text: `spans[i]` = (start, end) in
    characters, the finest cut where both models' tokens end; `logp_a[i]` the sum of A's log-probabilities
    of its tokens in that stretch (its probability of the stretch, given the text before it). `tokens` are
    the stretches written as tokens (id -1, so the views draw them as they draw tokens); `tokens_a[i]` and
    `tokens_b[i]` each model's own tokens in stretch i."""

    text: str
    spans: list[tuple[int, int]]
    logp_a: np.ndarray  # float64 (n,)
    logp_b: np.ndarray
    tokens_a: list[list[Token]]
    tokens_b: list[list[Token]]
    truncated_chars: int  # characters at the start read as context only (a model's context is full), not compared

    per_span = True

    @property
    def tokens(self) -> list[Token]:
        return [Token(-1, visible(self.text[s:e]), self.text[s:e]) for s, e in self.spans]

    @property
    def p_a(self) -> np.ndarray:
        return np.exp(self.logp_a)

    @property
    def p_b(self) -> np.ndarray:
        return np.exp(self.logp_b)

    @property
    def truncated_tokens(self) -> int:
        return 0

    def biggest(self, n: int = 5) -> list[int]:
        """As `TokenProbabilities.biggest`, stretch by stretch (a stretch after the same text is listed once)."""
        return _biggest(self.p_a, self.p_b, [self.text[s:e] for s, e in self.spans], n)


# ---- tokens mapped to the text's characters -------------------------------------------------------------
def cut_points(offsets: Sequence[tuple[int, int]], length: int) -> dict[int, int]:
    """Where one model's tokens let a text of `length` characters be cut: position → how many of its tokens
    come before it. `offsets` are each token's (start, end) in characters, as a fast tokenizer gives them.

    The tokens are read as covering the text without gaps: a token runs from where the one before it
    ended (a space a tokenizer leaves out of a token's offsets belongs to the token after it; what is left
    at the end, to the last). A position inside a token is no cut, and neither is the end of a token that
    shares a character with the next: the byte tokens of one character (`<0xC3>` `<0xA9>`, each with that
    character's offsets) are cut only around the whole character. 0 and `length` are always cuts."""
    n = len(offsets)
    later = [length] * (n + 1)  # the smallest start of the tokens from i on
    for i in range(n - 1, -1, -1):
        later[i] = min(int(offsets[i][0]), later[i + 1])
    cuts, end = {0: 0}, 0
    for i, (_, e) in enumerate(offsets):
        end = length if i == n - 1 else max(end, min(int(e), length))
        if later[i + 1] >= end:
            cuts[end] = i + 1
    cuts[length] = n
    return cuts


def align(length: int, cuts_a: dict[int, int], cuts_b: dict[int, int], start: int = 0) -> list[tuple[int, int]]:
    """The stretches of text from `start` on that both models can be compared on: the text cut at every
    position both can cut it (`cut_points`), keeping only cuts that leave each stretch at least one token
    of each model (a stretch no token of a model ends in joins the next). `start` is moved on to the first
    cut both share."""
    shared = sorted(p for p in cuts_a.keys() & cuts_b.keys() if p >= start)
    if not shared or shared[0] >= length:
        return []
    spans, left = [], shared[0]
    for p in shared[1:]:
        if cuts_a[p] > cuts_a[left] and cuts_b[p] > cuts_b[left]:
            spans.append((left, p))
            left = p
    if left < length and spans:  # a last stretch without tokens of one model joins the one before
        spans[-1] = (spans[-1][0], length)
    return spans


@dataclass
class Encoded:
    """A text as one model reads it: `lead` the special tokens its tokenizer puts first (`<s>`: read, not
    scored), then the text's tokens, each with its (start, end) in characters."""

    lead: list[int]
    ids: list[int]
    offsets: list[tuple[int, int]]


def encode(tokenizer, text: str, token_text: TokenText | None = None) -> Encoded:
    """`text` as `tokenizer` reads it, its tokens mapped to the text's characters: a fast tokenizer's offsets,
    else each token's share of the decoded text (`TokenText.pieces`), which must then spell the text.
    Special tokens added at the start (`<s>`) are `lead`; those added at the end are left out."""
    try:
        enc = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
        offsets = [tuple(int(x) for x in o) for o in enc["offset_mapping"]]
    except (NotImplementedError, ValueError, TypeError, KeyError):  # a slow tokenizer: no offsets
        enc, offsets = tokenizer(text, return_special_tokens_mask=True), None
    ids, special = list(enc["input_ids"]), list(enc.get("special_tokens_mask") or [0] * len(enc["input_ids"]))
    if offsets is None:
        offsets = [(0, 0) if special[i] else None for i in range(len(ids))]
    added = lambda i: special[i] and offsets[i] is not None and offsets[i][0] == offsets[i][1]  # noqa: E731
    first, last = 0, len(ids)
    while first < last and added(first):
        first += 1
    while last > first and added(last - 1):
        last -= 1
    lead, ids, offsets = ids[:first], ids[first:last], offsets[first:last]
    if any(o is None for o in offsets):
        offsets = _offsets_from_pieces(token_text or TokenText(tokenizer), ids, text)
    return Encoded(lead, ids, offsets)


def _offsets_from_pieces(token_text: TokenText, ids: list[int], text: str) -> list[tuple[int, int]]:
    """Offsets from each token's piece of the decoded text; a token holding part of a character (piece "")
    shares that character's offsets with the token completing it."""
    pieces = token_text.pieces(ids)
    if "".join(pieces) != text:
        raise Refused("compare_unaligned")
    offsets, at = [], 0
    for piece in pieces:
        offsets.append((at, at + len(piece)) if piece else (at, min(at + 1, len(text))))
        at += len(piece)
    return offsets


def token_probabilities(engine: Engine, input_ids: list[int], targets: list[int], log: bool = False) -> np.ndarray:
    """p(targets[i] | input_ids[:i + 1]) for every i: the model's own softmax over its float32 logits,
    computed as the Probabilities tab computes p (T = 1). With `log`, log p (float64, from a log-softmax).

    The hidden states are computed once; the vocabulary-wide logits a chunk of positions at a time, so a
    1,024-token text never holds 1,024 × 50,257 floats at once."""
    if not targets:
        return np.zeros(0, dtype=np.float64 if log else np.float32)
    model = engine.model
    x = torch.tensor([input_ids], device=engine.device)
    y = torch.tensor(targets, device=engine.device)
    head = model.get_output_embeddings()
    out = np.empty(len(targets), dtype=np.float64 if log else np.float32)
    with torch.inference_mode():
        hidden = model.base_model(input_ids=x).last_hidden_state[0]  # (n, width), final layer norm applied
        for i in range(0, len(targets), CHUNK):
            logits = head(hidden[i:i + CHUNK]).float()  # (chunk, vocab)
            probs = logits.log_softmax(dim=-1) if log else logits.softmax(dim=-1)
            out[i:i + CHUNK] = probs.gather(1, y[i:i + CHUNK, None])[:, 0].cpu().numpy()
    return out


def scored(engine: Engine, lead: list[int], ids: list[int], context: int, log: bool = False) -> tuple[np.ndarray, int]:
    """p of `ids`' last tokens given the text before them, as a generation from that text sees them, and how
    many tokens at the start are not scored. A tokenizer that puts `lead` tokens first (`<s>`): every token
    reads them, as far as the context lets. Else (GPT-2) the first token is given <|endoftext|>, the start of
    a document. A text longer than `context` keeps its last tokens (the first of them read, not scored)."""
    if not ids:
        return np.zeros(0, dtype=np.float64 if log else np.float32), 0
    if lead:
        window = (lead + ids)[-context:]
        p = token_probabilities(engine, window[:-1], window[1:], log)
        kept = min(len(ids), len(window) - 1)
        return p[len(p) - kept:], len(ids) - kept
    window = ids[-context:]
    rest = token_probabilities(engine, window[:-1], window[1:], log)
    if len(window) == len(ids):  # the whole text: its first token given <|endoftext|>
        return np.concatenate([token_probabilities(engine, [engine.eos_id], window[:1], log), rest]), 0
    return rest, len(ids) - len(window) + 1


class Pair:
    """Two engines, A and B, each with the name the page shows; `same_tokens`: they read the same tokens (then
    compared token by token, else per stretch of text)."""

    def __init__(self, a: Engine, b: Engine, names: tuple[str, str] = ("A", "B"), same_tokens: bool | None = None):
        self.a, self.b = a, b
        self.names = names
        self.same_tokens = same_tokenizer(a, b) if same_tokens is None else same_tokens

    def generate(self, prompt: str, settings: SamplingSettings, time_limit: float | None = None) -> tuple[Run, Run]:
        """The same prompt, settings and seed (a random one, the same for both, if none) through A then B:
        each exactly `Engine.generate` alone (each model tokenizes the prompt itself). `time_limit` covers
        both: B gets what A left."""
        settings = settings.with_seed()
        started = time.perf_counter()
        run_a = self.a.generate(prompt, settings, time_limit=time_limit)
        left = None if time_limit is None else max(1e-3, time_limit - (time.perf_counter() - started))
        return run_a, self.b.generate(prompt, settings, time_limit=left)

    def probabilities(self, text: str, name: str = "text") -> "TokenProbabilities | SpanProbabilities":
        """`token_probabilities` when both read the same tokens, else `span_probabilities`."""
        if self.same_tokens:
            return self.token_probabilities(text, name)
        return self.span_probabilities(text, name)

    def token_probabilities(self, text: str, name: str = "text") -> TokenProbabilities:
        """Each token of `text` and its probability under A and under B given the text before it: the
        numbers a generation from that text would see (the first token's given <|endoftext|>, or given the
        `<s>` a tokenizer puts first). A text longer than the shorter context keeps its last tokens (the
        first of them read, not scored). Only for two models that read the same tokens."""
        if not self.same_tokens:
            raise ValueError("two tokenizers: compare per stretch of text (span_probabilities)")
        text = check_prompt(text, name)
        enc = encode(self.a.tokenizer, text, self.a.text) if text else Encoded([], [], [])
        context = min(self.a.info.context, self.b.info.context)
        p_a, skipped = scored(self.a, enc.lead, enc.ids, context)
        p_b, _ = scored(self.b, enc.lead, enc.ids, context)
        return TokenProbabilities(self.a.text.tokens(enc.ids[skipped:]), p_a, p_b, skipped)

    def span_probabilities(self, text: str, name: str = "text") -> SpanProbabilities:
        """`text` under A and B per stretch of text: each model reads the text as its own tokens and scores
        them as `token_probabilities` would (each within its own context); the text is cut where both
        models' tokens end (`align`), and each stretch gets each model's log-probability of it, the sum over
        its tokens in it. A text longer than a model's context is compared from the first cut after the
        tokens that model could not score (`truncated_chars`)."""
        text = check_prompt(text, name)
        sides = []
        for engine in (self.a, self.b):
            enc = encode(engine.tokenizer, text, engine.text) if text else Encoded([], [], [])
            logp, skipped = scored(engine, enc.lead, enc.ids, engine.info.context, log=True)
            sides.append((engine, enc, logp, skipped, cut_points(enc.offsets, len(text))))
        # the first character both models score: where each one's first scored token starts
        starts = [min((p for p, k in cuts.items() if k >= skipped), default=len(text))
                  for _, _, _, skipped, cuts in sides]
        spans = align(len(text), sides[0][4], sides[1][4], max(starts)) if text else []
        logps, tokens = [], []
        for engine, enc, logp, skipped, cuts in sides:
            sums, groups = [], []
            for s, e in spans:
                first, last = cuts[s], cuts[e]
                sums.append(float(np.sum(logp[first - skipped:last - skipped])))
                groups.append(engine.text.tokens(enc.ids[first:last]))
            logps.append(np.array(sums, dtype=np.float64))
            tokens.append(groups)
        return SpanProbabilities(text, spans, logps[0], logps[1], tokens[0], tokens[1],
                                 spans[0][0] if spans else len(text) if text else 0)


class Checkpoints:
    """The checkpoints a comparison may use: the app's own model, those found under assets/ and runs/ and
    those named at start-up. Each loads on first use (same device and dtype as the app's model), once per
    process, shared by all users; at most `keep` stay loaded besides the app's model (the least recently
    used one is let go)."""

    def __init__(self, main: Engine, compare: Sequence[str | os.PathLike] = (), root: Path = ROOT,
                 keep: int = KEEP):
        if len(compare) > 2:
            raise ValueError(f"compare takes one or two checkpoints (got {len(compare)})")
        self.main, self.root, self.keep = main, root, max(1, keep)
        self.main_name = short_name(main.source, root) if main.source else main.info.name
        self.choices: dict[str, str] = {}  # name on the page → what to load (nothing else is ever loaded)
        for source in [*find_checkpoints(root), *compare]:
            local = os.path.expanduser(str(source))
            self.choices.setdefault(short_name(source, root), str(Path(local).resolve()) if os.path.exists(local)
                                    else str(source))
        self.choices[self.main_name] = main.source
        named = [short_name(p, root) for p in compare]
        base = short_name(root / BASE_MODEL.relative_to(ROOT), root)  # assets/model-base, if it was found
        base = base if base in self.choices else self.main_name
        self.default = (named[0], named[1]) if len(named) == 2 else (named[0] if named else base, self.main_name)
        self._loaded: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, source: str | os.PathLike, name: str | None = None) -> None:
        """Refused unless `source` is a checkpoint whose tokenizer can be read (only the tokenizer is read: no
        weights). Any tokenizer will do: two models with different ones are compared per stretch of text."""
        from transformers import AutoTokenizer

        name = name or short_name(source, self.root)
        folder = os.path.expanduser(str(source))
        if not os.path.isdir(folder):
            raise Refused("compare_missing", name=name)
        if not os.path.isfile(os.path.join(folder, "config.json")):
            raise Refused("compare_not_checkpoint", name=name)
        same_file = _file_hash(folder)
        if same_file is not None and self.main.source and same_file == _file_hash(self.main.source):
            return
        try:
            AutoTokenizer.from_pretrained(folder)
        except Exception as err:  # transformers raises OSError, ValueError, JSON errors…
            raise Refused("compare_load", name=name, error=" ".join(str(err).split())[:200]) from err

    def engine(self, name: str) -> Engine:
        """The engine of the checkpoint the page calls `name`, loaded now if it is not yet."""
        if name not in self.choices:
            raise Refused("compare_unknown", name=str(name)[:200])
        source = self.choices[name]
        if self.main.source and same_source(source, self.main.source):
            return self.main
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
                return self._loaded[name]
            self.check(source, name)
            device, dtype = str(self.main.device), self.main.info.dtype
            try:
                engine = Engine(load_model(source, device=device, dtype=dtype))
            except ModelLoadError as err:
                raise Refused("compare_load", name=name, error=str(err)) from err
            self._loaded[name] = engine
            while len(self._loaded) > self.keep:
                old, _ = self._loaded.popitem(last=False)
                unload(self.choices[old], device=device, dtype=dtype)
            return engine

    def use_main(self, main: Engine) -> None:
        """The app's model is now `main` (the presenter switched it): it is B of the default pair where the app's
        model was (and a choice, by its name); the one before stays a choice, loaded again on first use."""
        with self._lock:
            old = self.main_name
            self.main = main
            self.main_name = short_name(main.source, self.root) if main.source else main.info.name
            self.choices[self.main_name] = main.source
            self.default = tuple(self.main_name if name == old else name for name in self.default)
            self._loaded.pop(self.main_name, None)  # the app's own now: not one of the `keep` others

    def loaded(self) -> list[str]:
        """The names of the models loaded now besides the app's own, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def pair(self, a: str, b: str) -> Pair:
        """Models A and B by their names on the page (each loaded on first use)."""
        return Pair(self.engine(a), self.engine(b), (a, b))
