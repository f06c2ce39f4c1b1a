"""The Probabilities tab and `/probabilities`: the lecture slide, one step at a time.

Each user's walk is plain data in their session (`Walk.state()`: prompt, settings, top_n, history).
A click takes the live walk for that state from `Walks` (or replays it), moves it, and hands the new
state back with the view. Every button below goes to one method of `ProbabilitiesTab`. A link's walk
(`walk_link.decode`'s state, with the link's check) is replayed and checked on the first event that reads it.
"""

from __future__ import annotations

import functools
import html
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from greentext.present import charts
from greentext.present import export
from greentext.present import walk_link
from greentext.language import i18n
from greentext.present import html as views
from greentext.decode.settings import MAX_NEW_TOKENS_MAX, TOP_N_MAX, InvalidSetting, SamplingSettings, as_int
from greentext.present.downloads import Downloads
from greentext.decode.walk import Walk, Walks
from greentext.paths import static_text
from greentext.ui.context import DEFAULT_PROMPT, I18N, MODEL_GROUP, App, ModelWalks, gpu, lang, sampling_sliders
from greentext.ui.form import Form, Values
from greentext.ui import chat
from greentext.ui.lens import LensTab, section as lens_section
from greentext.ui import room_panel

# Presentation mode: the controls fold away and the step fills the screen (app.css, body.present).
PRESENT_JS = static_text("present.js").strip()
# The file a download button just wrote, saved by the browser under its own name.
DOWNLOAD_JS = static_text("download.js").strip()
# The step buttons: (label, variant), each to the handler of its name.
BUTTONS = {"sample": ("sample_step", "primary"), "greedy": ("greedy_step", "secondary"),
           "run": ("run_steps", "secondary"), "undo": ("undo", "secondary"), "reset": ("reset", "stop")}
LINKED_WALKS = 32  # links' walks kept replayed and checked: the room's phones open one link, replayed once
MESSAGE_SECONDS = 20  # a link's walk refused: the message stays this long (a phone user reads it once)


class ProbabilitiesTab:
    """The handlers: one per button (state and form in; new state and the view out), and the API."""

    def __init__(self, app: App):
        self.app = app
        self.walks = ModelWalks(app)  # on the app's model as it is now (ui/context.py)
        self._linked: OrderedDict[str, dict] = OrderedDict()  # a link's walk state → its state once replayed
        self._linked_lock = threading.Lock()
        self.lens = LensTab(app)  # the logit lens under the step table, and /logit_lens
        self.room = room_panel.RoomPanel(self)  # the room's votes on the upcoming step (ui/room_panel.py)
        # The buttons' handlers (`step`), each one move on the user's walk:
        self.show = self.step(None, "show")  # the page opens or a setting moved: the upcoming step, nothing chosen
        self.sample = self.step(Walk.sample)  # Next: a draw by the settings and the seed, as the Generate tab makes it
        self.greedy = self.step(Walk.greedy)
        self.undo = self.step(Walk.undo)
        self.reset = self.step(Walk.reset)
        self.pick = self.step(lambda walk, rank: walk.pick(rank=rank), "pick")  # the candidate of this rank, by hand
        # Run N steps, ended early at the time limit; counted per click against the rate limit (a message past it)
        self.run = self.step(lambda walk, steps: walk.run(as_int("steps", steps, 1, MAX_NEW_TOKENS_MAX),
                                                          self.app.time_limit), "run", counted=True)

    # --- /probabilities -------------------------------------------------------------------------
    def probabilities(self, prompt: str, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
                      steps: int = 10, seed: int | None = None, top_n: int = 10,
                      request: gr.Request = None) -> dict:
        """How the model chooses each token: every step's top candidates with their probabilities (raw, after
        temperature, after top-k/top-p), the chosen token, entropy, for `steps` sampled tokens, plus the
        continuation (the same as /generate's for the same seed and settings). In lecture-safe mode listed
        words come masked in tokens and text; the numbers are unchanged.

        Args:
            prompt: the text to continue, e.g. "the lecture\\n>be me" (empty starts from <|endoftext|>)
            temperature: 0 for greedy, else 0.01 to 2 (higher = more random)
            top_k: keep only the k most likely tokens, 0 to 200 (0 = off)
            top_p: keep the most likely tokens up to this total probability, more than 0 and at most 1 (1 = off)
            steps: tokens to sample and explain, 1 to 256
            seed: 0 to 4294967295 for a reproducible run; empty for a random one
            top_n: candidates listed per step, 1 to 50
        Returns:
            {"prompt_tokens", "steps": [{"chosen", "candidates", "p_other", "entropy"}], "text", "seed", "notes", "finish_reason"}
        """
        self.app.check_rate(request)
        with self.app.errors(lang(request)):
            settings = SamplingSettings(temperature, top_k, top_p, as_int("steps", steps, 1, MAX_NEW_TOKENS_MAX), seed)
            run = gpu(self.app.engine.generate)(prompt, settings, top_n=top_n, time_limit=self.app.time_limit)
        display = self.app.display
        shown_steps = display.steps(run.steps)
        return {
            "prompt_tokens": [export.token_json(t) for t in display.tokens(run.prompt.tokens)],
            "steps": [export.step_json(s) for s in shown_steps],
            "text": display.story(run.prompt, run.text).text,
            "seed": run.seed,
            "notes": run.prompt.notes,
            "finish_reason": run.finish_reason,
            "safe_mode": display.safe_mode,
            "masked": sum(s.extra.get("masked", 0) for s in shown_steps),
        }

    # --- the tab's buttons: (state, the form by name[, the button's own value]) → (state, table, last, chart, story,
    # status, tokens)
    def step(self, move: Callable | None, name: str | None = None, counted: bool = False) -> Callable:
        """A button's handler: `move(walk, **extra)` on the user's walk (None: no move), where `extra` is the
        button's own input by name (pick: `rank`; run: `steps`). `counted`: each click counts against the rate
        limit first. The form comes by name (`inputs_kwargs`), the room's handle too (`room`: none without a
        room); gradio passes `request` (no *args)."""
        by = room_panel.BY.get(name or "", "model")

        def handler(state, prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n, room=None,
                    request: gr.Request = None, **extra):
            if counted:
                self.app.check_rate(request)
            values = Values(prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n)
            return self.act(None if move is None else functools.partial(move, **extra), state, values, request,
                            room=room, by=by)

        handler.__name__ = handler.__qualname__ = name or move.__name__
        return handler

    def act(self, move, state: dict | None, values: Values, request: gr.Request | None, room: dict | None = None,
            by: str = "model") -> tuple:
        """Apply `move` (None: none) to the user's walk; a move that cannot be made is a warning. When the
        form no longer describes the walk on screen (a new prompt, length or seed), the new walk's first step
        is shown and nothing is chosen: a step is never taken unseen. `room`: the room open on the walk (its
        handle): told who took the step (`by`: "model", "presenter" or "room"), and the next vote opened."""
        page = lang(request)
        with self.app.errors(page):
            if state is not None and walk_link.CHECK in state:  # a link's walk, not replayed yet
                state = self.opened(state, page)
            stale = self.app.stale(state)  # made on the model before a switch: started afresh, nothing taken
            walk = self.walk(state, values, page)
            if stale or not self._continues(state, walk):
                move = None
            before = len(walk.ids)
            try:
                if move is not None:
                    move(walk)
            except InvalidSetting as err:  # e.g. past the end, or 300 steps: the view stays, a message says why
                gr.Warning(html.escape(err.message(page), quote=False))
            took = walk.steps[before] if len(walk.ids) > before else None
            state = self.walks.put(walk)
            return (state, *self.view(walk, page, reveal=took is not None, room=room, took=took, by=by))

    def opened(self, state: dict, page: str) -> dict | None:
        """The walk of a link (`walk_link.decode`'s state), replayed and checked, as a state; None (with a
        warning saying why, in the page's language) when this model does not replay it: the page then starts at
        the prompt. Each link's walk is replayed once: the next phones opening it find it done."""
        key = Walks.key(state)
        with self._linked_lock:
            done = self._linked.get(key)
        if done is not None:
            return done
        try:
            walk = walk_link.replay(self.app.engine, state)
        except walk_link.BadWalk as err:
            gr.Warning(html.escape(err.message(page), quote=False), duration=MESSAGE_SECONDS,
                       title=i18n.text("link_title", page))
            return None
        done = self.walks.put(walk)
        with self._linked_lock:
            self._linked[key] = done
            while len(self._linked) > LINKED_WALKS:
                self._linked.popitem(last=False)
        return done

    def fresh_after_switch(self, state: dict | None, page: str) -> None:
        """Say so when `state`'s walk was made on the model before a switch (`ModelWalks.take` starts it again
        from its prompt on the model serving now)."""
        if self.app.stale(state):
            gr.Warning(html.escape(i18n.text("switch_walk_fresh", page, name=self.app.shown_name()), quote=False))

    def forget_links(self) -> None:
        """Forget the links' walks replayed so far (the model changed: each is replayed, and checked, again)."""
        with self._linked_lock:
            self._linked.clear()

    @staticmethod
    def _continues(state: dict | None, walk: Walk) -> bool:
        """Whether `walk` goes on from the walk in `state` (the same prompt, length and seed); no state: yes."""
        if state is None:
            return True
        now = walk.state()
        return all(now[k] == state[k] for k in ("prompt", "max_new_tokens", "seed"))

    def walk(self, state: dict | None, values: Values, page: str = "en") -> Walk:
        """The walk `state` describes if the form's prompt, length and seed still match it (an empty seed
        keeps the seed used; another top_n replays it), retuned to the form's temperature, top-k and top-p
        (a what-if: the steps made stay, the next ones use the new values); else a new walk from the form.
        A walk made on the model before a switch starts again on this one, with a message (`fresh_after_switch`)."""
        settings, prompt, top_n = SamplingSettings(*values.settings), values.prompt, values.top_n
        if state is not None and same_walk(state, prompt, settings):
            self.fresh_after_switch(state, page)
            walk = self.walks.take(state if state["top_n"] == top_n else dict(state, top_n=top_n))
            walk.retune(settings.temperature, settings.top_k, settings.top_p)
            return walk
        return Walk.start(self.app.engine, prompt, settings, top_n)

    def view(self, walk: Walk, page: str, reveal: bool = False, room: dict | None = None, took=None,
             by: str = "model") -> tuple:
        """(the slide's table, last step's table, chart, story so far, status, prompt tokens). The story marks
        the token just drawn; `reveal` (a step was just taken) lays the last step's table over the slide for
        a moment in presentation mode (`views.slide_html`). `room`: a room's handle: the slide with the room
        (`RoomPanel.follow`: `took`, the step the move took first, is told to it as taken `by`)."""
        display = self.app.display
        done = display.step(walk.steps[-1] if walk.steps else None)
        upcoming = None if walk.finished else display.step(walk.candidates())
        main = upcoming or done
        shown = display.story(walk.prompt, walk.text)
        last = (len(walk.text) - len(self.app.engine.continuation(walk.ids[:-1], walk.prompt.ids))
                if walk.ids else 0)
        note = " ".join(walk.prompt.notes_in(page) + ([views.masked_note(shown.masked, page)] if shown.masked else []))
        status = i18n.text("walk_status", page, seed=walk.seed, n=len(walk.ids), max=walk.settings.max_new_tokens)
        slide, hidden = (self.room.follow(room, upcoming, done, page, reveal, display.step(took) if took else None,
                                          by) if room else (views.slide_html(upcoming, done, page, reveal), False))
        return (slide, views.step_html(done, page) if upcoming and done else "",
                None if hidden else charts.step_figure(main, page),  # a chart would tell the room the answer
                views.greentext_html(shown.prompt, shown.text, note, last),
                status + (" · ✔" if walk.finished else ""), views.tokens_html(display.tokens(walk.prompt.tokens)))

    # --- downloads: written only when asked, from the walk in the user's session ----------------------
    def download(self, state: dict | None, page: str, slides: bool) -> str | None:
        """The steps of the walk in `state` as the full CSV (`steps.csv`, pt-BR `steps-pt-BR.csv`) or the
        slide-ready one (`slides.csv`, `slides-pt-BR.csv`), written now; None before any step."""
        steps = []
        if state is not None:
            with self.app.errors(page):
                self.fresh_after_switch(state, page)
                walk = self.walks.take(state)
                self.walks.put(walk)  # back for the next click, unmoved
            steps = walk.steps
        if not steps:
            return None
        return write_csv(self.app.downloads, self.app.display.steps(steps), page, slides)

    def offer_steps(self, state, request: gr.Request = None) -> gr.DownloadButton:
        return self.offer(state, lang(request), slides=False)

    def offer_slides(self, state, request: gr.Request = None) -> gr.DownloadButton:
        return self.offer(state, lang(request), slides=True)

    def offer(self, state, page: str, slides: bool) -> gr.DownloadButton:
        """The page's side of a CSV button: the file just written in the download button under the CSV
        buttons, named and counted ("⬇ slides-pt-BR.csv · 12 passos"). The browser saves it at once
        (DOWNLOAD_JS); should it refuse an automatic download (a slow answer, past the click's few seconds
        of user activation), a tap on that button saves it. Before any step, the button says there is nothing
        to download yet."""
        path = self.download(state, page, slides)
        if path is None:  # said on the button itself (these events skip the queue, where toasts travel)
            return gr.DownloadButton(i18n.text("no_steps_yet", page), value=None, visible=True, interactive=False)
        n = len(state["history"])
        label = i18n.text("download_ready", page, name=os.path.basename(path), n=n)
        return gr.DownloadButton(label, value=path, visible=True)

    def show_tokens(self, text) -> str:
        """The prompt as token chips, while it is typed."""
        with self.app.errors():
            return views.tokens_html(self.app.display.tokens(self.app.engine.tokenize(text or "")))


def same_walk(state: dict, prompt: str, settings: SamplingSettings) -> bool:
    """Whether the form still describes the walk in `state`: the same prompt, length and seed (an empty seed
    box matches any seed). Temperature, top-k and top-p may change along a walk."""
    same = (state["prompt"], state["max_new_tokens"]) == (prompt, settings.max_new_tokens)
    return same and (settings.seed is None or settings.seed == state["seed"])


def write_csv(downloads: Downloads, steps: list, page: str, slides: bool) -> str:
    """The steps (as shown: masked in lecture-safe mode) as the full CSV or the slide-ready CSV, in `downloads`."""
    if slides:  # a BOM: spreadsheets then read the file as UTF-8
        return downloads.write("slides-pt-BR.csv" if page == "pt" else "slides.csv",
                               export.slides_csv(steps, "pt-BR" if page == "pt" else "en"), encoding="utf-8-sig")
    return downloads.write("steps-pt-BR.csv" if page == "pt" else "steps.csv",
                           export.steps_csv(steps, "pt-BR" if page == "pt" else "en"))


@dataclass(eq=False)
class Controls:
    """The tab's components: the walk, the form (with top_n), the buttons and what they write."""

    state: gr.State  # the user's walk as plain data (Walk.state())
    form: Form
    steps: gr.Number  # Run N steps: N
    rank: gr.Number  # Pick: the candidate's rank
    buttons: dict[str, gr.Button]  # sample, greedy, run, undo, reset, pick: each to the handler of its name
    presets: list  # the preset buttons' events (they set the sliders in the browser)
    present: gr.Checkbox  # presentation mode
    status: gr.Markdown
    tokens: gr.HTML  # the prompt as token chips
    table: gr.HTML  # the slide: the upcoming step (or the last one)
    story: gr.HTML
    plot: gr.Plot
    last: gr.HTML  # the last step's table, under the slide
    downloads: dict[str, gr.Button]  # csv, slides: each writes its file into `file`
    file: gr.DownloadButton
    lesson: object = None  # the lesson's components (ui/lesson_panel.py's), when the page has them
    room: room_panel.RoomControls | None = None  # the room's (ui/room_panel.py)

    @property
    def view(self) -> list:
        """What every button writes: the walk's new state, then `ProbabilitiesTab.view`'s six."""
        return [self.state, self.table, self.last, self.plot, self.story, self.status, self.tokens]

    def inputs(self) -> dict:
        """What every button reads, by the handlers' parameter names: the walk's state, the form, the room."""
        return {"state": self.state, **self.form.named(), **({"room": self.room.handle} if self.room else {})}

    def fill(self, values: Values, steps: int) -> dict:
        """Updates keyed by component: the form's fields in `values` (top_n stays), Steps, the walk reset."""
        return {**self.form.update(values), self.steps: steps, self.state: None}


def tab(handlers: ProbabilitiesTab, first_tokens: str, lesson_section: Callable | None = None) -> Controls:
    """The tab's components (the bar, the lesson's bar, the form and the buttons, the slide, the logit lens, the
    last step, the downloads) and their events (`events`). Returns them (`Controls`): the Generate tab's Explain
    fills the form, a link too; `show_after` then shows the upcoming step. `lesson_section()` makes the lesson's
    components (ui/lesson_panel.py) under the bar; its events are wired by the page (layout.py)."""
    state = gr.State(None)
    with gr.Row(elem_id="p-present-bar"):
        present = gr.Checkbox(label=I18N("present"), value=False, elem_id="p-present", scale=0, min_width=220)
        gr.Markdown(I18N("keys"), elem_id="p-keys")
        status = gr.Markdown("", elem_id="p-status")  # seed · n/max tokens: beside the keys, on the slide too
    lesson = lesson_section() if lesson_section is not None else None
    with gr.Column(elem_classes="p-controls"):
        prompt = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("prompt"), elem_id="p-prompt")
        chat_box = chat.toggle(handlers.app, "p")  # a chat model's template around the prompt (else hidden)
        presets = []
        temperature, top_k, top_p = sampling_sliders("p", presets.append)
        with gr.Row(elem_classes="sliders"):
            max_new = gr.Slider(1, MAX_NEW_TOKENS_MAX, value=80, step=1, label=I18N("max_new_tokens"), elem_id="p-max-new")
            seed = gr.Textbox("", label=I18N("seed"), placeholder="1234", elem_id="p-seed")
            top_n = gr.Slider(1, TOP_N_MAX, value=10, step=1, label=I18N("top_n"), elem_id="p-top-n")
            steps = gr.Number(10, label=I18N("steps"), precision=0,  # no min/max: our check says it, in pt too
                              elem_id="p-steps")
        tokens = gr.HTML(first_tokens, label=I18N("tokenization"), elem_id="p-tokens")
        with gr.Row(elem_id="p-buttons"):  # a phone: a compact grid just above the table
            buttons = {name: gr.Button(I18N(label), variant=variant, elem_id=f"p-{name}")
                       for name, (label, variant) in BUTTONS.items()}
        with gr.Row(elem_id="p-pick-row"):
            rank = gr.Number(1, label=I18N("pick_rank"), precision=0, elem_id="p-rank")
            buttons["pick"] = gr.Button(I18N("pick"), elem_id="p-pick")
        opener = room_panel.opener()  # the audience votes on the next token
    with gr.Row(elem_id="p-slide"):
        with gr.Column(scale=3, elem_id="p-slide-table"):
            table = gr.HTML("", elem_id="p-table")
        with gr.Column(scale=2, elem_id="p-slide-side"):
            room = room_panel.section(*opener)
            story = gr.HTML("", elem_id="p-story")
            plot = gr.Plot(elem_id="p-plot", show_label=False)
    lens_section(handlers.lens, state)  # follows the walk while open
    last = gr.HTML("", elem_id="p-last")
    with gr.Row(elem_classes="p-controls"):
        # A click writes the file (nothing is written per step) into the download button beside them,
        # hidden until then; the browser then saves it (DOWNLOAD_JS), or a tap on that button does.
        downloads = {"csv": gr.Button(I18N("csv"), elem_id="p-csv"),
                     "slides": gr.Button(I18N("slides"), elem_id="p-slides")}
        file = gr.DownloadButton(visible="hidden", elem_id="p-file")
    controls = Controls(state, Form(prompt, temperature, top_k, top_p, max_new, seed, top_n), steps, rank, buttons,
                        presets, present, status, tokens, table, story, plot, last, downloads, file, lesson, room)
    events(handlers, controls)
    # the template wrapped around the prompt (or taken off): the new text's tokens, and its first step
    wrapped = chat.events(handlers.app, chat_box, prompt)
    wrapped.then(handlers.show_tokens, prompt, tokens, api_visibility="private")
    show_after(handlers, controls, wrapped)
    return controls


def model_events(handlers: ProbabilitiesTab) -> dict:
    """The settings of every event that runs the model: one pool of slots for all tabs and users."""
    return dict(concurrency_id=MODEL_GROUP, concurrency_limit=handlers.app.config.concurrency, api_visibility="private")


def show_after(handlers: ProbabilitiesTab, controls: Controls, event) -> None:
    """Show the upcoming step once `event` is done (e.g. the page's load, or Explain, filling the form)."""
    event.then(gpu(handlers.show), inputs_kwargs=controls.inputs(), outputs=controls.view, **model_events(handlers))


def events(handlers: ProbabilitiesTab, c: Controls) -> None:
    """Every button to the handler of its name: the walk's state and the form in by name (`Controls.inputs`),
    the new state and the view out."""
    common = model_events(handlers)
    own = {"run": {"steps": c.steps}, "pick": {"rank": c.rank}}  # a button's own input, by parameter name
    moves = {"sample": handlers.sample, "greedy": handlers.greedy, "run": handlers.run, "undo": handlers.undo,
             "reset": handlers.reset, "pick": handlers.pick}
    for name, button in c.buttons.items():
        button.click(gpu(moves[name]), inputs_kwargs={**c.inputs(), **own.get(name, {})}, outputs=c.view, **common)
    # What-if: moving T, top-k or top-p (or a preset) redraws the upcoming step at once, nothing sampled.
    # `input` is the user's moves only (drag, arrow keys): a link filling the form starts no walk of its own.
    form, show = c.form, dict(fn=gpu(handlers.show), inputs_kwargs=c.inputs(), outputs=c.view, **common)
    for slider in (form.temperature, form.top_k, form.top_p):
        slider.input(trigger_mode="always_last", **show)
    for event in c.presets:
        event.then(**show)
    # queue=False: a download is a few milliseconds of work and never waits behind the crowd's model calls in
    # gradio's queue (in a 30-minute soak, 5% of the presenter's downloads waited there over 50 s)
    for name, offer in (("csv", handlers.offer_steps), ("slides", handlers.offer_slides)):
        c.downloads[name].click(offer, c.state, c.file, api_visibility="private", queue=False).then(
            None, c.file, None, js=DOWNLOAD_JS, queue=False)
    form.prompt.change(handlers.show_tokens, form.prompt, c.tokens, api_visibility="private",
                       trigger_mode="always_last")
    # A new prompt, length or seed typed: the new walk's first step is drawn (the last value, once the one
    # running is done), so the step on screen is always the one → takes.
    for field in (form.prompt, form.seed, form.max_new_tokens):
        field.input(trigger_mode="always_last", **show)
    c.present.change(None, c.present, c.present, js=PRESENT_JS)
    room_events(handlers, c)


def room_events(handlers: ProbabilitiesTab, c: Controls) -> None:
    """The room's buttons (ui/room_panel.py): Open and Close, then the step shown again (with or without the
    room); Reveal and the question redraw the table; Take the room's choice is a step; the timer the tally."""
    r, panel, common = c.room, handlers.room, model_events(handlers)
    quick = dict(api_visibility="private", concurrency_limit=None)  # no model: never queued behind it
    show = dict(fn=gpu(handlers.show), inputs_kwargs=c.inputs(), outputs=c.view, **common)
    r.open.click(None, None, r.page_url, js=room_panel.PAGE_URL_JS, **quick).then(
        panel.open, [r.handle, r.should, r.page_url], [r.handle, r.panel, *r.live, r.timer], **quick).then(**show)
    r.close.click(panel.close, r.handle, [r.handle, r.panel, *r.live, r.timer], **quick).then(**show)
    r.reveal.click(panel.reveal, r.handle, [r.panel, c.table, c.plot], **quick)
    r.should.input(panel.mode, [r.handle, r.should], [r.panel, c.table, c.plot], **quick)
    r.take.click(gpu(panel.take), inputs_kwargs=c.inputs(), outputs=c.view, **common)
    r.timer.tick(panel.tick, r.handle, r.ticked(c.table), show_progress="hidden", **quick)
