"""The page: a header, the model panel, four tabs and the named API — components and events only.

Each tab's components and handlers live in its own module (`generate.py`, `probabilities.py`,
`attention.py`, `compare.py`); this function puts them on the page and names the API endpoints.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from greentext.config import Config
from greentext.language import i18n
from greentext.language.numbers import decimal
from greentext.present import html as views
from greentext.probes.compare import ROOT, Checkpoints, facts, find_checkpoints, short_name
from greentext.decode.engine import Engine
from greentext.model import catalog
from greentext.model.loading import BUNDLED_MODEL, load_model, unload
from greentext.ui import attention
from greentext.ui import generate
from greentext.ui import lesson_panel
from greentext.ui import probabilities
from greentext.ui import room
from greentext.ui import share
from greentext.ui.stream import hold_stream_open
from greentext.ui import compare as compare_tab
from greentext.ui.context import DEFAULT_PROMPT, GENERATE_GROUP, I18N, MODEL_GROUP, App, error, is_presenter, lang
from greentext.paths import static_text

BIG_TYPE_JS = static_text("big_type.js").strip()
KEYS_JS = static_text("keys.js").strip()
NUMBERS_JS = static_text("numbers.js").strip()


@dataclass(eq=False)
class Page:
    """The page's components by tab (`demo.controls`, for tests and tools)."""

    tabs: gr.Tabs
    generate: generate.Controls
    probabilities: probabilities.Controls
    attention: attention.Controls
    compare: compare_tab.Controls
    share: share.Panel
    lessons: dict = None  # the lesson's strips on the Compare and Attention tabs ("compare", "attention")

    @property
    def lesson(self) -> lesson_panel.Section | None:
        """The Probabilities tab's lesson bar (the lesson open, its menu and strip)."""
        return self.probabilities.lesson

    def sources(self) -> share.Sources:
        """What a link fills and the Share button reads."""
        return share.Sources(
            forms={"generate": self.generate.form, "probabilities": self.probabilities.form,
                   "compare": self.compare.form},
            lasts={"generate": self.generate.replay, "probabilities": self.probabilities.state,
                   "compare": self.compare.last},
            text=self.attention.text, tabs=self.tabs, lesson=self.lesson.state if self.lesson else None)

    def lesson_wiring(self, demo: gr.Blocks) -> lesson_panel.Wiring:
        """What showing a lesson's slide fills (the Compare tab's text found by its id, #c-text)."""
        found = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "c-text"]
        return lesson_panel.Wiring(self.tabs, self.lesson, self.probabilities, self.compare, self.attention,
                                   dict(self.lessons or {}), found[0] if found else None)


def build_app(engine: Engine, compare: Sequence[str] | Checkpoints = (), config: Config | None = None,
              **limits) -> gr.Blocks:
    """The Blocks app around `engine`; `launch()` it (after `cli.configure_queue`), or drive it with
    gradio_client in tests. `compare`: the Compare tab's models A and B (one checkpoint: A, with the app's
    model as B; none: the bundled base as A). `config`: the settings (none given: `Config.from_env()`, read
    now); the limits given (safe_mode, time_limit, rate_limit, rate_key) override its own (see `App`)."""
    config = Config.from_env() if config is None else config
    app = App(engine, config, **limits)
    config = app.config
    checkpoints = compare if isinstance(compare, Checkpoints) else Checkpoints(engine, compare or (),
                                                                               keep=config.compare_models)
    gen, probs, att = generate.GenerateTab(app), probabilities.ProbabilitiesTab(app), attention.AttentionTab(app)
    cmp = compare_tab.CompareTab(app, checkpoints)
    with gr.Blocks(title="GPT-2 Greentext Lab", delete_cache=config.cache_cleaning) as demo:
        sharer = share.SharePanel(app, demo)
        demo.greentext = app  # the handlers' state, for tests and tools
        demo.tabs = {"generate": gen, "probabilities": probs, "attention": att, "compare": cmp}
        with gr.Row(elem_classes="gt-chrome"):  # the page's chrome folds away in presentation mode
            gr.Markdown("# GPT-2 Greentext Lab")
            share_button = share.button()
            big = gr.Checkbox(label=I18N("big"), value=False, elem_id="big-type")
        shared = share.panel()
        gr.Markdown(I18N("safe_on" if app.safe_mode else "safe_off"), elem_id="safe-mode")
        with gr.Column(elem_classes="gt-chrome"):
            panel = model_panel(app, demo, checkpoints)
        big.change(None, big, big, js=BIG_TYPE_JS)
        demo.controls = page = build_tabs(demo, shared, gen, probs, att, cmp)

        # The Attention tab's text follows the last prompt + generation of the Generate tab.
        page.generate.generated.then(att.from_generate, [page.generate.text, page.generate.form.prompt],
                                     [page.attention.text, page.attention.prompt], api_visibility="private")
        # A link's settings fill the forms as the page opens; then the Probabilities tab shows its first step, or
        # the link's lesson its slide (the lesson menu in the page's language either way).
        loaded = share.events(sharer, demo, share_button, shared, page.sources())
        lessons = lesson_panel.LessonPanel(app, probs, checkpoints)
        demo.lessons = lessons  # the lesson bar's handlers, for tests and tools
        lesson_panel.events(lessons, demo, page.lesson_wiring(demo), loaded)
        # "Explain this generation": the Probabilities tab on the same prompt, settings and seed, from step 0.
        explain, filled = explainer(gen, page)
        explained = page.generate.explain.click(explain, page.generate.replay, filled, api_visibility="private")
        probabilities.show_after(probs, page.probabilities, explained)
        demo.load(None, js=KEYS_JS)  # the clicker's keys (Probabilities tab)
        demo.load(None, js=NUMBERS_JS)  # number boxes with a decimal comma on a Portuguese page
        hold_stream_open(demo)  # no click waits forever on an event stream gradio closed as it joined
        named_api(app, gen, probs, att, cmp)
        model_events(panel, demo, probs, checkpoints)
    return demo


def build_tabs(demo: gr.Blocks, shared: share.Panel, gen: generate.GenerateTab, probs: probabilities.ProbabilitiesTab,
               att: attention.AttentionTab, cmp: compare_tab.CompareTab) -> Page:
    """The four tabs, each its module's components and events; the lesson's bar on the Probabilities tab and a
    slide's strip atop the Attention and Compare tabs (ui/lesson_panel.py)."""
    engine = gen.app.engine
    strips = {}
    with gr.Tabs() as selected:
        with gr.Tab(I18N("generate_tab"), id="generate"):
            generate_tab = generate.tab(gen)
        with gr.Tab(I18N("probabilities_tab"), id="probabilities"):
            walk = probabilities.tab(probs, views.tokens_html(engine.tokenize(DEFAULT_PROMPT)),
                                     lesson_section=lesson_panel.section)
        with gr.Tab(I18N("attention_tab"), id="attention"):
            strips["attention"] = lesson_panel.strip("a")
            text = attention.tab(att, engine.info.layers, engine.info.heads)
        with gr.Tab(I18N("compare_tab"), id="compare"):
            strips["compare"] = lesson_panel.strip("c")
            compare = compare_tab.tab(cmp, demo)
    return Page(selected, generate_tab, walk, text, compare, shared, strips)


def explainer(gen: generate.GenerateTab, page: Page) -> tuple[Callable, list]:
    """"Explain this generation": its handler and outputs. The Probabilities tab, selected, gets the run's
    prompt, settings and seed, Steps its length, and its walk reset (updates keyed by component)."""
    walk = page.probabilities

    def explain(replay: dict | None, request: gr.Request = None) -> dict:
        found = gen.explain(replay, request)  # None: no generation yet (a warning says so), nothing changes
        return gr.skip() if found is None else {page.tabs: gr.Tabs(selected="probabilities"), **walk.fill(*found)}

    return explain, [page.tabs, *walk.form.fields(), walk.steps, walk.state]


def named_api(app: App, gen: generate.GenerateTab, probs: probabilities.ProbabilitiesTab,
              att: attention.AttentionTab, cmp: compare_tab.CompareTab) -> None:
    """The named API (and MCP tools, with --mcp): each a handler's method, its docstring the description."""
    config = app.config
    gr.api(app.model_info, api_name="model_info")
    gr.api(gen.generate, api_name="generate", concurrency_id=GENERATE_GROUP, concurrency_limit=config.batch)
    model = dict(concurrency_id=MODEL_GROUP, concurrency_limit=config.concurrency)  # one pool, every tab and user
    gr.api(probs.probabilities, api_name="probabilities", **model)
    gr.api(att.attention, api_name="attention", **model)
    gr.api(probs.lens.logit_lens, api_name="logit_lens", **model)
    gr.api(cmp.compare, api_name="compare", **model)
    gr.api(cmp.compare_tokens, api_name="compare_tokens", **model)


@dataclass(eq=False)
class ModelPanel:
    """The model panel's components (`model_panel`) and the handlers of its list and of switching models."""

    app: App
    checkpoints: Checkpoints | None
    box: gr.Accordion
    line: gr.Markdown  # the model's facts
    compare: gr.Markdown | None  # the Compare tab's two models
    about: gr.Markdown | None  # what the model was made from (its card's first line)
    card_box: gr.Accordion | None
    card: gr.Markdown | None
    listing: gr.Markdown  # the models on this computer (filled as the panel opens)
    choice: gr.Dropdown | None = None  # with switching on: the model to load, the button, Look again, the status
    load: gr.Button | None = None
    refresh: gr.Button | None = None
    status: gr.Markdown | None = None
    cache_seconds: float = 30.0  # the list is looked for again after this long (or on Look again)

    def __post_init__(self):
        self._found: tuple[float, list] | None = None
        self._lock = threading.Lock()
        self.served_cards = {self.app.engine.info.card}  # the cards whose loss curve the app serves (cli.launch_kwargs)

    # --- the list ------------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.checkpoints.root if self.checkpoints is not None else ROOT

    def entries(self, fresh: bool = False) -> list[catalog.Entry]:
        """The models on this computer (`catalog.available`): checkpoints under assets/ and runs/, then the hub
        cache's causal LMs; looked for again after `cache_seconds` (or `fresh`)."""
        with self._lock:
            if fresh or self._found is None or time.monotonic() - self._found[0] > self.cache_seconds:
                local = [(short_name(p, self.root), p) for p in find_checkpoints(self.root)]
                self._found = time.monotonic(), catalog.available(local, self.root)
            return self._found[1]

    def in_use(self, entry: catalog.Entry) -> bool:
        source = self.app.engine.source or ""
        if entry.kind == "hub":
            return source == entry.source
        return bool(source) and os.path.exists(source) and os.path.realpath(source) == os.path.realpath(entry.source)

    def listing_md(self, entries: list[catalog.Entry], page: str) -> str:
        """The list as a table: in use, name, kind and shape, size on disk."""
        if not entries:
            return i18n.text("catalog_empty", page)
        rows = [f"**{i18n.text('catalog_title', page)}**", "", i18n.text("catalog_head", page)]
        cell = lambda text: views.esc(text).replace("|", "\\|")  # noqa: E731
        for e in entries:
            facts_ = [i18n.text(f"catalog_kind_{e.kind}", page)]
            if e.layers and e.heads and e.hidden and e.context:
                facts_.append(i18n.text("compare_facts", page, layers=e.layers, heads=e.heads, hidden=e.hidden,
                                        context=e.context))
            if e.parameters:
                facts_.append(i18n.text("catalog_parameters", page, n=catalog.millions(e.parameters, page)))
            used = self.in_use(e)
            mark = f"● **{i18n.text('catalog_in_use', page)}**" if used else ""
            name = f"**{cell(e.name)}**" if used else cell(e.name)
            rows.append(f"| {mark} | {name} | {cell(' · '.join(facts_))} | "
                        f"{catalog.size_text(e.weight_bytes, page) if e.weight_bytes else '?'} |")
        return "\n".join(rows)

    def choices(self, entries: list[catalog.Entry], page: str) -> list[tuple[str, str]]:
        return [(f"{e.name} · {i18n.text(f'catalog_kind_{e.kind}', page)}", e.name) for e in entries]

    def shown(self, request: gr.Request = None, fresh: bool = False) -> tuple:
        """(the list, the choice) in the page's language, as the panel opens or Look again is pressed."""
        page = lang(request)
        entries = self.entries(fresh)
        if self.choice is None:
            return self.listing_md(entries, page)
        others = [e for e in entries if not self.in_use(e)]
        return (self.listing_md(entries, page),
                gr.Dropdown(choices=self.choices(others, page), value=others[0].name if others else None,
                            interactive=bool(others)))

    def looked_again(self, request: gr.Request = None) -> tuple:
        return self.shown(request, fresh=True)

    # --- the model's own lines --------------------------------------------------------------------------
    def model_line(self, request: gr.Request = None) -> str:
        page = lang(request)
        info, name = self.app.engine.info, self.app.shown_name(page)
        if self.app.config.model_switch and self.checkpoints is not None and name == info.name:
            name = self.checkpoints.main_name  # as the list names it (`assets/model`), not a server path
        return i18n.text("model_line", page, **{**info.as_dict(), "name": views.esc(name)})

    def compare_line(self, request: gr.Request = None) -> str:
        page = lang(request)
        (a, b), source = self.checkpoints.default, self.checkpoints.choices.get
        return i18n.text("compare_panel", page, a=a, b=b, a_facts=facts(source(a, ""), page) or "?",
                         b_facts=facts(source(b, ""), page) or "?", keep=self.checkpoints.keep)

    def about_text(self, page: str) -> str:
        info = self.app.engine.info
        bundled = Path(info.card).parent == BUNDLED_MODEL if info.card else False
        return i18n.text("about_bundled", page) if bundled else views.esc(info.about)

    def card_text(self) -> str:
        card = self.app.engine.info.card
        if not card:
            return ""
        if card in self.served_cards:
            return card_markdown(card)
        return "\n".join(line for line in card_markdown(card).splitlines() if "](/gradio_api/file=" not in line)

    # --- switching (the presenter only) -------------------------------------------------------------------
    def switch(self, name: str | None, request: gr.Request = None):
        """Load model `name` (from the list) and serve it from now on, for everyone: refused unless switching is
        on, the request is the presenter's (`is_presenter`) and the model fits in the memory free; loaded once,
        under the app's lock, while the current model keeps serving; a failed load leaves it serving. Yields the
        status (and, once switched, the panel's lines, the list and the tabs' controls: `switched`)."""
        page, app = lang(request), self.app
        say = lambda key, **values: i18n.text(key, page, **values)  # noqa: E731
        skip = (gr.skip(),) * len(self.outputs_after)
        if not app.config.model_switch:
            yield say("switch_off"), *skip
            return
        if not is_presenter(request):
            gr.Warning(say("switch_not_presenter"))
            yield say("switch_not_presenter"), *skip
            return
        entry = next((e for e in self.entries() if e.name == name), None) or \
            next((e for e in self.entries(fresh=True) if e.name == name), None)
        if entry is None:
            yield say("switch_unknown", name=views.esc(str(name or "")[:200])), *skip
            return
        if self.in_use(entry):
            yield say("switch_same", name=views.esc(entry.name)), *skip
            return
        if not app.switch_lock.acquire(blocking=False):
            yield say("switch_busy", name=views.esc(app.loading or "?")), *skip
            return
        try:
            app.loading = entry.name
            old = app.engine
            device, dtype = old.info.device, old.info.dtype
            try:
                held = self.checkpoints is not None and entry.name in self.checkpoints.loaded()
                need = entry.needed(dtype) if held else catalog.check_memory(entry, device, dtype)
            except catalog.TooLarge as err:
                yield err.message(page), *skip
                return
            yield say("switch_loading", name=views.esc(entry.name), need=catalog.size_text(need, page)), *skip
            started = time.perf_counter()
            try:
                engine = Engine(load_model(entry.source, device=device, dtype=dtype))
            except Exception as err:  # a ModelLoadError, out of memory, …: the old model keeps serving
                reason = views.esc(" ".join(str(err).split())[:300])
                yield say("switch_failed", name=views.esc(entry.name), current=views.esc(app.shown_name(page)),
                          error=reason), *skip
                return
            app.switch(engine, entry.name)
            if old.source and old.source != engine.source:  # its memory goes once the last user of it is done
                unload(old.source, device=old.info.device, dtype=old.info.dtype)
            seconds = decimal(time.perf_counter() - started, page, 1)
            yield say("switch_done", name=views.esc(entry.name), seconds=seconds), *self.after(request)
        finally:
            app.loading = None
            app.switch_lock.release()

    outputs_after: tuple = ()  # what a switch updates besides the status (`model_events` sets it)
    sized_controls: bool = False  # whether they end with the Attention and Compare tabs' controls (`sized`)

    def after(self, request: gr.Request = None) -> tuple:
        """The updates after a switch, in `outputs_after`'s order (see `model_events`): the model's line, the
        Compare line, its about line, its card, the list and the choice, then the tabs' controls."""
        page = lang(request)
        out = [self.model_line(request)]
        if self.compare is not None:
            out.append(self.compare_line(request))
        if self.about is not None:
            about = self.about_text(page)
            out.append(gr.Markdown(about, visible=bool(about)))
        if self.card is not None:
            out += [gr.Accordion(visible=bool(self.app.engine.info.card)), self.card_text()]
        out += self.shown(request, fresh=True)
        if self.sized_controls:
            out += sized(self.app, self.checkpoints)
        return tuple(out)


def model_panel(app: App, demo: gr.Blocks, checkpoints: Checkpoints | None = None) -> ModelPanel:
    """What the model is: its facts (in the page's language, written as each page loads), what it was
    made from, its model card, and the Compare tab's two models; then the models on this computer (the list
    fills as the panel opens) and, with `--allow-model-switch`, the presenter's choice of one to load."""
    info = app.engine.info
    switching = app.config.model_switch
    with gr.Accordion(I18N("model"), open=False, elem_id="model-accordion") as box:
        panel = ModelPanel(app, checkpoints, box, None, None, None, None, None, None)
        line = gr.Markdown(panel.model_line(), elem_id="model-panel")
        compare = None
        if checkpoints is not None:  # both written in the page's language as it loads
            compare = gr.Markdown(panel.compare_line(), elem_id="compare-panel")
        bundled = Path(info.card).parent == BUNDLED_MODEL if info.card else False
        about = card_box = card = None
        if bundled or info.about or switching:  # switching: there for the next model's words
            about = gr.Markdown(I18N("about_bundled") if bundled else views.esc(info.about), elem_id="model-about",
                                visible=bool(bundled or info.about))
        if info.card or switching:
            with gr.Accordion(I18N("model_card"), open=False, visible=bool(info.card)) as card_box:
                card = gr.Markdown(card_markdown(info.card) if info.card else "", elem_id="model-card")
        listing = gr.Markdown("", elem_id="model-list")
        panel.line, panel.compare, panel.about, panel.card_box, panel.card, panel.listing = \
            line, compare, about, card_box, card, listing
        if switching:
            gr.Markdown(I18N("catalog_on"), elem_id="model-switch-help")
            with gr.Row(elem_id="model-switch-row", equal_height=True):  # one line: the menu, then its buttons
                panel.choice = gr.Dropdown([], label=I18N("catalog_choice"), show_label=False, container=False,
                                           elem_id="model-choice", scale=4)
                panel.load = gr.Button(I18N("catalog_load"), variant="primary", size="md", elem_id="model-load",
                                       scale=1)
                panel.refresh = gr.Button(I18N("catalog_refresh"), size="md", elem_id="model-refresh", scale=0,
                                          min_width=160)
            panel.status = gr.Markdown("", elem_id="model-switch-status")
        else:
            gr.Markdown(I18N("catalog_off"), elem_id="model-switch-off")
    demo.load(panel.model_line, None, line, api_visibility="private", show_progress="hidden")
    if compare is not None:
        demo.load(panel.compare_line, None, compare, api_visibility="private", show_progress="hidden")
    return panel


def model_events(panel: ModelPanel, demo: gr.Blocks, probs: probabilities.ProbabilitiesTab,
                 checkpoints: Checkpoints | None) -> None:
    """The model panel's list (filled as it opens, and on Look again) and, with switching on, the switch: one
    load at a time (`concurrency_limit=1`), never queued behind the crowd's model calls; what every page holds
    of the model follows it (`App.on_switch`), and the switching page's controls too."""
    app = panel.app
    listed = [panel.listing] + ([panel.choice] if panel.choice is not None else [])
    quick = dict(api_visibility="private", queue=False)
    panel.box.expand(panel.shown, None, listed, show_progress="hidden", **quick)
    if panel.choice is None:
        return
    panel.refresh.click(panel.looked_again, None, listed, **quick)

    # Everything that captured the model follows it (the tabs' own caches follow through `App.on_switch`).
    if checkpoints is not None:
        app.on_switch(lambda old, new: checkpoints.use_main(new))

    def forget(old, new):
        rooms = room.server(app)  # the projector's remembered slides were the old model's numbers
        for code in list(rooms.slides):
            rooms.forget(code)
        with probs._linked_lock:  # links' walks replayed on the old model: replayed again, and checked, on this one
            probs._linked.clear()

    app.on_switch(forget)

    # What the switching page updates (`ModelPanel.after`, in this order): the panel's lines, the list, the
    # tabs' controls sized for the model.
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    outputs = [panel.line] + [c for c in (panel.compare, panel.about) if c is not None]
    if panel.card is not None:
        outputs += [panel.card_box, panel.card]
    outputs += listed
    controls = [by_id.get(k) for k in ("a-layer", "a-head", "c-model-a", "c-model-b")]
    panel.sized_controls = None not in controls
    if panel.sized_controls:
        outputs += controls
    panel.outputs_after = tuple(outputs)
    panel.load.click(panel.switch, panel.choice, [panel.status, *outputs], api_visibility="private",
                     concurrency_id="switch-model", concurrency_limit=1, show_progress="minimal")
    # A page opened after a switch: its Attention and Compare controls for the model serving now.
    if None not in controls:
        demo.load(lambda: sized(app, checkpoints) if app.version else (gr.skip(),) * 4, None, controls,
                  api_visibility="private", show_progress="hidden")


def sized(app: App, checkpoints: Checkpoints | None) -> tuple:
    """The Attention tab's layer slider and head menu for the model's shape; the Compare tab's A and B menus
    with the model serving now among them (B where the app's model was)."""
    layer, head = attention.ranges(app.engine)
    if checkpoints is None:
        return layer, head, gr.skip(), gr.skip()
    names = list(checkpoints.choices)
    a, b = checkpoints.default
    return layer, head, gr.Dropdown(choices=names, value=a), gr.Dropdown(choices=names, value=b)


def card_markdown(card: str) -> str:
    """A model card to show in the app: without its YAML header, its loss curve served by the app."""
    text = Path(card).read_text(encoding="utf-8", errors="replace")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[-1]
    image = Path(card).parent / "loss.png"
    return text.replace("](loss.png)", f"](/gradio_api/file={image})")
