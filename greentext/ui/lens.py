"""The logit lens in the Probabilities tab (an accordion under the step table) and `/logit_lens`.

The lens follows the walk: when the step moves (and the accordion is open) it shows the step the table
shows, at the text's last token (or, once the story is finished, the last step, its chosen token
tracked); the slider lenses any other token of the walk's text (prompt + tokens so far). The model runs
only while the accordion is open.
"""

from __future__ import annotations

import gradio as gr

from greentext.present import export
from greentext.probes.lens import LensUnsupported, lens_of_ids, logit_lens
from greentext.present.lens_html import lens_html, note_html
from greentext.ui.context import I18N, MODEL_GROUP, App, gpu, lang

TOP_SHOWN = 5  # tokens per layer in the tab (the slider goes to TOP_SHOWN_MAX; the API to 50)
TOP_SHOWN_MAX = 10


class LensTab:
    """The handlers: `logit_lens` (the API), `follow` (the step moved, or the lens opened) and `show` (sliders)."""

    def __init__(self, app: App):
        self.app = app

    # --- /logit_lens --------------------------------------------------------------------------------
    def logit_lens(self, text: str, top_n: int = 10, position: int | None = None, request: gr.Request = None) -> dict:
        """What each layer would predict for the token after `text` (or after its token `position`, 0-based):
        one entry per transformer block, the last being the model's own output (its `p` are the model's p at
        T = 1). `tracked` is the token followed down the layers: the text's next token, or at its end the
        model's own first choice. In lecture-safe mode listed words come masked in token text; the numbers
        are the model's.

        Args:
            text: the text the model reads (its last tokens if longer than the context).
            top_n: how many of each layer's most likely next tokens to list (1 to 50).
            position: the 0-based token of `text` after which to look (None: after the last one).
        """
        self.app.check_rate(request)
        with self.app.errors(lang(request)):
            lens = gpu(logit_lens)(self.app.engine, text, top_n, position)
        shown, masked = self.app.display.lens(lens)
        return {
            "tokens": [export.token_json(t) for t in shown.tokens],
            "position": shown.position,
            "tracked": {**export.token_json(shown.tracked), "next_in_text": shown.tracked_is_next},
            "layers": [{"layer": row.layer, "top": [{**export.token_json(t), "p": p} for t, p in zip(row.top, row.p)],
                        "tracked_rank": row.tracked_rank, "tracked_p": row.tracked_p} for row in shown.layers],
            "truncated_tokens": shown.truncated_tokens,
            "safe_mode": self.app.safe_mode,
            "masked": masked,
        }

    # --- the tab: (opened, walk state, sliders…) → (position slider, view, key) ----------------------------
    def follow(self, opened: bool, state: dict | None, top, key, request: gr.Request = None):
        """The step moved (or the lens opened): the lens of the step the table shows, the slider on its token.
        Nothing runs while the lens is closed, nor when only temperature, top-k or top-p changed (a what-if), nor
        for a walk made on a model the app served before (its token ids are another model's: its next step
        starts it again on this one)."""
        if not opened or not state or self.app.stale(state):
            return gr.skip(), gr.skip(), gr.skip()
        ids, finished = self.walk_ids(state)
        new_key = [state["prompt"], state["max_new_tokens"], ids]
        if new_key == key:
            return gr.skip(), gr.skip(), gr.skip()
        position = len(ids) - 2 if finished and len(ids) > 1 else len(ids) - 1  # finished: its last step
        return (gr.Slider(minimum=1, maximum=max(len(ids), 2), value=position + 1),
                self.html(ids, position, top, lang(request)), new_key)

    def show(self, opened: bool, state: dict | None, position, top, request: gr.Request = None):
        """Another token of the text, or another number of tokens per layer."""
        if not opened or not state or self.app.stale(state):
            return gr.skip()
        ids, _ = self.walk_ids(state)
        return self.html(ids, min(max(int(position), 1), len(ids)) - 1, top, lang(request))

    def walk_ids(self, state: dict) -> tuple[list[int], bool]:
        """The walk's text as the model read it (its prompt's tokens, then the tokens made) and whether the
        story is finished (the table then shows its last step)."""
        prompt = self.app.engine.prepare(state["prompt"], state["max_new_tokens"])
        made = [h[1] for h in state["history"]]
        finished = bool(made) and (made[-1] == self.app.engine.eos_id or len(made) >= state["max_new_tokens"])
        return prompt.ids + made, finished

    def html(self, ids: list[int], position: int, top, page: str) -> str:
        """The lens of `ids` at `position` as shown; a model the lens does not know gets a note in its place."""
        with self.app.errors(page):
            try:
                lens = gpu(lens_of_ids)(self.app.engine, ids, top, position)
            except LensUnsupported as err:
                return note_html(err.message(page))
        shown, _ = self.app.display.lens(lens)
        context = self.app.display.text("".join(t.raw for t in lens.tokens[:position + 1]))
        return lens_html(shown, page, context)


def section(handlers: LensTab, state: gr.State) -> None:
    """The accordion under the step table: a token slider, tokens per layer, the grid. It follows `state`
    (the walk) while open."""
    opened = gr.State(False)
    key = gr.State(None)  # what the lens last followed: [prompt, max_new_tokens, ids]
    with gr.Accordion(I18N("lens_title"), open=False, elem_id="p-lens") as box:
        gr.Markdown(I18N("lens_help"), elem_id="p-lens-help")
        with gr.Row():
            position = gr.Slider(1, 2, value=1, step=1, label=I18N("lens_position"), elem_id="p-lens-position")
            top = gr.Slider(1, TOP_SHOWN_MAX, value=TOP_SHOWN, step=1, label=I18N("lens_top"), elem_id="p-lens-top")
        view = gr.HTML("", elem_id="p-lens-view")
    common = dict(concurrency_id=MODEL_GROUP, concurrency_limit=handlers.app.config.concurrency,
                  api_visibility="private")
    follow = dict(fn=handlers.follow, inputs=[opened, state, top, key], outputs=[position, view, key], **common)
    box.expand(lambda: (True, None), None, [opened, key], api_visibility="private").then(**follow)
    box.collapse(lambda: False, None, opened, api_visibility="private")
    state.change(**follow)
    for slider in (position, top):  # the user's moves only (`input`): dragging, arrow keys, a typed number
        slider.input(handlers.show, [opened, state, position, top], view, trigger_mode="always_last", **common)
