"""The room votes in a real browser: three phones (390×844; English, Portuguese, English) on the light phone
page, the presenter driven through `greentext/ui/room.py` as the Probabilities tab will call it (the app and
its model are the browser tests' own): the step's candidates appear, the taps are counted, a reload keeps the
vote, the reveal shows the room's tally and the model's probabilities in each phone's language, the room's
choice taken, the next step says who guessed it; token text stays text; nothing leaves the app's address."""

from __future__ import annotations

from urllib.parse import urlparse

from pages import APP, SLOW, expect, open_app, shot

from greentext.decode.settings import SamplingSettings
from greentext.decode.walk import Walk
from greentext.language.numbers import percent
from greentext.ui import room

XSS = '<img src=x onerror="window.__pwned=1">'
PHONE = (390, 844)


def button(page, token_id: int):
    return page.locator(f'#cands button[data-id="{token_id}"]')


def tap(page, token_id: int) -> None:
    button(page, token_id).click()
    expect(button(page, token_id)).to_have_attribute("aria-pressed", "true")
    expect(button(page, token_id)).not_to_have_class("cand mine sending")  # the server said yes


def test_three_phones_vote_a_reload_keeps_the_vote_and_the_reveal_shows_the_result(browser, app_url):
    demo = APP["demo"]
    app = demo.greentext
    opened = room.open_room(app, app_url, demo=demo)
    state = opened.handle
    url = f"{app_url}room/{opened.code}"
    assert opened.url == url  # listening on 127.0.0.1: the presenter is told (opened.note)

    phones, asked = [], []
    for locale in ("en-US", "pt-BR", "en-US"):
        context, page = open_app(browser, url, locale=locale, ready="#waiting", size=PHONE, has_touch=True)
        page.on("request", lambda r: asked.append(r.url))
        phones.append((context, page))
    (_, en), (_, pt), (_, third) = phones
    try:
        expect(en.locator("#waiting")).to_have_text("Waiting for the next step…")
        expect(pt.locator("#waiting")).to_have_text("Esperando o próximo passo…")
        expect(pt.locator("#title")).to_have_text(f"Sala {opened.code}")
        shot(en, "room-en-waiting.png", full_page=False, readme=False)
        shot(pt, "room-pt-BR-waiting.png", full_page=False, readme=False)

        # ---- the presenter publishes the upcoming step: the vote opens on every phone ----
        walk = Walk.start(app.engine, "the lecture\n>be me", SamplingSettings(seed=7), top_n=10)
        step = walk.candidates()
        room.publish(app, state, step, top_n=6)
        top = step.candidates[:6]
        a, b = top[0].id, top[1].id
        for _, page in phones:
            expect(page.locator("#cands button")).to_have_count(6, timeout=SLOW)
        expect(en.locator("#question")).to_have_text("What will the model pick?")
        expect(pt.locator("#question")).to_have_text("O que o modelo vai escolher?")
        expect(en.locator("#context")).to_contain_text(">be me")
        # `·` spaces, `↵` newlines; while the room guesses what the model will pick, not in the model's order
        assert en.locator("#cands .tok").all_inner_texts() == sorted((c.token for c in top), key=str.casefold)
        box = button(en, a).bounding_box()
        assert box["height"] >= 48 and box["width"] >= 300  # a thumb's target

        tap(en, a)
        tap(pt, b)
        tap(third, b)
        counts = room.tally(app, state)
        assert counts.votes[a] == 1 and counts.votes[b] == 2 and counts.voters == 3 and counts.phones == 3

        # ---- a reload (or a dropped Wi-Fi) keeps the phone's place and vote; it changes its vote ----
        en.reload()
        expect(button(en, a)).to_have_attribute("aria-pressed", "true", timeout=SLOW)
        expect(button(en, a)).to_contain_text("your vote")
        tap(en, b)
        expect(button(en, a)).to_have_attribute("aria-pressed", "false")
        counts = room.tally(app, state)
        assert counts.votes[a] == 0 and counts.votes[b] == 3 and counts.voters == 3 and counts.seq == 4
        shot(en, "room-en-voting.png", full_page=False, readme=False)
        shot(pt, "room-pt-BR-voting.png", full_page=False, readme=False)

        # ---- the reveal: the room's tally and the model's probabilities, in each phone's language ----
        room.reveal(app, state)
        expect(en.locator("#question")).to_have_text("Votes closed: the room's result", timeout=SLOW)
        expect(pt.locator("#question")).to_have_text("Votação encerrada: o resultado da sala", timeout=SLOW)
        expect(button(en, b)).to_contain_text("3 votes (100.0%)")
        expect(button(en, b)).to_contain_text(f"model {percent(top[1].p_raw, 'en')}")
        expect(button(pt, b)).to_contain_text("3 votos (100,0%)")
        expect(button(pt, b)).to_contain_text(f"modelo {percent(top[1].p_raw, 'pt')}")
        expect(button(pt, b)).to_contain_text("★ escolha da sala")
        expect(button(en, a)).to_be_disabled()
        shot(en, "room-en-revealed.png", full_page=False, readme=False)
        shot(pt, "room-pt-BR-revealed.png", full_page=False, readme=False)

        # ---- the presenter takes the room's choice; the next step says who guessed it ----
        token = room.choice(app, state)
        assert token == b
        walk.pick(token_id=token)
        room.decide(app, state, token, "room")
        expect(en.locator("#question")).to_contain_text("The presenter took the room's choice", timeout=SLOW)
        room.publish(app, state, walk.candidates(), top_n=6)
        expect(en.locator("#last")).to_contain_text("You got it!", timeout=SLOW)
        expect(pt.locator("#last")).to_contain_text("Você acertou! (escolha da sala)", timeout=SLOW)
        expect(en.locator("#cands button[aria-pressed='true']")).to_have_count(0)
        expect(en.locator("#step")).to_have_text("Step 2")
        shot(pt, "room-pt-BR-next.png", full_page=False, readme=False)

        # ---- token text stays text ----
        room.publish_choices(app, state, 2, f"the lecture\n>be me {XSS}", [(11, XSS), (198, "\n")])
        expect(third.locator("#cands .tok").first).to_have_text(XSS.replace(" ", "·"), timeout=SLOW)
        expect(third.locator("#context")).to_contain_text(XSS)
        assert third.evaluate("() => window.__pwned") is None

        # ---- the room closes: the phones say so and ask for a code ----
        room.close(app, state)
        expect(pt.locator("#gone")).to_contain_text("Não há sala com este código", timeout=SLOW)
        expect(pt.locator("#code")).to_be_visible()
        shot(pt, "room-pt-BR-closed.png", full_page=False, readme=False)
        # the phone pages asked their own address only, and only the room's routes (no gradio, no favicon)
        assert asked and all(urlparse(u).path.startswith(f"/room/{opened.code}") for u in asked), set(asked)
    finally:
        for context, _ in phones:
            context.close()


def test_the_presenter_opens_a_room_on_the_probabilities_tab_phones_vote_the_projector_reveals_and_takes(
        browser, app_url):
    """The presenter's page (1366×768, pt-BR, presentation mode) opens a room from the Probabilities tab; two
    phones vote; the projector shows the room's tally while the model's numbers and chart stay hidden, V reveals
    them beside the room's column, C takes the room's choice (a presenter pick), the next vote opens on the
    phones, which say who took the step; closing the room takes the panel away."""
    link = f"{app_url}?tab=probabilities&prompt=the+lecture%0A%3Ebe+me&seed=7&top_p=0.95"
    context, presenter = open_app(browser, link, locale="pt-BR", ready="#p-table .step", size=(1366, 768))
    phones = []
    try:
        presenter.locator("#p-room-open").click()
        code = presenter.locator("#p-room-panel .room-code").inner_text(timeout=SLOW).strip()
        assert len(code) == 4 and code.isdigit()
        expect(presenter.locator("#p-table .room-vote")).to_be_visible(timeout=SLOW)
        expect(presenter.locator("#p-table")).not_to_contain_text("p (T=1)")
        expect(presenter.locator("#p-plot .main-svg")).to_have_count(0)  # no chart: it would tell
        expect(presenter.locator("#p-lens")).to_be_hidden()  # nor the logit lens (its last row is the answer)
        for locale in ("pt-BR", "en-US"):
            phones.append(open_app(browser, f"{app_url}room/{code}", locale=locale, ready="#cands button >> nth=0",
                                   size=PHONE, has_touch=True))
        (_, pt), (_, en) = phones
        ids = [int(i) for i in pt.locator("#cands button").evaluate_all("bs => bs.map(b => b.dataset.id)")]
        assert len(ids) == 10
        tap(pt, ids[3])
        tap(en, ids[3])
        row = presenter.locator("#p-table table.room-votes tbody tr").first
        expect(row).to_contain_text("100,0% · 2", timeout=SLOW)  # the tally, within the timer's second
        expect(presenter.locator("#p-room-panel .room-counts")).to_contain_text("2 celulares · 2 votos")
        presenter.locator("#p-present").locator("input").check()
        shot(presenter, "room-projector-pt-BR.png", full_page=False)

        presenter.keyboard.press("v")  # reveal
        expect(presenter.locator("#p-table th.col-room")).to_have_text("a sala", timeout=SLOW)
        expect(presenter.locator("#p-table td.room-choice")).to_contain_text("100,0%")
        cut = presenter.evaluate("""() => {
            const box = document.querySelector('#p-table .slide > .step .cands-scroll').getBoundingClientRect();
            return [...document.querySelectorAll('#p-table .slide > .step table.cands td, #p-table .slide > .step th')]
                .filter(c => c.getBoundingClientRect().right > box.right + 1).map(c => c.textContent);
        }""")
        assert cut == []  # the room's column fits beside the model's on a 1366×768 projector
        expect(presenter.locator("#p-plot .main-svg").first).to_be_visible(timeout=SLOW)
        presenter.locator("#p-present").locator("input").uncheck()
        expect(presenter.locator("#p-lens")).to_be_visible()  # revealed: the lens is back
        presenter.locator("#p-present").locator("input").check()
        expect(pt.locator("#question")).to_have_text("Votação encerrada: o resultado da sala", timeout=SLOW)
        shot(presenter, "room-revealed-pt-BR.png", full_page=False)

        presenter.keyboard.press("c")  # take the room's choice
        expect(presenter.locator("#p-status")).to_contain_text("1/80", timeout=SLOW)
        expect(pt.locator("#last")).to_contain_text("Você acertou! (escolha da sala)", timeout=SLOW)
        expect(en.locator("#step")).to_have_text("Step 2", timeout=SLOW)
        expect(presenter.locator("#p-table .step-drawn")).to_contain_text("escolhido", timeout=SLOW)  # a pick
        expect(presenter.locator("#p-table .room-vote")).to_be_visible()  # the next vote
        shot(pt, "room-phone-pt-BR.png", full_page=False)

        presenter.keyboard.press("ArrowRight")  # the model picks the next one
        expect(en.locator("#last")).to_contain_text("(the model's draw)", timeout=SLOW)  # who took the step
        expect(pt.locator("#step")).to_have_text("Passo 3")

        presenter.locator("#p-present").locator("input").uncheck()
        presenter.locator("#p-room-close").click()
        expect(presenter.locator("#p-room-panel .room-code")).to_have_count(0, timeout=SLOW)
        expect(presenter.locator("#p-table")).to_contain_text("p (T=1)", timeout=SLOW)
        expect(pt.locator("#gone")).to_be_visible(timeout=SLOW)
    finally:
        for phone_context, _ in phones:
            phone_context.close()
        context.close()
