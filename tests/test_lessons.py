"""Lessons: the file format and its messages (the bad field named by its path, in both languages), notes
filled with the live model's numbers, claims checked on the tiny GPT-2 (a failure says what it measured),
the scan's parts, and the bundled lessons, which must still hold for the bundled models."""

import json
import math

import pytest

from greentext.decode.engine import Engine
from greentext.decode.settings import InvalidSetting, SamplingSettings
from greentext.decode.walk import Walk
from greentext.language.errors import UserError
from greentext.model.loading import BUNDLED_MODEL
from greentext.present import lesson_scan, lessons
from greentext.present.lessons import LessonError
from greentext.present.safety import WordFilter
from greentext.probes.compare import BASE_MODEL
from greentext.training.languages import is_portuguese

PROMPT = "the lecture\n>be me\n>"


def slide(**changes) -> dict:
    out = {"prompt": PROMPT, "settings": {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "seed": 7},
           "view": "probabilities", "note": {"en": "{top1} has {top1_p}.", "pt": "{top1} tem {top1_p}."}}
    return out | changes


def lesson(*slides, **changes) -> dict:
    return {"name": "test", "lang": "en", "title": {"en": "A test", "pt": "Um teste"},
            "slides": list(slides) or [slide()]} | changes


def error(data) -> LessonError:
    with pytest.raises(LessonError) as caught:
        lessons.parse(data)
    assert isinstance(caught.value, UserError)
    return caught.value


# ---- the format ---------------------------------------------------------------------------------------------
def test_a_lesson_parses_and_round_trips():
    parsed = lessons.parse(lesson(slide(moves=["greedy", "pick:2", "sample"], claims={"top1_at_least": 0.1},
                                        title={"en": "Sure", "pt": "Certeza"}),
                                  slide(settings={"preset": "creative", "seed": 3, "top_k": 20}, view="lens")))
    first, second = parsed.slides
    assert parsed.name == "test" and len(parsed) == 2 and parsed.slide(1) is second
    assert first.moves == ("greedy", "pick:2", "sample") and first.claims == {"top1_at_least": 0.1}
    assert first.settings == SamplingSettings(0.8, 50, 0.95, 80, 7) and first.title.in_lang("pt-BR") == "Certeza"
    assert second.settings == SamplingSettings(1.1, 20, 0.95, 80, 3)  # the preset, then what is given beside it
    assert lessons.parse(json.loads(json.dumps(parsed.as_dict()))) == parsed


@pytest.mark.parametrize("data, path, english, portuguese", [
    (lesson(slide(), slide(), slide(), slide(settings={"temperature": 9, "seed": 1})),
     "slides[3].settings.temperature", "must be 0 (greedy) or a number from 0.01 to 2 (got 9)",
     "deve ser 0 (guloso) ou um número de 0.01 a 2 (recebido: 9)"),
    (lesson(slide(settings={"top_k": 500, "seed": 1})), "slides[0].settings.top_k", "from 0 (off) to 200 (got 500)",
     "de 0 (desligado) a 200 (recebido: 500)"),
    (lesson(slide(settings={"temperature": 0.8})), "slides[0].settings.seed", "is missing", "está faltando"),
    (lesson(slide(settings={"seed": "7"})), "slides[0].settings.seed", "must be a whole number", "deve ser um número"),
    (lesson(slide(settings={"seed": 1, "preset": "wild"})), "slides[0].settings.preset", "one of: greedy, balanced",
     "um destes: greedy, balanced"),
    (lesson(slide(settings={"seed": 1, "temperature": "0.8"})), "slides[0].settings.temperature", "must be a number",
     "deve ser um número"),
    (lesson(slide(colour="green")), "slides[0].colour", "is not a field here (the fields: title, prompt",
     "não é um campo aqui (os campos: title, prompt"),
    (lesson({k: v for k, v in slide().items() if k != "note"}), "slides[0].note", "is missing", "está faltando"),
    (lesson(slide(view="table")), "slides[0].view", "one of: probabilities, lens, compare, attention (got 'table')",
     "um destes: probabilities, lens, compare, attention (recebido: 'table')"),
    (lesson(slide(moves=["sample", "jump"])), "slides[0].moves[1]", '"sample", "greedy" or "pick:N"',
     '"sample", "greedy" ou "pick:N"'),
    (lesson(slide(moves=["pick:0"])), "slides[0].moves[0]", "(N from 1 to 50", "(N de 1 a 50"),
    (lesson(slide(moves=["greedy"] * 3, settings={"seed": 1, "max_new_tokens": 3})),
     "slides[0].settings.max_new_tokens", "more than its 3 moves (got 3)", "maior que os seus 3 movimentos"),
    (lesson(slide(prompt="")), "slides[0].prompt", "is empty", "está vazio"),
    (lesson(slide(prompt="x" * 401)), "slides[0].prompt", "has 401 characters; at most 400", "tem 401 caracteres"),
    (lesson(slide(prompt="be\x00me")), "slides[0].prompt", "without control characters", "sem caracteres de controle"),
    (lesson(slide(note={"en": "fine"})), "slides[0].note.pt", "is missing", "está faltando"),
    (lesson(slide(note={"en": "x" * 801, "pt": "ok"})), "slides[0].note.en", "has 801 characters; at most 800",
     "tem 801 caracteres; o máximo permitido é 800"),
    (lesson(slide(note={"en": "ok", "pt": "{top_one}"})), "slides[0].note.pt", "{top_one} is not a placeholder",
     "{top_one} não é um marcador"),
    (lesson(slide(claims={"top1_is_very": "x"})), "slides[0].claims.top1_is_very", "is not a field here",
     "não é um campo aqui"),
    (lesson(slide(claims={"top1_at_least": 1.5})), "slides[0].claims.top1_at_least", "a number from 0 to 1 (got 1.5)",
     "um número de 0 a 1 (recebido: 1.5)"),
    (lesson(slide(claims={"kept_at_most": 2.5})), "slides[0].claims.kept_at_most", "a whole number",
     "um número inteiro"),
    (lesson(slide(claims={"lens_first_differs": "yes"})), "slides[0].claims.lens_first_differs", "true or false",
     "true ou false"),
    (lesson(slide(claims={"top1_is": ""})), "slides[0].claims.top1_is", "is empty", "está vazio"),
    (lesson(slides=[]), "slides", "a list of 1 to 24 items (got 0)", "uma lista de 1 a 24 itens"),
    (lesson(slides=[slide()] * 25), "slides", "a list of 1 to 24 items (got 25)", "uma lista de 1 a 24 itens"),
    (lesson(name="Next Token"), "name", "lower-case letters, digits and hyphens", "letras minúsculas"),
    (lesson(lang="de"), "lang", "one of: en, pt (got 'de')", "um destes: en, pt (recebido: 'de')"),
    (lesson(title={"en": "x" * 101, "pt": "y"}), "title.en", "at most 100", "o máximo permitido é 100"),
    (lesson(format=2), "format", "one of: 1 (got 2)", "um destes: 1 (recebido: 2)"),
    ([], "lesson", "must be an object with named fields (got [])", "deve ser um objeto com campos nomeados"),
])
def test_every_bad_field_is_named_by_its_path_in_both_languages(data, path, english, portuguese):
    err = error(data)
    en, pt = err.message("en"), err.message("pt")
    assert en.startswith(path) and pt.startswith(path) and en != pt, (en, pt)
    assert english in en and portuguese in pt, (en, pt)
    assert str(err) == en and err.both() == f"{en} / {pt}" and "Traceback" not in en


def test_a_file_is_named_in_its_messages(tmp_path):
    good = tmp_path / "mine.json"
    good.write_text(json.dumps(lesson()), encoding="utf-8")
    assert lessons.load(good).source == "mine.json"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(lesson(slide(view="tabel")), indent=1), encoding="utf-8")
    assert error_of(bad).startswith("bad.json: slides[0].view must be one of")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x",\n "lang": "en"\n "title": {}}', encoding="utf-8")
    assert error_of(broken) == "broken.json cannot be read: line 3, column 2: Expecting ',' delimiter"
    assert error_of(broken, "pt") == "broken.json não pode ser lido: line 3, column 2: Expecting ',' delimiter"
    big = tmp_path / "big.json"
    big.write_text(" " * (lessons.MAX_FILE_BYTES + 1), encoding="utf-8")
    assert error_of(big) == "big.json has 256,001 bytes; a lesson file has at most 256,000"
    assert error_of(big, "pt") == "big.json tem 256.001 bytes; um arquivo de aula tem no máximo 256.000"
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"name": "ação"}'.encode("latin-1"))
    assert error_of(latin).startswith("latin.json cannot be read: not UTF-8")
    assert error_of(tmp_path / "none.json").startswith("none.json cannot be read: No such file")


def error_of(path, lang="en") -> str:
    with pytest.raises(LessonError) as caught:
        lessons.load(path)
    return caught.value.message(lang)


def test_yaml_reads_too(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text('name: mine\nlang: pt\ntitle: {en: Mine, pt: Minha}\nslides:\n'
                    '  - prompt: "a merenda\\n>ser eu\\n>"\n    settings: {preset: greedy, seed: 1}\n'
                    '    view: lens\n    note:\n      en: "{top1} first"\n      pt: |\n        {top1} primeiro\n',
                    encoding="utf-8")
    read = lessons.load(path)
    assert read.slides[0].prompt == "a merenda\n>ser eu\n>" and read.slides[0].settings.greedy
    assert read.slides[0].note.pt == "{top1} primeiro\n"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    assert error_of(path).startswith("mine.yaml cannot be read: ")


def test_a_folder_of_lessons_and_a_links_lesson_and_slide(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.json").write_text(json.dumps(lesson(name=name)), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a lesson", encoding="utf-8")
    found = lessons.load_folder(tmp_path)
    assert sorted(found) == ["one", "two"]
    two_slides = {"two": lessons.parse(lesson(slide(), slide(), name="two"))}
    assert lessons.at("two", "2", two_slides)[1] == 1 and lessons.at("two", 1, two_slides)[1] == 0
    with pytest.raises(InvalidSetting) as bad:
        lessons.at("two", 3, two_slides)
    assert bad.value.message("pt") == "slide deve ser um número inteiro de 1 a 2 (recebido: 3)"
    with pytest.raises(InvalidSetting) as unknown:
        lessons.at("three", 1, two_slides)
    assert unknown.value.message("en") == "lesson must be one of: two (got 'three')"
    (tmp_path / "again.json").write_text(json.dumps(lesson(name="one")), encoding="utf-8")
    with pytest.raises(LessonError, match="Two lessons are named one: again.json and one.json"):
        lessons.load_folder(tmp_path)
    with pytest.raises(InvalidSetting):
        found["one"].slide(1)


# ---- a slide on a model: the walk, the note, the claims -------------------------------------------------------
def test_a_slide_is_the_walk_after_its_moves(engine):
    parsed = lessons.parse(lesson(slide(moves=["greedy", "pick:3", "sample"], view="attention")))
    shown = lessons.show(parsed, 0, engine, lang="pt", top_n=5)
    walk = Walk.start(engine, PROMPT, parsed.slides[0].settings, 5)
    walk.greedy(), walk.pick(rank=3), walk.sample()
    assert shown.walk.state() == walk.state() and shown.walk.state()["history"][1][0] == "picked"
    assert shown.step == walk.candidates() and shown.step.chosen is None
    assert shown.text == PROMPT + walk.text and shown.view == "attention" and shown.position == "1 / 1"
    assert shown.lens is None and shown.base is None  # nothing asked for them
    assert shown.prompt == PROMPT and shown.settings == parsed.slides[0].settings and len(shown.moves) == 3


def test_notes_are_filled_with_the_live_numbers_in_the_pages_language(engine, other):
    note = ("{top1} {top1_p} · {top2} {top2_p} · {top3} · H {entropy} · kept {kept} · draw {sampled_top1_p} · "
            "T {temperature} k {top_k} p {top_p} · lens {lens_first} {lens_first_p} → {lens_settles}/{layers} · "
            "base {base_top1} {base_top1_p} · {base_p} {ratio}")
    parsed = lessons.parse(lesson(slide(note={"en": note, "pt": note}, view="compare",
                                        settings={"temperature": 1.25, "top_k": 0, "top_p": 0.9, "seed": 2})))
    shown = lessons.show(parsed, 0, engine, lang="pt", base_engine=other, top_n=10, need={"lens"})
    step, c = shown.step, shown.step.candidates
    pt, en = shown.note, shown.note_in("en")
    assert pt.startswith(f"`{c[0].token}` {c[0].p_raw * 100:.1f}%".replace(".", ",") + f" · `{c[1].token}`")
    assert en.startswith(f"`{c[0].token}` {c[0].p_raw * 100:.1f}% · `{c[1].token}`")
    assert f"H {step.entropy:.1f}".replace(".", ",") in pt and f"kept {step.kept_count:,}".replace(",", ".") in pt
    assert "T 1,25 k desligado p 0,9" in pt and "T 1.25 k off p 0.9" in en
    assert f"→ {lessons.settles(shown.lens)}/2" in en and "base `" in en
    values = shown.values
    assert math.isclose(values["ratio"], c[0].p_raw / shown.base.p) and values["top1"] == c[0].raw
    assert "{" not in en and lessons.MISSING not in en
    # without a base model, its placeholders read "—"; as plain text, tokens are not in code spans
    plain = lessons.show(parsed, 0, engine, lang="en").note_in("en", markdown=False)
    assert plain.startswith(f"{c[0].token} ") and plain.endswith("base — — · — —")


def test_a_token_in_a_note_is_masked_in_lecture_safe_mode(engine, swearing):
    parsed = lessons.parse(lesson(slide(note={"en": "next: {top1}", "pt": "próximo: {top1}"})))
    shown = lessons.show(parsed, 0, engine, words=WordFilter.default())
    assert shown.step.candidates[0].raw == " shit" and shown.note == "next: `·████`"
    assert lessons.show(parsed, 0, engine).note == "next: `·shit`"


def test_a_token_with_backticks_stays_one_code_span():
    assert lessons._token("a`b", None, True) == "``a`b``" and lessons._token("`", None, True) == "`` ` ``"


@pytest.fixture(scope="module")
def other(other_tiny_path):
    return Engine.load(str(other_tiny_path), device="cpu")


def measured_values(engine, other, data) -> dict:
    return lessons.show(lessons.parse(lesson(data)), 0, engine, base_engine=other, need={"lens", "base"}).values


def test_claims_that_hold_pass_and_the_others_say_what_was_measured(engine, other):
    v = measured_values(engine, other, slide())
    holds = {"top1_at_least": v["top1_p"] - 0.01, "top1_at_most": v["top1_p"] + 0.01, "top1_is": v["top1"],
             "entropy_at_least": v["entropy"] - 0.1, "entropy_at_most": v["entropy"] + 0.1,
             "kept_at_least": v["kept"], "kept_at_most": v["kept"], "sampled_top1_at_least": v["sampled_top1_p"] - 0.01,
             "lens_settles_at_most": v["lens_settles"], "lens_first_differs": v["lens_first_differs"],
             "tuned_over_base_at_least": v["ratio"] / 2, "base_p_at_most": min(1, v["base_p"] * 2)}
    parsed = lessons.parse(lesson(slide(claims=holds)))
    assert lessons.check(parsed, engine, other) == []
    results = lessons.measure(parsed, engine, other)
    assert {r.claim for r in results} == set(holds) and all(r.holds for r in results)
    assert all(r.margin() is None or r.margin() >= 0 for r in results)
    # without the base model the compare claims are not measured (not failed)
    assert lessons.check(parsed, engine) == []
    assert {r.claim for r in lessons.measure(parsed, engine) if r.holds is None} == {"tuned_over_base_at_least",
                                                                                      "base_p_at_most"}

    fails = {"top1_at_least": min(1.0, v["top1_p"] + 0.05), "top1_is": "zebra", "kept_at_least": v["kept"] + 1,
             "lens_settles_at_least": 3, "lens_first_differs": not v["lens_first_differs"],
             "tuned_over_base_at_least": v["ratio"] * 3}
    failed = lessons.check(lessons.parse(lesson(slide(), slide(claims=fails))), engine, other)
    assert {f.claim for f in failed} == set(fails) and all(f.slide == 1 for f in failed)
    by = {f.claim: f for f in failed}
    top1 = f"{v['top1_p'] * 100:.1f}%"
    assert by["top1_at_least"].message("en") == \
        f"slides[1].claims.top1_at_least = {fails['top1_at_least'] * 100:.1f}% no longer holds: the model gives {top1}"
    assert by["top1_at_least"].message("pt").endswith(f"não vale mais: o modelo dá {top1.replace('.', ',')}")
    assert by["top1_is"].measured == v["top1"] and f"gives {v['top1']!r}" in by["top1_is"].message("en")
    assert by["kept_at_least"].measured == v["kept"] and by["kept_at_least"].margin() == -1
    assert by["lens_settles_at_least"].measured == v["lens_settles"] < 3  # the tiny model has 2 layers
    said = "sim" if v["lens_first_differs"] else "não"
    assert by["lens_first_differs"].message("pt").endswith(f"o modelo dá {said}")
    assert 0.3 < by["tuned_over_base_at_least"].margin() < 0.4


def test_a_slide_whose_moves_end_the_story_fails_with_the_reason(engine, monkeypatch):
    parsed = lessons.parse(lesson(slide(moves=["greedy"], claims={"top1_at_least": 0.0})))
    real = engine.eos_id
    greedy = Walk.start(engine, PROMPT, parsed.slides[0].settings, 3).greedy().chosen.id
    monkeypatch.setattr(engine, "eos_id", greedy)  # the greedy move writes "<|endoftext|>"
    [failure] = lessons.check(parsed, engine)
    assert failure.claim == "moves" and failure.path == "slides[0]" and real != greedy
    assert failure.message("en").startswith("slides[0]: its moves do not reach its step: The story is finished")


def test_two_slides_on_one_step_are_a_what_if():
    cold, hot, sampled = (lessons.parse_slide(slide(settings={"temperature": t, "seed": 1}, moves=m))
                          for t, m in ((0.2, ["greedy"]), (1.5, ["greedy"]), (1.5, ["sample"])))
    assert hot.same_step_as(cold) and not sampled.same_step_as(hot) and not hot.same_step_as(None)


# ---- the scan ---------------------------------------------------------------------------------------------------
def test_the_scans_prompts_start_at_a_line_and_fit_a_projector():
    story = "the title\n>be me\n>one\n>two\n>three\n>four\n>five and " + "x" * 30
    assert lesson_scan.cut(story) == ">one\n>two\n>three\n>four\n>five and " + "x" * 30  # 5 lines
    assert lesson_scan.cut(story + "x" * 150) == ">four\n>five and " + "x" * 180  # at most 200 characters
    assert lesson_scan.cut("title\n>be me\n>") == "title\n>be me\n>"
    assert lesson_scan.cut(">" + "y" * 300) == ">" + "y" * 300  # one line is kept whole
    assert lesson_scan.spread(list(range(10)), 3) == [0, 3, 6] and lesson_scan.spread([1], 5) == [1]
    assert lesson_scan.is_portuguese("a merenda\n>ser eu\n>9 anos") and not lesson_scan.is_portuguese(">be me")


def test_the_scan_finds_slides_that_parse_and_hold(engine, other, tmp_path):
    val = tmp_path / "val.jsonl"
    stories = ["the exam\n>be me\n>open the paper\n>it is the practice exam\n>same questions",
               "a merenda\n>ser eu\n>9 anos\n>hoje tem macarronada na merenda\n>a escola inteira sabe"]
    val.write_text("".join(json.dumps({"id": f"S-{i}", "text": t}) + "\n" for i, t in enumerate(stories)),
                   encoding="utf-8")
    out = lesson_scan.run(engine, other, val, limit=5, top=1, log=lambda s: None)
    assert out["stories"] == {"en": 1, "pt": 1} and set(out["kinds"]) == set(lesson_scan.KINDS)
    found = [c for kind in out["kinds"].values() for lang in kind.values() for c in lang]
    assert found and all(c["story"] in ("S-0", "S-1") for c in found)
    for c in found:
        checked = lessons.parse(lesson(*c["slides"]))
        assert lessons.check(checked, engine, other) == []  # the claims written hold, on the prompt written
        assert all(s.prompt in stories[int(c["story"][2:])] for s in checked.slides)
    assert json.loads(json.dumps(out)) == out


def test_the_scan_has_a_help(capsys):
    with pytest.raises(SystemExit) as done:
        lesson_scan.main(["--help"])
    assert done.value.code == 0 and "--limit" in capsys.readouterr().out


# ---- the bundled lessons hold for the bundled models ------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled_models():
    if not all((p / "model.safetensors").is_file() for p in (BUNDLED_MODEL, BASE_MODEL)):
        pytest.skip(f"the bundled models are not built ({BUNDLED_MODEL}, {BASE_MODEL}): nothing to check the "
                    "lessons against")
    return Engine.load(str(BUNDLED_MODEL), device="cpu"), Engine.load(str(BASE_MODEL), device="cpu")


def test_the_bundled_lessons_read_and_cover_every_kind_of_slide():
    found = lessons.bundled()
    assert {lesson.lang for lesson in found.values()} == {"en", "pt"}
    for name, deck in found.items():
        assert deck.source == f"{name}.json" and 6 <= len(deck) <= 8, name
        views = [s.view for s in deck.slides]
        assert {"probabilities", "lens", "compare"} <= set(views), name
        claims = [set(s.claims) for s in deck.slides]
        assert all(claims), f"{name}: every slide makes a claim"
        temps = {s.settings.temperature for s in deck.slides}
        assert {0.2, 1.5} <= temps, name
        pairs = [(a, b) for a, b in zip(deck.slides, deck.slides[1:]) if b.same_step_as(a)]
        assert any({a.settings.temperature, b.settings.temperature} == {0.2, 1.5} for a, b in pairs), name
        assert any({(a.settings.top_k, a.settings.top_p), (b.settings.top_k, b.settings.top_p)} == {(10, 1.0), (0, 0.9)}
                   for a, b in pairs), name
        words = WordFilter.default()
        for s in deck.slides:
            assert words.mask(s.prompt).count == 0 and not any(words.mask(n).count for n in (s.note.en, s.note.pt))
            assert (deck.lang == "pt") == is_portuguese(s.prompt), (name, s.prompt)


def test_the_bundled_lessons_hold_for_the_bundled_models(bundled_models):
    engine, base = bundled_models
    for name, deck in lessons.bundled().items():
        results = lessons.measure(deck, engine, base)
        assert results and all(r.holds is not None for r in results), name
        failed = [r.message("en") for r in results if not r.holds]
        assert not failed, f"{name}: the lesson no longer holds for the bundled model:\n" + "\n".join(failed)
        for i in range(len(deck)):  # every note fills in both languages
            shown = lessons.show(deck, i, engine, base_engine=base)
            assert lessons.MISSING not in shown.note_in("en") + shown.note_in("pt"), (name, i)
