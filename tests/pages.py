"""What the browser tests share: Debian's chromium, the app launched once on the bundled model, a page on
it with everything non-local aborted, and small helpers (a field, a screenshot, waiting for idle).

The fixtures `browser`, `app_url` and `shots_folder` are registered in conftest.py (session scope: one
chromium and one app for every browser test module); tests import the helpers from here.
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
README_SHOTS = ROOT / "assets" / "screenshots"
BUNDLED_CONFIG = ROOT / "assets" / "model" / "config.json"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SLOW = 60_000  # ms: a 2-core CPU may be busy training; the model runs on it
GREEN, MAROON = "rgb(92, 122, 16)", "rgb(128, 0, 0)"
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\n>be me </textarea><b>bold'
APP = {}  # the launched app, for tests that compare the page with the engine
SHOTS = {}  # where the screenshots go


def shots_folder(request) -> None:
    """Where screenshots go: nowhere by default (each costs a second of a busy 2-core machine and no test
    reads it); `--update-screenshots` (or GREENTEXT_SCREENSHOTS=readme) writes the README's to
    assets/screenshots, `--screenshots DIR` every test's into DIR, to look at."""
    readme = request.config.getoption("--update-screenshots") or os.environ.get("GREENTEXT_SCREENSHOTS") == "readme"
    folder = request.config.getoption("--screenshots")
    SHOTS["dir"] = Path(folder) if folder else README_SHOTS if readme else None
    SHOTS["all"] = bool(folder)


def app_url(request):
    """The app launched in-process on the bundled model (the tiny random one when it is not built)."""
    from greentext.ui import build_app, launch_kwargs

    if BUNDLED_CONFIG.exists():
        from greentext.decode.engine import Engine

        engine = Engine.load(device="cpu")  # the default: the bundled model
    else:
        engine = request.getfixturevalue("engine")  # the tiny random model
    demo = build_app(engine)
    demo.queue(default_concurrency_limit=4)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_kwargs())
    APP["demo"] = demo
    yield demo.local_url
    demo.close()


def browser():
    """Debian's chromium, headless (a test failure in CI when it is missing, else a skip)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_app(browser, url: str, locale: str = "en-US", ready: str = "#g-generate", size=(1366, 900), **options):
    """A fresh context (own language, own session, `size` viewport) on the app, with everything non-local
    aborted; returns once `ready` is visible (a link that opens another tab: that tab's element).
    `options` go to `new_context` (e.g. has_touch=True)."""
    context = browser.new_context(**{"viewport": {"width": size[0], "height": size[1]}, "locale": locale, **options})
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
    expect(page.locator(ready)).to_be_visible(timeout=SLOW)
    return context, page


def field(page, elem_id: str):
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def shot(page, name: str, full_page: bool = True, element: str | None = None, settle: int = 500,
         readme: bool = True) -> None:
    """A screenshot of the whole page (or, `full_page=False`, of what the viewport shows now; or of one
    `element`, by CSS selector), when screenshots are asked for (`shots_folder`); `readme=False`: one the
    README does not show, written only by `--screenshots DIR`; `settle`: ms for Chromium to paint the
    page's frames once the viewport is the whole page."""
    if SHOTS.get("dir") is None or not (readme or SHOTS["all"]):
        return
    SHOTS["dir"].mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no hover state on the last button clicked
    if element:
        page.locator(element).screenshot(path=str(SHOTS["dir"] / name))
        return
    if not full_page:
        page.screenshot(path=str(SHOTS["dir"] / name))
        return
    # Chromium paints a cross-origin (sandboxed) iframe only while it is in the viewport: make the
    # viewport the whole page for the picture, then put it back.
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    page.wait_for_timeout(settle)
    page.screenshot(path=str(SHOTS["dir"] / name), full_page=True)
    page.set_viewport_size(size)


def drawn_frames(page, *elem_ids: str) -> dict:
    """The bertviz views' iframes on the page now (None where none is), to pass to `bertviz_frame` as
    `replacing` after an event redraws them: in a journey the last text's frame is drawn too."""
    out = {}
    for elem_id in elem_ids:
        frame = page.locator(f"#{elem_id} iframe")
        out[elem_id] = (frame.element_handle(), frame.get_attribute("srcdoc")) if frame.count() else None
    return out


def bertviz_frame(page, elem_id: str, replacing=None):
    """The sandboxed iframe of a bertviz view, once its drawing is done (the page sets data-drawn);
    `replacing`: the iframe it had before (`drawn_frames`), waited out first (gone, or its document changed)."""
    if replacing is not None:
        handle, srcdoc = replacing
        page.wait_for_function("([f, old]) => !f.isConnected || f.getAttribute('srcdoc') !== old",
                               arg=[handle, srcdoc], polling=50, timeout=SLOW)
    frame = page.locator(f"#{elem_id} iframe")
    expect(frame).to_have_attribute("sandbox", "allow-scripts", timeout=SLOW)
    expect(page.frame_locator(f"#{elem_id} iframe").locator("body[data-drawn='1']")).to_be_attached(timeout=SLOW)
    return frame.element_handle().content_frame()


def wait_idle(page) -> None:
    """No event running: gradio marks a block that waits for output with `.pending`/`.generating`. Asked
    every 50 ms in the page (Playwright's `expect` backs off to a retry every 500 ms: up to half a second
    lost after each event the tests wait for)."""
    page.wait_for_function("() => !document.querySelector('.pending, .generating')", polling=50, timeout=SLOW)


