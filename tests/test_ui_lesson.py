"""The lesson bar (ui/lesson_panel.py), its handlers called on a built page around the tiny random GPT-2: a slide
fills the Probabilities form and its walk (the clicker's next step goes on from it), ◀ ▶ stop at the ends, each
view opens its tab, a link opens a lesson at a slide (a bad one: a message, the page opens as usual), and the
Share link carries the lesson open. Nothing here depends on a lesson's claims (they hold for the bundled model
only): `show` works on any model."""

from types import SimpleNamespace

import gradio as gr
import pytest

from greentext.language import i18n
from greentext.language.errors import UserError
from greentext.present import lessons, share
from greentext.ui.context import App
from greentext.ui.share import SharePanel

TOP_N = 10
NEXT_TOKEN = lessons.bundled()["next-token"]


def request(language="en-US", query=None):
    return SimpleNamespace(headers={"accept-language": language, "host": "127.0.0.1:7860"}, query_params=query or {})


EN, PT = request(), request("pt-BR")


@pytest.fixture(scope="module")
def built(engine, other_tiny_path):
    """A page around the tiny model (the other tiny model as the Compare tab's A: the compare slides' base)."""
    from greentext.ui import build_app

    demo = build_app(engine, compare=[str(other_tiny_path)])
    return demo, demo.lessons, demo.lessons.wiring


@pytest.fixture()
def infos(monkeypatch):
    said = []
    monkeypatch.setattr(gr, "Info", said.append)
    return said


def form_of(out, wiring) -> list:
    return [out[c] for c in wiring.probabilities.form.fields()]


def settings_of(slide) -> list:
    s = slide.settings
    return [slide.prompt, s.temperature, s.top_k, s.top_p, s.max_new_tokens, str(s.seed)]


def test_a_slide_fills_the_form_and_its_walk_and_the_clicker_steps_on_from_it(built, engine):
    _, panel, w = built
    p = w.probabilities
    out = panel.open("next-token", TOP_N, request=EN)
    slide = NEXT_TOKEN.slide(0)
    assert form_of(out, w) == settings_of(slide)
    assert out[p.state] == lessons.walk_to(slide, engine, TOP_N).state()
    assert out[w.section.state] == {"name": "next-token", "index": 0, "view": "probabilities"}
    assert out[w.section.strip.position] == "**1 / 8**" and out[w.section.strip.title] == "**A sure moment**"
    shown = lessons.show(NEXT_TOKEN, 0, engine, "en", top_n=TOP_N, words=panel.app.display.words)
    assert out[w.section.strip.note].value == shown.note and out[w.section.strip.note].visible is True
    assert out[w.section.strip.nav].visible is True and out[w.tabs].selected == "probabilities"
    assert out[w.section.strip.prev].interactive is False and out[w.section.strip.next].interactive is True
    table, *_ = panel.probs.view(shown.walk, "en")
    assert out[p.table] == table and "step 1<" in table
    # → (the Next step button, with the form as the slide left it): the step the slide's own walk takes
    state, *_ = panel.probs.sample(out[p.state], *form_of(out, w), TOP_N)
    walk = lessons.walk_to(slide, engine, TOP_N)
    walk.sample()
    assert state == walk.state() and len(state["history"]) == 1


def test_a_slide_with_moves_starts_after_them(built, engine):
    """The compare slide's presenter move ("greedy") is made before it is shown: → takes the step after it."""
    _, panel, w = built
    out = panel.next({"name": "next-token", "index": 6}, TOP_N, request=EN)
    slide = NEXT_TOKEN.slide(7)
    assert slide.moves == ("greedy",) and out[w.section.state]["index"] == 7
    state = out[w.probabilities.state]
    assert [h[0] for h in state["history"]] == ["greedy"]
    state, *_ = panel.probs.sample(state, *form_of(out, w), TOP_N)
    walk = lessons.walk_to(slide, engine, TOP_N)
    walk.sample()
    assert state == walk.state() and len(state["history"]) == 2


def test_previous_and_next_stop_at_the_ends_with_a_message(built, infos):
    _, panel, w = built
    first = {"name": "next-token", "index": 0, "view": "probabilities"}
    assert panel.prev(first, TOP_N, request=EN) == gr.skip() and infos[-1] == "This is the lesson's first slide."
    out = panel.next(first, TOP_N, request=EN)
    assert out[w.section.state]["index"] == 1 and out[w.section.strip.position] == "**2 / 8**"
    assert out[w.section.strip.prev].interactive is True
    back = panel.prev(out[w.section.state], TOP_N, request=EN)
    assert back[w.section.state]["index"] == 0 and form_of(back, w) == settings_of(NEXT_TOKEN.slide(0))
    last = {"name": "next-token", "index": 7, "view": "compare"}
    assert panel.next(last, TOP_N, request=PT) == gr.skip()
    assert infos[-1] == "Este é o último slide da aula (8 de 8). ✕ Sair da aula para continuar livremente."
    assert panel.next(None, TOP_N, request=EN) == gr.skip() and infos[-1].startswith("No lesson is open")
    out = panel.prev(last, TOP_N, request=EN)  # 7 / 8 is the last but one: ▶ stays on
    assert out[w.section.strip.next].interactive is True and out[w.section.state]["view"] == "lens"


def test_each_view_opens_its_tab_with_the_slides_text(built, engine):
    _, panel, w = built
    lens = panel.next({"name": "next-token", "index": 5}, TOP_N, request=EN)
    assert lens[w.tabs].selected == "probabilities" and lens[w.section.view] == "lens"  # lesson_view.js opens it
    assert all(lens[s.box].visible is False for s in w.strips.values())
    compare = panel.next(lens[w.section.state], TOP_N, request=EN)
    shown = lessons.show(NEXT_TOKEN, 7, engine, "en", top_n=TOP_N)
    text = panel.app.display.text(shown.text)
    assert compare[w.tabs].selected == "compare" and compare[w.section.view] == "compare"
    assert [compare[c] for c in w.compare.form.fields()] == [text, *settings_of(shown.slide)[1:]]
    assert compare[w.compare_text] == text and text.startswith(shown.prompt) and len(text) > len(shown.prompt)
    strip = w.strips["compare"]
    assert compare[strip.box].visible is True and compare[w.strips["attention"].box].visible is False
    assert compare[strip.position] == "**8 / 8**" and compare[strip.next].interactive is False
    note = compare[strip.note].value
    assert note == compare[w.section.strip.note].value and note.startswith("**What fine-tuning taught.**")
    assert "—" not in note  # the base model's numbers are measured (the Compare tab's model A)


def test_an_attention_slide_fills_the_attention_tab(built, monkeypatch):
    """No bundled slide shows attention yet: a lesson of one such slide."""
    _, panel, w = built
    data = {"name": "looking", "lang": "en", "title": {"en": "Looking", "pt": "Olhando"},
            "slides": [{"prompt": "the lecture\n>be me", "settings": {"seed": 3}, "moves": ["greedy"],
                        "view": "attention", "note": {"en": "{top1} next.", "pt": "{top1} depois."}}]}
    monkeypatch.setattr(lessons, "bundled", lambda: {"looking": lessons.parse(data)})
    out = panel.open("looking", TOP_N, request=PT)
    assert out[w.tabs].selected == "attention" and out[w.strips["attention"].box].visible is True
    text = out[w.attention.text]
    assert text.startswith("the lecture\n>be me") and len(text) > len("the lecture\n>be me")
    assert out[w.attention.prompt] == "the lecture\n>be me"  # the rest is what the model wrote
    assert out[w.strips["attention"].note].value.endswith(" depois.")
    assert out[w.section.pick].choices == [("Olhando · histórias em inglês", "looking")]


def test_the_menu_and_notes_speak_the_pages_language(built):
    _, panel, w = built
    out = panel.open("next-token", TOP_N, request=PT)
    assert out[w.section.strip.note].value.startswith("**O modelo tem certeza.**")
    assert out[w.section.strip.title] == "**Um momento de certeza**"
    assert [name for _, name in out[w.section.pick].choices] == ["proximo-token", "next-token"]  # pt deck first
    assert out[w.section.pick].choices[0][0] == "Como o modelo escolhe o próximo token · histórias em português"
    assert [name for _, name in panel.leave(request=EN)[w.section.pick].choices] == ["next-token", "proximo-token"]


def test_leaving_hides_the_bar_and_keeps_the_walk(built):
    _, panel, w = built
    out = panel.leave(request=EN)
    assert out[w.section.state] is None and out[w.section.pick].value is None and out[w.section.view] == ""
    assert out[w.section.strip.nav].visible is False and out[w.section.strip.note].visible is False
    assert all(out[s.box].visible is False for s in w.strips.values())
    assert w.probabilities.state not in out and w.tabs not in out  # the slide's walk and tab stay, to go on freely


def test_a_slide_this_model_cannot_show_is_a_message_in_the_pages_language(built, monkeypatch):
    _, panel, w = built

    def unreachable(*args, **kwargs):
        raise UserError("walk_finished_eos", n=3)

    monkeypatch.setattr(lessons, "show", unreachable)
    with pytest.raises(gr.Error, match="A história terminou"):
        panel.open("next-token", TOP_N, request=PT)
    with pytest.raises(gr.Error, match=r"top_n must be a whole number from 1 to 50 \(got 0\)"):
        panel.next({"name": "next-token", "index": 0}, 0, request=EN)
    # as the page opens from a link: the message, and the page opens as without a lesson
    with pytest.warns(UserWarning, match="A história terminou"):
        out = panel.load({"name": "next-token", "index": 2}, None, "the lecture\n>be me", 0.8, 50, 0.95, 20, "4",
                         TOP_N, request=PT)
    assert out[w.section.state] is None and "passo 1<" in out[w.probabilities.table]
    assert out[w.probabilities.state]["prompt"] == "the lecture\n>be me"


# ---- links: ?lesson=…&slide=… opens a slide; the Share link carries the lesson open ----------------------------
@pytest.fixture()
def sharer(built, engine):
    demo, _, _ = built
    return SharePanel(App(engine), SimpleNamespace(server_name="127.0.0.1", share_url=None), demo.controls.share,
                      demo.controls.sources())


def test_a_link_opens_the_lesson_at_its_slide_as_the_page_loads(built, sharer):
    _, panel, w = built
    restored = sharer.restore(request(query={"lesson": "next-token", "slide": "3"}))
    assert restored[w.section.state] == {"name": "next-token", "index": 2}
    out = panel.load(restored[w.section.state], None, "the lecture\n>be me", 0.8, 50, 0.95, 80, "", TOP_N, request=EN)
    assert out[w.section.strip.position] == "**3 / 8**" and form_of(out, w) == settings_of(NEXT_TOKEN.slide(2))
    assert out[w.probabilities.state]["prompt"] == NEXT_TOKEN.slide(2).prompt
    # no lesson in the link: the tab's first step, the menu in the page's language, no lesson bar
    plain = panel.load(None, None, "the lecture\n>be me", 0.8, 50, 0.95, 20, "4", TOP_N, request=PT)
    assert plain[w.section.state] is None and plain[w.section.strip.nav].visible is False
    assert plain[w.section.pick].choices[0][1] == "proximo-token" and "passo 1<" in plain[w.probabilities.table]


@pytest.mark.parametrize("query, language, message, index", [
    ({"lesson": "<b>nope</b>", "slide": "2"}, "pt-BR",
     "O lesson=&lt;b&gt;nope&lt;/b&gt; do link não foi usado: lesson deve ser um destes: next-token, proximo-token. "
     "A página abre sem aula.", None),
    ({"lesson": "next-token", "slide": "9"}, "en-US",
     "The link's slide=9 was not used: slide must be a whole number from 1 to 8 (the lesson next-token has 8 slides). "
     "The lesson opens at slide 1.", 0),
    ({"lesson": "proximo-token", "slide": "0"}, "pt-BR",
     "O slide=0 do link não foi usado: slide deve ser um número inteiro de 1 a 8 (a aula proximo-token tem 8 "
     "slides). A aula abre no slide 1.", 0),
])
def test_a_bad_lesson_or_slide_in_a_link_is_a_message_naming_what_is_allowed(built, sharer, query, language,
                                                                              message, index):
    _, panel, w = built
    with pytest.warns(UserWarning) as caught:
        restored = sharer.restore(request(language, {**query, "temperature": "0.5"}))
    assert [str(c.message) for c in caught] == [message]
    assert restored[sharer.sources.forms["probabilities"].temperature] == 0.5  # the rest of the link applies
    if index is None:
        assert w.section.state not in restored
    else:
        assert restored[w.section.state] == {"name": query["lesson"], "index": index}


def test_the_share_link_carries_the_lesson_and_its_slide(built, sharer):
    _, _, w = built
    sources = sharer.sources
    inputs = {sharer.panel.page_url: "http://127.0.0.1:7860/?lesson=proximo-token&slide=5", sharer.panel.tab: "compare",
              sources.text: "", sources.lesson: {"name": "next-token", "index": 7, "view": "compare"}}
    for tab in ("generate", "probabilities", "compare"):
        inputs.update(zip(sources.forms[tab].fields(), ("the lecture\n>be me", 0.8, 50, 0.95, 20, "")))
        inputs[sources.lasts[tab]] = None
    shown, link, qr, notes = sharer.open(inputs, request=PT)
    assert share.query_of(link) == {"tab": "compare", "lesson": "next-token", "slide": "8"}
    assert shown.visible is True and qr.startswith('<img class="share-qr-img"')
    assert "O link abre a aula “Como o modelo escolhe o próximo token” no slide 8 de 8" in notes
    assert sharer.restore(request(query=share.query_of(link)))[w.section.state] == {"name": "next-token", "index": 7}
    # no lesson open: the usual link of the tab on screen
    _, link, _, _ = sharer.open({**inputs, sources.lesson: None, sharer.panel.tab: "probabilities"}, request=EN)
    assert "lesson" not in share.query_of(link) and share.query_of(link)["prompt"] == "the lecture\n>be me"


# ---- the page: every strip's buttons wired, the load, the keys -------------------------------------------------
def test_every_strips_buttons_and_the_page_load_are_wired(built):
    demo, panel, w = built
    by_id = {getattr(c, "elem_id", None): c._id for c in demo.blocks.values()}
    triggers = {name: {t[0] for d in demo.fns.values() if d.name == name and d.fn.__self__ is panel for t in d.targets}
                for name in ("next", "prev", "leave", "open")}
    for prefix in ("p", "c", "a"):
        assert by_id[f"{prefix}-lesson-next"] in triggers["next"] and by_id[f"{prefix}-lesson-prev"] in triggers["prev"]
        assert by_id[f"{prefix}-lesson-leave"] in triggers["leave"]
    assert triggers["open"] == {by_id["p-lesson-pick"]}
    load = [d for d in demo.fns.values() if d.name == "load" and getattr(d.fn, "__self__", None) is panel]
    assert len(load) == 1 and {o._id for o in load[0].outputs} >= {w.probabilities.state._id, w.section.state._id}


def test_the_launched_page_has_the_lesson_menu_with_the_bundled_lessons(client):
    """The app served (gradio_client reads its page): the menu, its strips, the keys' hint with the slides' keys."""
    components = {c.get("props", {}).get("elem_id"): c.get("props", {}) for c in client.config["components"]}
    assert [value for _, value in components["p-lesson-pick"]["choices"]] == ["next-token", "proximo-token"]
    assert {"p-lesson-note", "c-lesson", "a-lesson", "c-lesson-next", "a-lesson-prev"} <= set(components)
    assert '"key": "keys"' in components["p-keys"]["value"]  # the keys' hint, in the page's language:
    for language, slides in (("en", "in a lesson **PageDown**/**PageUp** (**N**/**P**) change slides"),
                             ("pt", "numa aula **PageDown**/**PageUp** (**N**/**P**) trocam o slide")):
        assert slides in i18n.text("keys", language)


def test_with_a_room_open_each_slide_is_the_rooms_next_vote(built):
    """A lesson and a room together: the slide's upcoming step is what the phones vote on, and the projector's
    table is the room's (the model's numbers hidden while the room guesses what it will pick)."""
    from greentext.ui import room as rooms

    demo, panel, w = built
    probs = demo.tabs["probabilities"]
    handle, *_ = probs.room.open(None, False, "http://127.0.0.1:7860/", EN)
    try:
        for index in (1, 2):
            out = panel.slide("next-token", index, TOP_N, "en", room=handle)
            shown = panel.shown("next-token", index, TOP_N, "en")
            view = rooms.server(demo.greentext).rooms.get(handle["code"]).view("phone-0001-abcdef")
            assert view["phase"] == "voting" and view["step"] == shown.step.index
            assert {c["id"] for c in view["candidates"]} <= {c.id for c in shown.step.candidates}
            assert "room-vote" in out[w.probabilities.table] and "p (T=1)" not in out[w.probabilities.table]
    finally:
        probs.room.close(handle)
