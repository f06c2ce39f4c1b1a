"""The Share panel's handlers, called directly (around the components of a built page): a link fills the
forms; the button builds the audience link."""

import html
from types import SimpleNamespace

import gradio as gr
import pytest

from greentext.decode.settings import SamplingSettings
from greentext.present import share, walk_link
from greentext.ui.context import App
from greentext.ui.share import FORM_TABS, SharePanel

GENERATE = ("the lecture\n>be me", 0.7, 40, 0.9, 60, "7")
PROBABILITIES = ("the projector\n>be me", 0.0, 0, 1.0, 5, "")
COMPARE = ("the comparison\n>be me", 0.9, 50, 0.95, 40, "")


def forms(panel, url, tab, text="", generate=GENERATE, probabilities=PROBABILITIES, compare=COMPARE,
          runs=(None, None, None)):
    """The Share button's inputs by component: the page's address and tab, the Attention text, the three
    forms and each form's last run."""
    sources = panel.sources
    inputs = {panel.panel.page_url: url, panel.panel.tab: tab, sources.text: text}
    for name, values, run in zip(FORM_TABS, (generate, probabilities, compare), runs):
        inputs.update(zip(sources.forms[name].fields(), values))
        inputs[sources.lasts[name]] = run
    return inputs


def filled(out, form):
    """A form's six fields as a link's updates leave them (gr.skip(): unchanged)."""
    return tuple(out.get(component, gr.skip()) for component in form.fields())


def request(query=None, language="en-US"):
    return SimpleNamespace(query_params=query or {}, headers={"accept-language": language, "host": "127.0.0.1:7860"})


@pytest.fixture(scope="module")
def components(engine):
    from greentext.ui import build_app

    return build_app(engine).controls


@pytest.fixture()
def panel(engine, components):
    return SharePanel(App(engine), SimpleNamespace(server_name="127.0.0.1", share_url=None), components.share,
                      components.sources())


def test_a_link_fills_both_forms_and_selects_its_tab(panel):
    out = panel.restore(request({"prompt": "a\nb", "temperature": "0.5", "seed": "3", "tab": "probabilities"}))
    skip, sources = gr.skip(), panel.sources
    generate, probabilities, compare = (filled(out, sources.forms[tab]) for tab in FORM_TABS)
    assert generate == probabilities == compare == ("a\nb", 0.5, skip, skip, skip, "3") and out[sources.text] == "a\nb"
    tabs = out[sources.tabs]
    assert isinstance(tabs, gr.Tabs) and tabs.selected == "probabilities"
    assert len(out) == 3 * 3 + 2  # nothing else changes
    assert panel.restore(request()) == skip  # no link: nothing changes


def test_a_bad_value_is_a_message_in_the_pages_language_and_the_rest_applies(panel):
    with pytest.warns(UserWarning) as caught:
        out = panel.restore(request({"top_k": "<b>999</b>", "max_new_tokens": "9"}, "pt-BR"))
    generate = filled(out, panel.sources.forms["generate"])
    assert generate[2] == gr.skip() and generate[4] == 9
    message = str(caught[0].message)
    assert message == html.escape("O top_k=<b>999</b> do link não foi usado: top_k deve ser um número inteiro de 0 "
                                  "(desligado) a 200. O valor padrão foi mantido.", quote=False)


def test_a_top_p_the_slider_cannot_show_is_refused(panel):
    slider = panel.sources.forms["generate"].top_p
    assert (slider.minimum, slider.maximum) == (0.05, 1.0)
    with pytest.warns(UserWarning, match=r"top_p=0.01 was not used: top_p must be a number from 0.05 to 1"):
        out = panel.restore(request({"top_p": "0.01"}))
    assert out == gr.skip()  # the link's only setting refused: nothing changes


def test_share_builds_the_link_of_the_tab_on_screen(panel):
    page = "http://127.0.0.1:7860/?__theme=light"
    box, link, qr, notes = panel.open(forms(panel, page, "probabilities", "attention text"))
    assert box.visible is True
    assert share.query_of(link) == {"__theme": "light", "prompt": PROBABILITIES[0], "temperature": "0",
                                    "top_k": "0", "top_p": "1", "max_new_tokens": "5", "tab": "probabilities"}
    assert qr.startswith('<img class="share-qr-img" src="data:image/svg+xml') and 'alt="QR code' in qr
    assert "Probabilities tab" in notes and "listens on this computer only" in notes
    _, link, _, notes = panel.open(forms(panel, page, "generate", "x"), request=request(language="pt-BR"))
    assert share.query_of(link)["seed"] == "7" and share.query_of(link)["prompt"] == GENERATE[0]
    assert "aba Gerar" in notes and "só atende neste computador" in notes
    _, link, _, _ = panel.open(forms(panel, page, "attention", "attention text"))
    assert share.query_of(link) == {"__theme": "light", "prompt": "attention text", "tab": "attention"}


def test_a_random_seed_runs_link_carries_the_seed_it_drew(panel, engine):
    """Issue 20.7: after a run with an empty seed the link had no seed, so the audience got another story."""
    from greentext.ui.generate import GenerateTab

    random_seed = (*GENERATE[:5], "")
    *_, replay = list(GenerateTab(App(engine)).stream(*random_seed))[-1]
    assert replay["seed"] is not None
    _, link, _, _ = panel.open(forms(panel, "http://127.0.0.1:7860/", "generate", generate=random_seed,
                                     runs=(replay, None, None)))
    assert share.query_of(link)["seed"] == str(replay["seed"])
    changed = (*GENERATE[:4], 61, "")  # the form no longer matches the run on the screen: no seed is invented
    _, link, _, _ = panel.open(forms(panel, "http://127.0.0.1:7860/", "generate", generate=changed,
                                     runs=(replay, None, None)))
    assert "seed" not in share.query_of(link)


def test_share_from_compare_opens_compare_with_its_form_and_seed(panel, engine):
    """Issue 20.7: Share on the Compare tab opened the Generate tab."""
    last = {"prompt": COMPARE[0], "temperature": 0.9, "top_k": 50, "top_p": 0.95, "max_new_tokens": 40, "seed": 1234}
    _, link, _, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "compare", runs=(None, None, last)))
    query = share.query_of(link)
    assert query["tab"] == "compare" and query["prompt"] == COMPARE[0] and query["seed"] == "1234"
    assert "Compare tab" in notes
    assert share.parse(query).tab == "compare"


def test_share_on_all_interfaces_gives_the_lan_address(engine, components, monkeypatch):
    monkeypatch.setattr(share, "lan_address", lambda: "192.168.0.42")
    panel = SharePanel(App(engine), SimpleNamespace(server_name="0.0.0.0", share_url=None), components.share,
                       components.sources())
    _, link, _, notes = panel.open(forms(panel, "http://localhost:7860/", "generate"))
    assert link.startswith("http://192.168.0.42:7860/?prompt=") and "same network (Wi-Fi)" in notes


def test_a_bad_field_is_the_usual_message(panel):
    with pytest.raises(gr.Error, match=r"seed must be empty \(random\) or a whole number"):
        panel.open(forms(panel, "http://127.0.0.1:7860/", "generate", generate=(*GENERATE[:5], "abc")))


def test_a_link_too_long_for_a_qr_code_says_so(panel):
    _, link, qr, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "attention", "a" * 3000))
    assert qr == "" and "more than a QR code holds" in notes and share.query_of(link)["prompt"] == "a" * 3000


def test_gradio_says_where_the_server_listens(served):
    """The panel reads the bind address from the launched app (`--host` reaches it through launch)."""
    demo, _ = served
    assert demo.server_name == "127.0.0.1" and demo.share_url is None


def test_the_share_handler_gets_the_request_from_gradio():
    """A handler with *args never gets gr.Request from gradio (FACTS.md): the panel spoke English in pt-BR."""
    import inspect

    params = inspect.signature(SharePanel.open).parameters.values()
    assert not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)


# ---- issue 22.3: the link carries the presenter's walk; a phone opening it replays the same steps ----
WALK_FORM = ("the walk\n>be me", 0.8, 50, 0.95, 20, "5")  # the Probabilities form, top_n 10


def test_share_carries_the_walk_and_the_link_replays_it_to_the_same_step(panel, engine):
    """A presenter walks (two steps, a pick, a step, an undo, T 0.8 → 1.2, a step) and shares; a phone, served
    by another server process (nothing cached), opens the link: the same state, tables, story, status and
    downloads as the projector's page."""
    from pathlib import Path

    from greentext.ui.probabilities import ProbabilitiesTab

    projector = ProbabilitiesTab(App(engine))
    state, *_ = projector.show(None, *WALK_FORM, 10)
    for move, extra in ((projector.sample, {}), (projector.sample, {}), (projector.pick, {"rank": 2}),
                        (projector.sample, {}), (projector.undo, {})):
        state, *_ = move(state, *WALK_FORM, 10, **extra)
    hotter = (*WALK_FORM[:1], 1.2, *WALK_FORM[2:])
    state, *_ = projector.sample(state, *hotter, 10)
    state, *shown = projector.show(state, *hotter, 10)
    assert [h[0] for h in state["history"]] == ["sampled", "sampled", "picked", "sampled"]

    _, link, qr, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "probabilities", probabilities=hotter,
                                          runs=(None, state, None)))
    query = share.query_of(link)
    assert query["walk"].startswith("v1~T0.8s2p") and query["temperature"] == "1.2" and query["seed"] == "5"
    assert "also replays the 4 steps on the screen" in notes and qr
    out = panel.restore(request(query))
    probabilities = panel.sources.forms["probabilities"]
    assert filled(out, probabilities) == hotter and out[probabilities.top_n] == 10
    linked = out[panel.sources.lasts["probabilities"]]
    assert linked["check"] and [h[1] for h in linked["history"]][:2] == [None, None]  # drawn again by the replay

    phone = ProbabilitiesTab(App(engine))  # another process: the walk is replayed from the link alone
    phone_state, *phone_shown = phone.show(linked, *hotter, 10)
    assert phone_state == state
    assert phone_shown[:2] == shown[:2] and phone_shown[3:] == shown[3:]  # the tables, story, status, tokens
    for slides in (False, True):
        assert Path(phone.download(phone_state, "en", slides)).read_bytes() == \
            Path(projector.download(state, "en", slides)).read_bytes()
    assert phone.opened(linked, "en") == phone_state  # the next phone finds it replayed and checked

    # a phone whose server has another model (or a link cut by hand): a message, and the prompt's first step
    with pytest.warns(UserWarning, match="this server's model writes other tokens for them"):
        fresh, *_ = phone.show({**linked, "check": "000000"}, *hotter, 10)
    assert fresh["history"] == [] and fresh["seed"] == 5


def test_a_walk_past_the_qr_limit_leaves_the_link_with_the_prompt_settings_and_seed(panel):
    """The link with its walk must fit a QR code that scans from the back (271 characters); past it, the link
    has the prompt, settings and seed, and the note says so with the numbers, in the page's language."""
    prompt = "the lecture hall, row 30\n>be me\n" + ">the back row can't read a dense code\n" * 4
    state = {"prompt": prompt, "temperature": 0.8, "top_k": 50, "top_p": 0.95, "max_new_tokens": 20, "seed": 9,
             "top_n": 10, "history": [["sampled", 11, 0.8, 50, 0.95]] * 3}
    form = (prompt, 0.8, 50, 0.95, 20, "")
    _, link, qr, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "probabilities", probabilities=form,
                                          runs=(None, state, None)))
    query = share.query_of(link)
    assert "walk" not in query and query["seed"] == "9" and query["prompt"] == prompt and qr
    long = len(share.link("http://127.0.0.1:7860/", prompt, SamplingSettings(0.8, 50, 0.95, 20, 9), "probabilities",
                          walk_link.encode(state, SamplingSettings(0.8, 50, 0.95, 20, 9))))
    assert f"⚠️ The 3 steps are not in the link: with them it would have {long:,} characters, and a QR code that " \
           "scans from the back of the room holds 271. The link has the prompt, settings and seed: phones start " \
           "at the first step." in notes
    _, _, _, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "probabilities", probabilities=form,
                                      runs=(None, state, None)), request=request(language="pt-BR"))
    assert long < 1000 and f"⚠️ Os 3 passos não estão no link: com eles, ele teria {long} caracteres, e um " \
           "código QR que se lê do fundo da sala comporta 271." in notes
    # the same walk under a short prompt fits, and is in the link; another tab's link never has it
    short = {**state, "prompt": "x"}
    _, link, _, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "probabilities",
                                         probabilities=("x", *form[1:]), runs=(None, short, None)))
    assert share.query_of(link)["walk"] == "v1~s3~" + walk_link.check([11] * 3) and "replays the 3 steps" in notes
    _, link, _, _ = panel.open(forms(panel, "http://127.0.0.1:7860/", "generate", runs=(None, short, None)))
    assert "walk" not in share.query_of(link)
    # the form no longer describes the walk on screen (another seed typed): no walk, no seed invented
    _, link, _, notes = panel.open(forms(panel, "http://127.0.0.1:7860/", "probabilities",
                                         probabilities=("x", *form[1:5], "3"), runs=(None, short, None)))
    assert "walk" not in share.query_of(link) and share.query_of(link)["seed"] == "3" and "steps" not in notes


def test_a_bad_walk_in_a_link_is_a_message_and_the_rest_applies(panel):
    query = {"prompt": "olá\n>be me", "temperature": "0.8", "top_k": "50", "top_p": "0.95", "max_new_tokens": "20",
             "seed": "4", "tab": "probabilities", "walk": "v1~s3x~abcdef"}
    with pytest.warns(UserWarning) as caught:
        out = panel.restore(request(query, "pt-BR"))
    assert str(caught[0].message) == ("Os passos do link (walk) não foram usados: não dá para lê-los a partir do "
                                      "caractere 6 de walk (o link pode ter sido cortado ou digitado errado). O resto "
                                      "do link foi usado: a aba Probabilidades começa no prompt.")
    assert filled(out, panel.sources.forms["probabilities"]) == ("olá\n>be me", 0.8, 50, 0.95, 20, "4")
    assert panel.sources.lasts["probabilities"] not in out  # the walk stays as it was (none): the prompt's first step
    with pytest.warns(UserWarning, match=r"The link's steps \(walk\) were not used: they need the link's top_p"):
        panel.restore(request({**query, "top_p": "0.01", "walk": "v1~s~abcdef"}))  # top_p off this page's slider
