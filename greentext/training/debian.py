"""The general-English corpus the bundled base model is pretrained on: `python -m greentext.training.debian`.

    python -m greentext.training.debian                         # apt-get download + dpkg-deb -x, then build
    python -m greentext.training.debian --from DIR              # .deb files or unpacked trees already in DIR
    python -m greentext.training.debian --verify                # rebuild and compare with the recorded checksum

Every text comes from a Debian package with a free licence (SOURCES below: the package, the version the
recorded build used, the licence, which files). No root is needed: `apt-get download` fetches the
.deb files into a work folder and `dpkg-deb -x` unpacks them there. Other people's text is never
committed: the repository holds this builder, the list of sources and the built corpus's size and
checksum (`assets/corpus/general-en.json`), so anyone can rebuild it and check they got the same bytes.

The output is one UTF-8 text file of documents separated by `<|endoftext|>` lines, the format
`python -m greentext.training.train --data` reads: a fortune cookie, a dictionary entry (hard-wrapped lines
joined into paragraphs, cross-reference braces and citations removed) or a WordNet sense (its gloss and
example sentences). Lecture-safe: collections a presenter could not show are left out whole
(offensive, ethnic, drugs, politics, men-women, love …), and any document with a word on the lecture-safe
lists (`greentext/present/safety.py`) is dropped, not masked, so the model never learns the word.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from greentext.model.tokens import EOS
from greentext.paths import ROOT

DEFAULT_OUT = ROOT / "runs" / "corpus" / "general-en.txt"
MANIFEST = ROOT / "assets" / "corpus" / "general-en.json"

# Fortune collections a lecture can show (the package's others are left out: offensive, ethnic, drugs,
# politics, men-women, love, medicine, law, news, ascii-art, disclaimer, knghtbrd, translate-me).
FORTUNE_COLLECTIONS = ("art", "computers", "cookie", "debian", "definitions", "education", "food", "fortunes",
                       "goedel", "humorists", "kids", "linux", "linuxcookie", "literature", "magic",
                       "miscellaneous", "paradoxum", "people", "perl", "pets", "platitudes", "pratchett",
                       "riddles", "science", "songs-poems", "sports", "startrek", "tao", "wisdom", "work",
                       "zippy")


@dataclass(frozen=True)
class Source:
    package: str  # Debian package name
    version: str  # the version the recorded build used
    licence: str
    kind: str  # "fortunes", "dictd" or "wordnet"
    files: tuple[str, ...]  # paths inside the package(s)
    also: tuple[str, ...] = ()  # other packages holding some of the files (same source, same version)


SOURCES = (
    Source("fortunes", "1:1.99.1-7.3", "BSD-4-Clause (fortune-mod) and public domain quotations", "fortunes",
           tuple(f"usr/share/games/fortunes/{c}" for c in FORTUNE_COLLECTIONS),
           also=("fortunes-min",)),  # fortunes-min holds the `fortunes`, `literature` and `riddles` files
    Source("dict-jargon", "4.4.7-3.1", "public domain (the Jargon File)", "dictd",
           ("usr/share/dictd/jargon.dict.dz",)),
    Source("dict-devil", "1.0-13.1", "public domain (The Devil's Dictionary, 1911)", "dictd",
           ("usr/share/dictd/devil.dict.dz",)),
    Source("dict-foldoc", "20230119-1", "GFDL 1.1 or later (Free On-line Dictionary of Computing)", "dictd",
           ("usr/share/dictd/foldoc.dict.dz",)),
    Source("dict-wn", "1:3.0-37", "WordNet 3.0 licence (Princeton; free to use, copy and distribute)", "wordnet",
           ("usr/share/dictd/wn.dict.dz",)),
)


class CorpusError(RuntimeError):
    """The corpus cannot be built here; the message says why and what to do instead."""


# --- fetching ---------------------------------------------------------------------------------
def fetch(work: Path, sources=SOURCES) -> Path:
    """Download and unpack the packages into `work/tree` (no root needed); return the tree."""
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise CorpusError(f"{tool} not found: this builder fetches Debian packages. On another system, "
                              f"download the .deb files of {', '.join(n for s in sources for n in (s.package, *s.also))} and pass "
                              f"their folder with --from, or train on any local text with --data")
    debs = work / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    names = [name for s in sources for name in (s.package, *s.also)]
    done = subprocess.run(["apt-get", "download", *names], cwd=debs, capture_output=True, text=True)
    if done.returncode != 0:
        raise CorpusError(f"apt-get download {' '.join(names)} failed: {done.stderr.strip()[-400:]} "
                          f"(run `apt-get update` first, or pass downloaded .deb files with --from)")
    return unpack(debs, work / "tree")


def unpack(folder: Path, tree: Path) -> Path:
    """Unpack every .deb in `folder` into `tree` with dpkg-deb -x; return the tree."""
    tree.mkdir(parents=True, exist_ok=True)
    for deb in sorted(folder.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    return tree


def versions_in(folder: Path) -> dict[str, str]:
    """Package → version, read from the .deb file names (`name_version_arch.deb`, ':' as %3a)."""
    found = {}
    for deb in folder.glob("*.deb"):
        name, version, _ = deb.name.split("_", 2)
        found[name] = version.replace("%3a", ":")
    return found


# --- parsing ----------------------------------------------------------------------------------
def fortunes(text: str) -> list[str]:
    """A fortune file's cookies (separated by lines holding only '%'), each trimmed."""
    return [c.strip("\n") for c in re.split(r"^%\s*$", text, flags=re.MULTILINE) if c.strip()]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64_number(digits: str) -> int:
    value = 0
    for ch in digits:
        value = value * 64 + _B64.index(ch)
    return value


def dictd_entries(data: bytes, index: str) -> list[str]:
    """The entries of a dictd database, in file order: `data` is the uncompressed `.dict`, `index` the
    `.index` text (headword, base-64 offset, base-64 length a line). Entries that several headwords point
    to come once; the database's own header entries (`00-database-…`) are skipped."""
    spans = set()
    for line in index.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not fields[0].startswith(("00database", "00-database")):
            spans.add((_b64_number(fields[1]), _b64_number(fields[2])))
    return [data[o:o + n].decode("utf-8", errors="replace").strip("\n") for o, n in sorted(spans)]


_CITATION = re.compile(r"^\s*\[.*?\]\.?\s*$", re.DOTALL)  # a paragraph that is only a [reference]
_DATE = re.compile(r"^\s*\(\d{4}-\d{2}-\d{2}\)\s*$")
_TAG = re.compile(r"^\s*<[^>\n]+>\s*")  # FOLDOC's "<language>" category tag
_URL = re.compile(r"\S*(?:https?://|ftp://|www\.)\S*|\S+@\S+\.\w+")


def reflow(entry: str) -> str:
    """A hard-wrapped dictionary entry as plain paragraphs: first line kept, wrapped lines joined,
    {cross-reference} braces dropped, citation-only paragraphs, dates, category tags and addresses removed."""
    head, _, rest = entry.partition("\n")
    if rest[:1].strip():  # text runs on unindented ("ROPE, n.  An obsolescent …\nappliance"): no headword line
        head, rest = "", entry
    paragraphs = []
    for para in re.split(r"\n\s*\n", rest):
        if not para.strip() or _CITATION.match(para) or _DATE.match(para):
            continue
        indented = [l for l in para.split("\n") if l.strip()]
        if all(l.startswith("     ") for l in indented) and len(indented) > 1:
            para = "\n".join(l.strip() for l in indented)  # an indented code/verse block: keep its lines
        else:
            para = " ".join(l.strip() for l in indented)
        para = _TAG.sub("", para)
        para = _URL.sub("", para)
        para = para.replace("{", "").replace("}", "")
        para = re.sub(r"[ \t]+", " ", para).strip()
        if para:
            paragraphs.append(para)
    head = re.sub(r"\s+", " ", head.replace("{", "").replace("}", "")).strip()
    return "\n".join([head, *paragraphs] if head else paragraphs) if paragraphs else ""


_WN_SENSE = re.compile(r"(?:^|\s)(?:(?:n|v|adj|adv)\s+)?\d+:\s")
_WN_BRACKET = re.compile(r"\[(?:syn|ant|also|see)[^\]]*\]")


def wordnet_senses(entry: str) -> list[str]:
    """A WordNet entry's senses, each as "word: gloss." followed by its example sentences, one a line."""
    head, _, body = entry.partition("\n")
    word = head.strip()
    body = " ".join(body.split())
    body = _WN_BRACKET.sub("", body).replace("{", "").replace("}", "")
    senses = []
    for part in _WN_SENSE.split(body):
        gloss, *examples = [p.strip() for p in part.split(";")]
        gloss = gloss.rstrip(". ")
        if not gloss:
            continue
        sentences = [e.strip(' "') for e in examples if e.startswith('"')]
        lines = [f"{word}: {gloss}."] + [s[0].upper() + s[1:] + ("" if s[-1] in ".!?" else ".")
                                        for s in sentences if s]
        senses.append("\n".join(lines))
    return senses


def documents(source: Source, tree: Path) -> list[str]:
    """A source's documents, in a fixed order, from its files under the unpacked `tree`."""
    docs = []
    for rel in source.files:
        path = tree / rel
        if not path.exists():
            raise CorpusError(f"{rel} not found in the unpacked {source.package} package; check the package "
                              f"version (this builder was written for {source.version})")
        if source.kind == "fortunes":
            docs += fortunes(path.read_text(encoding="utf-8", errors="replace"))
            continue
        index = path.with_name(path.name.removesuffix(".dict.dz") + ".index").read_text(encoding="utf-8")
        entries = dictd_entries(gzip.decompress(path.read_bytes()), index)
        if source.kind == "dictd":
            docs += [d for d in map(reflow, entries) if d]
        else:  # a sense is listed under each of its words: keep it once, under the first
            glosses = set()
            for sense in (s for e in entries for s in wordnet_senses(e)):
                gloss = sense.split("\n")[0].partition(": ")[2]
                if gloss not in glosses:
                    glosses.add(gloss)
                    docs.append(sense)
    return docs


# --- building ---------------------------------------------------------------------------------
def build(tree: Path, out: Path, sources=SOURCES, words=None) -> dict:
    """Write the corpus to `out` from an unpacked tree; return the manifest (counts, size, checksum)."""
    from greentext.training.documents import clean

    if words is None:
        from greentext.present.safety import WordFilter

        words = WordFilter.default()
    seen: set[str] = set()
    parts, stats = [], []
    for source in sources:
        kept = dropped = duplicates = 0
        for doc in documents(source, tree):
            doc = clean(doc)
            if len(doc) < 20:
                continue
            if doc in seen:
                duplicates += 1
                continue
            seen.add(doc)
            if words.spans(doc):
                dropped += 1
                continue
            parts.append(doc)
            kept += 1
        stats.append({"package": source.package, "version": source.version, "licence": source.licence,
                      "documents": kept, "dropped_by_word_filter": dropped, "duplicates": duplicates})
    text = f"\n{EOS}\n".join(parts) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    out.write_bytes(data)
    return {"file": out.name, "documents": len(parts), "characters": len(text), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "sources": stats}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m greentext.training.debian", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the corpus file (default: runs/corpus/general-en.txt)")
    p.add_argument("--from", dest="source", type=Path,
                   help="a folder of already downloaded .deb files, or an already unpacked tree (no download)")
    p.add_argument("--verify", action="store_true",
                   help="compare the built corpus with the recorded size and checksum (assets/corpus/general-en.json)")
    p.add_argument("--record", action="store_true", help="write the manifest (sources, counts, size, checksum) to assets/corpus/general-en.json")
    args = p.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="greentext-corpus-") as tmp:
            work = Path(tmp)
            if args.source is None:
                tree = fetch(work)
                versions = versions_in(work / "debs")
            elif list(args.source.glob("*.deb")):
                tree, versions = unpack(args.source, work / "tree"), versions_in(args.source)
            elif args.source.is_dir():
                tree, versions = args.source, {}
            else:
                raise CorpusError(f"--from {args.source}: not a folder of .deb files or an unpacked tree")
            manifest = build(tree, args.out)
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for s in manifest["sources"]:
        got = versions.get(s["package"])
        if got and got != s["version"]:
            print(f"note: {s['package']} is {got}; the recorded build used {s['version']} "
                  f"(the text, and so the checksum, may differ)", file=sys.stderr)
    print(f"{args.out}: {manifest['documents']:,} documents, {manifest['characters']:,} characters, "
          f"sha256 {manifest['sha256']}")
    if args.record:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        print(f"recorded in {MANIFEST.name}")
    if args.verify:
        recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))
        if recorded["sha256"] != manifest["sha256"]:
            print(f"error: checksum differs from the recorded build ({recorded['sha256']}, "
                  f"{recorded['characters']:,} characters)", file=sys.stderr)
            return 1
        print("verified: same bytes as the recorded build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
