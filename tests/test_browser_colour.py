"""The Generate tab's colouring by rank in a real browser: toggled after a generation (no new one), the
legend, the four colours, and a token's numbers on hover and on tap — the model's own numbers."""

from __future__ import annotations

import re

from pages import APP, SLOW, expect, field, open_app, shot, wait_idle

from greentext.decode.settings import SamplingSettings
from greentext.language.numbers import small_percent

BINS = ["rk1", "rk2", "rk3", "rk4"]


def test_colour_by_rank(browser, app_url):
    context, page = open_app(browser, app_url, has_touch=True)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        # Hot and unfiltered, so that every bin shows: T 1.3, top-k off, top-p 1, seed 7.
        for elem_id, value in [("g-temperature", "1.3"), ("g-top-k", "0"), ("g-top-p", "1"), ("g-seed", "7")]:
            field(page, elem_id).fill(value)
            field(page, elem_id).press("Enter")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text("seed 7", timeout=SLOW)
        wait_idle(page)
        status = page.locator("#g-status").inner_text()
        tokens = page.locator("#g-output .greentext .rk:not(.rk-nl):not(.rk-end)")
        first = tokens.first
        expect(page.locator("#g-output .rk-legend")).to_be_hidden()  # colour off: the plain greentext
        expect(first).to_have_css("background-color", "rgba(0, 0, 0, 0)")

        page.locator("#g-colour input[type=checkbox]").check()
        expect(page.locator("#g-output .rk-legend")).to_be_visible()
        expect(page.locator("#g-output .rk-legend .rk-swatch")).to_have_count(4)
        classes = set(re.findall(r"\brk\d\b", " ".join(tokens.evaluate_all("s => s.map(e => e.className)"))))
        assert classes == set(BINS), classes
        expect(page.locator("#g-output .greentext .rk1").first).to_have_css("background-color", "rgb(207, 232, 249)")
        expect(page.locator("#g-output .gt-green .rk").first).to_have_css("color", "rgb(46, 70, 0)")

        # The numbers are the model's: the same generation on the engine, token 1.
        engine = APP["demo"].greentext.engine
        prompt = field(page, "g-prompt").input_value()
        expected = engine.generate(prompt, SamplingSettings(1.3, 0, 1.0, 80, 7)).ranks[0]
        first.hover()
        tip = first.locator(".rk-tip")
        expect(tip).to_be_visible()
        expect(tip).to_contain_text(f"rank {expected.rank} · p = {small_percent(expected.p_raw)}")
        far = page.locator("#g-output .greentext .rk4").first
        far.tap()  # a phone: the tap focuses the token and its tip stays
        page.mouse.move(0, 0)
        expect(far.locator(".rk-tip")).to_be_visible()
        expect(far.locator(".rk-tip")).to_contain_text(re.compile(r"rank \d{3}"))
        expect(tip).to_be_hidden()
        shot(page, "colour.png")

        page.locator("#g-colour input[type=checkbox]").uncheck()  # back to plain, in the browser only
        expect(page.locator("#g-output .rk-legend")).to_be_hidden()
        expect(first).to_have_css("background-color", "rgba(0, 0, 0, 0)")
        assert page.locator("#g-status").inner_text() == status  # nothing was generated again
        assert not errors, errors
    finally:
        context.close()
