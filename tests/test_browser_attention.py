"""The Attention tab as a presenter shows it: pt-BR at 1366×768 (a projector), normal and projector
mode, and English on a 390×844 phone. Every word in the page's language, each bertviz frame as tall as
its content (nothing scrolls inside a frame, nothing is cut), the heatmap's title uncovered, and the
views larger in projector mode; in pt-BR a long text too, shown as a window. One page load per language."""

from __future__ import annotations

import re
import time

import pytest
import pages
from pages import SLOW, bertviz_frame, drawn_frames, expect, field, open_app, wait_idle

VIEWS = ("a-head-view", "a-model-view")
# ~60 tokens of Portuguese: a head view taller than the 720 px frame it used to get
PT_TEXT = ("a aula de hoje\n>ser eu\n>chegar atrasado na aula de redes neurais\n>o projetor não liga\n"
           ">o professor explica atenção com as mãos\n>ninguém entende nada\n>a prova é amanhã")
# English words the tab used to show on a pt-BR page (tokens of PT_TEXT contain none of them)
ENGLISH = re.compile(r"\b(average|layers?|heads?|view|plot|hover|click|thumbnail|generated|every|parameters|"
                     r"vocabulary|context)\b", re.I)


def show(page, text: str | None = None):
    page.locator("button[role=tab]").nth(2).click()
    # A tab's components finish mounting just after it shows (see test_browser): no person types faster.
    page.wait_for_timeout(700)
    if text is not None:
        field(page, "a-text").fill(text)
        field(page, "a-text").blur()
    before = drawn_frames(page, *VIEWS)  # a text shown before on this page: wait for the new views
    page.locator("#a-show").click()
    expect(page.locator("#a-plot .js-plotly-plot").first).to_be_visible(timeout=SLOW)
    wait_idle(page)
    return {v: bertviz_frame(page, v, before[v]) for v in VIEWS}


def heights(page, frames) -> dict:
    """Each view's content height and its iframe's inner height, once the frame has been seen (Chromium
    lays out an off-screen cross-origin frame lazily) and its reported height is applied."""
    out = {}
    for view, frame in frames.items():
        iframe = page.locator(f"#{view} iframe")
        iframe.scroll_into_view_if_needed()
        deadline = time.monotonic() + 10
        while True:
            content = frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
            inner = iframe.evaluate("f => f.clientHeight")
            scroll = frame.evaluate("document.documentElement.scrollHeight")
            # settled: the reported height applied, and no drawing (still zooming into projector mode) past it
            if (inner == content and scroll <= inner) or time.monotonic() > deadline:
                break
            page.wait_for_timeout(100)
        out[view] = (content, inner, scroll)
    page.evaluate("window.scrollTo(0, 0)")
    return out


def assert_no_inner_scroll(sizes):
    for view, (content, inner, scroll) in sizes.items():
        assert content <= inner and scroll <= inner, (view, content, inner, scroll)
        assert inner - content <= 4, (view, content, inner)  # sized to the content, not to a guess


def shot(page, name: str) -> None:
    """pages.shot, with time for Chromium to paint the frames once the viewport is the whole page (their
    thousands of SVG lines take a while on a busy 2-core machine); never a README picture."""
    pages.shot(page, f"attention-{name}", settle=1000, readme=False)


def title_is_clear(page) -> list[str]:
    """What covers the heatmap's title: any visible element of the plot's block outside the figure whose
    box overlaps the title's (gradio's label badge did, in pt-BR and more so in projector mode; it lets
    the pointer through, so elementFromPoint would not see it), or 'clipped' when the figure cuts it."""
    wait_idle(page)  # (a running event's progress veil covers it, and goes)
    return page.evaluate("""() => {
        const title = document.querySelector('#a-plot .gtitle');
        const figure = document.querySelector('#a-plot .js-plotly-plot');
        const r = title.getBoundingClientRect(), f = figure.getBoundingClientRect(), over = [];
        if (r.width < 20 || r.top < f.top - 1 || r.left < f.left - 1 || r.right > f.right + 1) over.push('clipped');
        for (const el of document.querySelectorAll('#a-plot *')) {
            if (figure.contains(el) || el.contains(figure)) continue;
            const s = getComputedStyle(el), b = el.getBoundingClientRect();
            if (s.display === 'none' || s.visibility === 'hidden' || +s.opacity === 0) continue;
            if (!el.textContent.trim()) continue;
            const x = Math.min(r.right, b.right) - Math.max(r.left, b.left);
            const y = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
            if (x > 1 && y > 1) over.push(el.outerHTML.slice(0, 80));
        }
        return over;
    }""")


def test_portuguese_projector_and_a_long_text(browser, app_url):
    """One pt-BR page at 1366×768 (a projector):
    1. a long text (issue 20, item 6: its head view was one column of every token, 13,984 px at 407 tokens):
       its drawing is a window of the last tokens that fits the screen, the slider right under it moves it;
    2. a ~60-token text: every word in Portuguese (tab, menus, frames, model panel), the heatmap's title
       uncovered, no frame scrolls inside; then projector mode: the frames and the heatmap drawn larger."""
    context, page = open_app(browser, app_url, locale="pt-BR")
    page.set_viewport_size({"width": 1366, "height": 768})
    try:
        # ---- 1. a long text, as a window ----
        frames = show(page, "\n".join([PT_TEXT] * 4))
        head = frames["a-head-view"]
        drawing = head.evaluate("document.querySelector('#vis svg').getBoundingClientRect().height")
        assert drawing <= 600, drawing
        assert "anteriores" in head.evaluate("document.body.innerText")  # the earlier tokens, as one row
        window = page.locator("#a-window")
        expect(window).to_be_visible()
        below = window.bounding_box()["y"] - page.locator("#a-head-view").bounding_box()["y"]
        assert below <= page.locator("#a-head-view").bounding_box()["height"] + 40  # right under the view
        number = window.locator("input[type=number]")
        number.fill("0")
        number.press("Enter")
        head = page.frame_locator("#a-head-view iframe")
        expect(head.locator("body")).to_contain_text("Tokens 0–19 de", timeout=SLOW)
        expect(head.locator("body")).not_to_contain_text("anteriores")
        shot(page, "pt-BR-long-window.png")

        # ---- 2. Portuguese everywhere, then projector mode (Show draws a new text: its window at its end) ----
        frames = show(page, PT_TEXT)
        # every word in Portuguese: the tab, its menus, both frames, and the model panel
        page.get_by_role("combobox", name="Cabeça").click()  # its options: "average" was English
        expect(page.get_by_role("option", name="média")).to_be_visible()
        menu = page.get_by_role("combobox", name="Cabeça")
        words = " ".join([page.locator("[role=tabpanel]:visible").inner_text(), menu.input_value(),
                          *page.get_by_role("option").all_inner_texts()])
        page.keyboard.press("Escape")
        for frame in frames.values():
            words += frame.evaluate("document.body.innerText + [...document.querySelectorAll('svg text')]"
                                    ".map(t => t.textContent).join(' ')")
        page.get_by_text("Modelo", exact=True).first.click()
        expect(page.locator("#model-panel")).to_contain_text("parâmetros")
        words += page.locator("#model-panel").inner_text()
        assert not ENGLISH.findall(words), sorted(set(ENGLISH.findall(words)))
        expect(page.locator("#a-plot .gtitle")).to_have_text("camada 0 · média das cabeças")
        assert not title_is_clear(page)
        assert_no_inner_scroll(heights(page, frames))
        shot(page, "pt-BR-1366x768.png")

        # projector mode: the frames take it (larger type, drawing zoomed), the heatmap is drawn larger
        tick = page.locator("#a-plot .ytick text").first
        small = tick.evaluate("t => parseFloat(t.style.fontSize)")
        page.locator("#big-type input[type=checkbox]").check()
        for frame in frames.values():
            frame.wait_for_function("document.body.classList.contains('big') && GT.zoom > 1.15")
        assert frames["a-head-view"].evaluate("GT.zoom") == 1.5  # views and heatmap stacked: room for it
        expect(tick).to_have_css("font-size", re.compile(r"^(19|2\d)"), timeout=SLOW)  # redrawn: 13 → 20 px
        assert tick.evaluate("t => parseFloat(t.style.fontSize)") >= 1.5 * small
        assert not title_is_clear(page)
        assert_no_inner_scroll(heights(page, frames))
        shot(page, "pt-BR-1366x768-projector.png")
    finally:
        context.close()


def test_english_then_a_phone(browser, app_url):
    context, page = open_app(browser, app_url)
    page.set_viewport_size({"width": 1366, "height": 768})
    try:
        frames = show(page)
        expect(page.locator("#a-plot .gtitle")).to_have_text("layer 0 · average of heads")
        assert not title_is_clear(page)
        assert_no_inner_scroll(heights(page, frames))  # (test_browser takes this screenshot)

        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        # nothing wider than the phone: the model view's drawing (970 px) shrinks to the phone's width, every
        # head in view (before: head 0 only, the others past the frame's edge)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for view in VIEWS:
            box = page.locator(f"#{view} iframe").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (view, box)
        plot = page.locator("#a-plot .js-plotly-plot").bounding_box()
        assert plot["x"] >= 0 and plot["x"] + plot["width"] <= 390, plot
        model = frames["a-model-view"]
        assert model.evaluate("(v => v.scrollWidth <= v.clientWidth + 1)(document.getElementById('gt-vis'))")
        assert model.evaluate("GT.zoom") < 0.5
        assert model.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert not title_is_clear(page)
        assert_no_inner_scroll(heights(page, frames))
        shot(page, "en-390x844.png")
    finally:
        context.close()
