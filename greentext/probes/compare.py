"""Two checkpoints side by side: the same prompt, settings and seed through each, and every token's
probability under both (no gradio here).

    checkpoints = Checkpoints(engine)                   # the app's model, and what assets/ and runs/ hold
    pair = checkpoints.pair(*checkpoints.default)       # bundled base (A) vs the app's model (B)
    a, b = pair.generate(">be me", SamplingSettings(0.8, 50, 0.95, 60, seed=1))   # two Runs, one seed
    probs = pair.token_probabilities("the lecture\\n>be me")
    for i in probs.biggest(3):                          # where the two models differ most
        print(probs.tokens[i].token, probs.p_a[i], probs.p_b[i])

Each side is its own engine's exact generation (`Engine.generate` with the same settings and seed), so
its text is what that model's `/generate` gives alone. A second model loads on first use, once per
process, shared by all users; at most `keep` of them stay loaded besides the app's own model. Two
models compare only when they read the same tokens: a checkpoint with another tokenizer is refused.
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
from greentext.model.tokens import Token

ROOT = BUNDLED_MODEL.parent.parent  # the repository: assets/ and runs/ are searched for checkpoints
BASE_MODEL = ROOT / "assets" / "model-base"  # the bundled pretrained model the fine-tune started from
SEARCHED = ("assets", "runs")  # where checkpoints are found (up to three folders deep)
KEEP = 2  # models loaded at most besides the app's own (the app passes Config.compare_models)
CHUNK = 256  # positions whose logits are made at once: (CHUNK, vocab) floats, not (context, vocab)
# Friendly names of the bundled checkpoints (i18n keys); others are named by their last two folders.
LABELS = {"assets/model-base": "name_base", "assets/model": "name_tuned"}


class Refused(InvalidSetting):
    """A checkpoint the comparison cannot use (another tokenizer, not in the list, unreadable). An
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

    def biggest(self, n: int = 5) -> list[int]:
        """The positions where the two probabilities differ most (absolute difference), largest first; a
        token after the same token as a position already listed (`>` after `↵` again) is not listed twice."""
        order = np.argsort(-np.abs(self.p_b - self.p_a), kind="stable")
        seen, out = set(), []
        for i in (int(i) for i in order):
            pair = (self.tokens[i - 1].id if i else None, self.tokens[i].id)
            if pair not in seen:
                seen.add(pair)
                out.append(i)
                if len(out) == n:
                    break
        return out


def token_probabilities(engine: Engine, input_ids: list[int], targets: list[int]) -> np.ndarray:
    """p(targets[i] | input_ids[:i + 1]) for every i: the model's own softmax over its float32 logits,
    computed as the Probabilities tab computes p (T = 1).

    The hidden states are computed once; the vocabulary-wide logits a chunk of positions at a time, so a
    1,024-token text never holds 1,024 × 50,257 floats at once."""
    if not targets:
        return np.zeros(0, dtype=np.float32)
    model = engine.model
    x = torch.tensor([input_ids], device=engine.device)
    y = torch.tensor(targets, device=engine.device)
    head = model.get_output_embeddings()
    out = np.empty(len(targets), dtype=np.float32)
    with torch.inference_mode():
        hidden = model.base_model(input_ids=x).last_hidden_state[0]  # (n, width), final layer norm applied
        for i in range(0, len(targets), CHUNK):
            probs = head(hidden[i:i + CHUNK]).float().softmax(dim=-1)  # (chunk, vocab)
            out[i:i + CHUNK] = probs.gather(1, y[i:i + CHUNK, None])[:, 0].cpu().numpy()
    return out


class Pair:
    """Two engines that read the same tokens: A and B, each with the name the page shows."""

    def __init__(self, a: Engine, b: Engine, names: tuple[str, str] = ("A", "B"), check: bool = True):
        self.a, self.b = a, b
        self.names = names
        if check and a is not b and fingerprint(a.tokenizer) != fingerprint(b.tokenizer):
            raise Refused("compare_foreign", name=names[0], other=names[1])

    def generate(self, prompt: str, settings: SamplingSettings, time_limit: float | None = None) -> tuple[Run, Run]:
        """The same prompt, settings and seed (a random one, the same for both, if none) through A then B:
        each exactly `Engine.generate` alone. `time_limit` covers both: B gets what A left."""
        settings = settings.with_seed()
        started = time.perf_counter()
        run_a = self.a.generate(prompt, settings, time_limit=time_limit)
        left = None if time_limit is None else max(1e-3, time_limit - (time.perf_counter() - started))
        return run_a, self.b.generate(prompt, settings, time_limit=left)

    def token_probabilities(self, text: str, name: str = "text") -> TokenProbabilities:
        """Each token of `text` and its probability under A and under B given the text before it: the
        numbers a generation from that text would see (the first token's given <|endoftext|>). A text
        longer than the shorter context keeps its last tokens (the first of them read, not scored)."""
        text = check_prompt(text, name)
        ids = self.a.tokenizer.encode(text) if text else []
        context = min(self.a.info.context, self.b.info.context)
        window = ids[-context:]
        scored = window if len(window) == len(ids) else window[1:]

        def probabilities(engine: Engine) -> np.ndarray:
            rest = token_probabilities(engine, window[:-1], window[1:])
            if scored is window and window:  # the whole text: its first token given <|endoftext|>
                return np.concatenate([token_probabilities(engine, [engine.eos_id], window[:1]), rest])
            return rest

        return TokenProbabilities(self.a.text.tokens(scored), probabilities(self.a), probabilities(self.b),
                                  len(ids) - len(scored))


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
        """Refused unless `source` is a checkpoint that reads the app model's tokens (only its tokenizer is
        read: no weights). The same tokenizer.json file is the same tokenizer (milliseconds); else both are
        loaded and their vocabularies and merges compared (seconds)."""
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
            tokenizer = AutoTokenizer.from_pretrained(folder)
        except Exception as err:  # transformers raises OSError, ValueError, JSON errors…
            raise Refused("compare_load", name=name, error=" ".join(str(err).split())[:200]) from err
        if fingerprint(tokenizer) != fingerprint(self.main.tokenizer):
            raise Refused("compare_foreign", name=name, other=self.main_name)

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

    def loaded(self) -> list[str]:
        """The names of the models loaded now besides the app's own, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def pair(self, a: str, b: str) -> Pair:
        """Models A and B by their names on the page (each loaded on first use)."""
        return Pair(self.engine(a), self.engine(b), (a, b), check=False)  # both checked against the app's model
