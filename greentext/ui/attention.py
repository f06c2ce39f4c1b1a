"""The Attention tab and `/attention`: bertviz's head and model views and a heatmap of one layer.

Projector mode (the page's body.big) reaches the views two ways: each event reads it from the page
(`WITH_MODE`) and the handlers draw the heatmap and the views at that size; when it is toggled later,
the page tells the bertviz frames (they re-lay themselves out) and asks for the heatmap again (the
head view's "projector" event). Each sandboxed frame reports its height and the page sizes it to that
(`greentext/static/attention_tab.js`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cachetools
import gradio as gr

from greentext.present import attention_html as attention_view
from greentext.present import charts
from greentext.present import export
from greentext.language import i18n
from greentext.present import html as views
from greentext.decode.engine import Attention
from greentext.decode.settings import as_int
from greentext.paths import static_text
from greentext.ui.context import DEFAULT_PROMPT, I18N, MODEL_GROUP, App, gpu, lang

# The bertviz views load d3 and jQuery from the app (see cli.launch_kwargs), never a CDN. Relative, so
# it resolves against the page's own address (also under a proxy path).
SCRIPT_URL = "gradio_api/file="
# The layer slider, the head menu and a crowd on the same story all read the same text's weights again: they
# stay in a cache shared by the users, keyed by the text, least recently used out first, bounded by bytes
# (the bundled model's longest text, 512 tokens, is 25 MB of weights: 6 layers × 4 heads × 512² float32):
# `config.attention_cache_mb` of them.
# The events' fifth input is projector mode, read from the page as the event starts (the sixth, the head
# view's window, stays as it is): `inputs` below keeps that order.
WITH_MODE = static_text("attention_mode.js").strip()
FRAMES_JS = static_text("attention_tab.js")
# Projector mode on a wide screen: the views and the heatmap one under the other, each the page's width.
BIG_LAYOUT = f"<style>{static_text('attention_big.css').strip()}</style>"


@dataclass(eq=False)
class Controls:
    """What the Generate tab fills: the text, and which part of it was the prompt (None: all of it)."""

    text: gr.Textbox
    prompt: gr.State


class AttentionTab:
    """The handlers: `show` (the button), `show_layer` (slider and head menu), `from_generate`, and the API."""

    def __init__(self, app: App, cache_mb: float | None = None):
        self.app = app
        cache_mb = app.config.attention_cache_mb if cache_mb is None else cache_mb
        # cachetools (maintained, thread-safe with a lock): an LRU bounded by the weights' bytes, hit and miss
        # counts, and one computation per text however many users ask for it at once (the condition).
        self.cache = cachetools.LRUCache(maxsize=int(cache_mb * 2**20), getsizeof=lambda att: att.weights.nbytes)
        ready = threading.Condition()
        # Keyed by the app's model too once the presenter switched it (`App.switch`, which also empties the
        # cache): a text never gets the weights of the model before.
        cached = cachetools.cached(self.cache, key=lambda version, engine, text: (version, text) if version else text,
                                   lock=ready, condition=ready, info=True)(self._weights_of)

        def weights(text: str) -> Attention:
            """The app's model's attention of `text`, through the cache (`weights.cache_info()` counts hits and
            misses; a text larger than the whole cache is computed each time)."""
            return cached(*self.app.current(), text)

        weights.cache_info, weights.cache_clear = cached.cache_info, cached.cache_clear
        self.weights = weights
        app.on_switch(lambda old, new: weights.cache_clear())

    def attention(self, text: str, layer: int = 0, request: gr.Request = None) -> dict:
        """Where the model looks: the tokens of `text` and one layer's attention weights as [heads][n][n]
        (row i: how token i spreads its attention over tokens 0..i).

        Args:
            text: the text to read, e.g. "the lecture\\n>be me"
            layer: the layer, from 0 to the model's layers − 1
        Returns:
            {"tokens", "layer", "attention", "truncated_tokens"}
        """
        self.app.check_rate(request)
        with self.app.errors():
            layer = as_int("layer", layer, 0, self.app.engine.info.layers - 1)
            att = self.weights(text)
        return {"tokens": [export.token_json(t) for t in att.tokens], "layer": layer,
                "attention": att.weights[layer].round(5).tolist(), "truncated_tokens": att.truncated_tokens}

    def show(self, text, layer, head, prompt, big=False, start=None, request: gr.Request = None) -> tuple:
        """(heatmap, head view, notes, model view, window slider) of `text`; `prompt` is its prompt part (None:
        all of it); `big`: projector mode. A long text's head view starts at its last tokens (`start` is
        not read: a new text)."""
        return self.views(text, int(layer), int(head), prompt, lang(request), model_view=True, big=bool(big))

    def show_layer(self, text, layer, head, prompt, big=False, start=None, request: gr.Request = None) -> tuple:
        """(heatmap, head view, notes, window slider) of another layer or head, or another window of a long
        text (`start`: its first token); nothing before a text is shown."""
        if not (text or "").strip():
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.views(text, int(layer), int(head), prompt, lang(request), model_view=False, big=bool(big),
                          start=start)

    def show_heatmap(self, text, layer, head, prompt, big=False, start=None, request: gr.Request = None):
        """The heatmap alone, at projector mode's size or back (the bertviz frames resize themselves)."""
        if not (text or "").strip():
            return gr.skip()
        with self.app.errors():
            att = self.weights(text)
        tokens, n_prompt = self.shown_tokens(att, text, prompt)
        return self.heatmap(att, tokens, n_prompt, *fit(att, int(layer), int(head)), lang(request), bool(big))

    def shown_tokens(self, att: Attention, text: str, prompt: str | None) -> tuple[list, int]:
        """The tokens as shown (lecture-safe mode) and how many of them are the prompt."""
        n_prompt = attention_view.prompt_token_count(self.app.engine.tokenizer, text, prompt, att.truncated_tokens)
        return self.app.display.tokens(att.tokens), n_prompt

    def heatmap(self, att: Attention, tokens: list, n_prompt: int, layer: int, head: int, page: str, big: bool):
        weights = att.weights[layer].mean(0) if head < 0 else att.weights[layer, head]
        title = i18n.text("heatmap_average", page, layer=layer) if head < 0 else \
            i18n.text("heatmap_head", page, layer=layer, head=head)
        return charts.attention_figure(tokens, weights, title, n_prompt, big=big)

    def from_generate(self, story: str, prompt: str) -> tuple[str, str | None]:
        """The Generate tab's story, and the part of it that was the prompt (None: unknown, all prompt)."""
        prompt = prompt or ""
        if not prompt.strip():
            return story, ""  # generated from <|endoftext|>: every token of the story is generated
        for shown in (prompt, self.app.display.text(prompt)):  # as typed, or as lecture-safe mode shows it
            if story.startswith(shown):
                return story, shown
        return story, None  # e.g. a prompt cut to the context

    def views(self, text: str, layer: int, head: int, prompt: str | None, page: str, model_view: bool,
              big: bool = False, start: int | None = None) -> tuple:
        with self.app.errors():
            att = self.weights(text)
        layer, head = fit(att, layer, head)
        tokens, n_prompt = self.shown_tokens(att, text, prompt)
        figure = self.heatmap(att, tokens, n_prompt, layer, head, page, big)
        notes = [i18n.text("truncated_note", page, k=att.truncated_tokens)] if att.truncated_tokens else []
        head_html = model_html = ""
        too_long = attention_view.too_long(len(tokens), page)
        window, size = None, attention_view.HEAD_WINDOW[big]  # the head view's window: tokens at once
        if too_long:
            notes.append(too_long)
        else:
            kw = dict(prompt_tokens=n_prompt, lang=page, url_prefix=SCRIPT_URL, big=big)
            window = attention_view.head_window(len(tokens), None if start is None else int(start), size)
            head_html = attention_view.head_view(tokens, att.weights[layer], layer, head=head, window=window,
                                                 **kw).iframe()
            model_html = attention_view.model_view(tokens, att.weights, **kw).iframe() if model_view else ""
        note = " ".join(f"⚠️ {views.esc(n)}" for n in notes)
        # the window's slider: shown for a long text only, its range the text's possible first tokens
        slider = gr.update(visible=window is not None, maximum=max(1, len(tokens) - size),
                           value=window[0] if window else 0)
        return (figure, head_html, note, model_html, slider) if model_view else (figure, head_html, note, slider)

    @staticmethod
    def _weights_of(version: int, engine, text: str) -> Attention:
        """`engine`'s attention of `text` (`weights`: the app's model's, through the cache)."""
        return gpu(engine.attention)(text, "text")


def fit(att: Attention, layer: int, head: int) -> tuple[int, int]:
    """A page's layer and head for these weights: a page made for a model with more layers or heads (before the
    presenter switched models) gets the last layer, and the heads' average."""
    layers, heads = att.weights.shape[:2]
    return min(max(layer, 0), layers - 1), head if head < heads else -1


def ranges(engine) -> tuple:
    """The layer slider and the head menu for `engine`'s shape (a page's controls after a switch)."""
    info = engine.info
    return (gr.Slider(maximum=max(info.layers - 1, 0), value=0),
            gr.Dropdown(choices=[(I18N("average"), -1)] + [(str(h), h) for h in range(info.heads)]))


def tab(handlers: AttentionTab, layers: int, heads: int) -> Controls:
    """The tab's components and events; returns the text and its prompt part (the Generate tab fills them)."""
    text = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("text"), elem_id="a-text")
    with gr.Row():
        layer = gr.Slider(0, layers - 1, value=0, step=1, label=I18N("layer"), elem_id="a-layer")
        head = gr.Dropdown([(I18N("average"), -1)] + [(str(h), h) for h in range(heads)], value=-1,
                           label=I18N("head"), elem_id="a-head")
        go = gr.Button(I18N("show_attention"), variant="primary", elem_id="a-show")
    prompt = gr.State(None)  # the prompt part of the text when it came from the Generate tab (None: all prompt)
    big = gr.Checkbox(False, label=I18N("big"), visible="hidden", elem_id="a-big")  # set by WITH_MODE
    note = gr.Markdown("", elem_id="a-note")
    with gr.Row(elem_id="a-views"):
        with gr.Column(scale=2, min_width=380):
            # js_on_load sizes each frame to its content and passes projector mode in (attention_tab.js)
            head_view = gr.HTML("", label=I18N("head_view"), elem_id="a-head-view", head=BIG_LAYOUT,
                                js_on_load="const RESTYLE = true;\n" + FRAMES_JS)
            # a long text: which of its tokens the head view draws (attention_view.head_window), right under it
            window = gr.Slider(0, 1, value=0, step=1, label=I18N("window"), visible=False, elem_id="a-window")
        with gr.Column(scale=3):
            plot = gr.Plot(elem_id="a-plot", show_label=False)  # its label badge would cover the title
    model_view = gr.HTML("", label=I18N("model_view"), elem_id="a-model-view",
                         js_on_load="const RESTYLE = false;\n" + FRAMES_JS)

    common = dict(api_visibility="private", concurrency_id=MODEL_GROUP,
                  concurrency_limit=handlers.app.config.concurrency, js=WITH_MODE)
    inputs = [text, layer, head, prompt, big, window]  # by position: WITH_MODE writes the fifth
    go.click(handlers.show, inputs, [plot, head_view, note, model_view, window], **common)
    # input: dragging, arrow keys and the typed number all re-render; always_last skips stale values
    for control in (layer, window):
        control.input(handlers.show_layer, inputs, [plot, head_view, note, window], trigger_mode="always_last", **common)
    head.input(handlers.show_layer, inputs, [plot, head_view, note, window], **common)
    head_view.projector(handlers.show_heatmap, inputs, plot, trigger_mode="always_last", **common)
    text.input(lambda: None, None, prompt, api_visibility="private")  # typed text: all of it is prompt
    return Controls(text, prompt)
