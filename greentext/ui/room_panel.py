"""The room on the Probabilities tab: the presenter opens a room, the projector shows its code, QR code and live
tally, the presenter reveals the votes, then steps (the model picks) or takes the room's choice.

The phones' side and the room's calls are ui/room.py; the room itself is present/room.py. Here:

- the room's handle (plain data: code, presenter's key, link, QR) is a gr.State beside the walk's; every step
  handler of the tab gets it (`room=`) and calls `RoomPanel.follow` as it draws the slide: what the step took
  is told to the room (by the model, the presenter, or the room), the upcoming step is published as the next
  vote, and the table gets the room's column (while the room guesses what the model *will* pick, the model's
  numbers stay hidden until the reveal: `views.slide_html`);
- a 1 s timer (`tick`) redraws the tally and the counts when they changed, from the slide the last step left
  (`RoomServer.remember`): no model run, no walk taken;
- Reveal (key V) closes the votes; Take the room's choice (key C) is a presenter pick of the room's token,
  recorded as such in the walk and told to the phones.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from greentext.decode.steps import Step
from greentext.present import charts
from greentext.language import i18n
from greentext.present import html as views
from greentext.present.room import RoomError, Tally
from greentext.ui import room as rooms
from greentext.ui.context import I18N, App, lang
from greentext.ui.form import Values

# The Open button's JavaScript: the page's own address, for the phones' link (as the Share button does).
PAGE_URL_JS = "() => window.location.href"
TICK_SECONDS = 1.0  # how often the projector's tally may change
BY = {"pick": "presenter", "take": "room"}  # who took a step, by the button's name (else: the model)


@dataclass(eq=False)
class RoomControls:
    """The room's components: the opener (in the tab's controls) and the panel on the slide's side."""

    handle: gr.State  # the open room (`Opened.handle`), None without one
    should: gr.Checkbox  # the question: "what should it pick?" (else "what will it pick?")
    open: gr.Button
    page_url: gr.Textbox  # hidden: the page's address, filled by PAGE_URL_JS
    panel: gr.HTML  # the QR code, the link, the code, the counts
    reveal: gr.Button
    take: gr.Button
    close: gr.Button
    keys: gr.Markdown
    timer: gr.Timer

    @property
    def live(self) -> list:
        """What opening and closing show or hide: the panel's buttons and key hint."""
        return [self.reveal, self.take, self.close, self.keys]

    def ticked(self, table: gr.HTML) -> list:
        """What the timer writes (`RoomPanel.tick`): the handle, the panel, the slide's table, `live`, itself."""
        return [self.handle, self.panel, table, *self.live, self.timer]


def opener() -> tuple[gr.Checkbox, gr.Button, gr.Textbox]:
    """The room's opener, for the tab's controls (they fold away in presentation mode)."""
    with gr.Row(elem_id="p-room-open-row"):
        should = gr.Checkbox(label=I18N("room_should_mode"), value=False, elem_id="p-room-should")
        open_button = gr.Button(I18N("room_open"), elem_id="p-room-open", scale=0, min_width=240)
    page_url = gr.Textbox(visible=False)
    return should, open_button, page_url


def section(should: gr.Checkbox, open_button: gr.Button, page_url: gr.Textbox) -> RoomControls:
    """The room's panel on the slide's side (seen in presentation mode too): empty until a room opens."""
    handle = gr.State(None)
    panel = gr.HTML("", elem_id="p-room-panel", padding=False)
    with gr.Row(elem_id="p-room-buttons"):
        reveal = gr.Button(I18N("room_reveal"), visible=False, size="sm", elem_id="p-room-reveal")
        take = gr.Button(I18N("room_take"), visible=False, size="sm", elem_id="p-room-take")
        close = gr.Button(I18N("room_close"), visible=False, size="sm", variant="stop", elem_id="p-room-close")
    keys = gr.Markdown(I18N("room_keys"), visible=False, elem_id="p-room-keys")
    timer = gr.Timer(TICK_SECONDS, active=False)
    return RoomControls(handle, should, open_button, page_url, panel, reveal, take, close, keys, timer)


def said_gone(handle: dict, page: str) -> None:
    """The presenter told, in the page's language, that the room closed (expired, or closed elsewhere)."""
    gr.Warning(html.escape(i18n.text("room_gone", page, code=handle.get("code", "?")), quote=False))


def signature(t: Tally) -> tuple:
    """What the projector shows of a tally: redrawn only when this changes."""
    return t.round, t.phase, t.mode, t.seq, t.voters, t.phones


class RoomPanel:
    """The presenter's room handlers; `tab` is the Probabilities tab's handlers (`ProbabilitiesTab`)."""

    def __init__(self, tab):
        self.tab = tab
        self.app: App = tab.app

    # --- drawn with every step ---------------------------------------------------------------------------
    def follow(self, handle: dict, upcoming: Step | None, done: Step | None, page: str, reveal: bool,
               took: Step | None = None, by: str = "model") -> tuple[str, bool]:
        """(the slide with the room (`handle`), whether it hides the model's numbers): `took` (the step the last
        move took first, if any) decided `by` whom, the upcoming step published as the next vote (none: the
        phones wait), the table with the room's column. A room gone (expired, closed elsewhere) is said once,
        and the slide drawn without it."""
        app = self.app
        try:
            if took is not None and took.chosen is not None:
                rooms.decide(app, handle, took.chosen.id, by)
            if upcoming is not None:
                rooms.publish(app, handle, upcoming)
            else:
                rooms.wait(app, handle)
            t = rooms.tally(app, handle)
        except RoomError:
            said_gone(handle, page)
            return views.slide_html(upcoming, done, page, reveal), False
        rooms.server(app).remember(handle["code"], upcoming, done, page)  # the next tick redraws the panel too
        shown = t if upcoming is not None else None
        return views.slide_html(upcoming, done, page, reveal, room=shown), views.hides_model(shown)

    # --- the buttons ---------------------------------------------------------------------------------
    def open(self, handle: dict | None, should: bool, page_url: str, request: gr.Request = None) -> tuple:
        """Open a room (closing this presenter's last): (its handle, the panel, the buttons shown, the timer on).
        The step shown after it (`tab.show`) publishes the first vote."""
        page = lang(request)
        with self.app.errors(page):
            if handle:
                self._close_quietly(handle)
            opened = rooms.open_room(self.app, page_url, request, mode="should" if should else "will")
        return (opened.handle, rooms.panel_html(opened, None, page), *self._shown(True),
                gr.Timer(active=True))

    def close(self, handle: dict | None, request: gr.Request = None) -> tuple:
        """Close the room: the panel and its buttons go, the timer stops; the step shown after it has no room."""
        if handle:
            self._close_quietly(handle)
        return (None, "", *self._shown(False), gr.Timer(active=False))

    def reveal(self, handle: dict | None, request: gr.Request = None) -> tuple:
        """Close the votes: the phones see the result, the table the model's numbers beside the room's."""
        page = lang(request)
        if not handle:
            return gr.skip(), gr.skip(), gr.skip()
        try:
            t = rooms.reveal(self.app, handle)
        except RoomError:
            return (*self._gone(handle, page)[1:3], gr.skip())
        return self._drawn(handle, t, page, chart=True)

    def take(self, state, prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n, room=None,
             request: gr.Request = None):
        """Take the room's choice: the walk's next token is the room's (a presenter pick, recorded as such),
        the phones are told; a message when nobody voted yet."""
        page = lang(request)
        if not room:
            return gr.skip()
        try:
            token = rooms.choice(self.app, room)
        except RoomError:
            said_gone(room, page)
            return gr.skip()
        if token is None:
            gr.Warning(html.escape(i18n.text("room_no_votes", page), quote=False))
            return gr.skip()
        values = Values(prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n)
        return self.tab.act(lambda walk: walk.pick(token_id=token), state, values, request, room=room, by="room")

    def mode(self, handle: dict | None, should: bool, request: gr.Request = None) -> tuple:
        """The question changed: the phones ask it, the table hides or shows the model's numbers."""
        page = lang(request)
        if not handle:
            return gr.skip(), gr.skip(), gr.skip()
        try:
            rooms.set_mode(self.app, handle, "should" if should else "will")
            t = rooms.tally(self.app, handle)
        except RoomError:
            return (*self._gone(handle, page)[1:3], gr.skip())
        return self._drawn(handle, t, page, chart=True)

    def tick(self, handle: dict | None, request: gr.Request = None) -> tuple:
        """Each second while a room is open: (handle, panel, table, buttons…, timer), each skipped while the
        tally is what the projector shows already; a room gone is said, and the panel closes."""
        page = lang(request)
        skip = tuple(gr.skip() for _ in range(8))
        if not handle:
            return (gr.skip(), gr.skip(), gr.skip(), *self._shown(False), gr.Timer(active=False))
        try:
            t = rooms.tally(self.app, handle)
        except RoomError:
            return self._gone(handle, page)
        slide = rooms.server(self.app).slide(handle["code"])
        if slide is not None and slide.sent == signature(t):
            return skip
        panel, table = self._drawn(handle, t, page)
        return (gr.skip(), panel, table, *(gr.skip() for _ in range(5)))

    # --- helpers -----------------------------------------------------------------------------------
    def _drawn(self, handle: dict, t: Tally, page: str, chart: bool = False) -> tuple:
        """(panel with the counts, the table redrawn with the tally[, the chart: none while it would tell the
        room the model's answer]) from the slide the last step left."""
        slide = rooms.server(self.app).slide(handle["code"])
        panel = rooms.panel_html(handle, t, page)
        if slide is None:
            return (panel, gr.skip(), gr.skip()) if chart else (panel, gr.skip())
        slide.sent = signature(t)
        shown = t if slide.upcoming is not None else None
        table = views.slide_html(slide.upcoming, slide.done, slide.page, False, room=shown)
        if not chart:
            return panel, table
        main = slide.upcoming or slide.done
        return panel, table, None if views.hides_model(shown) else charts.step_figure(main, slide.page)

    def _gone(self, handle: dict, page: str) -> tuple:
        said_gone(handle, page)
        rooms.server(self.app).forget(handle.get("code", ""))
        return (None, "", gr.skip(), *self._shown(False), gr.Timer(active=False))

    def _close_quietly(self, handle: dict) -> None:
        try:
            rooms.close(self.app, handle)
        except RoomError:  # expired already
            rooms.server(self.app).forget(handle.get("code", ""))

    @staticmethod
    def _shown(shown: bool) -> tuple:
        return tuple(gr.update(visible=shown) for _ in range(4))
