"""Near-duplicates by MinHash LSH: finds reworded copies, leaves different stories alone, caches signatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentext.training import dedup

STORY = "the bus\n>be me\n>wait for the bus at 7\n>bus arrives full\n>wait for the next one\n>it is also full\n>walk to school\n>arrive before both buses"
REWORDED = "bus day\n>be me\n>wait for the bus at 7\n>bus arrives full\n>wait for the next one\n>it is also full\n>walk to school\n>beat both buses there"
OTHER = "the cake\n>be me, a baker\n>bake a lemon cake\n>forget the sugar\n>customers love it anyway\n>now sell sour cake"


def test_shingles_leave_out_the_title_and_the_shared_opening():
    assert "be me wait" not in dedup.shingles(STORY)
    assert "the bus be" not in dedup.shingles(STORY)
    assert "wait for the" in dedup.shingles(STORY)


def test_a_reworded_copy_is_found_and_a_different_story_is_not():
    index = dedup.NearDuplicates()
    index.add(["a"], [STORY])
    found = index.check([{"id": "b", "text": REWORDED}, {"id": "c", "text": OTHER}])
    assert [(a, b) for a, b, _ in found] == [("a", "b")]
    assert dedup.jaccard(STORY, REWORDED) >= dedup.THRESHOLD > dedup.jaccard(STORY, OTHER)


def test_copies_within_the_new_texts_are_found_too():
    found = dedup.NearDuplicates().check([{"id": "x", "text": STORY}, {"id": "y", "text": REWORDED}])
    assert [(a, b) for a, b, _ in found] == [("x", "y")]


def test_signatures_of_a_file_are_cached_until_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(dedup, "CACHE", tmp_path / "cache")
    path = tmp_path / "s0001.jsonl"
    path.write_text(json.dumps({"id": "a", "text": STORY}) + "\n", encoding="utf-8")
    first = dedup._cached(path, "k")[2]
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert (dedup._cached(path, "k")[2] == first).all()
    path.write_text(json.dumps({"id": "a", "text": OTHER}) + "\n", encoding="utf-8")
    assert not (dedup._cached(path, "k")[2] == first).all()  # a changed file is hashed again


def test_a_write_cut_short_leaves_no_cache_to_read(tmp_path, monkeypatch):
    """Two checks at once (two test workers, two writers) each read the cache while the other may be writing
    it: a half-written signature file under the cache's name made the reader fail (np.load on a cut file)."""
    monkeypatch.setattr(dedup, "CACHE", tmp_path / "cache")
    path = tmp_path / "s0001.jsonl"
    path.write_text(json.dumps({"id": "a", "text": STORY}) + "\n", encoding="utf-8")
    real_save = dedup.np.save

    def cut_short(file, array):  # what another process sees mid-write: the first bytes, then nothing
        real_save(file, array)
        Path(file).write_bytes(Path(file).read_bytes()[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(dedup.np, "save", cut_short)
    with pytest.raises(KeyboardInterrupt):
        dedup._cached(path, "k")
    monkeypatch.setattr(dedup.np, "save", real_save)
    assert list((tmp_path / "cache").iterdir()) == []
    assert dedup._cached(path, "k")[2].shape == (1, dedup.PERMUTATIONS)


def test_pairs_within_an_index_are_found_once():
    index = dedup.NearDuplicates()
    index.add(["a", "b", "c"], [STORY, OTHER, REWORDED])
    assert [(a, b) for a, b, _ in index.pairs()] == [("a", "c")]
