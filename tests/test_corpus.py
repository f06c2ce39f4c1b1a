"""The general-English corpus builder, on small package trees the tests write (no download)."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from greentext.training import debian as corpus
from greentext.training.debian import Source, build, dictd_entries, fortunes, main, reflow, wordnet_senses
from greentext.present.safety import WordFilter
from greentext.model.tokens import EOS

_B64 = corpus._B64


def b64(n: int) -> str:
    digits = ""
    while True:
        n, r = divmod(n, 64)
        digits = _B64[r] + digits
        if not n:
            return digits


def write_dictd(folder, name: str, entries: dict[str, str], aliases=()):
    """A dictd database (`.dict.dz` + `.index`) with a header entry, as Debian's dict-* packages ship."""
    data, index = b"", []
    for head, body in {"00-database-info": "This is the header.\n", **entries}.items():
        chunk = body.encode("utf-8")
        index.append(f"{head.replace('-', '')}\t{b64(len(data))}\t{b64(len(chunk))}")
        for alias in (a for a, target in aliases if target == head):
            index.append(f"{alias}\t{b64(len(data))}\t{b64(len(chunk))}")
        data += chunk
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(data))
    (folder / f"{name}.index").write_text("\n".join(sorted(index)) + "\n", encoding="utf-8")


@pytest.fixture()
def tree(tmp_path):
    root = tmp_path / "tree"
    games = root / "usr/share/games/fortunes"
    games.mkdir(parents=True)
    (games / "science").write_text("Gravity is a myth; the earth sucks.\n%\nE = mc^2, said the physicist "
                                   "quietly.\n%\n%\nThe cat sat on the shit mat, loudly.\n%\n", encoding="utf-8")
    dictd = root / "usr/share/dictd"
    write_dictd(dictd, "jargon", {
        "kluge": "kluge\n n.\n\n    A clever programming trick intended to solve a particular\n    nasty case "
                 "in an expedient, if not clear, manner. Compare {hack}.\n\n    [Jargon File, 1991]\n\n"
                 "    (1996-01-01)\n",
        "hack": "hack\n n.\n\n    <jargon> Originally, a quick job that produces what is needed,\n    but not "
                "well. See also http://example.com/hack.\n"})
    write_dictd(dictd, "wn", {
        "acclaim": "acclaim\n    n 1: enthusiastic approval; \"the book met with modest acclaim\";\n"
                   "         \"they gave him more eclat\" [syn: {acclaim},\n         {acclamation}]\n"
                   "    v 1: praise vociferously; \"The critics hailed the young pianist\" [syn:\n"
                   "         {acclaim}, {hail}]\n",
        "acclamation": "acclamation\n    n 1: enthusiastic approval; \"the book met with modest acclaim\";\n"
                       "         \"they gave him more eclat\" [syn: {acclaim},\n         {acclamation}]\n"},
        aliases=[("plaudit", "acclaim")])
    return root


SOURCES = (
    Source("fortunes", "1", "BSD", "fortunes", ("usr/share/games/fortunes/science",)),
    Source("dict-jargon", "1", "public domain", "dictd", ("usr/share/dictd/jargon.dict.dz",)),
    Source("dict-wn", "1", "WordNet", "wordnet", ("usr/share/dictd/wn.dict.dz",)),
)


def test_fortunes_split_at_percent_lines():
    assert fortunes("one\ntwo\n%\nthree\n%\n\n%\n") == ["one\ntwo", "three"]


def test_dictd_entries_by_index_once_each_without_the_header(tree):
    d = tree / "usr/share/dictd"
    entries = dictd_entries(gzip.decompress((d / "wn.dict.dz").read_bytes()), (d / "wn.index").read_text())
    assert [e.split("\n")[0] for e in entries] == ["acclaim", "acclamation"]  # the alias adds nothing


def test_reflow_joins_wrapped_lines_and_drops_citations_dates_tags_and_addresses():
    text = reflow("kluge\n n.\n\n    A clever trick intended to solve a\n    nasty case. Compare {hack}.\n\n"
                  "    [Jargon File, 1991]\n\n    (1996-01-01)\n\n    <jargon> See http://x.org/y now.\n")
    assert text == "kluge\nn.\nA clever trick intended to solve a nasty case. Compare hack.\nSee now."


def test_reflow_of_an_entry_without_a_headword_line():
    assert reflow("ROPE, n.  An appliance for reminding\nsome people of things.") == \
        "ROPE, n. An appliance for reminding some people of things."


def test_wordnet_senses_are_gloss_then_examples():
    senses = wordnet_senses("acclaim\n    n 1: enthusiastic approval; \"the book met with modest acclaim\"\n"
                            "         [syn: {acclaim}]\n    v 1: praise loudly; \"critics hailed him\"\n"
                            "    2: clap one's hands [ant: {boo}]\n")
    assert senses == ["acclaim: enthusiastic approval.\nThe book met with modest acclaim.",
                      "acclaim: praise loudly.\nCritics hailed him.", "acclaim: clap one's hands."]


def test_build_writes_documents_separated_by_endoftext_and_drops_listed_words(tree, tmp_path):
    out = tmp_path / "general.txt"
    manifest = build(tree, out, SOURCES, words=WordFilter.default())
    text = out.read_text(encoding="utf-8")
    docs = text.rstrip("\n").split(f"\n{EOS}\n")
    assert "E = mc^2, said the physicist quietly." in docs
    assert not any("shit" in d for d in docs)  # dropped whole, never masked
    assert any(d.startswith("kluge\nn.\nA clever programming trick") for d in docs)
    assert "acclamation: enthusiastic approval." not in text  # the same WordNet sense, kept once
    assert "acclaim: enthusiastic approval.\nThe book met with modest acclaim.\nThey gave him more eclat." in docs
    counts = {s["package"]: s for s in manifest["sources"]}
    assert counts["fortunes"]["documents"] == 2 and counts["fortunes"]["dropped_by_word_filter"] == 1
    assert manifest["documents"] == len(docs)
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_the_training_loader_reads_the_corpus_as_its_documents(tree, tmp_path):
    from greentext.training.documents import load_documents

    out = tmp_path / "general.txt"
    manifest = build(tree, out, SOURCES, words=WordFilter.default())
    assert len(load_documents(str(out))) == manifest["documents"]


def test_the_build_is_reproducible(tree, tmp_path):
    first = build(tree, tmp_path / "a.txt", SOURCES, words=WordFilter.default())
    second = build(tree, tmp_path / "b.txt", SOURCES, words=WordFilter.default())
    assert first["sha256"] == second["sha256"]


def test_cli_verify_against_the_recorded_manifest(tree, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus, "SOURCES", SOURCES)
    monkeypatch.setattr(corpus, "build", lambda t, o: build(t, o, SOURCES))
    manifest = tmp_path / "general-en.json"
    monkeypatch.setattr(corpus, "MANIFEST", manifest)
    out = tmp_path / "c.txt"
    assert main(["--from", str(tree), "--out", str(out), "--record"]) == 0
    assert json.loads(manifest.read_text())["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert main(["--from", str(tree), "--out", str(out), "--verify"]) == 0
    assert "verified" in capsys.readouterr().out
    (tree / "usr/share/games/fortunes/science").write_text("A different fortune entirely.\n%\n")
    assert main(["--from", str(tree), "--out", str(out), "--verify"]) == 1
    assert "checksum differs" in capsys.readouterr().err


def test_missing_file_names_the_package_and_version(tmp_path):
    with pytest.raises(corpus.CorpusError, match="dict-jargon.*written for 1"):
        corpus.documents(SOURCES[1], tmp_path)


def test_without_apt_it_says_what_to_do_instead(monkeypatch, tmp_path):
    monkeypatch.setattr(corpus.shutil, "which", lambda tool: None)
    with pytest.raises(corpus.CorpusError, match="--from.*--data"):
        corpus.fetch(tmp_path)
