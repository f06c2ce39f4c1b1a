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
        expect(pt.locator("#last")).to_contain_text("Você acertou!", timeout=SLOW)
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
