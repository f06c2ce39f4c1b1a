"""The model panel (under the title): what the model is, its card, the models on this computer, and — with
`--allow-model-switch` — the presenter's switch to another (the list and the memory check: model/catalog.py;
the switch itself: `App.switch`, ui/context.py)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from greentext.language import i18n
from greentext.language.numbers import decimal
from greentext.present import html as views
from greentext.probes.compare import ROOT, Checkpoints, facts, find_checkpoints, short_name
from greentext.decode.engine import Engine
from greentext.model import catalog
from greentext.model.loading import BUNDLED_MODEL, load_model, unload
from greentext.ui import attention
from greentext.ui import probabilities
from greentext.ui import room
from greentext.ui.context import I18N, App, is_presenter, lang


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
        probs.forget_links()  # links' walks replayed on the old model: replayed again, and checked, on this one

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
