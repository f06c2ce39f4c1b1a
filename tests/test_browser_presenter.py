"""The presenter's Probabilities tab in a real browser: a projector at 1366×768 in Portuguese (one page load,
which first checks the page in pt-BR at 1366×900), a phone at 390×844 in English and one in Portuguese (a
touch phone), and a rate-limited room. Uses the shared chromium and app (tests/pages.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pages import SLOW, expect, field, open_app, shot, wait_idle

PROJECTOR, PHONE = (1366, 768), (390, 844)


def status_count(page) -> int:
    """n in the Probabilities status "seed S · n/max tokens"."""
    return int(re.search(r"· (\d+)/\d+ tokens", page.locator("#p-status").inner_text()).group(1))


def rows_one_line_high(page, selector: str) -> None:
    """Every row of the table(s) at `selector` is one line of its text high (no wrapped header or cell)."""
    heights = page.evaluate(f"""[...document.querySelectorAll('{selector} tr')].map(r => {{
        const cell = r.querySelector('td, th');
        return [r.getBoundingClientRect().height, parseFloat(getComputedStyle(cell).fontSize)];
    }})""")
    assert heights, selector
    for height, font in heights:
        assert height < 2.2 * font, heights  # one line ≈ 1.5 × the font size plus padding; two lines ≥ 2.6×


LONG_STORY = "the lecture\n>be me\n>professor of tokens\n>projector warms up\n>two hundred phones light up\n" \
    ">first slide: a birthday song\n>the room sings along\n>be me"


def slide_bottoms(page) -> dict:
    """How far down the slide's parts end (px), and whether a cell of the table is cut at its right edge."""
    return page.evaluate("""() => {
        const bottom = (sel) => { const e = [...document.querySelectorAll(sel)].filter(x => x.offsetParent !== null)
                                  .pop(); return e ? e.getBoundingClientRect().bottom : -1; };
        const box = document.querySelector('#p-table .cands-scroll');
        const cut = [...document.querySelectorAll('#p-table .slide > .step table.cands td, #p-table .slide > .step th')]
            .some(c => c.getBoundingClientRect().right > box.getBoundingClientRect().right + 1);
        return {rest: bottom('#p-table tfoot tr.rest'), legend: bottom('#p-table .step-legend'),
                foot: bottom('#p-table .step-foot'), chart: bottom('#p-plot .main-svg'),
                story: bottom("#p-story .greentext"), cut: cut};
    }""")


def test_projector_in_portuguese(browser, app_url):
    """One pt-BR page, projector mode off at first:
    1. (1366×900) every label in Portuguese, lecture-safe mode too; projector mode really enlarges the
       greentext, and goes (moved here from test_browser: the page in pt-BR, README's pt-BR.png);
    2. (1366×768 from here) a long story, presentation mode: every part of the slide stays on screen at every
       step (the story keeps its last lines in its own box), the token just drawn is marked in the story and
       named above the table, and each step shows its own table with the chosen row for a moment (not after
       an undo); presentation mode off again;
    3. projector mode (issue 20, item 9): Generate on screen without scrolling, every slider label on one
       line, the model panel and the colour control in large type, the Probabilities chart half the page
       wide (before: Generate below the fold, labels on 2–3 lines, a 410 px chart);
    4. still in projector mode: Generate (seed 42) in view, Explain this generation, Run N steps = the story,
       pt-BR table, the slides' CSV, a pick below the ten shown, what-if T, presentation mode and the
       clicker's keys."""
    context, page = open_app(browser, app_url, locale="pt-BR")
    try:
        # ---- 1. Portuguese, projector mode on and off (1366×900) ----
        expect(page.get_by_role("tab", name="Probabilidades")).to_be_visible()
        expect(page.locator("#g-generate")).to_have_text("Gerar")
        expect(page.get_by_role("tab", name="Atenção")).to_be_visible()
        expect(page.locator("#safe-mode")).to_contain_text("Modo seguro para aula: ligado")
        expect(page.locator("#safe-mode")).not_to_contain_text("Lecture-safe")
        # the sliders' number boxes write decimals as the presets beside them do ("T 0,8"): Chromium draws an
        # <input type=number> with a dot whatever the page's language (issue 20, item 4); the value stays 0.8
        for slider, shown, value in (("g-temperature", "0,8", "0.8"), ("g-top-p", "0,95", "0.95"), ("g-top-k", "50", "50")):
            expect(page.locator(f"#{slider} .gt-number")).to_have_text(shown)
            expect(page.locator(f"#{slider} input[type=number]")).to_have_value(value)
            expect(page.locator(f"#{slider} input[type=number]")).to_have_css("color", "rgba(0, 0, 0, 0)")
        shot(page, "pt-BR.png")

        greentext = page.locator("#g-output .greentext")
        expect(greentext).to_have_css("font-size", "16.8px")  # 1.05rem
        page.locator("#big-type input[type=checkbox]").check()
        expect(page.locator("body")).to_have_class(re.compile(r"\bbig\b"))
        assert page.evaluate("document.body.classList.contains('big')")
        expect(greentext).to_have_css("font-size", "23.2px")  # 1.45rem: projector mode really enlarges it
        page.locator("#big-type input[type=checkbox]").uncheck()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bbig\b"))

        # ---- 2. a long story's slides, presentation mode (1366×768, projector mode off) ----
        page.set_viewport_size({"width": PROJECTOR[0], "height": PROJECTOR[1]})
        page.get_by_role("tab", name="Probabilidades").click()
        wait_idle(page)
        field(page, "p-prompt").fill(LONG_STORY)
        field(page, "p-seed").fill("3")
        wait_idle(page)
        page.locator("#p-present input[type=checkbox]").check()
        page.mouse.click(5, 5)  # the keys go to the page, not to a field
        page.keyboard.press("r")  # R: a fresh walk of the form (prompt, seed 3)
        expect(page.locator("#p-status")).to_contain_text("semente 3 · 0/", timeout=SLOW)
        wait_idle(page)
        for n in range(1, 13):
            page.keyboard.press("g")  # greedy steps: a draw could end the story at once (<|endoftext|>)
            expect(page.locator("#p-status")).to_contain_text(f"· {n}/", timeout=SLOW)
            wait_idle(page)
            parts = slide_bottoms(page)
            assert not parts.pop("cut"), n  # no column cut at the right ("fora (top-p)" whole)
            for name, bottom in parts.items():
                assert 0 < bottom <= PROJECTOR[1], (n, name, parts)
            drawn = page.locator("#p-table .step-drawn")
            expect(drawn).to_contain_text(f"passo {n}")
            mark = page.locator("#p-story mark.gt-last")
            token = drawn.locator("code").inner_text().replace("·", " ")
            if token.strip() and "↵" not in token:
                expect(mark).to_have_text(token)  # the story marks the very token the line names
            reveal = page.locator("#p-table .step-reveal")
            expect(reveal).to_have_count(1)  # the last step's table, its chosen row marked, over the new one
            assert reveal.locator("tr.chosen").count() == 1
            assert reveal.evaluate("e => getComputedStyle(e).animationName") == "gt-reveal"
        page.keyboard.press("ArrowLeft")
        expect(page.locator("#p-status")).to_contain_text("· 11/", timeout=SLOW)
        wait_idle(page)
        expect(page.locator("#p-table .step-reveal")).to_have_count(0)  # an undo draws nothing
        shot(page, "presentation.png", full_page=False)  # what the projector shows, 11 steps into a long story
        page.locator("#p-present input[type=checkbox]").uncheck()  # back to the form, as a fresh page
        expect(page.locator("#p-sample")).to_be_visible()

        # ---- 3. projector mode keeps Generate in view and enlarges the rest ----
        page.get_by_role("tab", name="Gerar").click()
        page.evaluate("window.scrollTo(0, 0)")  # as a fresh page: the top
        page.locator("#big-type input[type=checkbox]").check()
        expect(page.locator("body")).to_have_class(re.compile(r"\bbig\b"))
        page.wait_for_timeout(300)
        box = page.locator("#g-generate").bounding_box()
        assert box["y"] + box["height"] <= PROJECTOR[1], box
        labels = page.evaluate("""[...document.querySelectorAll('.sliders [data-testid="block-info"]')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent, e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)
                       || 1.5 * parseFloat(getComputedStyle(e).fontSize)])""")
        assert len(labels) >= 5, labels
        for text, height, line in labels:
            assert height < 1.6 * line, (text, height, line)  # one line
        for selector in ("#model-accordion .label-wrap span", "#g-colour label span"):
            size = page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 18, (selector, size)  # ≥ 1.15rem, as the rest of projector mode
        page.get_by_role("tab", name="Probabilidades").click()
        wait_idle(page)
        expect(page.locator("#p-plot .main-svg").first).to_be_visible(timeout=SLOW)
        page.wait_for_timeout(500)
        width = page.locator("#p-plot").bounding_box()["width"]
        assert width >= 0.4 * PROJECTOR[0], width

        # ---- 4. (projector mode on) explain, what-if and the clicker ----
        page.get_by_role("tab", name="Gerar").click()
        page.evaluate("window.scrollTo(0, 0)")  # as a fresh page: the top
        page.locator("#big-type input[type=checkbox]").check()
        field(page, "g-seed").fill("42")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text("tokens/s", timeout=SLOW)
        wait_idle(page)
        box = page.locator("#g-output").bounding_box()
        assert box["y"] + 80 < PROJECTOR[1], box  # the story is in view after Generate, no scrolling
        story = page.locator("#g-output .greentext").inner_text()

        # Explain this generation: the Probabilities tab, same prompt, settings and seed; Run N steps = the story
        page.locator("#g-explain").click()
        expect(page.get_by_role("tab", name="Probabilidades")).to_have_attribute("aria-selected", "true")
        expect(field(page, "p-seed")).to_have_value("42")
        wait_idle(page)
        page.locator("#p-run").click()
        expect(page.locator("#p-story .greentext")).to_contain_text(story.strip().splitlines()[-1], timeout=SLOW)
        wait_idle(page)
        assert page.locator("#p-story .greentext").inner_text() == story

        # pt-BR headers and percentages; every row one line high on the projector
        table = page.locator("#p-table")
        for words in ("no sorteio", "T=0,8", "todos os outros tokens"):
            expect(table).to_contain_text(words)
        assert re.search(r"\d+,\d%", table.inner_text()) and "after T" not in table.inner_text()
        rows_one_line_high(page, "#p-table table.cands")
        with page.expect_download() as download:
            page.locator("#p-slides").click()
        assert download.value.suggested_filename == "slides-pt-BR.csv"  # written on the click, saved at once
        slide_rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert slide_rows[0].startswith("passo;contexto;") and len(slide_rows) == 1 + status_count(page)
        # the same file stays offered under its name: a tap saves it (should the browser refuse the automatic one)
        offered = page.locator("#p-file")
        expect(offered).to_have_text(f"⬇ slides-pt-BR.csv · {status_count(page)} passos")
        with page.expect_download() as again:
            offered.click()
        assert again.value.suggested_filename == "slides-pt-BR.csv"
        assert Path(again.value.path()).read_text(encoding="utf-8-sig").splitlines() == slide_rows

        page.locator("#p-reset").click()
        wait_idle(page)
        # the chosen token is a row of its step's table, even below the ten shown
        field(page, "p-rank").fill("15")
        page.locator("#p-pick").click()
        expect(page.locator("#p-last tr.chosen td").first).to_have_text("15", timeout=SLOW)
        wait_idle(page)

        # what-if: moving T redraws the upcoming step's columns, nothing sampled
        n = status_count(page)
        before = page.locator("#p-table tbody tr").first.locator("td").nth(3).inner_text()
        slider = page.locator("#p-temperature input[type=range]")
        slider.focus()
        for _ in range(8):
            page.keyboard.press("ArrowRight")  # 0.8 → 1.2
        expect(table).to_contain_text("T=1,2", timeout=SLOW)
        expect(page.locator("#p-temperature .gt-number")).to_have_text("1,2")  # the box follows the slider
        number = page.locator("#p-temperature input[type=number]")
        expect(number).to_have_value("1.2")
        wait_idle(page)
        assert page.locator("#p-table tbody tr").first.locator("td").nth(3).inner_text() != before
        assert status_count(page) == n

        # presentation mode and the clicker's keys: → / PageDown next step, ← undo
        page.locator("#p-present input[type=checkbox]").check()
        expect(page.locator("#p-sample")).to_be_hidden()
        expect(page.locator("#p-keys")).to_contain_text("PageDown")
        page.keyboard.press("PageDown")
        expect(page.locator("#p-status")).to_contain_text(f"· {n + 1}/", timeout=SLOW)
        wait_idle(page)
        page.keyboard.press("ArrowRight")
        expect(page.locator("#p-status")).to_contain_text(f"· {n + 2}/", timeout=SLOW)
        wait_idle(page)
        page.keyboard.press("ArrowLeft")
        expect(page.locator("#p-status")).to_contain_text(f"· {n + 1}/", timeout=SLOW)
        wait_idle(page)
        rows_one_line_high(page, "#p-table table.cands")
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(500)
        wait_idle(page)  # (the README's presentation.png: part 2 of this journey)
    finally:
        context.close()


def test_phone_table_fits(browser, app_url):
    context, page = open_app(browser, app_url, size=PHONE)
    try:
        page.get_by_role("tab", name="Probabilities").click()
        page.locator("#p-sample").click()
        expect(page.locator("#p-status")).to_contain_text("· 1/", timeout=SLOW)
        wait_idle(page)
        for selector in ("#p-table .cands-scroll", "#p-last .cands-scroll"):
            cut = page.evaluate(f"[...document.querySelectorAll('{selector}')].map(e => e.scrollWidth - e.clientWidth)")
            assert cut and max(cut) <= 1, (selector, cut)  # every column in view, no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        page.locator("#p-table .step-head").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        shot(page, "phone.png", full_page=False)  # what the phone shows: the step's table
    finally:
        context.close()


def test_phone_every_tab_one_tap_and_step_controls_by_the_table(browser, app_url):
    """A 390×844 phone (issue 20, item 8): the four tabs in the tab bar (no "•••" menu), the step buttons in a
    compact grid just above the table, tap targets at least 44 px, no plotly toolbar over the chart's title."""
    context, page = open_app(browser, app_url, locale="pt-BR", size=PHONE, has_touch=True, is_mobile=True)
    try:
        expect(page.locator(".overflow-menu > button")).to_be_hidden()
        for name in ("Atenção", "Comparar", "Probabilidades"):
            tab = page.get_by_role("tab", name=name)
            expect(tab).to_be_visible()
            tab.tap()
            expect(tab).to_have_attribute("aria-selected", "true")
        wait_idle(page)
        first, table = page.locator("#p-sample").bounding_box(), page.locator("#p-table").bounding_box()
        assert table["y"] - first["y"] <= 320, (first, table)  # five buttons and the pick row, then the table
        small = page.evaluate("""[...document.querySelectorAll(
                '#p-buttons button, #p-pick-row button, .presets button, label:has(> input[type=checkbox])')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.textContent.trim() + ' ' + e.getBoundingClientRect().height)""")
        assert small == [], small
        expect(page.locator("#p-plot .main-svg").first).to_be_visible(timeout=SLOW)
        expect(page.locator("#p-plot .modebar-container")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    finally:
        context.close()


@pytest.fixture()
def rate_limited(engine):
    from conftest import launch

    demo = launch(engine, rate_limit="2/60")
    yield demo.local_url
    demo.close()


def test_run_n_steps_is_counted_by_the_rate_limit(browser, rate_limited):
    context, page = open_app(browser, rate_limited)
    try:
        page.get_by_role("tab", name="Probabilities").click()
        run = page.locator("#p-run")
        for n in (1, 2):
            run.click()
            expect(page.locator("#p-status")).to_contain_text(re.compile(r"· \d+/"), timeout=SLOW)
            wait_idle(page)
        run.click()
        expect(page.locator(".toast-body").last).to_contain_text("Too many requests", timeout=SLOW)
    finally:
        context.close()
