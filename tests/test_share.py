"""The audience link: settings → URL → the same settings, clear messages for bad values, the reachable address."""

import ipaddress
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greentext.present import share
from greentext.decode.settings import PROMPT_MAX_CHARS, InvalidSetting, SamplingSettings, check_prompt

PAGE = "http://127.0.0.1:7860/"


def round_trip(url: str) -> share.Shared:
    shared = share.parse(share.query_of(url))
    assert not shared.messages, shared.messages
    return shared


def test_a_link_gives_back_the_same_prompt_settings_and_tab():
    prompt = "the lecture\n>be me & a+b=c #1 100% ?x=y\r\n>🙂 olá\t</textarea>"
    chosen = SamplingSettings(temperature=0.85, top_k=40, top_p=0.9, max_new_tokens=33, seed=4294967295)
    url = share.link(PAGE, prompt, chosen, "probabilities")
    assert url.startswith(PAGE + "?") and "\n" not in url and " " not in url and "#" not in url.split("?", 1)[1]
    shared = round_trip(url)
    assert shared.prompt == prompt and shared.tab == "probabilities"
    got = SamplingSettings(shared.temperature, shared.top_k, shared.top_p, shared.max_new_tokens, shared.seed)
    assert got == chosen
    assert share.query_of(url)["temperature"] == "0.85" and share.query_of(url)["top_p"] == "0.9"


@settings(max_examples=60, deadline=None)
@given(prompt=st.text(max_size=80), temperature=st.one_of(st.just(0.0), st.floats(0.01, 2.0)),
       top_k=st.integers(0, 200), top_p=st.floats(0.0, 1.0, exclude_min=True), max_new=st.integers(1, 256),
       seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)), tab=st.sampled_from(share.TABS))
def test_any_valid_form_survives_the_link(prompt, temperature, top_k, top_p, max_new, seed, tab):
    try:
        check_prompt(prompt)
    except InvalidSetting:
        return  # control characters: the form refuses them before a link is made
    chosen = SamplingSettings(temperature, top_k, top_p, max_new, seed)
    shared = round_trip(share.link(PAGE, prompt, chosen, tab))
    assert shared.prompt == prompt and shared.tab == tab and shared.has_seed == (seed is not None)
    assert (shared.temperature, shared.top_k, shared.top_p, shared.max_new_tokens, shared.seed) == \
        (chosen.temperature, chosen.top_k, chosen.top_p, chosen.max_new_tokens, chosen.seed)


def test_the_link_keeps_the_pages_address_and_other_parameters():
    url = share.link("https://lab.example.org/demo/?__theme=dark&tab=generate&seed=1#top", "x", SamplingSettings(),
                     "attention")
    query = share.query_of(url)
    assert url.startswith("https://lab.example.org/demo/?__theme=dark&") and "#" not in url
    assert query["tab"] == "attention" and "seed" not in query  # an empty seed (random) is left out
    assert share.link(PAGE, "x", None, "attention") == PAGE + "?prompt=x&tab=attention"  # Attention: its text only


def test_missing_and_unknown_parameters_keep_the_defaults():
    assert share.parse({}).empty and share.parse({"__theme": "dark", "foo": "1"}).empty
    shared = share.parse({"top_k": "7"})
    assert shared.top_k == 7 and shared.prompt is shared.temperature is shared.tab is None and not shared.has_seed
    assert share.parse({"seed": ""}).has_seed and share.parse({"seed": ""}).seed is None  # empty = random


@pytest.mark.parametrize("name, value, english, portuguese", [
    ("temperature", "9", "0 (greedy) or a number from 0.01 to 2", "0 (guloso) ou um número de 0,01 a 2"),
    ("temperature", "0.001", "0 (greedy) or a number from 0.01 to 2", "0 (guloso) ou um número de 0,01 a 2"),
    ("top_k", "-1", "a whole number from 0 (off) to 200", "um número inteiro de 0 (desligado) a 200"),
    ("top_k", "2.5", "a whole number from 0 (off) to 200", "um número inteiro de 0 (desligado) a 200"),
    ("top_p", "0", "a number greater than 0 and at most 1", "um número maior que 0 e no máximo 1"),
    ("top_p", "nan", "a number greater than 0 and at most 1", "um número maior que 0 e no máximo 1"),
    ("max_new_tokens", "1000", "a whole number from 1 to 256", "um número inteiro de 1 a 256"),
    ("seed", "abc", "empty (random) or a whole number from 0 to 4294967295",
     "vazia (aleatória) ou um número inteiro de 0 a 4294967295"),
    ("tab", "slides", "generate, probabilities, compare or attention", "generate, probabilities, compare ou attention"),
])
def test_a_bad_value_is_named_with_its_range_in_the_pages_language(name, value, english, portuguese):
    query = {name: value, "prompt": "kept", "max_new_tokens": "12"} if name != "max_new_tokens" else \
        {name: value, "prompt": "kept"}
    en, pt = share.parse(query, "en"), share.parse(query, "pt")
    assert en.messages == (f"The link's {name}={value} was not used: {name} must be {english}"
                           f"{' (1 = off)' if name == 'top_p' else ''}. The default is kept.",)
    assert pt.messages[0].startswith(f"O {name}={value} do link não foi usado: {name} deve ser {portuguese}")
    assert pt.messages[0].endswith("O valor padrão foi mantido.")
    assert getattr(en, name) is None and en.prompt == "kept"  # the rest of the link still applies
    assert name == "max_new_tokens" or en.max_new_tokens == 12


def test_a_long_prompt_is_cut_to_the_apps_limit_with_a_message():
    shared = share.parse({"prompt": "a" * (PROMPT_MAX_CHARS + 5)}, "pt")
    assert shared.prompt == "a" * PROMPT_MAX_CHARS
    assert shared.messages == ("O prompt do link tem 20.005 caracteres: só os primeiros 20.000 são usados (o limite "
                               "do app).",)
    assert "20,005 characters: only its first 20,000" in share.parse({"prompt": "a" * 20_005}).messages[0]


def test_a_prompt_with_a_control_character_is_refused_with_its_position():
    shared = share.parse({"prompt": ">be me\x1b[31m", "top_k": "3"})
    assert shared.prompt is None and shared.top_k == 3
    assert shared.messages[0].startswith("The link's prompt was not used: it has a control character (U+001B) at "
                                         "character 7")


def test_a_long_value_is_shortened_in_the_message():
    message = share.parse({"seed": "9" * 500}).messages[0]
    assert "seed=" + "9" * 40 + "…" in message and len(message) < 200


# ---- the address the audience can reach ---------------------------------------------------------------------
LINK = "http://127.0.0.1:7860/?prompt=x&tab=generate"


def test_all_interfaces_replace_this_computer_by_its_lan_address():
    audience = share.audience_url(LINK, "0.0.0.0", lan=lambda: "192.168.1.23")
    assert audience == share.Audience("http://192.168.1.23:7860/?prompt=x&tab=generate", "share_lan", True)
    for page in ("http://localhost:7860/?prompt=x&tab=generate", "http://[::1]:7860/?prompt=x&tab=generate"):
        assert share.audience_url(page, "::", lan=lambda: "10.0.0.5").url == \
            "http://10.0.0.5:7860/?prompt=x&tab=generate"
    assert share.audience_url(LINK, "0.0.0.0", lan=lambda: "fd00::7").url.startswith("http://[fd00::7]:7860/?")


def test_no_lan_address_says_so():
    audience = share.audience_url(LINK, "0.0.0.0", lan=lambda: None)
    assert audience == share.Audience(LINK, "share_no_lan", False)


def test_loopback_only_keeps_the_link_and_says_why_the_audience_cannot_open_it():
    for bind in ("127.0.0.1", "localhost", None):
        assert share.audience_url(LINK, bind, lan=lambda: "192.168.1.23") == \
            share.Audience(LINK, "share_local_only", False)
    from greentext.language.i18n import text

    assert "--host 0.0.0.0" in text("share_local_only", "en") and "só atende neste computador" in \
        text("share_local_only", "pt")


def test_public_and_lan_addresses_are_used_as_is():
    for page in ("https://someone-greentext.hf.space/?prompt=x", "https://abc123.gradio.live/?tab=attention",
                 "http://lab.example.org:8080/gt/?seed=1"):
        assert share.audience_url(page, "0.0.0.0", lan=lambda: "192.168.1.23") == share.Audience(page, None, True)
    page = "http://192.168.1.23:7860/?prompt=x"
    assert share.audience_url(page, "0.0.0.0") == share.Audience(page, "share_lan", True)


def test_a_gradio_share_link_replaces_this_computer():
    audience = share.audience_url(LINK, "127.0.0.1", share_url="https://abc123.gradio.live")
    assert audience == share.Audience("https://abc123.gradio.live/?prompt=x&tab=generate", None, True)


def test_one_named_interface_is_the_address():
    assert share.audience_url(LINK, "192.168.1.50").url == "http://192.168.1.50:7860/?prompt=x&tab=generate"


def test_lan_address_asks_the_routing_table_then_the_host_name(monkeypatch):
    found = share.lan_address()
    assert found is None or not ipaddress.ip_address(found).is_loopback

    sent = []

    class NoRoute(socket.socket):
        def connect(self, address):
            raise OSError("network unreachable")

        def send(self, *args):  # never called: finding the address sends nothing
            sent.append(args)

    monkeypatch.setattr(share.socket, "socket", NoRoute)
    monkeypatch.setattr(share.socket, "gethostbyname", lambda name: "192.168.7.7")
    assert share.lan_address() == "192.168.7.7" and not sent
    monkeypatch.setattr(share.socket, "gethostbyname", lambda name: "127.0.1.1")  # Debian's /etc/hosts default
    assert share.lan_address() is None


# ---- the QR code ------------------------------------------------------------------------------------------
def test_qr_code_of_a_typical_link_is_coarse():
    code = share.qr(share.link(PAGE, "the lecture\n>be me", SamplingSettings(seed=42), "probabilities"))
    assert code.uri.startswith("data:image/svg+xml") and code.version <= 7 and not code.dense
    assert code.modules == 17 + 4 * code.version


def test_a_long_link_gives_a_dense_code_then_none():
    assert share.qr(share.link(PAGE, "a" * 400, SamplingSettings(), "generate")).dense
    with pytest.raises(share.TooLongForQR):
        share.qr(share.link(PAGE, "a" * 3000, SamplingSettings(), "generate"))


# ---- a lesson at a slide: ?lesson=next-token&slide=3 (1-based), checked against the bundled lessons ----------
def test_a_lesson_and_its_slide_survive_the_link_and_replace_the_pages_own():
    url = share.link(PAGE + "?lesson=proximo-token&slide=5&x=1", None, None, "compare", lesson=("next-token", 8))
    assert share.query_of(url) == {"x": "1", "tab": "compare", "lesson": "next-token", "slide": "8"}
    shared = round_trip(url)
    assert (shared.lesson, shared.slide, shared.tab, shared.prompt) == ("next-token", 8, "compare", None)
    assert not shared.empty and share.parse({"lesson": " Proximo-Token "}).lesson == "proximo-token"
    assert share.parse({"lesson": "next-token"}).slide == 1 and share.parse({"slide": "3"}).empty  # no lesson: none
    assert "lesson" not in share.query_of(share.link(PAGE + "?lesson=next-token&slide=2", "x", None, "generate"))


@pytest.mark.parametrize("query, lang, lesson, slide, message", [
    ({"lesson": "missing", "slide": "2"}, "en", None, None,
     "The link's lesson=missing was not used: lesson must be one of: next-token, proximo-token. The page opens "
     "without a lesson."),
    ({"lesson": "next-token", "slide": "9"}, "pt", "next-token", 1,
     "O slide=9 do link não foi usado: slide deve ser um número inteiro de 1 a 8 (a aula next-token tem 8 slides). "
     "A aula abre no slide 1."),
    ({"lesson": "next-token", "slide": "2.5"}, "en", "next-token", 1, "The link's slide=2.5 was not used"),
    ({"lesson": "next-token", "slide": "x" * 60}, "en", "next-token", 1, "slide=" + "x" * 40 + "… was not used"),
])
def test_a_bad_lesson_or_slide_is_named_with_what_is_allowed(query, lang, lesson, slide, message):
    shared = share.parse({**query, "seed": "3"}, lang)
    assert (shared.lesson, shared.slide, shared.seed) == (lesson, slide, 3)  # the rest of the link applies
    assert len(shared.messages) == 1 and message in shared.messages[0]
