"""Accessibility in a real browser (issue 22): axe-core's audit of every tab, in English and Portuguese, on a
1366×768 projector and a 390×844 phone, with no serious or critical violation; and the keyboard: the step
table is reached by Tab (the clicker's keys leave Tab alone) with a visible focus ring, each step is said in a
polite live region that gradio keeps from step to step, a coloured story's tokens are reached by Tab and ←/→.

axe-core is npm's `axe-core` build, `axe.min.js` 4.12.1 exactly as the PyPI wheel `axe-playwright-python`
0.1.8 ships it (requirements-dev.txt: CI installs it with pip, no npm); only its script is used, run with
axe's own API. One page per language, its tabs visited in turn on the projector, then again at the phone's
size: one generation, one step, one attention view per page. Every rule runs everywhere but colour contrast, the
slow one (about two thirds of axe's time: some 280 text nodes on the Probabilities tab), which runs once per
language and once per size — English on the projector, Portuguese on the phone: the colours are the same in
both languages. The bertviz views are sandboxed cross-origin iframes, which axe's own frame walk cannot enter
(`iframes: false`): the test runs axe inside each of them as a document of its own.
"""

from __future__ import annotations

import os
import re

import pytest
from pages import SLOW, expect, field, open_app, shot, wait_idle

try:
    from axe_playwright_python.base import AXE_SCRIPT
except ImportError:  # a dev requirement: a failure in CI, else a skip
    if os.environ.get("CI"):
        raise
    pytest.skip("axe-playwright-python is missing (pip install -r requirements-dev.txt)", allow_module_level=True)

DESKTOP, PHONE = (1366, 768), (390, 844)
TABS = {"en-US": ("Generate", "Probabilities", "Attention", "Compare"),
        "pt-BR": ("Gerar", "Probabilidades", "Atenção", "Comparar")}
FAILING = ("serious", "critical")
CONTRAST = {("en-US", DESKTOP), ("pt-BR", PHONE)}  # where colour contrast is checked too (see above)
# (rule, selector, why): violations inside gradio's own markup that nothing on our side can change. Only these
# nodes of only these rules are left out; every other node of the rule still counts.
EXCLUDED = [
    ("aria-prohibited-attr", "div.empty.unpadded_box[aria-label]",
     "gradio 6's placeholder of an empty gr.Plot (Empty.svelte: <div aria-label='Empty value' class='empty'>, no "
     "role) — the Compare tab's chart before a text is scored"),
]
AUDIT = """async ([excluded, contrast]) => {
    const result = await axe.run(document, {resultTypes: ['violations'], elementRef: true, iframes: false,
                                            rules: {'color-contrast': {enabled: contrast}}});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.filter(n => !excluded.some(([rule, sel]) => rule === v.id && n.element?.matches(sel)))
                      .map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160))}))
        .filter(v => v.nodes.length);
}"""
FOCUS_RING = "e => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"


def audit(page, where: str, found: list, contrast: bool = True) -> None:
    """axe-core on the page (or a frame: the same calls) as it is now (`contrast`: colour contrast too); each
    serious or critical violation, with its nodes, into `found`."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    for v in page.evaluate(AUDIT, [[[rule, selector] for rule, selector, _ in EXCLUDED], contrast]):
        if v["impact"] in FAILING:
            nodes = "\n      ".join(v["nodes"])
            found.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {v['help']}\n      {nodes}")


def focused(page, selector: str):
    """The element that has the focus (a handle), checked to be `selector`, with a ring of at least 3 px."""
    active = page.evaluate_handle("document.activeElement").as_element()
    assert active.evaluate(f"e => e.matches({selector!r})"), active.evaluate("e => e.outerHTML.slice(0, 200)")
    style, width = active.evaluate(FOCUS_RING)
    assert style != "none" and width >= 3, (selector, style, width)
    return active


@pytest.mark.parametrize("locale", ["en-US", "pt-BR"])
def test_every_tab_passes_axe_and_the_keyboard(browser, app_url, locale):
    generate, probabilities, attention, compare = TABS[locale]
    lang = "pt-BR" if locale == "pt-BR" else "en"
    wide, narrow = (locale, DESKTOP) in CONTRAST, (locale, PHONE) in CONTRAST
    context, page = open_app(browser, app_url, locale=locale, size=DESKTOP)
    errors, found = [], []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        # ---- Generate: a short story, coloured by rank ----
        field(page, "g-seed").fill("7")
        field(page, "g-max-new").fill("24")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text(re.compile(r"(seed|semente) 7"), timeout=SLOW)
        wait_idle(page)
        colour = page.locator("#g-colour input[type=checkbox]")
        colour.check()
        expect(page.locator("#g-output .rk-legend")).to_be_visible()
        # the keyboard: Shift+Tab from the checkbox reaches the story's one token stop, → the next token, its
        # numbers shown; each token's rank is words for a screen reader too (out of sight, not display: none)
        colour.focus()
        page.keyboard.press("Shift+Tab")
        first = focused(page, "#g-output .greentext.ranked .rk")
        page.keyboard.press("ArrowRight")
        second = focused(page, "#g-output .greentext.ranked .rk")
        tip = second.query_selector(".rk-tip")
        assert tip.is_visible() and re.search(r"(rank|posição) \d", tip.inner_text()), tip.inner_text()
        assert first.get_attribute("tabindex") == "-1" and second.get_attribute("tabindex") == "0"
        said = first.query_selector(".rk-sr")  # the rank in words, for a screen reader: there, out of sight
        box = said.bounding_box()
        assert said.evaluate("e => getComputedStyle(e).display") != "none" and box["width"] <= 1, box
        assert re.fullmatch(r" \((rank \d[\d,]*|\d[\d.]*º)\)", said.text_content()), said.text_content()
        audit(page, f"{locale} {generate} (1366×768)", found, wide)

        # ---- Probabilities: one step, said in the live region, the table reached by Tab ----
        page.get_by_role("tab", name=probabilities).click()
        live = page.locator("#p-table [aria-live=polite]")
        expect(live).to_contain_text(re.compile(r"(Step|Passo) 1\b"), timeout=SLOW)
        wait_idle(page)
        region = live.element_handle()
        page.locator("#p-sample").click()
        expect(page.locator("#p-status")).to_contain_text("· 1/", timeout=SLOW)
        wait_idle(page)
        expect(live).to_contain_text(re.compile(r"(Step 1 drew|O passo 1 tirou) “.+”.*(Step|Passo) 2\b"))
        assert region.evaluate("e => e.isConnected && e === document.querySelector('#p-table [aria-live=polite]')")
        table = page.locator("#p-table .slide > .step table.cands")
        expect(table.locator("caption")).to_have_text(re.compile(r"(Step|Passo) 2: "))
        assert table.locator("thead th[scope=col]").count() >= 5
        field(page, "p-rank").focus()
        page.keyboard.press("Tab")  # the clicker's keys (keys.js) leave Tab alone on this tab
        focused(page, "#p-pick")
        page.keyboard.press("Tab")  # the room's opener: its question, then Open a room
        focused(page, "#p-room-should input")
        page.keyboard.press("Tab")
        focused(page, "#p-room-open")
        page.keyboard.press("Tab")
        focused(page, "#p-table .cands-scroll[role=region]")
        shot(page, f"a11y-table-focus-{lang}-desktop.png", element="#p-table", readme=False)
        shot(page, f"a11y-probabilities-{lang}-desktop.png", full_page=False, readme=False)
        audit(page, f"{locale} {probabilities} (1366×768)", found, wide)

        # ---- Attention: the views of the generated text ----
        page.get_by_role("tab", name=attention).click()
        page.locator("#a-show").click()
        expect(page.locator("#a-plot .js-plotly-plot").first).to_be_visible(timeout=SLOW)
        wait_idle(page)
        audit(page, f"{locale} {attention} (1366×768)", found, wide)
        # inside the bertviz views too: each sandboxed frame is audited as a document of its own (Playwright
        # enters cross-origin frames; axe's page-level rules for a whole site — one main landmark, a level-one
        # heading — are moderate and do not count)
        frames = [f for f in page.frames if f != page.main_frame and f.url == "about:srcdoc"]
        assert len(frames) >= 2, [f.url for f in page.frames]  # the head view and the model view
        for i, frame in enumerate(frames):
            frame.wait_for_selector(".gt-head", timeout=SLOW)
            audit(frame, f"{locale} {attention} (1366×768), bertviz frame {i + 1}", found, wide)

        # ---- Compare: the tab as it opens ----
        page.get_by_role("tab", name=compare).click()
        expect(page.locator("#c-generate")).to_be_visible()
        wait_idle(page)
        audit(page, f"{locale} {compare} (1366×768)", found, wide)

        # ---- the same page on a phone: every tab again ----
        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        for name, ready in ((compare, "#c-generate"), (attention, "#a-show"), (probabilities, "#p-sample"),
                            (generate, "#g-generate")):
            page.get_by_role("tab", name=name).click()
            expect(page.locator(ready)).to_be_visible()
            wait_idle(page)
            if name == probabilities:
                field(page, "p-rank").focus()
                page.keyboard.press("Tab")
                page.keyboard.press("Tab")
                box = focused(page, "#p-table .cands-scroll[role=region]")
                # a table wider than the phone (as a long token makes it) scrolls by keyboard (→ / ←), and the
                # walk does not step (the clicker's keys, anywhere else on the tab)
                box.evaluate("e => { e.querySelector('table').style.minWidth = '900px'; }")
                assert box.evaluate("e => e.scrollWidth > e.clientWidth")
                steps_before = page.locator("#p-status").inner_text()
                page.keyboard.press("ArrowRight")
                page.wait_for_function("() => document.querySelector('#p-table .cands-scroll').scrollLeft > 0")
                page.keyboard.press("ArrowLeft")
                page.wait_for_timeout(300)
                assert page.locator("#p-status").inner_text() == steps_before
                shot(page, f"a11y-table-focus-{lang}-phone.png", element="#p-table", readme=False)
                page.locator("#p-table .step-head").first.evaluate("e => e.scrollIntoView({block: 'start'})")
                shot(page, f"a11y-probabilities-{lang}-phone.png", full_page=False, readme=False)
            audit(page, f"{locale} {name} (390×844)", found, narrow)
        assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
        assert not errors, errors
    finally:
        context.close()
