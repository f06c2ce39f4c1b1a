"""Writing briefs: seeded, varied, in both languages; and the checks a batch must pass."""

from __future__ import annotations

import json

import pytest

from greentext.training import briefs


def test_a_brief_is_the_same_draw_every_time_and_batches_differ():
    assert briefs.story_brief(7) == briefs.story_brief(7)
    assert briefs.story_brief(7).items != briefs.story_brief(8).items
    b = briefs.story_brief(7)
    assert len(b.items) == briefs.STORIES_PER_BATCH
    assert {s.ending for s in b.items} == set(briefs.ENDINGS)
    assert len({s.words for s in b.items}) == len(b.items)  # no two stories get the same three words
    assert len({(s.narrator, s.place) for s in b.items}) > len(b.items) // 2


def test_three_batches_in_ten_are_in_portuguese_with_portuguese_ingredients():
    langs = [briefs.language_of(n) for n in range(100)]
    assert langs.count("pt-BR") == 30
    pt = briefs.story_brief(3)
    assert pt.language == "pt-BR" and pt.topic in briefs.TOPICS_PT
    assert all(s.narrator in briefs.NARRATORS_PT and set(s.words) <= set(briefs.PT_WORDS) for s in pt.items)
    assert "pão de queijo" in briefs.PT_WORDS  # multi-word names stay whole
    assert "queijo" not in briefs.PT_WORDS


def test_uses_word_accepts_inflections_not_other_words():
    assert briefs.uses_word("two Umbrellas by the door", "umbrella")
    assert briefs.uses_word("comi um pao de queijo", "pão de queijo")
    assert not briefs.uses_word("comi pão", "pão de queijo")
    assert not briefs.uses_word("a cat", "kettle")


def test_variety_measures_openings_and_words():
    same = ["t\n>be me\n>go to school\n>go to school\n>go home"] * 4
    varied = ["t\n>be me\n>wake up late\n>bus leaves early\n>walk instead", "u\n>be me\n>cat sits on keyboard\n>"
              "email sends itself\n>boss replies with a cat"]
    assert briefs.variety(same).openings < briefs.variety(varied).openings
    assert briefs.variety(same).words < briefs.variety(varied).words
    assert briefs.variety(same).problems(briefs.FLOOR)  # a repetitive batch is rejected
    assert briefs.variety(varied).problems(briefs.FLOOR) == []


def _batch(tmp_path, n, texts):
    b = briefs.story_brief(n)
    path = tmp_path / f"s{n:04d}.jsonl"
    path.write_text("".join(json.dumps({"id": b.id(i), "topic": b.topic, "text": t}) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    return path


def test_check_names_every_broken_rule(tmp_path, monkeypatch):
    monkeypatch.setattr(briefs, "STORY_BATCHES", tmp_path)
    b = briefs.story_brief(0)
    good = [f"story {i}\n>be me\n>{' and '.join(s.words)} on day {i}\n>line {i} a\n>line {i} b\n>line {i} c"
            for i, s in enumerate(b.items)]
    bad = good[:-2] + ["no arrows\nbe me", good[0]]
    found = "\n".join(briefs.check(_batch(tmp_path, 0, bad)))
    assert "must start with '>'" in found or "5–14 lines" in found
    assert "does not use" in found  # the last slot was given another slot's story
    assert "near-duplicates" in found
    with pytest.raises(ValueError, match="sNNNN"):
        briefs.batch_of(tmp_path / "batch.jsonl")


def test_check_a_prose_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(briefs, "PROSE_BATCHES", tmp_path)
    b = briefs.prose_brief(1)
    path = tmp_path / "p0001.jsonl"
    rows = [{"id": b.id(i), "lang": b.language, "form": p.form, "text": "Short. " + " ".join(p.words)}
            for i, p in enumerate(b.items)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = "\n".join(briefs.check(path))
    assert "words (write 250–450)" in found


def test_the_command_line_prints_a_brief_and_help(capsys):
    assert briefs.main(["story", "3"]) == 0
    out = capsys.readouterr().out
    assert "Brazilian Portuguese" in out and "s0003-40" in out and ">ser eu" in out
    assert briefs.main(["--help"]) == 0
    assert briefs.main(["nonsense"]) == 2
