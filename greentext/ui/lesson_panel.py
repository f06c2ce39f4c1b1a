"""The lesson bar: a presenter's deck of slides (greentext/present/lessons.py) on the page.

    section()                    # the bar under the Probabilities tab's presentation bar (probabilities.tab calls it)
    strip("c")                   # a slide's place at the top of the Compare (and Attention, "a") tab
    events(panel, demo, wiring)  # the handlers wired; `panel = LessonPanel(app, probs, checkpoints)`

Choosing a lesson shows its first slide; ◀ / ▶ (the clicker's PageUp / PageDown, N / P: static/keys.js) move
slide to slide. Showing a slide fills the Probabilities form with its prompt, settings and seed, makes its walk
(the presenter's moves made) the tab's walk — so the clicker's → steps on from the slide — draws the view, and
shows the slide's position ("3 / 8"), title and note, filled with the live model's numbers in the page's
language. Its view decides the rest: the step table, the logit lens opened under it, the Compare tab (its form
and text filled and scored) or the Attention tab (its text filled and drawn); the browser then opens or clicks
what it needs (static/lesson_view.js). A link's `?lesson=next-token&slide=3` (ui/share.py's `restore`) opens at
that slide as the page loads (`load`), and the Share button's link carries the lesson open.

The lesson open is plain data in the user's session: {"name", "index" (0-based), "view"} (None: no lesson).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import gradio as gr

from greentext.decode.engine import Engine
from greentext.decode.settings import TOP_N_MAX, as_int
from greentext.language import i18n
from greentext.language.errors import UserError
from greentext.paths import static_text
from greentext.present import lessons
from greentext.probes.compare import Checkpoints
from greentext.ui import attention as attention_tab
from greentext.ui import compare as compare_tab
from greentext.ui import probabilities
from greentext.ui.context import I18N, App, gpu, lang

# After a slide is shown: the lens opened, the Attention tab drawn or the Compare tab's text scored, in the browser.
VIEW_JS = static_text("lesson_view.js").strip()
# The tab each view shows on.
TABS = {"probabilities": "probabilities", "lens": "probabilities", "compare": "compare", "attention": "attention"}


@dataclass(eq=False)
class Strip:
    """A slide's place on a tab: ◀, its position, ▶, its title, ✕ leave, and its note under them."""

    box: gr.Column  # the Compare and Attention tabs' strip: shown while a slide of that view is open
    nav: gr.Row  # the buttons, position and title: shown while a lesson is open
    prev: gr.Button
    position: gr.Markdown
    next: gr.Button
    title: gr.Markdown
    leave: gr.Button
    note: gr.Markdown

    def buttons(self) -> list[gr.Button]:
        return [self.prev, self.next, self.leave]


@dataclass(eq=False)
class Section:
    """The Probabilities tab's lesson bar: the lesson open (plain data), the lesson menu and the slide's strip."""

    state: gr.State
    pick: gr.Dropdown
    strip: Strip
    view: gr.Textbox  # hidden: the slide's view, for the browser (VIEW_JS: a gr.State never reaches it)


@dataclass(eq=False)
class Wiring:
    """What showing a slide fills: the lesson's strips by tab, and the tabs' own components."""

    tabs: gr.Tabs
    section: Section
    probabilities: probabilities.Controls
    compare: compare_tab.Controls
    attention: attention_tab.Controls
    strips: dict[str, Strip] = field(default_factory=dict)  # "compare", "attention": their tabs' strips
    compare_text: gr.Textbox | None = None  # the Compare tab's text to score (#c-text)

    def outputs(self) -> list:
        """Every component a slide may change."""
        p, s = self.probabilities, self.section
        out = [s.state, s.pick, s.view, *strip_parts(s.strip), *p.view, *p.form.fields(), self.tabs,
               *self.compare.form.fields(), self.attention.text, self.attention.prompt]
        for strip in self.strips.values():
            out += [strip.box, *strip_parts(strip)]
        return out + ([self.compare_text] if self.compare_text is not None else [])


def strip_parts(strip: Strip) -> list:
    return [strip.nav, strip.prev, strip.position, strip.next, strip.title, strip.note]


def _strip(prefix: str, box: gr.Column, pick: gr.Dropdown | None = None) -> Strip:
    with gr.Row(elem_classes="gt-lesson-bar", equal_height=True):
        if pick is not None:
            pick.render()
        with gr.Row(visible=pick is None, elem_classes="gt-lesson-nav") as nav:
            prev = gr.Button(I18N("lesson_prev"), size="sm", scale=0, min_width=120, interactive=False,
                             elem_id=f"{prefix}-lesson-prev", elem_classes="gt-lesson-prev")
            position = gr.Markdown("", elem_id=f"{prefix}-lesson-position", elem_classes="gt-lesson-position")
            nxt = gr.Button(I18N("lesson_next"), size="sm", scale=0, min_width=120, variant="primary",
                            elem_id=f"{prefix}-lesson-next", elem_classes="gt-lesson-next")
            title = gr.Markdown("", elem_id=f"{prefix}-lesson-title", elem_classes="gt-lesson-title")
            leave = gr.Button(I18N("lesson_leave"), size="sm", scale=0, min_width=120,
                              elem_id=f"{prefix}-lesson-leave", elem_classes="gt-lesson-leave")
    note = gr.Markdown("", visible=pick is None, elem_id=f"{prefix}-lesson-note", elem_classes="gt-lesson-note")
    return Strip(box, nav, prev, position, nxt, title, leave, note)


def section() -> Section:
    """The Probabilities tab's lesson bar (components only): the lesson menu (titles in the page's language, set
    as the page loads), then — while a lesson is open — ◀, "3 / 8", ▶, the slide's title, ✕ leave, and its note."""
    state = gr.State(None)
    pick = gr.Dropdown(choices=choices("en"), value=None, label=I18N("lesson"), scale=2, min_width=240,
                       elem_id="p-lesson-pick", render=False)
    with gr.Column(elem_id="p-lesson", elem_classes="gt-lesson") as box:
        strip = _strip("p", box, pick)
    view = gr.Textbox("", visible="hidden", elem_id="p-lesson-view")
    return Section(state, pick, strip, view)


def strip(prefix: str) -> Strip:
    """A slide's strip at the top of another tab (Compare: "c", Attention: "a"), hidden until a slide of that
    view is open (components only)."""
    with gr.Column(visible=False, elem_id=f"{prefix}-lesson", elem_classes="gt-lesson") as box:
        return _strip(prefix, box)


def choices(page: str) -> list[tuple[str, str]]:
    """The lesson menu: (label, name) for each bundled lesson, the deck in the page's language first."""
    found = sorted(lessons.bundled().values(), key=lambda les: (les.lang != page, les.name))
    return [(i18n.text("lesson_choice", page, title=les.title.in_lang(page),
                       stories=i18n.text(f"lesson_stories_{les.lang}", page)), les.name) for les in found]


class LessonPanel:
    """The handlers: `open` (the menu), `next` / `prev` (◀ ▶ and the clicker), `leave`, and `load` (the page
    opens: a link's lesson, or the tab's first step). Each returns updates keyed by component (`wiring`)."""

    def __init__(self, app: App, probs: probabilities.ProbabilitiesTab, checkpoints: Checkpoints | None = None,
                 wiring: Wiring | None = None):
        self.app, self.probs, self.checkpoints, self.wiring = app, probs, checkpoints, wiring

    # --- the slide: measured on the live model ---------------------------------------------------------------
    def base(self) -> Engine | None:
        """The base model of compare slides: the Compare tab's model A, unless that is the app's own (None)."""
        if self.checkpoints is None:
            return None
        try:
            engine = self.checkpoints.engine(self.checkpoints.default[0])
        except UserError:  # it cannot be loaded: the note's base numbers say "—"
            return None
        return None if engine is self.app.engine else engine

    def shown(self, name: str, index: int, top_n, page: str) -> lessons.Shown:
        """Slide `index` (0-based) of the bundled lesson `name`, measured; a UserError says what is wrong."""
        lesson, _ = lessons.at(name, 1)
        lesson.slide(index)  # a slide out of range: the message names the range
        top_n = as_int("top_n", top_n if top_n is not None else 10, 1, TOP_N_MAX)
        base = self.base() if lesson.slide(index).view == "compare" else None
        return lessons.show(lesson, index, self.app.engine, lang=page, base_engine=base, top_n=top_n,
                            words=self.app.display.words)

    def slide(self, name: str, index: int, top_n, page: str, room: dict | None = None) -> dict:
        """Updates keyed by component: slide `index` of lesson `name` on the page (`room`: the room open on the
        walk, which then votes on the slide's step)."""
        with self.app.errors(page):  # every model call of the slide: a message in the page's language
            return self._slide(self.shown(name, index, top_n, page), page, room)

    def _slide(self, shown: lessons.Shown, page: str, room: dict | None) -> dict:
        w, p = self.wiring, self.wiring.probabilities
        s = shown.settings
        form = dict(prompt=shown.prompt, temperature=s.temperature, top_k=s.top_k, top_p=s.top_p,
                    max_new_tokens=s.max_new_tokens, seed=str(s.seed))
        out = {w.section.state: {"name": shown.lesson.name, "index": shown.index, "view": shown.view},
               w.section.pick: gr.Dropdown(choices=choices(page), value=shown.lesson.name),
               w.section.view: shown.view,
               p.state: self.probs.walks.put(shown.walk), **p.form.update(form),
               **dict(zip(p.view[1:], self.probs.view(shown.walk, page, **({"room": room} if room else {})))),
               w.tabs: gr.Tabs(selected=TABS[shown.view])}
        out.update(self.strip_updates(w.section.strip, shown, True, nav=True))
        for tab, strip in w.strips.items():
            here = TABS[shown.view] == tab
            out[strip.box] = gr.Column(visible=here)
            if here:
                out.update(self.strip_updates(strip, shown, True))
        text = self.app.display.text(shown.text)  # the text read so far: prompt + the moves' tokens
        if shown.view == "compare":
            out.update(w.compare.form.update({**form, "prompt": text}))
            if w.compare_text is not None:
                out[w.compare_text] = text  # scored in the browser (lesson_view.js clicks Score)
        elif shown.view == "attention":
            prompt = self.app.display.text(shown.prompt)
            out.update({w.attention.text: text, w.attention.prompt: prompt if text.startswith(prompt) else None})
        return out

    @staticmethod
    def strip_updates(strip: Strip, shown: lessons.Shown, visible: bool, nav: bool = False) -> dict:
        last = len(shown.lesson) - 1
        out = {strip.position: f"**{shown.position}**", strip.title: f"**{html.escape(shown.title)}**",
               strip.note: gr.Markdown(shown.note, visible=visible),
               strip.prev: gr.Button(interactive=shown.index > 0),
               strip.next: gr.Button(interactive=shown.index < last)}
        if nav:
            out[strip.nav] = gr.Row(visible=visible)
        return out

    def closed(self, page: str) -> dict:
        """Updates keyed by component: no lesson open, its strips hidden; the form, the walk and the tab stay."""
        w = self.wiring
        out = {w.section.state: None, w.section.pick: gr.Dropdown(choices=choices(page), value=None),
               w.section.view: "",
               w.section.strip.nav: gr.Row(visible=False), w.section.strip.note: gr.Markdown("", visible=False)}
        out.update({strip.box: gr.Column(visible=False) for strip in w.strips.values()})
        return out

    # --- the handlers -------------------------------------------------------------------------------------------
    def open(self, name, top_n, request: gr.Request = None, room: dict | None = None) -> dict:
        """A lesson chosen in the menu: its first slide."""
        page = lang(request)
        if not name:
            return gr.skip()
        with self.app.errors(page):
            lessons.at(str(name), 1)  # an unknown name: the message lists the lessons
        return self.slide(str(name), 0, top_n, page, room)

    def next(self, lesson, top_n, request: gr.Request = None, room: dict | None = None) -> dict:
        """The next slide (▶, PageDown, N); past the last one, a message and nothing changes."""
        return self.go(lesson, 1, top_n, lang(request), room)

    def prev(self, lesson, top_n, request: gr.Request = None, room: dict | None = None) -> dict:
        """The previous slide (◀, PageUp, P); before the first one, a message and nothing changes."""
        return self.go(lesson, -1, top_n, lang(request), room)

    def go(self, lesson, step: int, top_n, page: str, room: dict | None = None) -> dict:
        if not isinstance(lesson, dict) or lesson.get("name") not in lessons.bundled():
            gr.Info(i18n.text("lesson_none_open", page))
            return gr.skip()
        total, index = len(lessons.bundled()[lesson["name"]]), int(lesson.get("index", 0)) + step
        if not 0 <= index < total:
            gr.Info(i18n.text("lesson_first" if index < 0 else "lesson_last", page, n=total))
            return gr.skip()
        return self.slide(lesson["name"], index, top_n, page, room)

    def leave(self, request: gr.Request = None) -> dict:
        """✕ Leave the lesson: its bar and notes go; the slide's form and walk stay, to go on freely."""
        return self.closed(lang(request))

    def load(self, lesson, state, prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n,
             request: gr.Request = None, room: dict | None = None) -> dict:
        """The page opens: the lesson menu in the page's language; a link's lesson (ui/share.py's `restore`
        put it in `lesson`) at its slide, or else the Probabilities tab's first step (its form as the link left
        it). A slide this model cannot show: its message, and the page opens as without a lesson."""
        page = lang(request)
        if isinstance(lesson, dict) and lesson.get("name") in lessons.bundled():
            try:
                return self.slide(lesson["name"], int(lesson.get("index", 0)), top_n, page, room)
            except gr.Error as err:
                gr.Warning(err.message, duration=probabilities.MESSAGE_SECONDS, title=i18n.text("link_title", page))
        p = self.wiring.probabilities
        view = self.probs.show(state, prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n, request=request,
                               **({"room": room} if room else {}))
        return {**self.closed(page), **dict(zip(p.view, view))}


def events(panel: LessonPanel, demo: gr.Blocks, wiring: Wiring, loaded) -> None:
    """Wire the menu, ◀ ▶ and ✕ of every strip, and the page's load (`loaded`: ui/share.py's restore, which
    puts a link's lesson in the state): each slide then opens its view in the browser (VIEW_JS)."""
    panel.wiring = wiring
    section, p = wiring.section, wiring.probabilities
    outputs = wiring.outputs()
    model = probabilities.model_events(panel.probs)  # the model's pool of slots, as the tab's buttons

    room = {"room": p.inputs()["room"]} if "room" in p.inputs() else {}  # the room open on the walk (ui/room_panel.py)

    def then_view(event):
        event.then(None, section.view, None, js=VIEW_JS, api_visibility="private", queue=False)

    then_view(section.pick.input(gpu(panel.open), inputs_kwargs={"name": section.pick, "top_n": p.form.top_n, **room},
                                 outputs=outputs, **model))
    moving = {"lesson": section.state, "top_n": p.form.top_n, **room}
    for strip in [section.strip, *wiring.strips.values()]:
        then_view(strip.next.click(gpu(panel.next), inputs_kwargs=moving, outputs=outputs, **model))
        then_view(strip.prev.click(gpu(panel.prev), inputs_kwargs=moving, outputs=outputs, **model))
        strip.leave.click(panel.leave, None, outputs, api_visibility="private", queue=False)
    inputs = {"lesson": section.state, **p.inputs()}
    then_view(loaded.then(gpu(panel.load), inputs_kwargs=inputs, outputs=outputs, **model))
