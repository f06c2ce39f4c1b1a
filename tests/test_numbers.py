"""One number formatter by language (issue 20.4): English 1,234.5 / Brazilian Portuguese 1.234,5."""

from greentext.language import i18n
from greentext.language import numbers


def test_every_kind_of_number_in_both_languages():
    assert numbers.whole(17735936, "pt") == "17.735.936" and numbers.whole(17735936, "en") == "17,735,936"
    assert numbers.decimal(42.125, "pt", 1) == "42,1" and numbers.decimal(42.125, "en", 1) == "42.1"
    assert numbers.percent(0.853, "pt-BR") == "85,3%" and numbers.percent(0.853, "en") == "85.3%"
    assert numbers.short(0.8, "pt") == "0,8" and numbers.short(1.0, "en") == "1" and numbers.short(50, "pt") == "50"
    assert numbers.decimal(1234.5, "pt", 1) == "1234,5"  # no thousands separator inside a decimal (CSV cells)


def test_the_word_tables_format_their_numbers_in_the_pages_language():
    """"17,735,936 parâmetros", "vocabulário 50,257" and "42.1 tokens/s" were English numbers in pt-BR."""
    facts = dict(name="m", parameters=17735936, layers=6, heads=4, context=512, vocab_size=50257, device="cpu",
                 dtype="float32")
    pt = i18n.text("model_line", "pt", **facts)
    assert "17.735.936 parâmetros" in pt and "vocabulário 50.257" in pt
    assert "17,735,936 parameters" in i18n.text("model_line", "en", **facts)
    status = i18n.text("generate_status", "pt", seed=1234, n=80, tps=42.1, device="cpu", dtype="float32")
    assert "42,1 tokens/s" in status and "1234" in status  # a seed is an identifier: no separator
    assert numbers.localized({"ok": True}, "pt") == {"ok": True}  # booleans stay booleans
