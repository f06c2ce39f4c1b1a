"""Near-duplicate detection that scales to tens of thousands of texts: MinHash + LSH (datasketch).

    index = NearDuplicates.default()          # every greentext already written (corpus + batch files)
    index.check(new_stories)                  # [(id already in, new id, why), …]

Two texts are near-duplicates when the Jaccard similarity of their word 3-grams reaches THRESHOLD
(estimated by MinHash with 128 permutations; LSH finds the candidates without comparing every pair,
then the exact Jaccard of the candidates decides). `datasketch` is used because it is maintained, has
MinHash LSH with a threshold parameter, and hashes a whole set at once (`MinHash.bulk`).

Signatures of the files already written are cached per file (keyed by the file's size and mtime) in
`runs/.dedup-cache`, so checking one new batch against 15,000 stories costs well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from pathlib import Path

import numpy as np
from greentext.paths import GREENTEXTS, GREENTEXTS_VAL, PROSE_BATCHES, ROOT, STORY_BATCHES

CACHE = ROOT / "runs" / ".dedup-cache"
PERMUTATIONS = 128
SCHEME = "affine32"  # datasketch 2's hashing scheme (the signatures are cached: keep it fixed)
THRESHOLD = 0.5  # word-3-gram Jaccard at which two greentexts count as near-duplicates
PROSE_THRESHOLD = 0.35  # prose pieces are longer: a lower share of shared 3-grams already means copying
_WORD = re.compile(r"[^\W_]+")
_COMMON = re.compile(r"^>\s*(be me|ser eu|be eu|mfw|tfw)\b.*$", re.MULTILINE)


def shingles(text: str, n: int = 3) -> set[str]:
    """Word n-grams of a text, folded (case, accents), without its title and the openings all stories share."""
    body = text.split("\n", 1)[1] if "\n>" in text else text  # a greentext's title is left out
    body = _COMMON.sub("", body)
    folded = "".join(c for c in unicodedata.normalize("NFKD", body.casefold()) if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def signatures(texts: list[str]) -> np.ndarray:
    """(len(texts), PERMUTATIONS) MinHash signatures."""
    from datasketch import MinHash

    sets = [[s.encode("utf-8") for s in shingles(t)] or [b""] for t in texts]
    hashes = MinHash.bulk(sets, num_perm=PERMUTATIONS, seed=1, scheme=SCHEME)
    return np.stack([np.asarray(h.hashvalues) for h in hashes]) if hashes else np.zeros((0, PERMUTATIONS), dtype=np.uint64)


def _cached(path: Path, key: str) -> tuple[list[str], list[str], np.ndarray]:
    """(ids, texts, signatures) of a JSON-lines file, signatures cached by size and mtime."""
    stat = path.stat()
    tag = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{key}".encode()).hexdigest()[:16]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids, texts = [r.get("id", "?") for r in rows], [r.get("text", "") for r in rows]
    cached = CACHE / f"{tag}.npy"
    if cached.exists():
        sig = np.load(cached)
        if len(sig) == len(rows):
            return ids, texts, sig
    sig = signatures(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then renamed: a reader at the same moment (another check, a test
    # worker) finds the old state or the whole file, never half of one.
    partial = cached.with_name(f"{cached.stem}.{os.getpid()}.{threading.get_ident()}.partial.npy")
    try:
        np.save(partial, sig)
        os.replace(partial, cached)
    finally:
        partial.unlink(missing_ok=True)
    return ids, texts, sig


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / max(1, len(x | y))


class NearDuplicates:
    """An LSH index over texts already written; `check` finds which new texts are too close to them."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
        self.texts: dict[str, str] = {}
        self.hashes: dict = {}

    def add(self, ids: list[str], texts: list[str], sig: np.ndarray | None = None) -> None:
        from datasketch import LeanMinHash

        sig = signatures(texts) if sig is None else sig
        for key, text, values in zip(ids, texts, sig):
            if key in self.texts:
                continue
            self.texts[key] = text
            self.hashes[key] = LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)
            self.lsh.insert(key, self.hashes[key])

    def add_files(self, paths: list[Path], skip: set[str] = frozenset()) -> None:
        for path in paths:
            if path.exists() and path.resolve() not in skip:
                ids, texts, sig = _cached(path, f"{PERMUTATIONS}-{SCHEME}")
                self.add(ids, texts, sig)

    def check(self, rows: list[dict]) -> list[tuple[str, str, str]]:
        """(earlier id, new id, why) for each new text that is a near-duplicate of one already in or of
        an earlier one among `rows`; the new texts are not added."""
        from datasketch import LeanMinHash

        found = []
        ids = [r.get("id", "?") for r in rows]
        texts = [r.get("text", "") for r in rows]
        sig = signatures(texts)
        local = NearDuplicates(self.threshold)
        for key, text, values in zip(ids, texts, sig):
            query = LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)
            for index in (self, local):
                for other in index.lsh.query(query):
                    if other == key:
                        continue
                    score = jaccard(index.texts[other], text)
                    if score >= self.threshold:
                        found.append((other, key, f"{score:.0%} of word 3-grams shared"))
            local.add([key], [text], values[None, :])
        return found

    def pairs(self) -> list[tuple[str, str, str]]:
        """Every pair of texts in the index that are near-duplicates: (earlier id, later id, why)."""
        found, order = [], {key: i for i, key in enumerate(self.texts)}
        for key, text in self.texts.items():
            for other in self.lsh.query(self.hashes[key]):
                if order[other] < order[key]:
                    score = jaccard(self.texts[other], text)
                    if score >= self.threshold:
                        found.append((other, key, f"{score:.0%} of word 3-grams shared"))
        return found

    @classmethod
    def default(cls, exclude: Path | None = None) -> "NearDuplicates":
        """Every greentext written so far: the training and validation files and every batch file
        (leaving out `exclude`, the batch being checked)."""

        index = cls()
        skip = {exclude.resolve()} if exclude else set()
        index.add_files([GREENTEXTS, GREENTEXTS_VAL] + sorted(STORY_BATCHES.glob("s*.jsonl")), skip)
        return index

    @classmethod
    def for_prose(cls, exclude: Path | None = None) -> "NearDuplicates":

        index = cls(PROSE_THRESHOLD)
        index.add_files(sorted(PROSE_BATCHES.glob("p*.jsonl")), {exclude.resolve()} if exclude else set())
        return index
