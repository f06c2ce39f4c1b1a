"""HTML views: user text is always escaped; the step table in both languages."""

from greentext.language import numbers
from greentext.present import html as views
from greentext.paths import static_text
from greentext.decode.steps import Candidate, Chosen, Step
from greentext.model.tokens import Token

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def step(chosen=True):
    cands = [Candidate(1, 5, XSS, XSS, 2.0, 0.853, 0.9, 1.0, 0.9, True, None),
             Candidate(2, 6, "·b", " b", 1.0, 0.1, 0.1, 0.0, 1.0, False, "top_p")]
    return Step(2, "ctx " + XSS, 3, cands, Chosen(5, XSS, XSS, 1, 0.853, 1.0, "picked") if chosen else None,
                0.047, 0.0, 1.234, 0.0, 1)


def test_user_text_is_escaped_everywhere():
    for html in (views.greentext_html(XSS, XSS, XSS), views.tokens_html([Token(1, XSS, XSS)]),
                 views.step_html(step()), views.step_html(step(), "pt")):
        assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_step_table_in_both_languages():
    en, pt = views.step_html(step(), "en"), views.step_html(step(False), "pt")
    assert "step 3" in en and "85.3%" in en and "picked by hand" in en and "cut (top-p)" in en and "1.23 bits" in en
    assert "passo 3" in pt and "85,3%" in pt and "próximo token?" in pt and "1,23 bits" in pt


def test_step_table_is_a_table_for_screen_readers():
    """Issue 22: a caption naming the step (out of sight), column headers with scope (the rank's "#" read as a
    word), the others' row a row header, no empty header, the bars hidden (their number is in the row), ★
    silent; the box that scrolls the table sideways takes the keyboard's focus, named like the caption."""
    html = views.step_html(step(), "en")
    assert '<caption class="sr-only">Step 3: the candidates for the next token</caption>' in html
    head = re.search(r"<thead>(.*)</thead>", html, re.S).group(1)
    assert head.count('<th scope="col"') == 2 + len(views.columns(step())) + 1  # #, token, numbers, reason
    assert "<th>" not in head and "<th></th>" not in html and not re.search(r"<th[^>]*></th>", html)
    assert '<span aria-hidden="true">#</span><span class="sr-only">rank</span>' in head
    assert '<th scope="col" class="reason"><span class="sr-only">chosen or cut</span></th>' in head
    assert '<th scope="row" colspan="2" class="rest-label">all other tokens</th>' in html
    bars = re.findall(r'<span class="bar"[^>]*>', html)
    assert bars and all('aria-hidden="true"' in bar for bar in bars)
    assert '<span aria-hidden="true">★</span> chosen' in html
    assert '<div class="cands-scroll" tabindex="0" role="region" aria-label="Step 3: the candidates for the next token">' \
        in html
    pt = views.step_html(step(), "pt")
    assert "Passo 3: os candidatos para o próximo token" in pt and '<span class="sr-only">posição</span>' in pt
    assert "escolhido ou fora" in pt and "todos os outros tokens</th>" in pt
    # a gap before a chosen token ranked below the list: the ⋮ silent, said in words
    far = step()
    far.candidates[1].rank = 7
    gap = views.step_html(far, "en")
    assert '<span aria-hidden="true">⋮</span><span class="sr-only">ranks in between not listed</span>' in gap


def test_each_step_is_said_politely_in_one_live_region():
    """The slide's first element is always the same polite live region (gradio updates the HTML in place, so
    screen readers hear its new text): what the last step drew, then the next step's favourite — escaped;
    the presentation's fading copy is hidden from screen readers and takes no focus."""
    upcoming, done = step(False), step()
    live = re.compile(r'^<div class="sr-only step-live" role="status" aria-live="polite" aria-atomic="true">(.*?)</div>')
    first = views.slide_html(upcoming, None, "en")
    assert live.match(first).group(1) == "Step 3: most likely “&lt;script&gt;alert(1)&lt;/script&gt;&lt;img " \
        "src=x onerror=&quot;alert(2)&quot;&gt;”, p 85.3%."
    after = views.slide_html(upcoming, done, "pt", reveal=True)
    said = live.match(after).group(1)
    assert said.startswith("O passo 3 tirou “&lt;script&gt;") and "(escolhido à mão, posição 1, p 85,3%)" in said
    assert "Passo 3: o mais provável é" in said and "<script" not in after
    assert after.count('aria-live="polite"') == 1 and after.count('tabindex="0"') == 1  # not in the reveal
    reveal = after[after.index('<div class="step-reveal" aria-hidden="true">'):]
    assert '<div class="cands-scroll">' in reveal and "tabindex" not in reveal
    end = views.slide_html(None, done, "en")
    assert live.match(end).group(1).endswith("The story is complete.") and end.count("aria-live") == 1
    assert views.slide_html(None, None) == ""
    assert "aria-live" not in views.step_html(done)  # the last step's table under the slide says nothing
    assert views.spoken(" be", "·be") == "be" and views.spoken("\n", "↵") == "↵"


def test_greentext_lines_and_generated_part():
    html = views.greentext_html("plain\n>be", " me\nend", "a note")
    assert html.count('class="gt-green"') == 1 and html.count('class="gt-plain"') == 2
    assert '&gt;be<span class="gt-gen"> me</span>' in html and '<div class="gt-note">a note</div>' in html


# ---- the story coloured by rank ------------------------------------------------------------------------
import itertools  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402

from greentext.decode.steps import TokenRank  # noqa: E402

CSS = static_text("app.css")


def ranked(pieces, ranks, prompt="the lecture\n>be", **kw):
    return views.ranked_html(prompt, pieces, [TokenRank(r, 0.5, 0.25) for r in ranks], **kw)


def story(html):
    """The story without its legend."""
    return html[html.index('<div class="greentext ranked">'):]


def test_rank_bins():
    assert [views.rank_bin(r) for r in (1, 2, 10, 11, 100, 101, 50257)] == [1, 2, 2, 3, 3, 4, 4]


def test_ranked_story_keeps_the_greentext_lines():
    html = story(ranked([" me", "\n", ">", "wake", " up", "\n", "end"], [1, 3, 1, 42, 500, 1, 2]))
    lines = re.findall(r'<div class="(gt-\w+)">', html)
    assert lines == ["gt-plain", "gt-green", "gt-green", "gt-plain"]  # "the lecture", ">be me", ">wake up", "end"
    assert '&gt;be<span class="gt-gen"><span class="rk rk1" tabindex="-1" data-rank="1"> me<span' in html
    assert re.findall(r'class="rk (rk\d)[ "]', html) == ["rk1", "rk2", "rk1", "rk3", "rk4", "rk1", "rk2"]
    assert html.count('class="rk rk2 rk-nl"') == 1 and html.count('class="rk rk1 rk-nl"') == 1  # each newline: ↵
    assert "the lecture" in html and "the lecture</div>" in html  # the prompt uncoloured


def test_ranked_tips_legend_and_language():
    html = views.ranked_html(">be", [" me"], [TokenRank(1234, 0.00042, 0.0031)], "pt", "uma nota",
                             end=TokenRank(2, 0.2, 0.3))
    assert "posição 1.234 · p = 0,042% · após T, top-k, top-p: 0,31%" in html
    assert "além do 100º" in html and "1º (a opção favorita)" in html
    assert '<div class="gt-note">uma nota</div>' in html
    assert 'class="rk rk2 rk-end"' in html and "&lt;|endoftext|&gt;" in html
    en = ranked([" me"], [1], lang="en")
    assert "#1 (its top choice)" in en and "beyond #100" in en
    assert "rank 1 · p = 50.0% · after T, top-k, top-p: 25.0%" in en
    assert numbers.small_percent(3.2e-9) == "0.00000032%" and numbers.small_percent(1.0, "pt") == "100,0%"


def test_ranks_are_numbers_as_well_as_colours():
    """Each token's rank is text too: its tip (drawn on hover or focus) and, for a screen reader, its rank in
    words after it (out of sight in colour mode, absent without it: app.css); the legend says how to reach
    the numbers, by keyboard too."""
    html = ranked([" me", "\n"], [3, 1], lang="en")
    assert ('data-rank="3"> me<span class="rk-tip"><code>·me</code> rank 3 · p = 50.0% · after T, top-k, top-p: '
            '25.0%</span><span class="rk-sr"> (rank 3)</span></span>') in html
    assert '<span class="rk-sr"> (1.234º)</span>' in ranked([" me"], [1234], lang="pt")
    assert '<span class="rk-sr"> (rank 3, rank 200)</span>' in story(ranked(["", "🙂"], [3, 200]))  # one character
    assert "or Tab into the story and move with ← →" in html
    assert "use Tab até a história e mova com ← →" in ranked([" me"], [3], lang="pt")
    assert re.search(r"^\.greentext \.rk-sr \{ display: none; \}", CSS, re.M)
    shown = re.search(r"body\.rank-colour \.greentext \.rk-sr \{([^}]*)\}", CSS).group(1)
    assert "position: absolute" in shown and "clip: rect(0, 0, 0, 0)" in shown  # out of sight, not display: none


def test_ranked_story_escapes_every_token():
    html = ranked([XSS, "\n>", XSS], [1, 7, 200], prompt=XSS)
    assert "<script" not in html and "<img" not in html and html.count("&lt;script&gt;") >= 5  # text and tips


def test_a_character_split_over_tokens_is_one_span():
    html = story(ranked(["", "🙂", " be"], [3, 200, 1]))  # the emoji's first bytes add no text alone
    assert '<span class="rk rk4" tabindex="-1" data-rank="200">🙂' in html and html.count('class="rk rk') == 2
    assert "rank 3 · " in html and "rank 200 · " in html


# The palette in app.css, checked for colour-blind readers and for the text on it.
MACHADO = {  # Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def linear(hex_colour):
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]


def luminance(rgb):
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def lab(rgb):
    x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.95047
    y = luminance(rgb)
    z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.08883
    f = lambda t: t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116  # noqa: E731
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen_by(rgb, matrix):
    return [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in matrix]


def test_rank_colours_are_colour_blind_safe_and_keep_the_text_legible():
    colours = dict(re.findall(r"body\.rank-colour \.rk([1-4]) \{ background-color: (#[0-9a-f]{6}); \}", CSS))
    assert sorted(colours) == ["1", "2", "3", "4"]
    backgrounds = [linear(colours[b]) for b in "1234"]
    page = linear("#ffffee")
    green = re.search(r"\.greentext\.ranked \.gt-green \.rk \{ color: (#[0-9a-f]{6})", CSS).group(1)
    for text_colour in (green, "#800000"):  # '>' lines in colour mode, other lines
        for bg in backgrounds:
            lighter, darker = sorted([luminance(bg), luminance(linear(text_colour))], reverse=True)
            assert (lighter + 0.05) / (darker + 0.05) >= 4.5, (text_colour, bg)
    for name, matrix in [("normal", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]), *MACHADO.items()]:
        for a, b in itertools.combinations(backgrounds + [page], 2):
            assert math.dist(lab(seen_by(a, matrix)), lab(seen_by(b, matrix))) >= 15, name
