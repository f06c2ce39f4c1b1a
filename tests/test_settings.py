"""Every bad setting gets an error naming the parameter, the value and the allowed range."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greentext.decode.settings import (InvalidSetting, SamplingSettings, TEMPERATURE_MAX, TOP_K_MAX, as_seed,
                                check_prompt, check_top_n, PROMPT_MAX_CHARS)


@pytest.mark.parametrize("kwargs, name, fragment", [
    ({"temperature": -0.1}, "temperature", "0 (greedy) or a number from 0.01 to 2"),
    ({"temperature": 2.5}, "temperature", "to 2"),
    ({"temperature": 0.001}, "temperature", "0 (greedy)"),
    ({"temperature": "hot"}, "temperature", "'hot'"),
    ({"temperature": float("nan")}, "temperature", "nan"),
    ({"temperature": None}, "temperature", "None"),
    ({"top_k": -1}, "top_k", "from 0 (off) to 200"),
    ({"top_k": 201}, "top_k", "201"),
    ({"top_k": 2.5}, "top_k", "whole number"),
    ({"top_k": True}, "top_k", "True"),
    ({"top_p": 0}, "top_p", "greater than 0 and at most 1"),
    ({"top_p": 1.01}, "top_p", "1.01"),
    ({"top_p": float("inf")}, "top_p", "inf"),
    ({"max_new_tokens": 0}, "max_new_tokens", "from 1 to 256"),
    ({"max_new_tokens": 257}, "max_new_tokens", "257"),
    ({"max_new_tokens": "ten"}, "max_new_tokens", "'ten'"),
    ({"seed": -1}, "seed", "empty (random) or a whole number from 0 to 4294967295"),
    ({"seed": 2**32}, "seed", "4294967296"),
    ({"seed": 1.5}, "seed", "1.5"),
    ({"seed": [1]}, "seed", "[1]"),
])
def test_bad_settings_name_parameter_value_and_range(kwargs, name, fragment):
    with pytest.raises(InvalidSetting) as err:
        SamplingSettings(**kwargs)
    message = str(err.value)
    assert message.startswith(f"{name} must be ")
    assert fragment in message
    assert err.value.name == name


def test_numbers_from_forms_are_accepted():
    s = SamplingSettings(temperature="0.7", top_k=40.0, top_p="0.9", max_new_tokens=12.0, seed="42")
    assert (s.temperature, s.top_k, s.top_p, s.max_new_tokens, s.seed) == (0.7, 40, 0.9, 12, 42)
    assert isinstance(s.top_k, int) and isinstance(s.seed, int)


def test_empty_seed_means_random_and_with_seed_reports_it():
    assert as_seed("") is None and as_seed("  ") is None and as_seed(None) is None
    s = SamplingSettings(seed=None).with_seed()
    assert isinstance(s.seed, int) and 0 <= s.seed < 2**32
    assert s.with_seed() is s


def test_prompt_checks():
    assert check_prompt(None) == ""
    assert check_prompt("x" * PROMPT_MAX_CHARS) == "x" * PROMPT_MAX_CHARS
    with pytest.raises(InvalidSetting, match="prompt must be at most 20,000 characters"):
        check_prompt("x" * (PROMPT_MAX_CHARS + 1))
    with pytest.raises(InvalidSetting, match="prompt must be text"):
        check_prompt(12)


def test_top_n_range():
    assert check_top_n(50) == 50
    for bad in (0, 51, "many"):
        with pytest.raises(InvalidSetting, match="top_n must be a whole number from 1 to 50"):
            check_top_n(bad)


@given(t=st.floats(allow_nan=True, allow_infinity=True), k=st.integers(-10, 300),
       p=st.floats(allow_nan=True, allow_infinity=True), n=st.integers(-5, 300))
def test_settings_are_valid_or_rejected_by_name(t, k, p, n):
    """Property: any combination either validates into the documented ranges or names a parameter."""
    try:
        s = SamplingSettings(temperature=t, top_k=k, top_p=p, max_new_tokens=n)
    except InvalidSetting as err:
        assert err.name in {"temperature", "top_k", "top_p", "max_new_tokens"}
        assert str(err).startswith(err.name + " must be")
        return
    assert s.temperature == 0 or 0.01 <= s.temperature <= TEMPERATURE_MAX
    assert 0 <= s.top_k <= TOP_K_MAX and 0 < s.top_p <= 1 and 1 <= s.max_new_tokens <= 256
    assert math.isfinite(s.temperature)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=60))
def test_any_text_is_accepted_unchanged_or_rejected_by_name(text):
    """Property: any string (controls, surrogates, any script) is either the prompt as given or rejected
    with an error naming `prompt`, never another exception."""
    try:
        assert check_prompt(text) == text
    except InvalidSetting as err:
        assert err.name == "prompt" and "control characters" in str(err)
        assert any(ord(c) < 32 and c not in "\t\n\r" or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF
                   for c in text)


JSONISH = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(), st.text(max_size=8),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


@settings(max_examples=300, deadline=None)
@given(t=JSONISH, k=JSONISH, p=JSONISH, n=JSONISH, seed=JSONISH)
def test_any_json_value_is_a_valid_setting_or_named(t, k, p, n, seed):
    """Property: whatever an API client sends (null, text, lists, objects, huge numbers), the settings are
    valid or the error names the parameter; no TypeError or OverflowError escapes."""
    try:
        s = SamplingSettings(t, k, p, n, seed)
    except InvalidSetting as err:
        assert err.name in {"temperature", "top_k", "top_p", "max_new_tokens", "seed"}
        assert str(err).startswith(f"{err.name} must be")
        return
    assert s.seed is None or 0 <= s.seed < 2**32


def test_the_prompt_length_message_names_the_bundled_models_real_context():
    """Issue 20.11: it said "~1,000 tokens" while the bundled model reads 512."""
    from greentext.language import i18n
    from greentext.training.train import BUNDLED_SIZE, SIZES

    context = SIZES[BUNDLED_SIZE]["n_positions"]
    for lang in ("en", "pt"):
        words = i18n.text("allowed_prompt_length", lang, n=4000)
        assert f"{context} " in words and "1,000" not in words and "1.000 tokens" not in words
    assert "4.000 caracteres" in i18n.text("allowed_prompt_length", "pt", n=4000)
