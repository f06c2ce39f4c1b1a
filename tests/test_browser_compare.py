"""The Compare tab in a real browser: a projector at 1366×768 in English (both stories, then B's story token
by token under both models) and a phone at 390×844 in Portuguese (a typed text, a bad seed). Uses the shared
chromium and app (tests/pages.py): the bundled fine-tuned model, with the bundled base as model A."""

from __future__ import annotations

import re

from pages import APP, SLOW, expect, field, open_app, shot, wait_idle

PROJECTOR, PHONE = (1366, 768), (390, 844)


def test_compare_on_a_projector_in_english(browser, app_url):
    context, page = open_app(browser, app_url, size=PROJECTOR)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.get_by_role("tab", name="Compare").click()
        tab = APP["demo"].tabs["compare"]
        a, b = tab.checkpoints.default
        expect(page.locator("#c-model-a input")).to_have_value(a)
        expect(page.locator("#c-model-b input")).to_have_value(b)
        field(page, "c-seed").fill("42")
        field(page, "c-max-new").fill("30")
        page.locator("#c-generate").click()
        expect(page.locator("#c-status")).to_contain_text("seed 42 · A:", timeout=SLOW)
        expect(page.locator("#c-tokens .cmp-top li")).to_have_count(5, timeout=SLOW)  # B's story, scored
        wait_idle(page)
        # B's story is the app's model alone with the same settings and seed (the core tests check A's too)
        from greentext.decode.settings import SamplingSettings

        alone = tab.app.engine.generate("the lecture\n>be me", SamplingSettings(0.8, 50, 0.95, 30, 42))
        expect(field(page, "c-text")).to_have_value(tab.app.display.story(alone.prompt, alone.text).story)
        for side in ("a", "b"):
            expect(page.locator(f"#c-story-{side} .gt-gen").first).to_be_visible()
        expect(page.locator("#c-head-a")).to_contain_text("A · base · assets/model-base")
        expect(page.locator("#c-tokens .ctok")).to_have_count(len(APP["demo"].greentext.engine.tokenizer.encode(
            field(page, "c-text").input_value())))
        expect(page.locator("#c-plot .js-plotly-plot").first).to_be_visible(timeout=SLOW)
        shot(page, "compare.png")

        page.locator("#c-use-a").click()  # A's story now: the text box holds what A's column shows
        expect(field(page, "c-text")).to_have_value(re.compile(r"^the lecture"), timeout=SLOW)
        wait_idle(page)
        lines = lambda text: [line.strip() for line in text.splitlines() if line.strip()]  # noqa: E731
        # (the column's HTML shows no empty lines; model v3's base writes prose with blank lines between)
        assert lines(field(page, "c-text").input_value()) == lines(page.locator("#c-story-a .greentext").inner_text())
        assert not errors, errors
    finally:
        context.close()


def test_compare_on_a_phone_in_portuguese(browser, app_url):
    context, page = open_app(browser, app_url, locale="pt-BR", size=PHONE)
    try:
        page.get_by_role("tab", name="Comparar").click()  # every tab one tap away on a phone (no "…" menu)
        expect(page.locator("#c-generate")).to_be_visible()
        expect(page.locator("#c-head-a")).to_contain_text("A · base · assets/model-base · 6 camadas · 5 cabeças")
        field(page, "c-text").fill("the lecture\n>be me\n>go to class")
        page.locator("#c-score").click()
        expect(page.locator("#c-tokens .cmp-title")).to_have_text("Onde eles mais diferem", timeout=SLOW)
        expect(page.locator("#c-tokens li").first).to_contain_text(" → ")
        expect(page.locator("#c-tokens")).to_contain_text("%")
        wait_idle(page)
        expect(page.locator("#c-plot .js-plotly-plot").first).to_be_visible(timeout=SLOW)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # nothing wider than the phone
        shot(page, "compare-pt-BR-phone.png")

        field(page, "c-seed").fill("muitos")  # a bad value: named, with its range, in Portuguese
        page.locator("#c-generate").click()
        expect(page.locator(".toast-body")).to_contain_text("semente deve ser vazia (aleatória) ou um número inteiro")
    finally:
        context.close()
