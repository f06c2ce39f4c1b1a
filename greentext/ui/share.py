"""The Share button and panel (the audience link and its QR code), and opening the page from such a link.

`SharePanel.restore` runs when a page opens: the link's prompt and settings fill the Generate,
Probabilities and Compare forms and its tab is selected (bad values: a message, the default kept); a link's
walk becomes the Probabilities tab's walk, replayed by the step shown after the load; its lesson and slide
(`?lesson=next-token&slide=3`) become the lesson to open (ui/lesson_panel.py shows the slide after the load).
`SharePanel.open` runs on the Share button: the link of the tab on screen (on the Probabilities tab with the
steps on screen, `walk_link`; with a lesson open, the lesson and its slide), the address the audience can reach,
the QR code. Both speak in components
(`Panel`, `Sources`): one dict of inputs in, updates keyed by component out. The logic is
`greentext/present/share.py` and `walk_link.py`; this module only talks to gradio.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from urllib.parse import urlsplit

import gradio as gr

from greentext.language import i18n, numbers
from greentext.present import lessons, share
from greentext.present import walk_link
from greentext.present import html as views
from greentext.decode.settings import check_prompt
from greentext.paths import static_text
from greentext.ui.context import I18N, App, lang
from greentext.ui.form import FIELDS, Form
from greentext.ui.probabilities import same_walk

# The Share button's JavaScript: the page's own address and the tab on screen, into the panel's hidden boxes.
PAGE_AND_TAB_JS = static_text("page_and_tab.js").strip()
FORM_TABS = ("generate", "probabilities", "compare")  # the tabs with a prompt + settings form a link fills
MESSAGE_SECONDS = 20  # a refused link parameter's message stays this long (a phone user reads it once)


@dataclass(eq=False)
class Panel:
    """The Share panel's components."""

    box: gr.Column
    link: gr.Textbox
    qr: gr.HTML
    notes: gr.Markdown
    close: gr.Button
    page_url: gr.Textbox  # hidden: filled by PAGE_AND_TAB_JS
    tab: gr.Textbox  # hidden: filled by PAGE_AND_TAB_JS


@dataclass(eq=False)
class Sources:
    """What a link fills and the Share button reads: per tab of FORM_TABS its form and its last run (plain
    data: the seed a random-seed run drew; the Probabilities tab's is its walk, which a link carries too), the
    Attention tab's text, and the page's tabs."""

    forms: dict[str, Form]
    lasts: dict[str, gr.State]
    text: gr.Textbox
    tabs: gr.Tabs
    lesson: gr.State | None = None  # the lesson open: {"name", "index" (0-based), "view"} or None (lesson_panel.py)

    def fields(self) -> list:
        """Every form's six fields (FORM_TABS' order)."""
        return [field for tab in FORM_TABS for field in self.forms[tab].fields()]


class SharePanel:
    """The handlers, around the components they read and fill (`panel`, `sources`: set by `events`); `demo`
    tells where the server listens once launched (`server_name`, `share_url`: gradio sets them in launch)."""

    def __init__(self, app: App, demo: gr.Blocks, panel: Panel | None = None, sources: Sources | None = None):
        self.app, self.demo = app, demo
        self.panel, self.sources = panel, sources

    # --- the page opens: a link's settings fill the forms ---------------------------------------------
    def restore(self, request: gr.Request = None) -> dict:
        """Updates keyed by component: the link's prompt and settings into every form of FORM_TABS, its prompt
        into the Attention text, its tab selected, its walk (`walk=`) as the Probabilities tab's walk with its
        candidates per step; gr.skip() (nothing changes) for a page without a link. A refused parameter is a
        message in the page's language; the rest still applies (a walk needs the prompt, settings and seed)."""
        page = lang(request)
        shared = share.parse(dict(getattr(request, "query_params", None) or {}), page)
        messages = list(shared.messages)
        top_p = shared.top_p
        # The top_p slider starts above 0 (SamplingSettings' bound): a link's top_p must fit the slider too.
        slider = self.sources.forms["generate"].top_p
        if top_p is not None and not slider.minimum <= top_p <= slider.maximum:
            messages.append(share.refused("top_p", share.plain(top_p), page, i18n.text(
                "allowed_top_p_slider", page, lo=share.plain(slider.minimum), hi=share.plain(slider.maximum))))
            top_p = None
        walk = None
        if shared.walk is not None:
            try:
                walk = walk_link.decode(shared.walk, dataclasses.replace(shared, top_p=top_p),
                                        self.app.engine.info.vocab_size)
            except walk_link.BadWalk as err:
                messages.append(err.message(page))
        for message in messages:
            gr.Warning(html.escape(message, quote=False), duration=MESSAGE_SECONDS,
                       title=i18n.text("link_title", page))
        seed = ("" if shared.seed is None else str(shared.seed)) if shared.has_seed else None
        given = {name: value for name, value in zip(FIELDS, (shared.prompt, shared.temperature, shared.top_k, top_p,
                                                              shared.max_new_tokens, seed)) if value is not None}
        updates = {c: v for tab in FORM_TABS for c, v in self.sources.forms[tab].update(given).items()}
        if shared.prompt is not None:
            updates[self.sources.text] = shared.prompt
        if shared.tab:
            updates[self.sources.tabs] = gr.Tabs(selected=shared.tab)
        if walk is not None:
            updates[self.sources.lasts["probabilities"]] = walk
            updates[self.sources.forms["probabilities"].top_n] = walk["top_n"]
        if shared.lesson is not None and self.sources.lesson is not None:  # shown once the page has loaded
            updates[self.sources.lesson] = {"name": shared.lesson, "index": shared.slide - 1}
        return updates or gr.skip()

    # --- the Share button --------------------------------------------------------------------------------
    def open(self, inputs: dict, request: gr.Request = None) -> tuple:
        """(panel shown, the audience link, the QR code's HTML, notes) for the tab on screen: its prompt and
        settings (the Attention tab: its text only). `inputs`: the page's address and the tab on screen (the
        panel's hidden boxes), the Attention text, and per tab of FORM_TABS its form and its last run as plain
        data (the seed a random-seed run drew goes into the link, so the audience gets the story on the
        screen), by component. On the Probabilities tab, when the form still describes the walk on screen and
        it has steps, the link carries them (`walk=`) if it then fits a QR code that scans from the back of the
        room; else it has the prompt, settings and seed, and a note names the limit. A bad field is the usual
        message, as its button gives."""
        page = lang(request)
        page_url, tab = inputs[self.panel.page_url], inputs[self.panel.tab]
        tab = tab if tab in share.TABS else "generate"
        if urlsplit(page_url or "").scheme not in ("http", "https"):  # not from the page's script: the request's
            headers = getattr(request, "headers", None) or {}
            page_url = f"http://{headers.get('host', '127.0.0.1')}/"
        opened = inputs.get(self.sources.lesson) if self.sources.lesson is not None else None
        lesson = lessons.bundled().get(opened["name"]) if isinstance(opened, dict) else None
        if lesson is not None and 0 <= opened.get("index", -1) < len(lesson):  # the lesson's slide, for the phones
            return self.show_link(page_url, lesson, opened["index"], page)
        if tab == "attention":
            prompt, settings = inputs[self.sources.text], None
        else:
            values = self.sources.forms[tab].values(inputs)
            prompt, settings = values.prompt, self.app.settings(*values.settings, page)
            settings = share.with_seed_of(inputs[self.sources.lasts[tab]], prompt, settings)
        with self.app.errors():
            prompt = check_prompt(prompt)
        walk, state = None, (inputs[self.sources.lasts["probabilities"]] if tab == "probabilities" else None)
        if walk_link.steps(state) and same_walk(state, prompt, settings):  # the steps on screen
            settings = dataclasses.replace(settings, seed=state["seed"])
            walk = walk_link.encode(state, settings)
        where = getattr(self.demo, "server_name", None), getattr(self.demo, "share_url", None)
        audience = share.audience_url(share.link(page_url, prompt, settings, tab, walk), *where)
        notes = [i18n.text("share_help", page, tab=i18n.text(f"{tab}_tab", page))]
        if walk is not None and walk_link.fits(audience.url):
            notes.append(i18n.text("share_walk", page, n=walk_link.steps(state)))
        elif walk is not None:  # past what a QR code read from the back holds: the prompt, settings and seed
            notes.append("⚠️ " + i18n.text("share_walk_too_long", page, n=walk_link.steps(state),
                                           chars=len(audience.url), max=walk_link.LINK_MAX))
            audience = share.audience_url(share.link(page_url, prompt, settings, tab), *where)
        try:
            code = share.qr(audience.url)
            qr_html = (f'<img class="share-qr-img" src="{views.esc(code.uri)}" '
                       f'alt="{views.esc(i18n.text("share_qr_alt", page))}">')
            if code.dense:
                notes.append("⚠️ " + i18n.text("share_dense", page, n=code.modules))
        except share.TooLongForQR:
            qr_html = ""
            notes.append("⚠️ " + i18n.text("share_too_long", page, n=numbers.whole(len(audience.url), page)))
        if audience.note:
            notes.append(("⚠️ " if not audience.reachable else "") + i18n.text(audience.note, page))
        return gr.Column(visible=True), audience.url, qr_html, "\n\n".join(notes)

    def show_link(self, page_url: str, lesson: lessons.Lesson, index: int, page: str) -> tuple:
        """The Share panel with a lesson open: the link opens the lesson at its slide (`?lesson=…&slide=3`, and the
        slide's tab), short enough for a QR code read from the back of the room."""
        tab = {"lens": "probabilities"}.get(lesson.slide(index).view, lesson.slide(index).view)
        where = getattr(self.demo, "server_name", None), getattr(self.demo, "share_url", None)
        audience = share.audience_url(share.link(page_url, None, None, tab, lesson=(lesson.name, index + 1)), *where)
        code = share.qr(audience.url)
        qr_html = (f'<img class="share-qr-img" src="{views.esc(code.uri)}" '
                   f'alt="{views.esc(i18n.text("share_qr_alt", page))}">')
        notes = [i18n.text("share_lesson", page, title=views.esc(lesson.title.in_lang(page)), n=index + 1,
                           total=len(lesson))]
        if audience.note:
            notes.append(("⚠️ " if not audience.reachable else "") + i18n.text(audience.note, page))
        return gr.Column(visible=True), audience.url, qr_html, "\n\n".join(notes)


def button() -> gr.Button:
    """The Share button, for the page's header."""
    return gr.Button(I18N("share"), size="sm", scale=0, min_width=160, elem_id="share")


def panel() -> Panel:
    """The Share panel (hidden until the button is clicked): the QR code, big, beside the link and notes."""
    with gr.Column(visible=False, elem_id="share-panel") as box:
        with gr.Row(equal_height=False):
            qr = gr.HTML("", elem_id="share-qr", padding=False)
            with gr.Column(min_width=300):
                link = gr.Textbox(label=I18N("share_link"), lines=2, max_lines=6, buttons=["copy"], interactive=False,
                                  elem_id="share-link")
                notes = gr.Markdown("", elem_id="share-notes")
                close = gr.Button(I18N("share_close"), size="sm", elem_id="share-close")
    page_url = gr.Textbox(visible=False)
    tab = gr.Textbox(visible=False)
    return Panel(box, link, qr, notes, close, page_url, tab)


def events(handlers: SharePanel, demo: gr.Blocks, share_button: gr.Button, shown: Panel, sources: Sources):
    """Wire the button, the close button and the page's load, and hand the handlers their components.
    Returns the load event (what must see the forms as the link filled them goes after it)."""
    handlers.panel, handlers.sources = shown, sources
    quick = dict(api_visibility="private", concurrency_limit=None)  # no model: milliseconds, never queued behind it
    # The address and the tab are the page's (PAGE_AND_TAB_JS, in the browser), then the server builds the link
    # from every form (one dict of inputs: `open` reads the tab's own).
    inputs = {shown.page_url, shown.tab, sources.text, *sources.fields(), *sources.lasts.values()}
    lesson = [sources.lesson] if sources.lesson is not None else []  # the lesson open (its link) and a link's lesson
    inputs.update(lesson)
    share_button.click(None, None, [shown.page_url, shown.tab], js=PAGE_AND_TAB_JS, **quick).then(
        handlers.open, inputs, [shown.box, shown.link, shown.qr, shown.notes], **quick)
    shown.close.click(lambda: gr.Column(visible=False), None, shown.box, **quick)
    walk = [sources.lasts["probabilities"], sources.forms["probabilities"].top_n]  # a link's walk
    return demo.load(handlers.restore, None, [*sources.fields(), sources.text, sources.tabs, *walk, *lesson], **quick)
