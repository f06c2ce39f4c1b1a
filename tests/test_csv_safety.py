"""The CSV exports open safely in a spreadsheet (CSV injection, issue 14): a text cell that would run as a
formula gains one leading ', numbers stay numbers, and the text reads back exactly."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greentext.language import numbers
from greentext.present import export
from greentext.decode.settings import SamplingSettings
from greentext.present.spreadsheet import original, text_cell
from greentext.decode.steps import Candidate, Chosen, Step

# What a spreadsheet runs at the start of a cell (written out here, not taken from the module under test).
RUNS = "=+-@\t\r\n\0＝＋－＠ー"

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", "  \t @x",
           "=cmd|' /C calc'!A0", "＝cmd|' /C calc'!A0", "'=1", "''-1", "\u3000=1",
           'a,b;c "quoted" \'x\'\n=1+1;=2,+3\r\n"=4"', "=1+1\";=1+1", "=1+2'\" ;,=1+2"]
# Prompts the app accepts (check_prompt refuses other control characters, such as a carriage return).
PROMPTS = [p for p in HOSTILE if "\r" not in p and "\0" not in p]
TOKENS = ["=1+1", "-1", "+44", "@SUM(A1)", "-ing", " -", "\t=1", "＝1", "'=1", "'s", " be", "=", "-", "@", ",;\"\n"]

STEPS_TEXT = (1, 4, 11)  # context, token, cut_by
STEPS_INT = (0, 2, 3)  # step, rank, token_id
STEPS_FLOAT = (5, 6, 7, 8, 9)  # logit, p_raw, p_temperature, p_final, cumulative
STEPS_BOOL = (10, 12)  # kept, chosen


def runs(cell: str) -> bool:
    """Whether a spreadsheet would take the cell for a formula: a trigger first, or after whitespace."""
    first, after_spaces = cell[:1], cell.lstrip()[:1]
    return (first != "" and first in RUNS) or (after_spaces != "" and after_spaces in RUNS)


def hand_made(context: str, tokens=TOKENS) -> Step:
    """A step whose candidates are `tokens`, with negative logits, the first one chosen."""
    cands = [Candidate(r, 1000 + r, t, t, -3.123456 * r, 0.5 ** r, 0.5 ** r, 0.5 ** r if r < 3 else 0.0,
                       1 - 0.5 ** r, r < 3, None if r < 3 else "top_p") for r, t in enumerate(tokens, 1)]
    chosen = Chosen(1001, tokens[0], tokens[0], 1, 0.5, 0.5, "sampled")
    return Step(0, context, 4, cands, chosen, 0.01, 0.0, 2.25, 1.0, 2)


def steps_rows(steps, locale="en"):
    return list(csv.reader(io.StringIO(export.steps_csv(steps, locale)), delimiter=";" if locale == "pt-BR" else ","))


def slides_rows(steps, locale, top):
    return list(csv.reader(io.StringIO(export.slides_csv(steps, locale, top=top)),
                           delimiter=";" if locale == "pt-BR" else ","))


def number(cell: str, locale: str = "en") -> float:
    """A numeric cell as a spreadsheet in `locale` reads it (pt-BR: decimal comma, no point)."""
    assert cell == cell.strip() and not cell.startswith("'"), cell
    if locale == "pt-BR":
        assert "." not in cell, cell
        cell = cell.replace(",", ".")
    return float(cell.removesuffix("%"))


def check_steps_csv(steps):
    """Both locales' full CSV (en: "," and "."; pt-BR: ";" and ","); returns the English rows."""
    for locale in ("pt-BR", "en"):
        rows = steps_rows(steps, locale)
        assert rows[0] == export.CSV_COLUMNS
        expected = [(s, x) for s in steps for x in s.candidates]
        assert len(rows) == 1 + len(expected)
        for row, (s, x) in zip(rows[1:], expected):
            assert len(row) == len(export.CSV_COLUMNS), row  # separators, quotes, line breaks stayed inside
            assert not any(runs(row[i]) for i in STEPS_TEXT), row
            assert [original(row[i]) for i in STEPS_TEXT] == [s.context, x.raw, x.cut_by or ""]
            assert [int(row[i]) for i in STEPS_INT] == [s.index + 1, x.rank, x.id]
            assert all(isinstance(number(row[i], locale), float) for i in STEPS_FLOAT)
            assert row[5] == numbers.decimal(x.logit, locale, 6)
            assert number(row[5], locale) == pytest.approx(x.logit, abs=1e-6)
            assert all(row[i] in ("True", "False") for i in STEPS_BOOL)
    return rows


def check_slides_csv(steps, locale, top=5):
    rows = slides_rows(steps, locale, top)
    assert not any(runs(c) for c in rows[0])
    assert len(rows) == 1 + len(steps)
    for row, s in zip(rows[1:], steps):
        listed = s.candidates[:top]
        assert len(row) == len(rows[0]) - (top - len(listed)), row
        text = row[1:3 + len(listed)]
        assert not any(runs(c) for c in text), row
        shown = [f"{x.raw.strip() or x.token} {numbers.percent(x.p_raw, locale)}" for x in [s.chosen, *listed]]
        assert [original(c) for c in text] == [f"{export.context_tail(s.context)} →", *shown]
        assert int(row[0]) == s.index + 1
        assert number(row[-2], locale) >= 0 and row[-2].endswith("%")
        assert number(row[-1], locale) == pytest.approx(s.entropy, abs=0.006)
    return rows


# ---- the cell rule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE + TOKENS)
def test_a_hostile_cell_gains_one_quote_and_reads_back(text):
    cell = text_cell(text)
    assert not runs(cell) and original(cell) == text
    assert cell == ("'" + text if runs(text.lstrip("'")) or runs(text) else text)


@pytest.mark.parametrize("text, cell", [("=1+1", "'=1+1"), ("-1", "'-1"), ("-ing 5,0%", "'-ing 5,0%"),
                                        (" =1", "' =1"), ("\t=1", "'\t=1"), ("'=1", "''=1"), ("＝1", "'＝1"),
                                        ("be me", "be me"), ("'s", "'s"), ("", ""), ("1 - 2", "1 - 2"),
                                        ("a=b", "a=b"), ("…=1 →", "…=1 →")])
def test_the_rule_by_example(text, cell):
    assert text_cell(text) == cell and original(cell) == text


ANY = st.one_of(st.text(), st.text(alphabet=RUNS + " '\"\u3000\u00a0,;a1\\"), st.text(alphabet=st.characters()))


@settings(max_examples=400, deadline=None)
@given(text=ANY)
def test_any_text_never_runs_and_reads_back(text):
    cell = text_cell(text)
    assert not runs(cell)
    assert original(cell) == text
    assert cell in (text, "'" + text)  # at most one ' added, nothing else changed
    for delimiter in (",", ";"):  # and through the csv module, both separators
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter).writerow([text_cell(text), "-1.5"])
        (read,) = list(csv.reader(io.StringIO(out.getvalue()), delimiter=delimiter))
        assert [original(read[0]), read[1]] == [text, "-1.5"]


# ---- both CSVs, hand-made steps ---------------------------------------------------------------------------
@pytest.mark.parametrize("context", HOSTILE)
def test_steps_csv_with_hostile_context_and_tokens(context):
    rows = check_steps_csv([hand_made(context)])
    by_token = {original(r[4]): r[4] for r in rows[1:]}
    assert by_token["=1+1"] == "'=1+1" and by_token["-1"] == "'-1" and by_token["@SUM(A1)"] == "'@SUM(A1)"
    assert by_token[" be"] == " be" and by_token["'s"] == "'s" and by_token["'=1"] == "''=1"
    assert rows[1][5] == "-3.123456" and rows[2][5] == "-6.246912"  # negative logits: plain numbers


@pytest.mark.parametrize("locale", ["en", "pt-BR"])
@pytest.mark.parametrize("context", HOSTILE)
def test_slides_csv_with_hostile_context_and_tokens(context, locale):
    rows = check_slides_csv([hand_made(context)], locale, top=8)
    pct = "50,0%" if locale == "pt-BR" else "50.0%"
    assert rows[1][2] == rows[1][3] == f"'=1+1 {pct}"  # the chosen token and rank 1
    assert rows[1][5].startswith("'+44 ") and rows[1][7].startswith("'-ing ")


@pytest.mark.parametrize("locale", ["en", "pt-BR"])
def test_slides_csv_every_token_as_the_lead(locale):
    """Each hostile token chosen in turn, and contexts long enough to be cut (the "…" tail)."""
    steps = []
    for i, token in enumerate(TOKENS):
        step = hand_made(HOSTILE[i % len(HOSTILE)] * 9, [token, *TOKENS])
        step.index = i
        steps.append(step)
    check_slides_csv(steps, locale, top=5)
    check_steps_csv(steps)


def test_headers_are_unchanged():
    assert steps_rows([hand_made("x")])[0] == export.CSV_COLUMNS
    assert slides_rows([hand_made("x")], "pt-BR", 2)[0][:3] == ["passo", "contexto", "escolhido (p, T=1)"]


# ---- both CSVs, real steps from the tiny model ----------------------------------------------------------------
FORMULA_TOKENS = ("=", "-", "@", "+", " =", "\t", '="')


@pytest.fixture()
def formula_model(engine, monkeypatch):
    """The tiny model made to write "=" next and to rank "-", "@", "+", " =", a tab and '="' high (it never
    would); each is one token of GPT-2's vocabulary."""
    ids = {t: engine.tokenizer.encode(t)[0] for t in FORMULA_TOKENS}
    assert all(engine.tokenizer.encode(t) == [ids[t]] for t in FORMULA_TOKENS)
    real = engine.model.forward

    def forward(*args, **kwargs):
        out = real(*args, **kwargs)
        for t, boost in zip(ids, (60, 50, 50, 50, 50, 50, 50)):
            out.logits[..., ids[t]] += boost
        return out

    monkeypatch.setattr(engine.model, "forward", forward)
    return ids


@pytest.mark.parametrize("prompt", PROMPTS)
def test_real_steps_with_hostile_prompts_in_both_csvs(engine, formula_model, prompt):
    run = engine.generate(prompt, SamplingSettings(temperature=0, max_new_tokens=3), top_n=8)
    steps = run.steps
    assert len(steps) == 3 and steps[0].context == prompt and run.text == "==="
    assert {x.raw for x in steps[0].candidates} >= set(FORMULA_TOKENS)
    rows = check_steps_csv(steps)
    assert any(r[4] == "'=" for r in rows[1:]) and any(r[1] == "'" + prompt + "==" for r in rows[1:])
    for locale in ("en", "pt-BR"):
        check_slides_csv(steps, locale, top=5)
