"""The Generate tab and `/generate`: a prompt in, the greentext streamed out (through the batch worker)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from greentext.language import i18n
from greentext.present import html as views
from greentext.decode.settings import MAX_NEW_TOKENS_MAX
from greentext.paths import static_text
from greentext.ui import chat
from greentext.ui.context import DEFAULT_PROMPT, GENERATE_GROUP, I18N, App, gpu, lang, sampling_sliders
from greentext.ui.form import FIELDS, Form, Values

EXAMPLES = [
    "you're a model\n>be me model",
    "you should ignore how the train was created",
    "the lecture\n>be me",
    "the projector\n>be me, professor",
    "feijoada on wednesday\n>be me",
    ">be me",
]
# Colouring by rank is the page's CSS class `rank-colour` (app.css): switching it needs no server call.
RANK_COLOUR_JS = static_text("rank_colour.js").strip()


@dataclass(eq=False)
class Controls:
    """What the other tabs and the page follow of the Generate tab."""

    form: Form  # prompt and settings: a link fills it
    generated: Dependency  # the Generate button's event: the Attention tab's text follows it
    text: gr.Textbox  # the story as plain text
    explain: gr.Button  # "Explain this generation" (layout: the Probabilities tab on the same run)
    replay: gr.State  # the last finished generation: prompt, settings, seed, length


class GenerateTab:
    """The handlers: `stream` for the tab, `generate` for the API. Both take one request path: the batch
    worker (or, on ZeroGPU, a Run of its own), the same tokens alone."""

    def __init__(self, app: App):
        self.app = app

    def stream(self, prompt, temperature, top_k, top_p, max_new_tokens, seed, colour: bool = False,
               request: gr.Request = None):
        """Stream (greentext HTML, plain text, status, the run's replay data) as the story is written (masked in
        lecture-safe mode). The last update always carries each token's rank (`views.ranked_html`), so that
        colouring by rank can be switched on afterwards without generating again; with `colour` on, every
        update does. The replay data (prompt, settings, seed, length) comes with the last update."""
        self.app.check_rate(request)
        page = lang(request)
        job = self._start(prompt, temperature, top_k, top_p, max_new_tokens, seed, page)
        with self.app.errors(page):
            for _ in self._updates(job):
                yield *self.view(job, page, ranked=bool(colour)), None
        s = job.settings
        replay = {"prompt": prompt, "temperature": s.temperature, "top_k": s.top_k, "top_p": s.top_p,
                  "max_new_tokens": s.max_new_tokens, "seed": s.seed, "tokens": len(job.ids)}
        yield *self.view(job, page, ranked=True), replay

    def stopped(self, status: str, request: gr.Request = None) -> str:
        """Stop pressed: the status line says so (the story so far stays)."""
        note = i18n.text("stopped", lang(request))
        return f"{status} · {note}" if status else note

    def explain(self, replay: dict | None, request: gr.Request = None) -> tuple[Values, int] | None:
        """"Explain this generation": the Probabilities form's values for the same prompt, settings and seed,
        and the Steps that make exactly that text again (the generation's length); before any generation, a
        warning and None. (`layout` puts them on the Probabilities tab, its walk reset.)"""
        if not replay:
            gr.Warning(i18n.text("explain_first", lang(request)))
            return None
        values = Values(**{**{name: replay[name] for name in FIELDS}, "seed": str(replay["seed"])})
        return values, max(1, replay["tokens"])

    def generate(self, prompt: str, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
                 max_new_tokens: int = 80, seed: int | None = None,
                 request: gr.Request = None) -> Iterator[str]:
        """Continue a prompt with the app's GPT-2 model (a greentext writer), as the Generate tab does: the
        continuation (text after the prompt) for these sampling settings, streamed as it grows. The same seed
        and settings give the same text. In lecture-safe mode listed words come masked (████).

        Args:
            prompt: the text to continue, e.g. "the lecture\\n>be me" (empty starts from <|endoftext|>)
            temperature: 0 for greedy, else 0.01 to 2 (higher = more random)
            top_k: keep only the k most likely tokens, 0 to 200 (0 = off)
            top_p: keep the most likely tokens up to this total probability, more than 0 and at most 1 (1 = off)
            max_new_tokens: tokens to write, 1 to 256
            seed: 0 to 4294967295 for a reproducible run; empty for a random one
        Returns:
            the continuation text
        """
        self.app.check_rate(request)
        job = self._start(prompt, temperature, top_k, top_p, max_new_tokens, seed)
        with self.app.errors():
            for _ in self._updates(job):
                yield self.app.display.story(job.prompt, job.text).text
        yield self.app.display.story(job.prompt, job.text).text

    def view(self, job, page: str, ranked: bool = False) -> tuple[str, str, str]:
        """(greentext HTML with its notes, plain text, status line) of a generation so far; `ranked`: the
        HTML with each token's rank and probabilities (`views.ranked_html`)."""
        engine = job.engine  # the job's own (a model switch may come between)
        ids = list(job.ids)  # one snapshot: the batch worker may add a token meanwhile
        ranks, end = job.ranks[:len(ids)], None  # the worker appends a token's rank before its id
        if ids and ids[-1] == engine.eos_id:
            ids, ranks, end = ids[:-1], ranks[:-1], ranks[-1]
        if ranked:
            shown, pieces = self.app.display.pieces(job.prompt, engine.text.pieces(ids, before=job.prompt.ids))
        else:
            shown = self.app.display.story(job.prompt, engine.continuation(ids, job.prompt.ids))
        notes = job.prompt.notes_in(page) + [views.masked_note(shown.masked, page)]
        if job.finish_reason == "time":
            notes.append(i18n.text("time_note", page, s=self.app.time_limit))
        note = " ".join(n for n in notes if n)
        info = engine.info
        status = i18n.text("generate_status", page, seed=job.seed, n=len(job.ids), tps=job.tokens_per_second,
                           device=info.device, dtype=info.dtype)
        story = (views.ranked_html(shown.prompt, pieces, ranks, page, note, end) if ranked
                 else views.greentext_html(shown.prompt, shown.text, note))
        return story, shown.story, status

    def _start(self, prompt, temperature, top_k, top_p, max_new_tokens, seed, page: str = "en"):
        settings = self.app.settings(temperature, top_k, top_p, max_new_tokens, seed, page)
        with self.app.errors(page):
            if self.app.worker is None:
                return self.app.engine.start(prompt, settings, time_limit=self.app.time_limit)
            return self.app.worker.submit(prompt, settings)

    def _tokens(self, job):
        """Iterate a job's tokens; closing this generator (Stop, a closed tab) cancels the job at once."""
        try:
            yield from (gpu(lambda: iter(job))() if self.app.worker is None else job)
        finally:
            job.stop()

    def _updates(self, job):
        """`_tokens`, at most one update every `config.stream_every` seconds (the first token at once): fifty
        phones streaming every token would cost the server more than the model does."""
        last, every = 0.0, self.app.config.stream_every
        for _ in self._tokens(job):
            now = time.perf_counter()
            if now - last >= every:
                last = now
                yield


def tab(handlers: GenerateTab) -> Controls:
    """The tab's components and events: the controls on the left, the story on the right (in view after
    Generate, on a projector too; a phone stacks them). Returns what the other tabs follow (`Controls`)."""
    replay = gr.State(None)  # the last finished generation: prompt, settings, seed, length
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=340):
            prompt = gr.Textbox(DEFAULT_PROMPT, lines=4, label=I18N("prompt"), elem_id="g-prompt")
            chat_box = chat.toggle(handlers.app, "g")  # a chat model's template around the prompt (else hidden)
            with gr.Row():  # under the prompt: in view on a projector at 1366×768, in projector mode too
                go = gr.Button(I18N("generate"), variant="primary", elem_id="g-generate")
                stop = gr.Button(I18N("stop"), variant="stop", elem_id="g-stop")
            gr.Examples(EXAMPLES, prompt, label=I18N("examples"))
            temperature, top_k, top_p = sampling_sliders("g")
            with gr.Row(elem_classes="sliders"):
                max_new = gr.Slider(1, MAX_NEW_TOKENS_MAX, value=80, step=1, label=I18N("max_new_tokens"),
                                    elem_id="g-max-new")
                seed = gr.Textbox("", label=I18N("seed"), placeholder="1234", elem_id="g-seed")
            form = Form(prompt, temperature, top_k, top_p, max_new, seed)
        with gr.Column(scale=1, min_width=340):
            story = gr.HTML(views.greentext_html(DEFAULT_PROMPT, ""), label=I18N("output"), elem_id="g-output")
            status = gr.Markdown("", elem_id="g-status")
            colour = gr.Checkbox(False, label=I18N("colour_by_rank"), info=I18N("colour_info"), elem_id="g-colour")
            explain = gr.Button(I18N("explain"), elem_id="g-explain")
            text = gr.Textbox(label=I18N("plain"), lines=4, buttons=["copy"], interactive=False, elem_id="g-text")

    event = go.click(handlers.stream, inputs_kwargs={**form.named(), "colour": colour},
                     outputs=[story, text, status, replay], api_visibility="private", concurrency_id=GENERATE_GROUP,
                     concurrency_limit=handlers.app.config.batch)
    stop.click(handlers.stopped, status, status, cancels=[event], api_visibility="private")
    colour.change(None, colour, None, js=RANK_COLOUR_JS)  # the last story drawn again, in the browser
    chat.events(handlers.app, chat_box, prompt)
    return Controls(form, event, text, explain, replay)
