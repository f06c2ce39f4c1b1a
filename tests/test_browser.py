"""The app in a real browser: Playwright drives Debian's chromium through every tab, offline.

The app is launched in-process on the bundled model when it is there (so the screenshots show real
greentexts), else on the tiny random model from conftest. Every request that is not to the app itself
is aborted, which proves the page works with no internet. Screenshots go to a temporary folder;
`pytest --update-screenshots` (or GREENTEXT_SCREENSHOTS=readme) writes the README's, assets/screenshots.
One page load (a journey) in English; the page in Portuguese and projector mode: test_browser_presenter.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from pages import (APP, GREEN, LOCAL_HOSTS, MAROON, SLOW, XSS, bertviz_frame, drawn_frames, expect, field, open_app, shot,
                   wait_idle)


def test_three_tabs_then_html_prompts_offline(browser, app_url):
    """One English page (1366×900), every request not to the app aborted, no page error all along:
    1. Generate (seed 42): the story, its classic colours; Probabilities: three draws and a greedy step, the
       table, the chosen row, the chart; Attention of the generated text (its generated tokens marked);
    2. back on Generate, a prompt of HTML/script fragments is shown as text, nothing runs;
    3. Attention: bertviz's head and model views of an HTML/script text draw offline (no non-local request
       attempted), show the model's numbers (a window of a long text, moved; another layer), stay text."""
    context, page = open_app(browser, app_url)
    # an English page's number boxes are the browser's own, with their dot ("0.8"): nothing laid over them
    expect(page.locator("#g-temperature input[type=number]")).to_have_value("0.8")
    expect(page.locator("#g-temperature input[type=number]")).not_to_have_css("color", "rgba(0, 0, 0, 0)")
    assert page.locator(".gt-number").count() == 0
    requested = []
    context.on("request", lambda r: requested.append(r.url))
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        expect(page.locator("#safe-mode")).to_contain_text("Lecture-safe mode: on")
        # ---- 1. Generate ----
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

        # ---- 1. Probabilities ----
        page.get_by_role("tab", name="Probabilities").click()
        sample, greedy = page.locator("#p-sample"), page.locator("#p-greedy")
        status = page.locator("#p-status")
        for n, button in enumerate([sample, sample, sample, greedy], start=1):
            button.click()
            expect(status).to_contain_text(re.compile(rf"· {n}/\d+ tokens"), timeout=SLOW)
        wait_idle(page)
        expect(page.locator("#p-table table.cands tbody tr").first).to_be_visible()
        chosen = page.locator("#p-last tr.chosen, #p-table tr.chosen:not(.step-reveal tr)").first  # not the reveal's (hidden)
        expect(chosen).to_be_visible()
        expect(chosen.locator("td").first).to_have_css("background-color", "rgb(255, 242, 194)")
        cut = page.locator("#p-table tr.cut:not(.step-reveal tr) td")
        if cut.count():  # greyed out (the tiny random model may cut none)
            expect(cut.first).to_have_css("color", "rgb(102, 102, 102)")  # #666: ≥ 4.5:1 (axe-core, test_browser_a11y)
        expect(page.locator("#p-plot .js-plotly-plot, #p-plot .plot-container").first).to_be_visible()
        shot(page, "probabilities.png")

        # ---- 1. Attention ----
        page.get_by_role("tab", name="Attention").click()
        page.locator("#a-show").click()
        expect(page.locator("#a-plot .js-plotly-plot, #a-plot .plot-container").first).to_be_visible(timeout=SLOW)
        wait_idle(page)
        head = bertviz_frame(page, "a-head-view")
        bertviz_frame(page, "a-model-view")
        # The text came from the Generate tab: its generated tokens are marked in the head view.
        assert head.evaluate("document.querySelectorAll('#left text.gen').length") > 0
        head.locator("#left text").nth(2).hover()  # what a presenter does: lines of one token
        page.wait_for_timeout(300)
        shot(page, "attention.png")

        # ---- 2. HTML in the prompt is shown as text ----
        page.get_by_role("tab", name="Generate").click()
        field(page, "g-prompt").fill(XSS)
        field(page, "g-seed").fill("1")
        page.locator("#g-generate").click()
        # (the status says "tokens/s" since the first story: this run's seed tells the new one is there)
        expect(page.locator("#g-status")).to_contain_text(re.compile(r"tokens/s.*seed 1\b|seed 1\b.*tokens/s"),
                                                          timeout=SLOW)
        wait_idle(page)
        output = page.locator("#g-output .greentext")
        expect(output).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(output).to_contain_text("<script>window.__pwned=2</script>")
        expect(output).to_contain_text("</textarea><b>bold")
        assert page.locator("#g-output img, #g-output script, #g-output b").count() == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"

        # ---- 3. bertviz offline and sandboxed ----
        text = XSS + "\n>be me"
        page.get_by_role("tab", name="Attention").click()
        # A tab's components finish mounting just after it shows: text filled at once can be reset to
        # the default under the DOM (seen 1 run in 6). No person types that fast; the test waits.
        page.wait_for_timeout(700)
        field(page, "a-text").fill(text)
        field(page, "a-text").blur()
        wait_idle(page)
        before = drawn_frames(page, "a-head-view", "a-model-view")  # part 1's views: wait for the new ones
        page.locator("#a-show").click()
        head = bertviz_frame(page, "a-head-view", before["a-head-view"])
        model = bertviz_frame(page, "a-model-view", before["a-model-view"])
        engine = APP["demo"].greentext.engine
        att = engine.attention(text)
        from greentext.present.attention_html import head_window

        a, b = head_window(len(att.tokens))  # a long text: a window of its last tokens, the earlier ones one row
        frame = page.frame_locator("#a-head-view iframe")
        expect(frame.locator("#left text")).to_have_count(b - a + 1)
        expect(frame.locator("#left text").first).to_have_text(f"⋯ {a} earlier")
        expect(frame.locator("#left text").nth(1)).to_have_text(att.tokens[a].token)
        # the window moved to the text's start: its tokens are the text's first ones, index for index
        number = page.locator("#a-window input[type=number]")
        number.fill("0")
        number.press("Enter")
        expect(frame.locator("body")).to_contain_text("Tokens 0–", timeout=SLOW)
        head = bertviz_frame(page, "a-head-view")
        n = b - a
        expect(frame.locator("#left text")).to_have_count(n)
        expect(frame.locator("#left text").first).to_have_text(att.tokens[0].token)
        # the drawing: every token of the window on both sides, attention lines, one square per head
        assert head.evaluate("document.querySelectorAll('#right text').length") == n
        lines = head.evaluate("document.querySelectorAll('#attention line').length")
        assert lines > 0 or head.evaluate("GT.lazy")
        assert model.evaluate("document.querySelectorAll('svg line').length") > 0
        # the numbers are the model's (layer 0), to the view's rounding of 1/255
        for h, i, j in [(0, n - 1, 0), (engine.info.heads - 1, n - 1, n - 1), (0, n // 2, n // 3)]:
            assert abs(head.evaluate(f"GT.value(0, {h}, {i}, {j})") - float(att.weights[0, h, i, j])) <= 0.5 / 255 + 1e-6
        # the prompt's HTML is text: the tokens are SVG text, nothing ran, nothing was created
        shown = head.evaluate("[...document.querySelectorAll('#left text')].map(t => t.textContent).join('')")
        assert "onerror" in shown and "script" in shown
        for frame in (head, model):
            assert frame.evaluate("document.querySelectorAll('img, b, iframe').length") == 0
            assert frame.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("typeof window.__pwned") == "undefined"
        # the layer slider (here by keyboard, as on a projector remote) re-renders the head view
        page.locator("#a-layer input[type=range]").focus()
        page.keyboard.press("ArrowRight")
        expect(page.frame_locator("#a-head-view iframe").locator(".gt-head")).to_have_text(re.compile(r"layer 1$"), timeout=SLOW)
        head = bertviz_frame(page, "a-head-view")
        assert abs(head.evaluate(f"GT.value(1, 0, {n - 1}, 0)") - float(att.weights[1, 0, n - 1, 0])) <= 0.5 / 255 + 1e-6
        assert not errors, errors
        remote = [u for u in requested if urlparse(u).hostname not in LOCAL_HOSTS and not u.startswith(("data:", "about:"))]
        assert not remote, remote
        # Requests of a sandboxed srcdoc frame do not reach Playwright's request events: ask the frames.
        for frame in (head, model):
            loaded = frame.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            assert any(u.endswith("d3.v5.min.js") for u in loaded), loaded  # the libraries came from the app
            assert all(urlparse(u).hostname in LOCAL_HOSTS for u in loaded), loaded
    finally:
        context.close()
