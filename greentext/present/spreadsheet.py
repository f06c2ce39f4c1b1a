"""Text cells a spreadsheet shows and never runs (CSV injection, as OWASP calls it).

Excel, LibreOffice and Google Sheets run a CSV cell as a formula when its text starts with `=`, `+`, `-`
or `@` (and treat a leading tab, carriage return or line feed the same way): a prompt such as
`=HYPERLINK("http://x","y")` or a token the model wrote, such as "-ing", would be run, not shown. The cells
of our CSVs hold the user's prompt, the story and the model's tokens, so every text cell goes through
`text_cell` first, as OWASP's CSV-injection page recommends:

- A text cell is prefixed with one apostrophe `'` when its first character, after any leading whitespace
  and apostrophes, is one of: `=` `+` `-` `@`, tab, carriage return, line feed, NUL (OWASP's list, plus
  NUL from ASVS 1.2.10), or the full-width forms `＝` `＋` `－` `＠` and `ー` (the long-vowel mark a Japanese
  keyboard types for minus). OWASP's testing guide lists the full-width forms, and `＝cmd|' /C calc'!A0`
  was reported running in a Japanese Excel (OWASP www-community issue 1088); a ' too many in a rare cell
  costs nothing, a formula run costs a lot. Leading whitespace of any kind counts because a spreadsheet
  may trim it (LibreOffice's "trim spaces"); leading apostrophes count so that the added ' can always be
  told apart from the text (below).
- The spreadsheet then shows the text, with a visible leading `'`, only in those cells; every other
  cell is written exactly as it was. The csv module quotes the cell, so a separator, quote or line break
  inside it stays inside it.
- Numbers (steps, ranks, ids, logits such as -3.123456, probabilities, entropy, booleans) are not text
  cells: the exports write them without this rule, so a negative logit stays a number a spreadsheet can sum.
  Which cells are text is decided by the column, never by the look of the text: a token "-1" is text.

Reading a file back: a text cell that starts with `'` followed (after any whitespace and further
apostrophes) by one of those characters had one `'` added: drop that first `'` (`original`). No other
cell was changed, so "'s" stays "'s" and "''=1" reads back as "'=1".
"""

from __future__ import annotations

import re

# What makes a spreadsheet run a cell: OWASP's characters (with NUL), and their full-width forms.
TRIGGERS = "=+-@\t\r\n\0" + "\uff1d\uff0b\uff0d\uff20\u30fc"  # ＝ ＋ － ＠ ー
PREFIX = "'"

_RUNS = re.compile(r"['\s]*[" + re.escape(TRIGGERS) + "]")


def needs_prefix(text: str) -> bool:
    """Whether `text`, as a cell, could be run: after leading whitespace and apostrophes comes a trigger."""
    return _RUNS.match(text) is not None


def text_cell(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows and never runs: "=1+1" → "'=1+1", "be me" → "be me"."""
    return PREFIX + text if needs_prefix(text) else text


def original(cell: str) -> str:
    """The text a `text_cell` was made from: "'=1+1" → "=1+1", "'s" → "'s" (nothing was added there)."""
    return cell[len(PREFIX):] if cell.startswith(PREFIX) and needs_prefix(cell) else cell
