"""bertviz's head view and model view, offline, sandboxed and compact (no gradio here).

    page = head_view(tokens, weights[layer], layer, prompt_tokens=5)   # one layer, every head
    gr.HTML(page.iframe())                                              # <iframe sandbox="allow-scripts" srcdoc=…>

The drawing code is bertviz's own `head_view.js` / `model_view.js`, patched: the patched files are kept in
greentext/static/bertviz/, each with its diff against the pinned bertviz's file (`greentext.present.bertviz_patch`
makes them again from the installed bertviz, and a test checks that its diffs still apply):

- No CDN: d3 v5 (from PyPI `mpld3`) and jQuery (from `xstatic-jquery`) are served by the app or
  inlined; a three-line shim stands in for require.js.
- Compact data: weights are rounded to 1/255 (`np.rint(w * 255)`, uint8: the precision of an
  8-bit stroke opacity, so nothing visible is lost), only the causal lower triangle is kept,
  deflated and base64-encoded; a small JS prelude inflates them (DecompressionStream) into the
  arrays bertviz expects. The head view gets one layer; the model view gets every layer and head
  pooled to at most `thumb_rows(layers, heads)` token blocks a side (row sums stay 1), so that all
  thumbnails together draw at most `MODEL_LINES` lines (24 blocks for GPT-2 small's 12 × 12 heads,
  every token up to 74 for the bundled model's 4 × 4).
- Drawing only what shows: a line is drawn per nonzero rounded weight. Past `LINE_BUDGET` lines the
  head view draws the lines of the token under the pointer only, so 1,024 tokens never freeze a browser.
- Sized to its content: `Page.height` is computed from what is drawn (bertviz's own geometry, read
  from its JS: tokens × row height, layers × thumbnail height, plus the header's lines at the width of
  a phone's frame), so no part is cut off before any script runs; then the page reports its exact
  height to the app (`postMessage`), which sets the iframe to it (`greentext/static/attention_tab.js`).
- Projector mode: `big=True` (or a `{gtBig: true}` message from the app when body.big toggles) sets
  `body.big` in the page: larger type, and the drawing zoomed to the width it has, at most `BIG_ZOOM`.
  A narrow screen: the model view shrinks to its frame's width (a phone sees every head; a tap on a
  thumbnail draws it large); the head view keeps its size and scrolls sideways in its own box.
- Safe: tokens travel as JSON with `<`, `>` and `&` escaped, bertviz puts them in the SVG as text,
  and the page sits in a sandboxed iframe (scripts, no same origin) written with `srcdoc`, escaped.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import json
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import numpy as np

from greentext.language.i18n import LANGS, text
from greentext.paths import STATIC
from greentext.present import bertviz_patch

WEB = STATIC  # the JS and CSS this module puts in the pages
# Tokens the head view draws at once (normal, projector mode): its drawing fits one screen (~23 px a row,
# × 1.5 in projector mode: 460 and 483 px, under a header of a few lines).
HEAD_WINDOW = {False: 20, True: 14}
MAX_TOKENS = 1024  # GPT-2's whole context; above it the views give a message (the heatmap still works)
LINE_BUDGET = 30_000  # head view: more lines than this → lines of the hovered token only (measured in Chromium)
MODEL_LINES = 45_000  # model view: lines drawn by all thumbnails together, at most
THUMB_HEIGHT = 170  # model view: px a thumbnail is tall, at most (an overview of every layer and head)
BIG_ZOOM = 1.5  # projector mode: the drawing grows to the width it has, up to this factor (15 px text → 22.5)
NARROW = 300  # px: the narrowest a view's frame is (a 390 px phone); the header's lines are counted at it
MAX_HEIGHT = 100_000  # px: the most an iframe is made tall (1,024 tokens draw ~23,100 px, ×1.5 in projector mode)
BODY_MARGIN = 8  # px around the page (bertviz.css)
SCROLLBAR = 17  # px a horizontal scrollbar takes when a drawing is wider than its frame (a phone)
SCALE = 255  # weights are sent as round(w * 255), uint8
GEN_COLOR = "#c2410c"  # generated tokens (the prompt stays black)

# --- the JavaScript libraries, from pip packages ------------------------------------------------------
def _package_dir(name: str) -> Path:
    """A package's folder without importing it (bertviz imports IPython at import time)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the attention views need the Python package {name!r}: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations)))


def library_files() -> dict[str, Path]:
    """d3 v5 and jQuery as pip installs them: bertviz's JS needs both (it asked a CDN for them)."""
    return {"d3": _package_dir("mpld3") / "js" / "d3.v5.min.js",
            "jquery": _package_dir("xstatic.pkg.jquery") / "data" / "jquery.slim.min.js"}


@lru_cache(maxsize=None)
def _read(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8")


def _web(name: str) -> str:
    """One of this module's own files in greentext/static (the prelude, the page's CSS)."""
    return _read(WEB / name).rstrip()


def script_tags(url_prefix: str | None) -> str:
    """`<script>` tags for d3 and jQuery: served by the app at `url_prefix + absolute path` (the browser
    caches them), or inlined in the page when `url_prefix` is None (a standalone page, ~300 KB)."""
    tags = []
    for path in library_files().values():
        if url_prefix is None:
            code = _read(path).replace("</script", "<\\/script")  # cannot end its <script> early
            tags.append(f"<script>{code}</script>")
        else:
            tags.append(f'<script src="{html.escape(url_prefix + quote(str(path)), quote=True)}"></script>')
    return "\n".join(tags)


# --- bertviz's JS, patched -----------------------------------------------------------------------------
# Kept patched in greentext/static/bertviz/ (with the diffs against the pinned bertviz, and how to make them
# again: greentext/present/bertviz_patch.py); read from there, bertviz itself is not read at run time.
def head_view_js() -> str:
    return bertviz_patch.patched("head_view.js")


def model_view_js() -> str:
    return bertviz_patch.patched("model_view.js")


# --- size: the frame's height from what it draws ---------------------------------------------------------
@lru_cache(maxsize=None)
def geometry(view: str) -> dict[str, float]:
    """bertviz's layout constants (`const NAME = number;`) from its JS: what the frame heights follow."""
    js = bertviz_patch.patched(f"{view}_view.js")
    return {k: float(v) for k, v in re.findall(r"const ([A-Z_]+) = (\d+(?:\.\d+)?);", js)}


def head_drawing(n: int) -> tuple[int, int]:
    """(width, height) in px of the head view's drawing of n tokens, as bertviz lays it out: a row of
    head squares (TEXT_TOP), then a row per token; tokens left and right of the lines."""
    g = geometry("head")
    return int(2 * g["BOXWIDTH"] + g["MATRIX_WIDTH"]), int(np.ceil(n * g["BOXHEIGHT"] + g["TEXT_TOP"]))


def model_drawing(layers: int, heads: int, rows: int) -> tuple[int, int]:
    """(width, height) in px of the model view's drawing: `layers` rows of thumbnails of `rows` token
    blocks (each at most THUMB_HEIGHT px, as patched), or the detail of one head if that is taller."""
    g = geometry("model")
    axis = g["HEADING_TEXT_SIZE"] + g["HEADING_PADDING"] + g["TEXT_SIZE"] + g["TEXT_PADDING"]
    box = min(7 * 12 / heads, THUMB_HEIGHT / max(rows, 1))
    thumbs = layers * (rows * box + 2 * g["THUMBNAIL_PADDING"]) + axis
    detail = rows * g["DETAIL_BOX_HEIGHT"] + 2 * g["DETAIL_PADDING"] + g["DETAIL_HEADING_HEIGHT"]
    return int(g["DIV_WIDTH"]), int(np.ceil(max(thumbs, detail)))


# The header's type, (font px, line height, margin below) as greentext/static/bertviz.css sets them;
# projector mode (body.big) multiplies the sizes by BIG_TYPE.
HEAD_TYPE, TEXT_TYPE, BIG_TYPE = (17, 1.25, 4), (14, 1.35, 6), 1.4
CHAR_WIDTH = 0.56  # Helvetica/Arial's average character is ~0.5 em; a little more, so the count is not short


def header_height(title: str, lines: list[str], width: int = NARROW, big: bool = False) -> int:
    """px the title and the lines of help above a drawing take in a frame `width` px wide (wrapped by
    words at an average character width: an upper bound for the Latin text of the app's two languages)."""
    scale = BIG_TYPE if big else 1.0
    total = 0.0
    for i, line in enumerate([title] + lines):
        size, leading, below = HEAD_TYPE if i == 0 else TEXT_TYPE
        per_line = max(1, int((width - 2 * BODY_MARGIN) / (size * scale * CHAR_WIDTH)))
        rows, used = 1, 0
        for word in line.split():
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                rows, used, need = rows + 1, 0, len(word)
            used += need
            while used > per_line:  # a word longer than a line breaks anywhere
                rows, used = rows + 1, used - per_line
        total += rows * size * scale * leading + below
    return int(np.ceil(total))


def frame_height(title: str, lines: list[str], drawing: tuple[int, int], big: bool = False) -> int:
    """The iframe's height before the page reports its own: the header at the narrowest width, the
    drawing (zoomed by at most BIG_ZOOM in projector mode) and a scrollbar below it if it may scroll."""
    width, height = drawing
    zoom = BIG_ZOOM if big else 1.0
    scrollbar = SCROLLBAR if width * zoom > NARROW - 2 * BODY_MARGIN else 0
    return min(MAX_HEIGHT, header_height(title, lines, NARROW, big) + int(np.ceil(height * zoom)) + scrollbar
               + 2 * BODY_MARGIN + 4)


# --- data ---------------------------------------------------------------------------------------------
def quantize(weights: np.ndarray) -> np.ndarray:
    """Weights in [0, 1] → uint8 round(w * 255): the view shows each within 0.5/255 ≈ 0.002 of the model's."""
    return np.rint(np.clip(weights, 0.0, 1.0) * SCALE).astype(np.uint8)


def triangles(matrices: np.ndarray) -> np.ndarray:
    """(..., n, n) attention → the quantized lower triangles, (matrices, n(n+1)/2) uint8, row by row."""
    n = matrices.shape[-1]
    rows, cols = np.tril_indices(n)
    return quantize(matrices.reshape(-1, n, n)[:, rows, cols])


def deflate(tri: np.ndarray) -> str:
    """Triangles from `triangles` as the page's JSON carries them: deflated, base64."""
    return base64.b64encode(zlib.compress(tri.tobytes(), 1)).decode("ascii")


def unpack(blob: bytes, count: int, n: int) -> np.ndarray:
    """The inverse of `deflate(triangles(...))` (after base64), exactly as the page's JS computes it:
    (count, n, n) float32, zeros above the diagonal."""
    tri = np.frombuffer(zlib.decompress(blob), dtype=np.uint8).reshape(count, -1)
    out = np.zeros((count, n, n), dtype=np.float32)
    rows, cols = np.tril_indices(n)
    out[:, rows, cols] = tri.astype(np.float32) / np.float32(SCALE)
    return out


def thumb_rows(layers: int, heads: int) -> int:
    """Token blocks a side of a model view thumbnail: layers × heads × rows(rows + 1)/2 ≤ MODEL_LINES."""
    rows = int(((1 + 8 * MODEL_LINES / (layers * heads)) ** 0.5 - 1) / 2)  # the root of r(r+1)/2 = budget
    return max(8, min(128, rows))


def block_edges(n: int, rows: int) -> np.ndarray:
    """Start of each of min(n, rows) token blocks, plus n."""
    return np.unique(np.linspace(0, n, min(n, rows) + 1).round().astype(int))


def pool(weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(..., n, n) → (..., m, m): the mean over the tokens of a row block of the weight each puts on a
    column block. Rows still sum to 1; block (a, b) is 0 for b > a, as for tokens."""
    starts, sizes = edges[:-1], np.diff(edges)
    by_col = np.add.reduceat(weights, starts, axis=-1)
    return np.add.reduceat(by_col, starts, axis=-2) / sizes[:, None]


def labels(tokens) -> list[str]:
    """What the views write for each token: its visible form ("·be", "↵"), as in the heatmap."""
    return [t if isinstance(t, str) else t.token for t in tokens]


def _json(data) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' (a token can be `</script>`), no line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


# --- pages --------------------------------------------------------------------------------------------
@dataclass
class Page:
    """One bertviz view as a standalone HTML page, and how to put it in the app."""

    html: str  # the whole page (goes into the iframe's srcdoc)
    height: int  # iframe height in px until the page reports its own (see frame_height): all of it shows
    data: dict  # what the page's JSON carries (tests decode it)
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def iframe(self) -> str:
        """The page in a sandboxed iframe: its scripts run in an opaque origin that cannot reach the app."""
        return (f'<iframe class="gt-bertviz" sandbox="allow-scripts" title="{html.escape(self.title, quote=True)}" '
                f'style="display:block;box-sizing:content-box;width:calc(100% - 2px);height:{self.height}px;'
                f'border:1px solid #ddd;border-radius:8px;background:#fff" '
                f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>')

    @property
    def shipped(self) -> int:
        """Bytes of the iframe element, the render's payload (libraries served separately are not in it)."""
        return len(self.iframe().encode("utf-8"))


FRAME_WORDS = ("no_stream", "no_libs", "heads_axis", "layers_axis", "detail_heading")  # what the page's JS writes


def _page(kind: str, title: str, lines: list[str], legend: bool, data: dict, js: str, scripts: str,
          drawing: tuple[int, int], big: bool) -> Page:
    L = functools.partial(text, lang=data["lang"])
    data = dict(data, width=drawing[0], bigZoom=BIG_ZOOM, text={k: L(k) for k in FRAME_WORDS})
    notes_html = "".join(f'<p class="gt-note">{html.escape(n)}</p>' for n in lines[1:])
    legend_line = f'{L("legend_prompt")} · {L("legend_gen")}'
    big_class = ' class="big"' if big else ""
    legend_html = (f'<p class="gt-legend"><span class="p">{html.escape(L("legend_prompt"))}</span> · '
                   f'<span class="g">{html.escape(L("legend_gen"))}</span></p>') if legend else ""
    body = (f'<p class="gt-head">{html.escape(title)}</p><p class="gt-help">{html.escape(lines[0])}</p>'
            f'{notes_html}{legend_html}<p id="gt-error"></p>'
            f'<div id="gt-vis"><span>{html.escape(L("layer"))}: <select id="layer"></select></span><div id="vis"></div></div>')
    page = (f'<!doctype html><html lang="{data["lang"]}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{_web("bertviz.css").replace("__GEN__", GEN_COLOR)}</style></head>'
            f'<body data-view="{kind}"{big_class}>{body}\n{scripts}\n'
            f'<script type="application/json" id="gt-data">{_json(data)}</script>\n'
            f'<script>{_web("bertviz_prelude.js")}</script>\n<script>{js}</script></body></html>')
    height = frame_height(title, lines + ([legend_line] if legend else []), drawing, big)
    return Page(page, height, data, title, lines[1:])


def _gen_flags(n: int, prompt_tokens: int | None, starts=None) -> list[bool]:
    p = n if prompt_tokens is None else max(0, min(n, int(prompt_tokens)))
    idx = range(n) if starts is None else starts
    return [int(i) >= p for i in idx]


def head_window(n: int, start: int | None = None, size: int = HEAD_WINDOW[False]) -> tuple[int, int] | None:
    """The tokens [a, b) the head view draws of an n-token text: None (all) when they fit one screen; else
    `size` tokens from `start` (kept inside the text; None: the last ones, where a story is being written)."""
    if n <= size:
        return None
    a = n - size if start is None else max(0, min(int(start), n - size))
    return a, a + size


def windowed(layer_weights: np.ndarray, a: int, b: int) -> np.ndarray:
    """The weights of tokens a..b-1 as a head view draws them: (heads, m, m) among themselves, and, when the
    window does not start the text (a > 0), a first row and column for all the earlier tokens together
    (column 0: what each token gives to tokens 0..a-1, summed; row 0 looks at nothing). Exact sums of the
    model's weights; each row still sums to what the token gives (1 in all)."""
    inside = layer_weights[:, a:b, a:b]
    if a == 0:
        return inside
    heads, m = inside.shape[0], b - a
    out = np.zeros((heads, m + 1, m + 1), dtype=layer_weights.dtype)
    out[:, 1:, 1:] = inside
    out[:, 1:, 0] = layer_weights[:, a:b, :a].sum(-1)
    return out


def head_view(tokens, layer_weights: np.ndarray, layer: int, *, prompt_tokens: int | None = None,
              head: int | None = None, lang: str = "en", url_prefix: str | None = None, big: bool = False,
              window: tuple[int, int] | None = None) -> Page:
    """bertviz's head view of one layer: `layer_weights` (heads, n, n); `head` (None = all) starts selected.
    Tokens from `prompt_tokens` on are marked as generated; `url_prefix` serves the libraries (None: inline);
    `big`: projector mode (larger type) from the start. `window` (a, b): draw tokens a..b-1 only (a long text:
    `head_window`), with the earlier tokens as one row (`windowed`) and a note that says so."""
    lang = lang if lang in LANGS else "en"
    L = functools.partial(text, lang=lang)
    heads, n = layer_weights.shape[0], layer_weights.shape[-1]
    names = labels(tokens)
    if len(names) != n:
        raise ValueError(f"{len(names)} tokens for {n} attention positions")
    window_note = []
    if window is not None:
        a, b = window
        if not 0 <= a < b <= n:
            raise ValueError(f"window {window} outside the text's {n} tokens")
        layer_weights = windowed(layer_weights, a, b)
        names = ([L("window_earlier", n=a)] if a else []) + names[a:b]
        prompt_tokens = None if prompt_tokens is None else max(0, prompt_tokens - a) + (1 if a else 0)
        window_note = [L("window_note", a=a, b=b - 1, n=n)] + ([L("window_before", n=a)] if a else [])
        n = len(names)
    tri = triangles(layer_weights)  # quantized once: what is sent, and how many lines it draws
    lines_drawn = int(np.count_nonzero(tri))
    lazy = lines_drawn > LINE_BUDGET
    notes = [L("head_help"), L("shift")] + window_note + ([L("lazy", n=n, heads=heads, lines=lines_drawn)] if lazy else [])
    data = dict(lang=lang, labels=names, heads=heads, layers=[int(layer)], scale=SCALE, lazy=lazy,
                gen=_gen_flags(n, prompt_tokens), boundary=n if prompt_tokens is None else int(prompt_tokens),
                genColor=GEN_COLOR, lines=lines_drawn, weights=deflate(tri),
                params=dict(default_filter="0", root_div_id="gt-vis", layer=int(layer),
                            heads=None if head is None or head < 0 else [int(head)], include_layers=[int(layer)]))
    return _page("head", L("head_title", layer=layer), notes, prompt_tokens is not None and prompt_tokens < n,
                 data, head_view_js(), script_tags(url_prefix), head_drawing(n), big)


def model_view(tokens, weights: np.ndarray, *, prompt_tokens: int | None = None, lang: str = "en",
               url_prefix: str | None = None, rows: int | None = None, big: bool = False) -> Page:
    """bertviz's model view: a thumbnail per layer and head, `weights` (layers, heads, n, n) pooled to at
    most `rows` (default `thumb_rows(layers, heads)`) token blocks a side (exact when n <= rows)."""
    lang = lang if lang in LANGS else "en"
    L = functools.partial(text, lang=lang)
    layers, heads, n = weights.shape[0], weights.shape[1], weights.shape[-1]
    names = labels(tokens)
    if len(names) != n:
        raise ValueError(f"{len(names)} tokens for {n} attention positions")
    edges = block_edges(n, rows or thumb_rows(layers, heads))
    pooled = edges.size - 1 < n
    thumbs = pool(weights, edges) if pooled else weights
    m = edges.size - 1
    if pooled:
        names = [f"{a}–{b - 1}" if b - a > 1 else f"{a}" for a, b in zip(edges[:-1], edges[1:])]
    notes = [L("model_help")] + ([L("pooled", n=n, m=m, k=round(n / m))] if pooled else [])
    boundary = n if prompt_tokens is None else int(prompt_tokens)
    data = dict(lang=lang, labels=names, heads=heads, layers=list(range(layers)), scale=SCALE, lazy=False, fit=True,
                gen=_gen_flags(n, prompt_tokens, edges[:-1]), boundary=0, genColor=GEN_COLOR, thumbHeight=THUMB_HEIGHT,
                edges=edges.tolist(), weights=deflate(triangles(thumbs)),
                params=dict(default_filter="0", root_div_id="gt-vis", display_mode="light",
                            include_layers=list(range(layers)), include_heads=list(range(heads)), total_heads=heads))
    return _page("model", L("model_title"), notes, boundary < n, data, model_view_js(), script_tags(url_prefix),
                 model_drawing(layers, heads, m), big)


def too_long(n: int, lang: str = "en") -> str | None:
    """The message shown instead of the bertviz views above MAX_TOKENS (None when n fits)."""
    if n <= MAX_TOKENS:
        return None
    return text("too_long", lang, n=n, max=MAX_TOKENS)


def prompt_token_count(tokenizer, text: str, prompt: str | None, truncated: int = 0) -> int | None:
    """How many of `text`'s tokens (after `truncated` dropped from the start) are the prompt `prompt`,
    when `text` starts with it (the Generate tab's prompt + story); None when unknown (all prompt)."""
    if prompt is None or not text.startswith(prompt) or not text.strip():
        return None
    if not prompt:
        return 0
    offsets = tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
    inside = sum(1 for _, end in offsets if end <= len(prompt))
    return max(0, inside - truncated)
