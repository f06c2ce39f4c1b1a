"""The app in a real browser: Playwright drives Debian's chromium through every tab, offline.

The app is launched in-process on the bundled model when it is there (so the screenshots in
assets/screenshots show real greentexts), else on the tiny random model from conftest. Every request
that is not to the app itself is aborted, which proves the page works with no internet.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "assets" / "screenshots"
BUNDLED_CONFIG = ROOT / "assets" / "model" / "config.json"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SLOW = 60_000  # ms: a 2-core CPU may be busy training; the model runs on it
GREEN, MAROON = "rgb(92, 122, 16)", "rgb(128, 0, 0)"
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\n>be me </textarea><b>bold'


@pytest.fixture(scope="module")
def app_url(request):
    from greentext.ui import build_app, launch_kwargs

    if BUNDLED_CONFIG.exists():
        from greentext.engine import Engine

        engine = Engine.load(device="cpu")  # the default: the bundled model
    else:
        engine = request.getfixturevalue("engine")  # the tiny random model
    demo = build_app(engine)
    demo.queue(default_concurrency_limit=4)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_kwargs())
    yield demo.local_url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_app(browser, url: str, locale: str = "en-US"):
    """A fresh context (own language, own session) on the app, with everything non-local aborted."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    context.set_default_timeout(SLOW)
    context.set_default_navigation_timeout(SLOW)

    def only_local(route):
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:  # fonts, CDNs, analytics: the app must work without them
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#g-generate")).to_be_visible(timeout=SLOW)
    return context, page


def field(page, elem_id: str):
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no hover state on the last button clicked
    page.screenshot(path=str(SHOTS / name), full_page=True)


def wait_idle(page) -> None:
    """No event running: gradio marks a block that waits for output with `.pending`/`.generating`."""
    expect(page.locator(".pending, .generating")).to_have_count(0, timeout=SLOW)


def test_three_tabs_offline(browser, app_url):
    context, page = open_app(browser, app_url)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        # ---- Generate ----
        prompt = field(page, "g-prompt").input_value()
        field(page, "g-seed").fill("42")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text("tokens/s", timeout=SLOW)
        expect(page.locator("#g-output .gt-gen").first).to_be_visible(timeout=SLOW)
        wait_idle(page)
        expect(page.locator("#g-status")).to_contain_text("seed 42")
        shown = page.locator("#g-output .greentext").inner_text()
        assert len(shown.strip()) > len(prompt.strip()), shown
        # Classic colours: '>' lines green (generated part included), other lines maroon, on pale yellow.
        expect(page.locator("#g-output .greentext")).to_have_css("background-color", "rgb(255, 255, 238)")
        expect(page.locator("#g-output .gt-plain").first).to_have_css("color", MAROON)
        expect(page.locator("#g-output .gt-green").first).to_have_css("color", GREEN)
        expect(page.locator("#g-output .gt-green .gt-gen").first).to_have_css("color", GREEN)
        shot(page, "generate.png")

        # ---- Probabilities ----
        page.get_by_role("tab", name="Probabilities").click()
        sample, greedy = page.locator("#p-sample"), page.locator("#p-greedy")
        status = page.locator("#p-status")
        for n, button in enumerate([sample, sample, sample, greedy], start=1):
            button.click()
            expect(status).to_contain_text(re.compile(rf"· {n}/\d+ tokens"), timeout=SLOW)
        wait_idle(page)
        expect(page.locator("#p-table table.cands tbody tr").first).to_be_visible()
        chosen = page.locator("#p-last tr.chosen, #p-table tr.chosen").first
        expect(chosen).to_be_visible()
        expect(chosen.locator("td").first).to_have_css("background-color", "rgb(255, 242, 194)")
        cut = page.locator("#p-table tr.cut td")
        if cut.count():  # greyed out (the tiny random model may cut none)
            expect(cut.first).to_have_css("color", "rgb(138, 138, 138)")
        expect(page.locator("#p-plot .js-plotly-plot, #p-plot .plot-container").first).to_be_visible()
        shot(page, "probabilities.png")

        # ---- Attention ----
        page.get_by_role("tab", name="Attention").click()
        page.locator("#a-show").click()
        expect(page.locator("#a-plot .js-plotly-plot, #a-plot .plot-container").first).to_be_visible(timeout=SLOW)
        wait_idle(page)
        shot(page, "attention.png")
        assert not errors, errors
    finally:
        context.close()


def test_portuguese_and_projector_mode(browser, app_url):
    context, page = open_app(browser, app_url, locale="pt-BR")
    try:
        expect(page.get_by_role("tab", name="Probabilidades")).to_be_visible()
        expect(page.locator("#g-generate")).to_have_text("Gerar")
        expect(page.get_by_role("tab", name="Atenção")).to_be_visible()
        shot(page, "pt-BR.png")

        greentext = page.locator("#g-output .greentext")
        expect(greentext).to_have_css("font-size", "16.8px")  # 1.05rem
        page.locator("#big-type input[type=checkbox]").check()
        expect(page.locator("body")).to_have_class(re.compile(r"\bbig\b"))
        assert page.evaluate("document.body.classList.contains('big')")
        expect(greentext).to_have_css("font-size", "23.2px")  # 1.45rem: projector mode really enlarges it
        page.locator("#big-type input[type=checkbox]").uncheck()
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bbig\b"))
    finally:
        context.close()


def test_html_in_the_prompt_is_shown_as_text(browser, app_url):
    context, page = open_app(browser, app_url)
    try:
        field(page, "g-prompt").fill(XSS)
        field(page, "g-seed").fill("1")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text("tokens/s", timeout=SLOW)
        wait_idle(page)
        output = page.locator("#g-output .greentext")
        expect(output).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(output).to_contain_text("<script>window.__pwned=2</script>")
        expect(output).to_contain_text("</textarea><b>bold")
        assert page.locator("#g-output img, #g-output script, #g-output b").count() == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
    finally:
        context.close()
