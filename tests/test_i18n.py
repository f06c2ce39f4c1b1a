"""One home for words: every key in both languages, with the same placeholders, and used by the app."""

import re
import string
from pathlib import Path

import pytest

from greentext.language import i18n

ROOT = Path(__file__).resolve().parent.parent


def placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


@pytest.mark.parametrize("key", sorted(i18n.WORDS))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    english, portuguese = i18n.WORDS[key]
    assert english.strip() and portuguese.strip()
    assert placeholders(english) == placeholders(portuguese)


def test_the_tables_have_one_key_set():
    assert set(i18n.TABLES) == set(i18n.LANGS) == {"en", "pt"}
    assert set(i18n.TABLES["en"]) == set(i18n.TABLES["pt"]) == set(i18n.WORDS)


def test_every_key_the_code_asks_for_exists():
    """Keys named in the code (`text("…"`, `I18N("…")`, `both("…"`, `L("…"`) are all in the table."""
    asked = set()
    for path in (ROOT / "greentext").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r'\b(?:text|I18N|both|L)\(\s*"([a-z_]+)"[,)]', source))
    assert asked and asked <= set(i18n.WORDS), asked - set(i18n.WORDS)


def test_text_fills_values_and_falls_back_to_english():
    assert i18n.text("generate_tab", "pt") == "Gerar" and i18n.text("generate_tab", "de") == "Generate"
    assert i18n.text("masked_many", "en", n=3) == "3 words masked — lecture-safe mode"
    assert i18n.both("busy").count(" / ") == 1


def test_language_of_the_browser():
    assert i18n.lang_of("pt-BR,pt;q=0.9,en;q=0.8") == "pt" and i18n.lang_of(" PT") == "pt"
    assert i18n.lang_of("en-US,pt;q=0.5") == "en" and i18n.lang_of(None) == "en"
