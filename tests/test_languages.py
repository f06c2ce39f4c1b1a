"""The one language detector for training texts (corpus checks, evaluation, benchmarks)."""

import json

import pytest

from greentext.paths import PROSE_BATCHES
from greentext.training.briefs import batch_of, prose_brief
from greentext.training.languages import is_portuguese


@pytest.mark.parametrize("text, pt", [
    (">ser eu\n>acordar cedo pra escola\n>minha mãe já tá na cozinha", True),
    ("Parabéns pra você, nesta data querida", True),
    (">be me\n>wake up late for the bus\n>mfw it was Sunday", False),
    ("", False),                      # no common words: a tie, not Portuguese
    ("ok ok lol", False),
])
def test_is_portuguese(text, pt):
    assert is_portuguese(text) is pt


def test_every_committed_prose_piece_reads_as_its_batch_language():
    pieces = 0
    for path in sorted(PROSE_BATCHES.glob("p*.jsonl")):
        pt = prose_brief(batch_of(path)).language == "pt-BR"
        for line in path.read_text(encoding="utf-8").splitlines():
            assert is_portuguese(json.loads(line)["text"]) is pt, (path.name, line[:80])
            pieces += 1
    assert pieces >= 1_000
