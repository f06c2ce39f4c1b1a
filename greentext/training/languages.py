"""Which language a training text is in: the one detector the corpus checks, the evaluation and the benchmarks use.

    is_portuguese(">ser eu\n>acordar cedo pra escola")   # True
    is_portuguese(">be me\n>wake up late")               # False

Counting common short words is enough here: every text is either English or Brazilian Portuguese.
"""

from __future__ import annotations

import re

_PT = set("de que o os as e eu não nao um uma pra para com no na nos nas do da dos das meu minha é mas se por "
          "ele ela você voce isso esse essa aqui lá tá ta pro mais muito já ja quando ao à ser vai".split())
_EN = set("the i and to of my is it in you that me for on with was at be this are but so get just they he she "
          "we not have all what when".split())
_LATIN_WORD = re.compile(r"[^\W\d_]+")


def is_portuguese(text: str) -> bool:
    """True when the text's common words are more Portuguese than English (ties: not Portuguese)."""
    words = [w for w in _LATIN_WORD.findall(text.casefold())]
    return sum(w in _PT for w in words) > sum(w in _EN for w in words)
