"""Steps as data: the API's JSON, the full CSV and the slide-ready CSV (pt-BR and English)."""

import csv
import io

from greentext.language import numbers
from greentext.present import export
from greentext.decode.steps import Candidate, Chosen, Step


def steps():
    cands = [Candidate(1, 5, "·be", " be", 2.0, 0.853, 0.9, 1.0, 0.9, True, None),
             Candidate(2, 6, "·me", " me", 1.0, 0.061, 0.1, 0.0, 1.0, False, "top_p")]
    return [Step(0, ">be me\n>", 3, cands, Chosen(5, "·be", " be", 1, 0.853, 1.0, "sampled"), 0.086, 0.0, 1.5, 0.0, 1)]


def test_percent_and_decimal_by_locale():
    assert numbers.percent(0.853, "pt-BR") == "85,3%" and numbers.percent(0.853, "en") == "85.3%"
    assert numbers.decimal(1.234, "pt-BR") == "1,23" and numbers.decimal(1.234, "en") == "1.23"


def test_steps_csv_has_every_candidate_and_marks_the_chosen():
    rows = list(csv.reader(io.StringIO(export.steps_csv(steps()))))
    assert rows[0] == export.CSV_COLUMNS and len(rows) == 3
    assert rows[1][1] == ">be me\n>" and rows[1][-1] == "True" and rows[2][-1] == "False" and rows[2][11] == "top_p"


def test_slides_csv_in_both_languages():
    pt = list(csv.reader(io.StringIO(export.slides_csv(steps(), "pt-BR", top=2)), delimiter=";"))
    en = list(csv.reader(io.StringIO(export.slides_csv(steps(), "en", top=2))))
    assert pt[0] == ["passo", "contexto", "escolhido (p, T=1)", "1º (p, T=1)", "2º (p, T=1)", "outros (p, T=1)",
                     "entropia (bits)"]
    assert en[0] == ["step", "context", "chosen (p, T=1)", "#1 (p, T=1)", "#2 (p, T=1)", "others (p, T=1)",
                     "entropy (bits)"]
    assert pt[1][-1] == "1,50" and en[1][-1] == "1.50"


def test_slides_csv_every_percentage_on_one_base_adding_up():
    """The chosen token's cell and the ranks are all p (T=1): the same token reads the same on a row, and
    the listed ranks plus "others" make 100%."""
    pt = list(csv.reader(io.StringIO(export.slides_csv(steps(), "pt-BR", top=2)), delimiter=";"))
    assert pt[1][2:6] == ["be 85,3%", "be 85,3%", "me 6,1%", "8,6%"]


def test_slides_csv_context_is_cut_at_a_word():
    context = "the lecture hall was full and the projector was warm, so I opened the greentext demo"
    step = steps()[0]
    step.context = context
    cell = list(csv.reader(io.StringIO(export.slides_csv([step], "en"))))[1][1]
    assert cell.startswith("…") and cell.endswith("greentext demo →") and len(cell) <= 64
    words = cell.removeprefix("…").removesuffix(" →").split(" ")
    assert all(w in context.split(" ") for w in words)  # no word cut in two


def test_step_json_is_the_api_shape():
    data = export.step_json(steps()[0])
    assert data["chosen"]["how"] == "sampled" and data["candidates"][1]["cut_by"] == "top_p"
    assert set(data) >= {"chosen", "candidates", "p_other", "entropy", "kept_count"}
