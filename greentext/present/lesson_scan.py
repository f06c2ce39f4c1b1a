"""Find real teaching moments for lessons in the validation stories: `python -m greentext.present.lesson_scan`.

    python -m greentext.present.lesson_scan                       # the bundled models, the frozen stories
    python -m greentext.present.lesson_scan --limit 40 --top 2   # quicker: 40 stories per language
    python -m greentext.present.lesson_scan --model runs/x/checkpoint-600 --base assets/model-base

The bundled lessons (assets/lessons/) are built on what the model really does, not on what a writer
expects: this scan runs the model (and the base model) over the validation stories, never trained on,
English and Brazilian Portuguese apart, and finds for each kind of slide the positions that show it best:

- `sure`: a step where the first choice, a word, has the most probability (≥ 80%). Not at a line start:
  after `↵>` the bundled model is never that sure (the output's `line_starts` says how sure it gets there,
  and how often it reaches 80%: never, in English or in Portuguese), which is a lesson of its own: a new
  line is where the story happens
- `open`: a line start (after `↵>`) with the highest entropy: many continuations are plausible
- `temperature`: a step where T 0.2 and T 1.5 (top-k 50, top-p 0.95) differ most in the draw: the share of
  the first choice and how many tokens are kept
- `topk_topp`: a step where top-k 10 and top-p 0.9 (T 1) keep the most different numbers of tokens
- `lens`: a step where the layers agree with the output latest (the output sure, the early layers not)
- `compare`: a step where the fine-tuned model gives its first choice (the story's next token) the most
  more probability than the base model (after `↵` the fine-tune expects `>`)

Each candidate is a slide in the lesson format (`present/lessons.py`): the prompt is the story up to the
position (past its title line: a prompt holds at least one `>` line), cut at a line start to fit a
projector (at most 5 lines and 200 characters), measured again
on exactly that prompt (the numbers a slide shows), with claims that hold with a margin, then printed as
JSON with its measured numbers. Prompts and first choices on the lecture-safe lists are left out.

It takes about 2–3 minutes on 2 CPU cores with the default limit (`--limit` stories per language).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field

import torch

from greentext.decode.engine import Engine
from greentext.paths import ASSETS, GREENTEXTS_VAL
from greentext.present import lessons
from greentext.present.safety import WordFilter

KINDS = ("sure", "open", "temperature", "topk_topp", "lens", "compare")
LIMIT = 100  # stories per language by default: ~2–3 minutes on 2 CPU cores
MAX_LINES, MAX_CHARS = 5, 200  # a prompt on a projector
SEED = 42
BALANCED = dict(top_k=50, top_p=0.95)  # the temperature slides' filters: the app's default
COLD, HOT = 0.2, 1.5
TOP_K, TOP_P = 10, 0.9
WIDE = 512  # tokens looked at for top-p's count in the scan (the slide's numbers are measured exactly)

# Which language a story is in. training/languages.py holds the corpus's detector, but present/ may not
# import training/ (a floor above): the same rule, counting common short words, is repeated here.
_PT = set("de que o os as e eu não nao um uma pra para com no na nos nas do da dos das meu minha é mas se por "
          "ele ela você voce isso esse essa aqui lá tá ta pro mais muito já ja quando ao à ser vai".split())
_EN = set("the i and to of my is it in you that me for on with was at be this are but so get just they he she "
          "we not have all what when".split())
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")


def is_portuguese(text: str) -> bool:
    words = _WORD.findall(text.casefold())
    return sum(w in _PT for w in words) > sum(w in _EN for w in words)


def read_stories(path) -> dict[str, list[dict]]:
    """The stories of a JSONL file ({"id", "text"} per line), English and Portuguese apart."""
    out: dict[str, list[dict]] = {"en": [], "pt": []}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                story = json.loads(line)
                out["pt" if is_portuguese(story["text"]) else "en"].append(story)
    return out


def spread(stories: list, limit: int) -> list:
    """`limit` stories taken evenly through the list (the file runs topic by topic)."""
    if limit >= len(stories):
        return list(stories)
    return [stories[i * len(stories) // limit] for i in range(limit)]


def cut(prefix: str) -> str:
    """The story's text up to a position, from a line start: its last lines, at most MAX_LINES and MAX_CHARS."""
    lines = prefix.split("\n")
    kept = [lines.pop()]
    while lines and len(kept) < MAX_LINES and len("\n".join([lines[-1], *kept])) <= MAX_CHARS:
        kept.insert(0, lines.pop())
    return "\n".join(kept)


@dataclass
class Spot:
    """A position of a story: the model reads ids[:at + 1] and predicts the next token."""

    kind: str
    lang: str
    story: str  # the story's id
    prefix: str  # the story's text up to the position
    score: float
    scan: dict = field(default_factory=dict)  # what the scan measured on the whole story


class Best:
    """The best few spots of a kind and language, one per key (the story, or the first choice for `sure`,
    or the pair of tokens for `compare`)."""

    def __init__(self, keep: int):
        self.keep, self.spots, self.keys = keep, [], []

    def offer(self, spot: Spot, key) -> None:
        if key in self.keys:
            i = self.keys.index(key)
            if spot.score <= self.spots[i].score:
                return
            del self.spots[i], self.keys[i]
        elif len(self.spots) >= self.keep and spot.score <= self.spots[-1].score:
            return
        at = next((i for i, old in enumerate(self.spots) if spot.score > old.score), len(self.spots))
        self.spots.insert(at, spot)
        self.keys.insert(at, key)
        del self.spots[self.keep:], self.keys[self.keep:]


def _entropy_bits(p: torch.Tensor) -> torch.Tensor:
    return torch.special.entr(p).sum(-1) / math.log(2)


def _filtered(top_logits: torch.Tensor, temperature: float, top_p: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Of logits already cut to the top k (descending), after temperature and top-p: (kept count, first's share)."""
    p = (top_logits / temperature).softmax(-1)
    before = p.cumsum(-1) - p  # mass of the better tokens
    kept = (before < top_p).sum(-1)
    share = p[:, 0] / (p * (before < top_p)).sum(-1)
    return kept, share


@torch.inference_mode()
def scan_story(engine: Engine, base: Engine, story: dict, lang: str, best: dict, line_starts: list) -> None:
    """Every position of one story after its first line (title), offered to `best` (kind → Best); each line
    start's (top-1 p, entropy, top-1 token, the text before) added to `line_starts`."""
    tok = engine.tokenizer
    ids = tok.encode(story["text"])[: engine.info.context]
    if len(ids) < 4:
        return
    raws = [engine.text.token(i).raw for i in ids]
    newline, arrow = tok.encode("\n")[0], tok.encode(">")[0]
    x = torch.tensor([ids], device=engine.device)
    out = engine.model(input_ids=x, output_hidden_states=True, use_cache=False)
    logits = out.logits[0, :-1].float()  # position t predicts ids[t + 1]
    nxt = torch.tensor(ids[1:], device=engine.device)
    p = logits.softmax(-1)
    top_p1, top_id = p.max(-1)
    entropy = _entropy_bits(p)
    p_next = p.gather(1, nxt[:, None])[:, 0]
    base_p = base.model(input_ids=x[:, -base.info.context:], use_cache=False).logits[0, :-1].float().softmax(-1)
    base_next = base_p.gather(1, nxt[:, None])[:, 0]
    top50 = torch.topk(logits, BALANCED["top_k"], -1).values
    kept_cold, share_cold = _filtered(top50, COLD, BALANCED["top_p"])
    kept_hot, share_hot = _filtered(top50, HOT, BALANCED["top_p"])
    wide = torch.topk(p, WIDE, -1).values
    kept_p = ((wide.cumsum(-1) - wide) < TOP_P).sum(-1)
    # A clean cut: the prompt ends where a word or a line ends (the next token starts a word or a line).
    clean = [raws[t] in ("\n", ">") or raws[t + 1][:1] in (" ", "\n") for t in range(len(ids) - 1)]
    line_start = [t > 0 and raws[t] == ">" and ids[t - 1] == newline for t in range(len(ids) - 1)]
    first = line_start.index(True) if True in line_start else len(ids)  # a prompt holds the title and a `>`
    host = torch.stack([top_p1, entropy, p_next, base_next, kept_cold.float(), share_cold, kept_hot.float(),
                        share_hot, kept_p.float(), top_id.float()]).T.tolist()

    # The lens at the positions where the output is fairly sure (its top-1 ≥ 50%) and the cut is clean.
    sure_at = [t for t in range(len(ids) - 1) if clean[t] and host[t][0] >= 0.5]
    settles = {}
    if sure_at:
        model, layers = engine.model, engine.model.config.n_layer
        where = torch.tensor(sure_at, device=engine.device)
        streams = torch.stack([out.hidden_states[i + 1][0, where] for i in range(layers - 1)])
        lensed = model.lm_head(model.transformer.ln_f(streams)).argmax(-1).T.tolist()  # (positions, layers - 1)
        for t, row in zip(sure_at, lensed):
            rows = row + [int(host[t][9])]
            layer = len(rows) - 1
            while layer > 0 and rows[layer - 1] == rows[-1]:
                layer -= 1
            settles[t] = (layer, rows[0] != rows[-1])

    def offer(kind, t, score, key=None, **scan):
        prefix = tok.decode(ids[:t + 1])
        best[kind].offer(Spot(kind, lang, story["id"], prefix, score, scan), story["id"] if key is None else key)

    for t, (top1, ent, pn, bn, kc, sc, kh, sh, kp, tid) in enumerate(host):
        if not clean[t] or t < first:
            continue
        if line_start[t]:
            line_starts.append((top1, ent, engine.text.token(int(tid)).raw, tok.decode(ids[max(0, t - 6):t + 1])))
            offer("open", t, ent, entropy=ent)
        elif top1 >= 0.8 and _LETTER.search(engine.text.token(int(tid)).raw):
            offer("sure", t, top1, key=int(tid), top1_p=top1)
        offer("temperature", t, (sc - sh) + (kh - kc) / 100, share_cold=sc, share_hot=sh, kept_cold=kc, kept_hot=kh)
        if kp > TOP_K:  # top-p keeps more than top-k: top-k cuts tokens the model finds plausible
            offer("topk_topp", t, math.log(kp / TOP_K), kept_top_p=kp)
        if t in settles and settles[t][0] >= 1:  # some layer before the output says something else
            layer, differs = settles[t]
            offer("lens", t, layer + top1 + (0.5 if differs else 0), settles=layer, first_differs=differs,
                  top1_p=top1)
        if int(tid) == ids[t + 1]:  # the story's next token is the fine-tune's first choice
            offer("compare", t, pn - bn + math.log10(pn / max(bn, 1e-12)) / 100, key=(ids[t], ids[t + 1]),
                  p=pn, base_p=bn)


# ---- candidates as slides, measured on exactly their prompt --------------------------------------------
def _down(x: float, step: float) -> float:
    return round(math.floor(x / step + 1e-9) * step, 4)


def _up(x: float, step: float) -> float:
    return round(math.ceil(x / step - 1e-9) * step, 4)


def _settings(temperature, top_k, top_p) -> dict:
    return {"temperature": temperature, "top_k": top_k, "top_p": top_p, "max_new_tokens": 40, "seed": SEED}


NOTES = {  # placeholder notes: a lesson's writer rewrites them; the numbers stay the model's
    "sure": ("The model is sure: {top1} gets {top1_p}.", "O modelo tem certeza: {top1} fica com {top1_p}."),
    "open": ("Many continuations are plausible: {top1} leads with only {top1_p}; entropy {entropy} bits.",
             "Muitas continuações são plausíveis: {top1} lidera com só {top1_p}; entropia {entropy} bits."),
    "temperature": ("T {temperature}: {top1} gets {sampled_top1_p} of the draw; {kept} tokens kept.",
                    "T {temperature}: {top1} fica com {sampled_top1_p} do sorteio; {kept} tokens mantidos."),
    "topk_topp": ("top-k {top_k}, top-p {top_p}: {kept} tokens kept.",
                  "top-k {top_k}, top-p {top_p}: {kept} tokens mantidos."),
    "lens": ("Layer 0 would say {lens_first}; from layer {lens_settles} on every layer says {top1}.",
             "A camada 0 diria {lens_first}; da camada {lens_settles} em diante todas dizem {top1}."),
    "compare": ("Fine-tuned: {top1} {top1_p}; base: {base_p} ({ratio}).",
                "Ajustado: {top1} {top1_p}; base: {base_p} ({ratio})."),
}


def slides_for(spot: Spot) -> list[dict]:
    """The slide (or, for temperature and top-k/top-p, the pair of slides on one step) a spot makes,
    claims to be filled from the measured numbers."""
    prompt = cut(spot.prefix)
    note = dict(zip(("en", "pt"), NOTES[spot.kind]))
    view = {"lens": "lens", "compare": "compare"}.get(spot.kind, "probabilities")
    if spot.kind == "temperature":
        settings = [_settings(COLD, **BALANCED), _settings(HOT, **BALANCED)]
    elif spot.kind == "topk_topp":
        settings = [_settings(1.0, TOP_K, 1.0), _settings(1.0, 0, TOP_P)]
    else:
        settings = [_settings(0.8, **BALANCED)]
    return [{"prompt": prompt, "settings": s, "moves": [], "view": view, "note": note, "claims": {}}
            for s in settings]


def claims_for(kind: str, values: list[dict]) -> list[dict]:
    """Claims that hold now with a margin: 10 points below a probability, a bit below an entropy, half a
    count, a layer below the lens's, a factor of 10 or more below a ratio."""
    v = values[0]
    if kind == "sure":
        return [{"top1_is": v["top1"], "top1_at_least": max(0.5, _down(v["top1_p"] - 0.1, 0.05))}]
    if kind == "open":
        return [{"entropy_at_least": max(0.5, _down(v["entropy"] - 1.0, 0.5)),
                 "top1_at_most": min(0.95, _up(v["top1_p"] + 0.1, 0.05))}]
    if kind == "temperature":
        cold, hot = values
        return [{"sampled_top1_at_least": max(0.5, _down(cold["sampled_top1_p"] - 0.1, 0.05)),
                 "kept_at_most": max(cold["kept"] * 2, cold["kept"] + 2)},
                {"sampled_top1_at_most": min(0.95, _up(hot["sampled_top1_p"] + 0.1, 0.05)),
                 "kept_at_least": max(1, hot["kept"] // 2)}]
    if kind == "topk_topp":
        k, p = values
        return [{"kept_at_most": TOP_K}, {"kept_at_least": max(TOP_K + 1, p["kept"] // 2)}]
    if kind == "lens":
        out = {"top1_is": v["top1"], "lens_settles_at_least": max(1, v["lens_settles"] - 1)}
        if v["lens_first_differs"]:
            out["lens_first_differs"] = True
        return [out]
    ratio = v["ratio"]
    factor = 10 ** max(0, math.floor(math.log10(ratio)) - 1) if math.isfinite(ratio) else 1000
    return [{"top1_is": v["top1"], "tuned_over_base_at_least": factor,
             "base_p_at_most": min(1.0, _up(v["base_p"] * 10, 0.0001))}]


def rescore(kind: str, values: list[dict]) -> float:
    """The spot's score again, on the slide's exact prompt."""
    v = values[0]
    if kind == "sure":
        return v["top1_p"]
    if kind == "open":
        return v["entropy"]
    if kind == "temperature":
        cold, hot = values
        return cold["sampled_top1_p"] - hot["sampled_top1_p"] + (hot["kept"] - cold["kept"]) / 100
    if kind == "topk_topp":
        return math.log(max(values[1]["kept"], 1) / TOP_K)
    if kind == "lens":
        return v["lens_settles"] + v["top1_p"] + (0.5 if v["lens_first_differs"] else 0)
    return v["top1_p"] - v["base_p"] + math.log10(v["ratio"]) / 100 if math.isfinite(v["ratio"]) else 2.0


def measured(spot: Spot, engine: Engine, base: Engine, words: WordFilter) -> dict | None:
    """The spot's slides measured on their prompt, with claims; None when the prompt or a first choice is on
    the lecture-safe lists, or a claim would not hold."""
    slides = slides_for(spot)
    if words.mask(slides[0]["prompt"]).count:
        return None
    lesson = lessons.parse({"name": "scan", "lang": spot.lang, "title": {"en": "scan", "pt": "scan"},
                            "slides": slides})
    values = []
    for i in range(len(slides)):
        shown = lessons.show(lesson, i, engine, base_engine=base, top_n=3, need={"lens", "base"})
        if words.mask(shown.step.candidates[0].raw).count:
            return None
        values.append(shown.values | {"top1_token": shown.step.candidates[0].token,
                                      "top2": shown.step.candidates[1].raw, "top2_p": shown.step.candidates[1].p_raw,
                                      "lens_first": shown.lens.layers[0].top[0].raw,
                                      "base_top1": shown.base.top1.raw, "base_top1_p": shown.base.top1_p})
    for slide, claims, v in zip(slides, claims_for(spot.kind, values), values):
        if not all(lessons.holds(name, expected, v) for name, expected in claims.items()):
            return None  # a floor on a claim (e.g. entropy ≥ 0.5 bits) that this step does not reach
        slide["claims"] = claims
    return {"story": spot.story, "score": round(rescore(spot.kind, values), 4),
            "scan": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in spot.scan.items()},
            "measured": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()} for m in values],
            "slides": slides}


def run(engine: Engine, base: Engine, val, limit: int, top: int, log=print) -> dict:
    """The scan: the best `top` candidates of each kind in each language, as slides with measured numbers."""
    started = time.perf_counter()
    words = WordFilter.default()
    by_lang = read_stories(val)
    out = {"model": str(engine.source), "base": str(base.source), "val": str(val), "limit": limit,
           "stories": {}, "line_starts": {}, "kinds": {k: {} for k in KINDS}}
    for lang, stories in by_lang.items():
        chosen = spread(stories, limit)
        out["stories"][lang] = len(chosen)
        best = {kind: Best(top * 2 + 2) for kind in KINDS}
        starts: list = []
        for n, story in enumerate(chosen, 1):
            scan_story(engine, base, story, lang, best, starts)
            if n % 20 == 0:
                log(f"{lang}: {n}/{len(chosen)} stories, {time.perf_counter() - started:.0f} s")
        if starts:
            surest = max(starts)
            out["line_starts"][lang] = {
                "count": len(starts), "top1_p_max": round(surest[0], 4), "top1_max": surest[2],
                "before_max": surest[3], "top1_p_mean": round(sum(s[0] for s in starts) / len(starts), 4),
                "at_least_80": sum(s[0] >= 0.8 for s in starts),
                "entropy_mean": round(sum(s[1] for s in starts) / len(starts), 3)}
        for kind in KINDS:
            found = [m for m in (measured(s, engine, base, words) for s in best[kind].spots) if m]
            found.sort(key=lambda m: -m["score"])
            out["kinds"][kind][lang] = found[:top]
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m greentext.present.lesson_scan",
        description="Find real teaching moments for lessons in the validation stories: the surest and most open "
                    "line starts, temperature 0.2 vs 1.5, top-k 10 vs top-p 0.9, the logit lens, base vs "
                    "fine-tuned; English and Portuguese apart. Prints candidate slides (the lesson format) with "
                    "the model's numbers as JSON.")
    parser.add_argument("--model", default=str(ASSETS / "model"), help="the fine-tuned checkpoint (default: the "
                        "bundled model, assets/model)")
    parser.add_argument("--base", default=str(ASSETS / "model-base"), help="the base checkpoint it was tuned from "
                        "(default: assets/model-base)")
    parser.add_argument("--val", default=str(GREENTEXTS_VAL), help="stories, one JSON object a line "
                        "(default: assets/corpus/greentexts-val.jsonl)")
    parser.add_argument("--limit", type=int, default=LIMIT, help=f"stories per language (default {LIMIT}: about "
                        "2–3 minutes on 2 CPU cores)")
    parser.add_argument("--top", type=int, default=3, help="candidates per kind and language (default 3)")
    parser.add_argument("--out", help="write the JSON here too")
    args = parser.parse_args(argv)
    if args.limit < 1 or args.top < 1:
        parser.error("--limit and --top must be at least 1")
    torch.set_grad_enabled(False)
    try:
        engine = Engine.load(args.model, device="cpu")
        base = Engine.load(args.base, device="cpu")
    except Exception as err:  # a missing or unreadable checkpoint: one line, no traceback
        print(f"lesson_scan: cannot load the models: {err}", file=sys.stderr)
        return 1
    try:
        result = run(engine, base, args.val, args.limit, args.top, log=lambda s: print(s, file=sys.stderr))
    except (OSError, ValueError, KeyError) as err:  # stories that cannot be read: one line, no traceback
        print(f"lesson_scan: cannot read the stories in {args.val}: {err!r}", file=sys.stderr)
        return 1
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
