"""The project's greentexts: the rules every story follows, and the frozen validation split."""

from __future__ import annotations

import pytest

from greentext.training import greentexts as stories
from greentext.present.safety import WordFilter


def story(id_, *lines, topic="school", title="a title"):
    return {"id": id_, "topic": topic, "text": "\n".join([title, *lines])}


A = story("a", ">be me", ">walk into class", ">forget the exam", ">teacher forgets too", ">we both go home")
B = story("b", ">be me", ">bake bread", ">bread rises", ">so do i", ">at 4am, sadly")
C = story("c", ">be me", ">walk into class", ">forget the exam", ">teacher forgets too", ">we both stay")


def test_the_bundled_corpus_follows_every_rule():
    train, val = stories.read(stories.TRAIN), stories.read(stories.VAL)
    assert len(train) + len(val) >= 3000
    assert stories.problems(train, val) == []


def test_validation_is_frozen_apart_from_training():
    train, val = stories.read(stories.TRAIN), stories.read(stories.VAL)
    assert len(val) >= 250
    assert not {s["id"] for s in train} & {s["id"] for s in val}
    assert not {s["text"] for s in train} & {s["text"] for s in val}
    assert {s["topic"] for s in val} >= {"brazil", "programming", "school"}  # every kind of story is held out


def test_format_problems():
    assert stories.format_problems(A) == []
    assert "needs 5–14 lines" in stories.format_problems(story("x", ">be me", ">short"))[0]
    assert "start with '>'" in stories.format_problems(story("x", ">be me", "no arrow", ">a", ">b", ">c"))[0]
    assert "title" in stories.format_problems(story("x", ">be me", ">a", ">b", ">c", ">d", title=">t"))[0]


def test_near_duplicates_ignore_the_shared_opening():
    assert stories.near_duplicates([A, B, C]) == [("a", "c")]
    assert stories.near_duplicates([A, B]) == []  # both open with ">be me", nothing else in common


def test_problems_names_listed_words_and_duplicate_ids():
    bad = story("d", ">be me", ">say a shit word", ">oops", ">sorry", ">the end")
    found = stories.problems([A, B], [bad, dict(B)], words=WordFilter.default())
    assert "d: has a word on the lecture-safe lists" in found and "b: id used twice" in found


def test_split_is_seeded_and_drawn_within_each_topic():
    many = [story(f"{t}-{i}", ">be me", f">{t} line {i}", ">x" + str(i), ">y" + str(i), ">z" + str(i), topic=t)
            for t in ("school", "brazil") for i in range(20)]
    train, val = stories.split(many, 0.1, seed=3)
    assert sorted(s["topic"] for s in val) == ["brazil"] * 2 + ["school"] * 2
    assert stories.split(many, 0.1, seed=3) == (train, val)


def test_freeze_adds_without_moving_and_leaves_out_near_duplicates(tmp_path):
    train_path, val_path = tmp_path / "train.jsonl", tmp_path / "val.jsonl"
    stories.write(train_path, [A])
    stories.write(val_path, [])
    new = [C] + [story(f"n{i}", ">be me", f">new thing {i}", f">then {i}", f">and {i}", f">end {i}") for i in range(20)]
    added = stories.freeze(new, train_path, val_path)
    assert added == (18, 2)  # C repeats A: left out
    train, val = stories.read(train_path), stories.read(val_path)
    assert train[0] == A and len(train) == 19 and len(val) == 2


def test_help_is_an_answer_not_an_error(capsys):
    """Issue 20.11: `python -m greentext.training.greentexts --help` exited 2."""
    assert stories.main(["--help"]) == 0 and "check" in capsys.readouterr().out
    assert stories.main([]) == 2


def test_the_bundled_corpus_has_no_reworded_copies():
    """MinHash LSH over word 3-grams (greentext.training.dedup): the near-duplicates the line rule misses."""
    assert stories.minhash_problems() == []
