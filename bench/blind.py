"""A blind reading: samples of two models and real validation stories, shuffled, for a reader who does
not know which is which.

    python -m bench.blind make --new assets/model --old OLD_CHECKPOINT --out runs/blind
    python -m bench.blind score --out runs/blind          # after the reader wrote runs/blind/verdicts.jsonl

`make` writes `texts.md` (what the reader sees: 180 numbered texts) and `key.json` (which is which, for
`score` only). Per source: 60 texts, 48 in English (`>be me`) and 12 in Brazilian Portuguese (`>ser eu`),
like the corpus. Model samples: T 0.8, top-p 0.95, 80 new tokens, seeds 0…; validation stories: the
frozen validation file's stories that start the same way, title left out. Every text is cut to its last
whole line, so an unfinished last line gives nothing away.

The reader answers, per text, one question: "one situation, every line grammatical" (yes / no), in
`verdicts.jsonl` lines `{"n": 17, "verdict": "yes"}`. `score` prints the share of yeses per source.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_SOURCE, PORTUGUESE = 60, 12
PROMPTS = {"en": ">be me", "pt-BR": ">ser eu"}


def whole_lines(text: str) -> str:
    """The text up to its last complete line (a sample cut mid-line loses the unfinished line)."""
    text = text.split("<|endoftext|>")[0].rstrip()
    if "\n" in text and not text.endswith("\n"):
        head, _, last = text.rpartition("\n")
        if len(last) < 3 or not last.startswith(">"):
            return head.rstrip()
    return text


def model_samples(path: str, n: int, lang: str, first_seed: int = 0) -> list[str]:
    from greentext.decode.engine import Engine
    from greentext.training.evaluate import FORMAT_SETTINGS
    from greentext.model.loading import load_model
    from greentext.decode.settings import SamplingSettings

    engine = Engine(load_model(path, device="cpu"))
    prompt = PROMPTS[lang]
    out = []
    for seed in range(first_seed, first_seed + n):
        run = engine.generate(prompt, SamplingSettings(**FORMAT_SETTINGS, seed=seed))
        out.append(whole_lines(prompt + run.text))
    return out


def validation_stories(n: int, lang: str, seed: int = 0) -> list[str]:
    from greentext.training.languages import is_portuguese
    from greentext.training.greentexts import VAL, read

    prompt = PROMPTS[lang]
    pool = [s["text"].split("\n", 1)[1] for s in read(VAL) if s["text"].split("\n")[1].strip().lower() == prompt]
    pool = [t for t in pool if is_portuguese(t) == (lang == "pt-BR")]
    return random.Random(seed).sample(pool, n)


def make(new: str, old: str, out: Path, seed: int = 0) -> None:
    english = PER_SOURCE - PORTUGUESE
    sources = {
        "new": model_samples(new, english, "en") + model_samples(new, PORTUGUESE, "pt-BR"),
        "old": model_samples(old, english, "en") + model_samples(old, PORTUGUESE, "pt-BR"),
        "validation": validation_stories(english, "en") + validation_stories(PORTUGUESE, "pt-BR"),
    }
    items = [(src, text) for src, texts in sources.items() for text in texts]
    random.Random(seed).shuffle(items)
    out.mkdir(parents=True, exist_ok=True)
    (out / "texts.md").write_text("".join(f"## {n}\n\n```\n{text}\n```\n\n" for n, (_, text) in enumerate(items, 1)),
                                  encoding="utf-8")
    (out / "key.json").write_text(json.dumps({str(n): src for n, (src, _) in enumerate(items, 1)}, indent=0),
                                  encoding="utf-8")
    print(f"wrote {len(items)} texts to {out / 'texts.md'} (key in {out / 'key.json'})")


def score(out: Path) -> dict[str, tuple[int, int]]:
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    verdicts = [json.loads(line) for line in (out / "verdicts.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    seen = {str(v["n"]): v["verdict"].strip().lower() for v in verdicts}
    missing = sorted(set(key) - set(seen), key=int)
    if missing:
        raise SystemExit(f"verdicts.jsonl has no verdict for texts {', '.join(missing[:10])}…")
    result = {}
    for src in ("new", "old", "validation"):
        ns = [n for n, s in key.items() if s == src]
        result[src] = (sum(seen[n] == "yes" for n in ns), len(ns))
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.blind", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="write the shuffled texts and their key")
    m.add_argument("--new", default=str(ROOT / "assets/model"), help="the new model's checkpoint")
    m.add_argument("--old", required=True, help="the old model's checkpoint")
    m.add_argument("--out", default=str(ROOT / "runs/blind"), help="the folder for texts.md and key.json")
    s = sub.add_parser("score", help="the share of 'yes' per source, from verdicts.jsonl")
    s.add_argument("--out", default=str(ROOT / "runs/blind"))
    args = p.parse_args(argv)
    if args.command == "make":
        make(args.new, args.old, Path(args.out))
    else:
        for src, (yes, n) in score(Path(args.out)).items():
            print(f"| {src} | {yes}/{n} | {yes / n:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
