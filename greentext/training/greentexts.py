"""The project's own greentexts: the rules every story follows, and the frozen validation split.

    python -m greentext.training.greentexts check                 # format, ids, near-duplicates, lecture-safe words
    python -m greentext.training.greentexts freeze NEW.jsonl …    # add stories: check, split off validation, write

Two files in assets/corpus: `greentexts.jsonl` (training) and `greentexts-val.jsonl` (validation). The
validation stories were chosen once, by a seeded draw within each topic, before any model was trained
on the new stories (the first 660 stories, written before, are all training stories), and are never
trained on; `freeze` only ever adds to both files, so a story never
moves from one side to the other.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from greentext.paths import GREENTEXTS as TRAIN, GREENTEXTS_VAL as VAL
VAL_FRACTION = 0.1
MAX_SHARED_LINES = 0.3  # two stories may share at most this share of their lines (the shorter one's)
_COMMON = {">be me", ">ser eu", ">mfw", ">tfw"}  # openings every story may share


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(path: Path, stories: list[dict]) -> None:
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in stories), encoding="utf-8")


def _norm(line: str) -> str:
    folded = unicodedata.normalize("NFKD", line.casefold())
    return re.sub(r"[^a-z0-9> ]", "", folded).strip()


def lines_of(story: dict) -> set[str]:
    """A story's lines after its title, normalised, without the openings every story may share."""
    return {_norm(line) for line in story["text"].split("\n")[1:]} - _COMMON


def format_problems(story: dict) -> list[str]:
    """What is wrong with one story's shape: a title line, then 5–14 lines that each start with `>`."""
    problems = []
    if set(story) != {"id", "topic", "text"}:
        problems.append(f"keys must be id, topic, text (got {sorted(story)})")
        return problems
    title, *body = story["text"].split("\n")
    if not title.strip() or title.startswith(">"):
        problems.append("the first line must be a short title without '>'")
    if not 5 <= len(body) <= 14:
        problems.append(f"needs 5–14 lines after the title (got {len(body)})")
    if any(not line.startswith(">") or len(line.strip()) < 2 for line in body):
        problems.append("every line after the title must start with '>' and say something")
    return problems


class LineIndex:
    """Which stories hold each normalised line: finds the stories a new one shares too many lines with."""

    def __init__(self):
        self.holders: dict[str, list[int]] = defaultdict(list)
        self.sizes: list[int] = []

    def too_close(self, lines: set[str]) -> list[int]:
        """Positions of the stories already added that share more than MAX_SHARED_LINES with `lines`."""
        shared: dict[int, int] = defaultdict(int)
        for line in lines:
            for j in self.holders[line]:
                shared[j] += 1
        return [j for j, n in shared.items() if n / max(1, min(len(lines), self.sizes[j])) > MAX_SHARED_LINES]

    def add(self, lines: set[str]) -> None:
        for line in lines:
            self.holders[line].append(len(self.sizes))
        self.sizes.append(len(lines))


def near_duplicates(stories: list[dict]) -> list[tuple[str, str]]:
    """Pairs of story ids that share more than MAX_SHARED_LINES of their lines."""
    index, pairs = LineIndex(), []
    for s in stories:
        lines = lines_of(s)
        pairs += [(stories[j]["id"], s["id"]) for j in index.too_close(lines)]
        index.add(lines)
    return sorted(pairs)


def problems(train: list[dict], val: list[dict], words=None) -> list[str]:
    """Every rule broken by the two files together (empty when the corpus is clean)."""
    if words is None:
        from greentext.present.safety import WordFilter

        words = WordFilter.default()
    found = []
    everything = train + val
    ids = [s.get("id") for s in everything]
    found += [f"{i}: id used twice" for i in sorted({i for i in ids if ids.count(i) > 1})] if len(set(ids)) < len(ids) else []
    for s in everything:
        found += [f"{s.get('id')}: {p}" for p in format_problems(s)]
        if "text" in s and words.spans(s["text"]):
            found.append(f"{s['id']}: has a word on the lecture-safe lists")
    found += [f"{a} and {b}: near-duplicates" for a, b in near_duplicates(everything)]
    return found


def minhash_problems(paths=None) -> list[str]:
    """Near-duplicates the line rule misses (reworded copies), by MinHash LSH over word 3-grams (dedup.py)."""
    from greentext.training.dedup import NearDuplicates

    index = NearDuplicates()
    index.add_files(list(paths) if paths else [TRAIN, VAL])
    return [f"{a} and {b}: near-duplicates ({why})" for a, b, why in index.pairs()]


def split(stories: list[dict], fraction: float = VAL_FRACTION, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, validation): a seeded draw of `fraction` of the stories within each topic."""
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for s in stories:
        by_topic[s["topic"]].append(s)
    rng = random.Random(seed)
    val_ids = set()
    for topic in sorted(by_topic):
        group = sorted(by_topic[topic], key=lambda s: s["id"])
        val_ids |= {s["id"] for s in rng.sample(group, round(len(group) * fraction))}
    return [s for s in stories if s["id"] not in val_ids], [s for s in stories if s["id"] in val_ids]


def freeze(new: list[dict], train_path: Path = TRAIN, val_path: Path = VAL, seed: int = 0) -> tuple[int, int]:
    """Add new stories: the ones that are near-duplicates of a story already in, or break a rule, are
    left out (reported); the rest are split and appended. Return (added to train, added to val)."""
    train = read(train_path) if train_path.exists() else []
    val = read(val_path) if val_path.exists() else []
    index, kept, taken = LineIndex(), [], {s["id"] for s in train + val}
    for s in train + val:
        index.add(lines_of(s))
    for s in new:
        lines = lines_of(s)
        if format_problems(s) or s["id"] in taken or index.too_close(lines):
            print(f"left out {s.get('id')}: {format_problems(s) or 'id taken or near-duplicate'}", file=sys.stderr)
            continue
        index.add(lines)
        taken.add(s["id"])
        kept.append(s)
    add_train, add_val = split(kept, seed=seed)
    write(train_path, train + add_train)
    write(val_path, val + add_val)
    return len(add_train), len(add_val)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1])
        return 0
    if not args or args[0] not in ("check", "freeze"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if args[0] == "freeze":
        new = [s for path in args[1:] for s in read(Path(path))]
        added = freeze(new)
        print(f"added {added[0]} training and {added[1]} validation stories (of {len(new)})")
    train, val = read(TRAIN), read(VAL)
    found = problems(train, val) + minhash_problems()
    for line in found:
        print(line)
    print(f"{len(train)} training + {len(val)} validation stories, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
