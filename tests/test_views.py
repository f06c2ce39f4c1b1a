"""HTML views: user text is always escaped; the step table in both languages."""

from greentext import views
from greentext.steps import Candidate, Chosen, Step
from greentext.tokens import Token

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


def test_greentext_lines_and_generated_part():
    html = views.greentext_html("plain\n>be", " me\nend", "a note")
    assert html.count('class="gt-green"') == 1 and html.count('class="gt-plain"') == 2
    assert '&gt;be<span class="gt-gen"> me</span>' in html and '<div class="gt-note">a note</div>' in html
