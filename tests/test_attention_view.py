"""The bertviz views: the numbers are the model's, nothing leaves the machine, user text stays text."""

from __future__ import annotations

import base64
import functools
import html
import re

import numpy as np
import pytest

from greentext.present import attention_html as av

ROUNDING = 0.5 / av.SCALE + 1e-6  # uint8 rounding: each weight within half a step of 1/255


def decoded(page: av.Page) -> np.ndarray:
    """The weights as the page's JS rebuilds them, (layers × heads, n, n)."""
    data = page.data
    n = len(data["labels"])
    return av.unpack(base64.b64decode(data["weights"]), len(data["layers"]) * data["heads"], n)


def causal_attention(layers: int, heads: int, n: int, seed: int = 0) -> np.ndarray:
    """Random softmax rows over tokens ≤ i, float32 (layers, heads, n, n), like GPT-2's."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((layers, heads, n, n), dtype=np.float32) * 2
    logits[..., ~np.tril(np.ones((n, n), dtype=bool))] = -np.inf
    w = np.exp(logits - logits.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True)


def srcdoc_of(iframe: str) -> str:
    match = re.fullmatch(r'<iframe [^<>]*srcdoc="([^"<>]*)"></iframe>', iframe)
    assert match, iframe[:300]
    return html.unescape(match.group(1))


def test_head_view_numbers_are_the_models_attention(engine):
    att = engine.attention("the lecture\n>be me\n>the projector")
    n = len(att.tokens)
    for layer in range(engine.info.layers):
        page = av.head_view(att.tokens, att.weights[layer], layer)
        shown = decoded(page)
        lower = np.tril(np.ones((n, n), dtype=bool))
        assert np.abs(shown - att.weights[layer])[:, lower].max() <= ROUNDING
        assert not shown[:, ~lower].any()  # causal: nothing above the diagonal
        assert page.data["layers"] == [layer] and page.data["params"]["include_layers"] == [layer]


def test_model_view_numbers_are_the_models_attention(engine):
    att = engine.attention(">be me")  # fewer tokens than thumb_rows: every token has its own row
    page = av.model_view(att.tokens, att.weights)
    n = len(att.tokens)
    expected = att.weights.reshape(-1, n, n)
    assert np.abs(decoded(page) - expected).max() <= ROUNDING
    assert page.data["labels"] == [t.token for t in att.tokens]


def test_model_view_thumbnails_pool_token_blocks():
    weights = causal_attention(2, 3, 100)
    page = av.model_view([f"t{i}" for i in range(100)], weights, rows=10)
    edges = page.data["edges"]
    assert edges == list(range(0, 101, 10))
    shown = decoded(page).reshape(2, 3, 10, 10)
    expected = av.pool(weights, np.array(edges))
    assert np.abs(shown - expected).max() <= ROUNDING
    # a block row is still a distribution over the column blocks, and causal
    assert np.allclose(expected.sum(-1), 1, atol=1e-5)
    assert not np.triu(expected, 1).any()
    # block (a, b) = mean over the tokens of row block a of the weight they put on column block b
    assert expected[1, 2, 7, 3] == pytest.approx(weights[1, 2, 70:80, 30:40].sum(-1).mean(), abs=1e-6)
    assert page.data["labels"][:2] == ["0–9", "10–19"]


@pytest.mark.parametrize("layers, heads", [(4, 4), (12, 12), (24, 16), (48, 25)])
def test_model_view_thumbnails_stay_within_the_line_budget(layers, heads):
    rows = av.thumb_rows(layers, heads)
    assert layers * heads * rows * (rows + 1) / 2 <= av.MODEL_LINES or rows == 8
    assert rows >= 8


def test_tokens_are_visible_and_generated_ones_marked(engine):
    att = engine.attention("a b\nc")
    names = av.labels(att.tokens)
    assert "·b" in names and "↵" in names
    assert not any("Ġ" in t or "Ċ" in t for t in names)
    page = av.head_view(att.tokens, att.weights[0], 0, prompt_tokens=2)
    assert page.data["gen"] == [i >= 2 for i in range(len(names))]
    assert page.data["boundary"] == 2
    assert 'class="g"' in page.html  # the legend: prompt · generated


def test_prompt_token_count(engine):
    tok = engine.tokenizer
    prompt, story = "the lecture\n>be me", "the lecture\n>be me and then"
    assert av.prompt_token_count(tok, story, prompt) == len(tok.encode(prompt))
    assert av.prompt_token_count(tok, story, prompt, truncated=2) == len(tok.encode(prompt)) - 2
    assert av.prompt_token_count(tok, story, "") == 0  # generated from an empty prompt: all generated
    assert av.prompt_token_count(tok, story, None) is None  # typed text: all prompt
    assert av.prompt_token_count(tok, "something else", prompt) is None


XSS = ['</script><script>parent.__pwned=1</script>', '<img src=x onerror="window.__pwned=2">',
       '"><svg onload=alert(1)>', "\u2028&amp;"]


@pytest.mark.parametrize("view", ["head", "model"])
def test_user_text_cannot_become_markup(view):
    tokens = XSS + ["ok"] * 4
    weights = causal_attention(2, 2, len(tokens))
    kw = dict(url_prefix="gradio_api/file=")
    page = av.head_view(tokens, weights[0], 0, **kw) if view == "head" else av.model_view(tokens, weights, **kw)
    frame = page.iframe()
    assert 'sandbox="allow-scripts"' in frame and "allow-same-origin" not in frame
    assert srcdoc_of(frame) == page.html  # the page is exactly the escaped attribute, nothing leaks out
    # inside the page: the tokens only in the JSON block, with no '<', '>' or '&' of their own
    data = re.search(r'<script type="application/json" id="gt-data">(.*?)</script>', page.html, re.S).group(1)
    assert not set("<>&\u2028") & set(data)
    for token in XSS:
        assert token not in page.html
    assert page.html.count("</script>") == page.html.count("<script")


def test_no_cdn_and_libraries_from_pip_packages():
    files = av.library_files()
    assert files["d3"].name == "d3.v5.min.js" and files["d3"].exists()
    assert files["jquery"].exists()
    for js in (av.head_view_js(), av.model_view_js()):
        assert "cdnjs" not in js and "require.config(" not in js
    page = av.head_view(["a", "b"], causal_attention(1, 2, 2)[0], 0, url_prefix="gradio_api/file=")
    sources = re.findall(r'<script src="([^"]+)"', page.html)
    assert len(sources) == 2 and all(s.startswith("gradio_api/file=/") for s in sources)
    assert "cdnjs" not in page.html and "https://" not in page.html.split("<script>", 1)[1].split("@fileoverview")[0]
    inline = av.head_view(["a", "b"], causal_attention(1, 2, 2)[0], 0)
    assert "<script src=" not in inline.html and "d3" in inline.html


def test_long_inputs_draw_lines_on_demand_and_over_the_limit_say_so():
    weights = causal_attention(1, 12, 256)[0]  # 12 × 32,896 nonzero weights > LINE_BUDGET
    page = av.head_view([f"t{i}" for i in range(256)], weights, 0)
    assert page.data["lazy"] and page.data["lines"] > av.LINE_BUDGET
    assert any("too many to draw at once" in n for n in page.notes)
    small = av.head_view([f"t{i}" for i in range(20)], causal_attention(1, 12, 20)[0], 0)
    assert not small.data["lazy"] and not small.notes[1:]
    assert av.too_long(av.MAX_TOKENS) is None
    assert "1025 tokens" in av.too_long(av.MAX_TOKENS + 1)
    assert "1025 tokens" in av.too_long(av.MAX_TOKENS + 1, "pt")


@pytest.mark.parametrize("n, limit", [(128, 2_000_000), (512, 8_000_000)])
def test_size_targets_on_gpt2_small(n, limit):
    """GPT-2 small's shape (12 × 12): the head view of a layer + the model view + both libraries."""
    weights = causal_attention(12, 12, n)
    tokens = [f"t{i}" for i in range(n)]
    libraries = sum(p.stat().st_size for p in av.library_files().values())
    shipped = (av.head_view(tokens, weights[5], 5, url_prefix="x").shipped
               + av.model_view(tokens, weights, url_prefix="x").shipped + libraries)
    assert shipped <= limit


# --- the frame's height: all of the drawing shows, at any length, in both modes ---------------------------
def bertviz_constant(view: str, name: str) -> float:
    """A layout constant as bertviz's own JS sets it (read here, apart from the module's reading)."""
    js = (av._package_dir("bertviz") / f"{view}_view.js").read_text(encoding="utf-8")
    return float(re.search(rf"const {name} = ([\d.]+);", js).group(1))


HEADER_AT_LEAST = 100  # px: a title and three lines of help in the narrowest frame take more than this


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("n", [5, 200])
def test_head_view_frame_is_as_tall_as_its_drawing(n, big):
    """bertviz draws a row of head squares (TEXT_TOP) and a row per token (BOXHEIGHT): the frame holds
    all of them and the header, zoomed in projector mode (a 720 px cap cut 200 tokens to ~30 rows)."""
    page = av.head_view([f"t{i}" for i in range(n)], causal_attention(1, 12, n)[0], 0, prompt_tokens=n // 2,
                        lang="pt", big=big)
    drawing = n * bertviz_constant("head", "BOXHEIGHT") + bertviz_constant("head", "TEXT_TOP")
    zoom = av.BIG_ZOOM if big else 1.0
    assert drawing * zoom + HEADER_AT_LEAST <= page.height <= drawing * zoom + 900  # its content, not a cap
    assert f"height:{page.height}px" in page.iframe() and "box-sizing:content-box" in page.iframe()
    assert ('<body data-view="head" class="big">' in page.html) == big


@pytest.mark.parametrize("layers, heads", [(2, 2), (6, 4), (12, 12)])
@pytest.mark.parametrize("n", [5, 200])
def test_model_view_frame_holds_every_layer(layers, heads, n):
    """Every layer's row of thumbnails (or one head's detail, when taller) fits in the frame: the
    model view used to lose its last row to a 760 px cap."""
    page = av.model_view([f"t{i}" for i in range(n)], causal_attention(layers, heads, n), prompt_tokens=n // 2)
    c = functools.partial(bertviz_constant, "model")
    rows = len(page.data["labels"])
    box = min(7 * 12 / heads, av.THUMB_HEIGHT / rows)  # the patched thumbnail row height
    axis = c("HEADING_TEXT_SIZE") + c("HEADING_PADDING") + c("TEXT_SIZE") + c("TEXT_PADDING")
    thumbs = layers * (rows * box + 2 * c("THUMBNAIL_PADDING")) + axis
    detail = rows * c("DETAIL_BOX_HEIGHT") + 2 * c("DETAIL_PADDING") + c("DETAIL_HEADING_HEIGHT")
    assert max(thumbs, detail) + HEADER_AT_LEAST <= page.height <= max(thumbs, detail) + 600
    big = av.model_view([f"t{i}" for i in range(n)], causal_attention(layers, heads, n), big=True)
    assert big.height >= max(thumbs, detail) * av.BIG_ZOOM + HEADER_AT_LEAST


def test_header_lines_wrap_at_the_frame_width():
    words = "palavra " * 40
    assert av.header_height("t", [words], width=300) > av.header_height("t", [words], width=1200)
    assert av.header_height("t", [words], big=True) > av.header_height("t", [words])
    assert av.header_height("t", ["x" * 500], width=300) > av.header_height("t", ["x"], width=300) + 100


def test_pages_size_themselves_and_take_projector_mode():
    """The page reports its height to the app and takes {gtBig} from it (the JS both sides share)."""
    page = av.head_view(["a", "b"], causal_attention(1, 2, 2)[0], 0)
    assert "window.parent.postMessage({gtHeight" in page.html and "event.data.gtBig" in page.html
    tab = (av.WEB / "attention_tab.js").read_text(encoding="utf-8")
    assert "gtHeight" in tab and "postMessage({gtBig" in tab and "event.source !== f.contentWindow" in tab


def test_model_view_words_follow_the_page():
    js = av.model_view_js()
    assert '"Heads"' not in js and '"Layers"' not in js and "'Layer '" not in js
    page = av.model_view(["a", "b"], causal_attention(2, 2, 2), lang="pt")
    assert page.data["text"]["heads_axis"] == "Cabeças" and page.data["text"]["layers_axis"] == "Camadas"
    assert page.data["text"]["detail_heading"] == "Camada {layer}, cabeça {head}"
    assert "Layer:" not in page.html and "Camada:" in page.html


def test_a_window_keeps_the_weights_exact():
    """The window's rows are the model's weights among its tokens, plus one column for everything before it:
    each row still sums to the token's whole attention (1), nothing rescaled."""
    import numpy as np

    from greentext.present.attention_html import head_window, windowed

    rng = np.random.default_rng(0)
    n, heads = 50, 3
    w = np.tril(rng.random((heads, n, n)))
    w /= w.sum(-1, keepdims=True)
    assert head_window(10) is None and head_window(50) == (30, 50) and head_window(50, 7) == (7, 27)
    assert head_window(50, -3) == (0, 20) and head_window(50, 99) == (30, 50)
    sub = windowed(w, 7, 27)
    assert sub.shape == (heads, 21, 21)
    np.testing.assert_allclose(sub[:, 1:].sum(-1), 1.0, rtol=1e-6)  # every window token's row sums to 1
    np.testing.assert_array_equal(sub[:, 1:, 1:], w[:, 7:27, 7:27])
    np.testing.assert_allclose(sub[:, 1:, 0], w[:, 7:27, :7].sum(-1))
    assert not sub[:, 0].any() and np.array_equal(windowed(w, 0, 20), w[:, :20, :20])
