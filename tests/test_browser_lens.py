"""The logit lens in a real browser: a projector at 1366×768 in Portuguese (it follows the step, its last row
is the step table's p (T=1), the slider lenses another token) and a phone at 390×844 in English (the grid
scrolls inside its box, the page does not). Uses the shared chromium and app (tests/pages.py)."""

from __future__ import annotations

from pages import APP, SLOW, expect, open_app, shot, wait_idle

PROJECTOR, PHONE = (1366, 768), (390, 844)


def open_lens(page, tab: str, title: str) -> None:
    page.get_by_role("tab", name=tab).click()
    expect(page.locator("#p-table table.cands")).to_be_visible(timeout=SLOW)
    wait_idle(page)
    page.locator("#p-lens").get_by_text(title).click()
    expect(page.locator("#p-lens-view table.lens-grid")).to_be_visible(timeout=SLOW)
    wait_idle(page)


def test_lens_on_a_projector_in_portuguese(browser, app_url):
    layers = APP["demo"].greentext.engine.info.layers
    context, page = open_app(browser, app_url, locale="pt-BR", size=PROJECTOR)
    try:
        page.locator("#big-type input[type=checkbox]").check()
        open_lens(page, "Probabilidades", "Lente de logits: o que cada camada preveria")
        view = page.locator("#p-lens-view")
        expect(view.locator("tbody tr")).to_have_count(layers)
        expect(view.locator("tr.output")).to_contain_text(f"{layers - 1} · saída")
        expect(view).to_contain_text("a primeira escolha do modelo")
        # its last row is the step table's first candidate, same percentage (pt-BR: "12,3%")
        first = page.locator("#p-table tbody tr").first.locator("td")
        token, p = first.nth(1).inner_text(), first.nth(2).inner_text()
        cell = view.locator("tr.output td.lens-cell").first
        assert cell.locator("code").inner_text() == token and cell.locator(".lens-p").inner_text() == p

        # it follows the step: Next step moves it one token on
        head = view.locator(".lens-head").inner_text()
        n = int(head.split(" de ")[1].split()[0])
        page.locator("#p-sample").click()
        expect(view.locator(".lens-head")).to_contain_text(f"Depois do token {n + 1} de {n + 1}", timeout=SLOW)
        wait_idle(page)
        # the slider lenses another token: the text's next token is tracked
        page.locator("#p-lens-position input[type=range]").focus()
        page.keyboard.press("ArrowLeft")
        expect(view.locator(".lens-head")).to_contain_text(f"Depois do token {n} de {n + 1}", timeout=SLOW)
        expect(view).to_contain_text("o seguinte no texto")
        wait_idle(page)
        size = view.locator("table.lens-grid").evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
        assert size >= 22, size  # projector type
        page.locator("#p-lens").scroll_into_view_if_needed()
        shot(page, "lens-projector-pt-BR.png", element="#p-lens")
    finally:
        context.close()


def test_lens_on_a_phone_in_english(browser, app_url):
    context, page = open_app(browser, app_url, size=PHONE)
    try:
        open_lens(page, "Probabilities", "Logit lens: what each layer would predict")
        view = page.locator("#p-lens-view")
        expect(view).to_contain_text("the text ends here: the model's first choice")
        expect(view.locator("tr.output")).to_contain_text("output")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # the grid scrolls in its box
        page.locator("#p-lens").scroll_into_view_if_needed()
        shot(page, "lens-phone.png", element="#p-lens")
    finally:
        context.close()
