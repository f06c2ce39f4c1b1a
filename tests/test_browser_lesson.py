"""A lesson in a real browser (the bundled model, the shared chromium and app: tests/pages.py): a link opens the
lesson at slide 2 with its note and position; the clicker's PageDown goes to slide 3 (its settings in the form),
→ takes a step within the slide, P goes back; in presentation mode at 1366×768 the note stays on screen in large
type, the step under it fits; a Portuguese page speaks Portuguese and a bad link says what is allowed."""

from __future__ import annotations

import re

from pages import SLOW, expect, field, open_app, shot, wait_idle

PROJECTOR = (1366, 768)


def status_count(page) -> int:
    return int(re.search(r"· (\d+)/\d+", page.locator("#p-status").inner_text()).group(1))


def test_a_lesson_link_the_clicker_and_presentation_mode(browser, app_url):
    context, page = open_app(browser, f"{app_url}?lesson=next-token&slide=2", ready="#p-lesson-note", size=PROJECTOR)
    try:
        expect(page.locator("#p-lesson-position")).to_have_text("2 / 8", timeout=SLOW)
        expect(page.locator("#p-lesson-title")).to_have_text("An open moment")
        expect(page.locator("#p-lesson-note")).to_contain_text("The model is open.")
        expect(page.locator("#p-lesson-note")).to_contain_text(re.compile(r"Entropy \d+\.\d bits"))  # filled in
        expect(page.locator("#p-lesson-prev")).to_be_enabled()
        expect(page.locator("#p-status")).to_contain_text("seed 42 · 0/40")
        wait_idle(page)

        page.keyboard.press("PageDown")  # a clicker's "next": the next slide
        expect(page.locator("#p-lesson-position")).to_have_text("3 / 8", timeout=SLOW)
        expect(page.locator("#p-lesson-title")).to_have_text("Temperature 0.2")
        expect(field(page, "p-temperature")).to_have_value("0.2")
        wait_idle(page)
        assert status_count(page) == 0

        page.keyboard.press("ArrowRight")  # → steps within the slide
        expect(page.locator("#p-status")).to_contain_text("· 1/40", timeout=SLOW)
        expect(page.locator("#p-lesson-position")).to_have_text("3 / 8")
        wait_idle(page)

        page.locator("#p-present input").check()  # presentation mode: the note stays, large, the step under it
        expect(page.locator("#p-lesson-pick")).to_be_hidden()
        note = page.locator("#p-lesson-note")
        expect(note).to_be_visible()
        box = note.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR[1]
        assert float(note.evaluate("e => getComputedStyle(e.querySelector('p')).fontSize")[:-2]) >= 20
        page.wait_for_timeout(300)
        rest = page.locator("#p-table .slide > .step tfoot tr.rest").bounding_box()
        assert rest["y"] + rest["height"] <= PROJECTOR[1]  # the whole table is on the slide
        shot(page, "lesson-projector.png", full_page=False)

        page.keyboard.press("p")  # P: back a slide
        expect(page.locator("#p-lesson-position")).to_have_text("2 / 8", timeout=SLOW)
        expect(page.locator("#p-status")).to_contain_text("· 0/40")
        wait_idle(page)
        page.locator("#p-present input").uncheck()
        page.locator("#p-lesson-leave").click()  # ✕: the bar goes, the slide's walk stays
        expect(note).to_be_hidden(timeout=SLOW)
        expect(page.locator("#p-lesson-next")).to_be_hidden()
        expect(page.locator("#p-status")).to_contain_text("seed 42 · 0/40")
    finally:
        context.close()


def test_a_portuguese_page_and_a_bad_lesson_link(browser, app_url):
    context, page = open_app(browser, f"{app_url}?lesson=proximo-token&slide=1", locale="pt-BR",
                             ready="#p-lesson-note", size=(390, 844))
    try:
        expect(page.locator("#p-lesson-title")).to_have_text("Um momento de certeza", timeout=SLOW)
        expect(page.locator("#p-lesson-note")).to_contain_text("O modelo tem certeza.")
        expect(page.locator("#p-lesson-next")).to_have_text("Próximo slide ▶")
        expect(page.locator("#p-lesson-prev")).to_be_disabled()  # the first slide
        for button in ("#p-lesson-prev", "#p-lesson-next"):  # a phone's tap target
            assert page.locator(button).bounding_box()["height"] >= 44
        wait_idle(page)
        shot(page, "lesson-phone-pt-BR.png", full_page=False)
        page.goto(f"{app_url}?lesson=nada&slide=3")
        expect(page.get_by_text("O lesson=nada do link não foi usado: lesson deve ser um destes: next-token, "
                                "proximo-token. A página abre sem aula.")).to_be_visible(timeout=SLOW)
        page.get_by_role("tab", name="Probabilidades").click()
        expect(page.locator("#p-table")).to_contain_text("passo 1", timeout=SLOW)  # the page works as usual
        expect(page.locator("#p-lesson-note")).to_have_count(0)
        expect(page.locator("#p-lesson-pick")).to_contain_text("Aula")
    finally:
        context.close()
