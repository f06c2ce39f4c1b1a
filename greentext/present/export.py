"""Steps as data others read: the API's JSON, a CSV of every number, and a slide-ready CSV.

The slide-ready form writes percentages the way the audience reads them: pt-BR "85,3%", en "85.3%".

Both CSVs are made to be opened in a spreadsheet, and their text cells hold the user's prompt, the story
and the model's tokens, so each text cell goes through `spreadsheet.text_cell`: a cell whose text would be
run as a formula (= + - @ or their full-width forms, a tab, a line break or NUL first, also after spaces;
the exact rule is in `spreadsheet`) is written with one leading ' and is shown, never run; every other cell
is exactly its text. To read the text back, drop that one ' (`spreadsheet.original`). Which cells are text
is fixed by the column (context, token, cut_by, the slide's context and token cells, the headers); numbers
(step, rank, token_id, logit, the probabilities, entropy, kept/chosen) are never prefixed, so a logit of
-3.123456 stays a number. The JSON is not for spreadsheets and keeps every text as it is.
"""

from __future__ import annotations

import csv
import io

from greentext.language.i18n import text
from greentext.language.numbers import decimal, percent
from greentext.present.spreadsheet import text_cell
from greentext.decode.steps import Step
from greentext.model.tokens import Token

CSV_COLUMNS = ["step", "context", "rank", "token_id", "token", "logit", "p_raw", "p_temperature", "p_final",
               "cumulative", "kept", "cut_by", "chosen"]


def token_json(token: Token) -> dict:
    return {"id": token.id, "token": token.raw, "visible": token.token}


def step_json(step: Step) -> dict:
    """One step in the API's shape: chosen, candidates, p_other, entropy (and a few extras)."""
    chosen = None
    if step.chosen is not None:
        c = step.chosen
        chosen = {"id": c.id, "token": c.raw, "visible": c.token, "rank": c.rank, "p_raw": c.p_raw,
                  "p_final": c.p_final, "how": c.how}
    return {
        "index": step.index,
        "context_tokens": step.context_tokens,
        "chosen": chosen,
        "candidates": [
            {"rank": x.rank, "id": x.id, "token": x.raw, "visible": x.token, "logit": x.logit, "p_raw": x.p_raw,
             "p_temperature": x.p_temperature, "p_top_k": x.p_top_k, "p_final": x.p_final,
             "cumulative": x.cumulative, "kept": x.kept, "cut_by": x.cut_by}
            for x in step.candidates
        ],
        "p_other": step.p_other,
        "p_other_temperature": step.p_other_temperature,
        "p_other_top_k": step.p_other_top_k,
        "p_other_final": step.p_other_final,
        "settings": dict(step.settings),
        "entropy": step.entropy,
        "entropy_final": step.entropy_final,
        "kept_count": step.kept_count,
    }


def steps_csv(steps: list[Step], locale: str = "en") -> str:
    """Every candidate of every step, full precision, one row each (the chosen one marked).

    pt-BR writes it the way a Brazilian spreadsheet opens it, like the slide-ready CSV: ";" between cells and
    a decimal comma. (A file split on another separator than it was written with would cut a quoted text
    cell in two, and a piece of it could start with "=" mid-cell, where no leading ' protects it.)
    """
    def number(x: float, digits: int) -> str:
        return decimal(x, locale, digits)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if locale.lower().startswith("pt") else ",")
    writer.writerow([text_cell(name) for name in CSV_COLUMNS])
    for s in steps:
        context = text_cell(s.context)
        for x in s.candidates:  # text: context, token, cut_by; every other column a number (or a boolean)
            writer.writerow([s.index + 1, context, x.rank, x.id, text_cell(x.raw), number(x.logit, 6),
                             number(x.p_raw, 8), number(x.p_temperature, 8), number(x.p_final, 8),
                             number(x.cumulative, 8), x.kept, text_cell(x.cut_by or ""),
                             bool(s.chosen and s.chosen.id == x.id)])
    return out.getvalue()


def slides_csv(steps: list[Step], locale: str = "pt-BR", top: int = 5) -> str:
    """One row per step, like the lecture slide: "Parabéns para você →", "nessa 85,3%", "nesta 6,1%", …

    pt-BR uses ";" as the separator, as spreadsheets in Brazil expect when the decimal mark is a comma.
    Text cells: the headers, the context and each token's cell ("-ing 5,0%" is text: it gets the '); numbers:
    the step, "others" and the entropy.
    """
    lang = "pt" if locale.lower().startswith("pt") else "en"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "pt" else ",")
    header = [text(key, lang) for key in ("csv_step", "csv_context", "csv_chosen")]
    header += [text("csv_rank", lang, n=n) for n in range(1, top + 1)]
    header += [text("csv_others", lang), text("csv_entropy", lang)]
    writer.writerow([text_cell(cell) for cell in header])
    for s in steps:
        listed = s.candidates[:top]
        chosen = f"{s.chosen.raw.strip() or s.chosen.token} {percent(s.chosen.p_raw, locale)}" if s.chosen else ""
        cells = [text_cell(f"{x.raw.strip() or x.token} {percent(x.p_raw, locale)}") for x in listed]
        rest = 1 - sum(x.p_raw for x in listed)  # every percentage on a row is p (T=1): the row adds up to 100%
        writer.writerow([s.index + 1, text_cell(f"{context_tail(s.context)} →"), text_cell(chosen), *cells,
                         percent(max(rest, 0.0), locale), decimal(s.entropy, locale)])
    return out.getvalue()


def context_tail(context: str, chars: int = 60) -> str:
    """The end of the context for a slide: at most `chars` characters, cut at a word boundary ("…" first)."""
    flat = context.replace("\n", " ↵ ")
    if len(flat) <= chars:
        return flat
    tail = flat[-chars:]
    space = tail.find(" ")
    return "…" + (tail[space + 1:] if 0 <= space < len(tail) - 1 else tail)
