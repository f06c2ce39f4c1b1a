"""The room votes on the server: the phone page's plain HTTP routes, and the calls the Probabilities tab makes.

Phones do not load gradio's page (about 2 MB of JS) to vote: `/room/<CODE>` is one small HTML page with its
CSS and JS inline (greentext/static/room.*; about 4 KB over the wire, nothing external), beside the gradio
app on the same server and port:

    GET  /room                   the page asking for a code
    GET  /room/<CODE>            the page of a room (its language from the browser's Accept-Language)
    GET  /room/<CODE>/state      ?phone=ID → the room as JSON (`Room.view`), with an ETag: a poll that sends
                                 it back (If-None-Match) while nothing changed gets 304 and no body
    POST /room/<CODE>/vote       {"phone", "step", "round", "token"} (application/json) → {"vote", "changed",
                                 "seq"}; refused: 400/403/404/409 {"error": reason, "message"}, 429 + Retry-After

The routes are plain FastAPI routes handed to gradio's app as it is made (`launch(app_kwargs=app_kwargs())`:
`cli.launch_kwargs` does it, so `python app.py` and the tests' launches have them); each finds its app's
rooms through the request (`request.app` is gradio's app, its Blocks' `greentext` the handlers' `App`).

The presenter's side, for the Probabilities tab (plain functions of the tab's `App`; `handle` is plain data
for the presenter's gr.State). The intended wiring, in the tab's handlers:

    opened = room.open_room(app, page_url, request)         # Opened: code, url (the audience's), qr (data URI)
    state = opened.handle                                   # {"code", "key", "url", "qr", …}: a gr.State
    panel = room.panel_html(opened, room.tally(app, state), page)   # the code, QR and counts for the projector
    room.publish(app, state, walk_step)                     # each upcoming step (masked here): the next vote
    t = room.tally(app, state)                              # on a gr.Timer(1): t.votes[token_id], t.voters,
                                                            # t.phones → the table's column "the room"
    room.reveal(app, state)                                 # votes closed; phones see the result
    token = room.choice(app, state)                         # "Take the room's choice" (None: no votes):
    step = walk.pick(token_id=token); room.decide(app, state, token, "room")
    step = walk.sample(); room.decide(app, state, step.chosen.id, "model")   # or the model picks
    room.close(app, state)

Each raises `RoomError` (a `UserError`: `with app.errors(page):` makes it a message in the page's language),
e.g. room_unknown once the room expired.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import threading
import weakref
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

import gradio as gr

from greentext.decode.limits import RateLimited, RateLimiter
from greentext.decode.steps import Step
from greentext.language import i18n
from greentext.model.tokens import visible
from greentext.paths import static_text
from greentext.present import share
from greentext.present.room import (CODE_DIGITS, PHONE_ID, Choice, RoomError, Rooms, Tally, check_mode, check_phone,
                                    panel_html as _panel_html)
from greentext.ui.context import App, lang

PAGE = static_text("room.html")
PAGE_CSS = static_text("room.css")
PAGE_JS = static_text("room.js")
POLL_MS = 1000  # how often a phone asks for the room's state (an unchanged room: 304, no body)
BODY_BYTES = 1024  # a vote is about 100 bytes
TOP_N = 10  # candidates a round offers by default (the table's default too)
# the words the phone page shows (the refusals come with their message)
PAGE_WORDS = ("room_will", "room_should", "room_tap", "room_step", "room_waiting", "room_your_vote", "room_sending",
              "room_closed_votes", "room_votes_one", "room_votes_many", "room_model_p", "room_draw_p", "room_choice",
              "room_picked_model", "room_picked_room", "room_picked_presenter", "room_by_model", "room_by_room",
              "room_by_presenter", "room_last_right", "room_last_wrong", "room_last",
              "room_offline", "room_code", "room_join", "room_join_help", "room_title", "room_unknown")
STATUS = {"room_unknown": 404, "room_full": 403, "room_stale": 409, "room_revealed": 409, "room_not_voting": 409,
          "room_bad_token": 400, "room_bad_phone": 400, "room_bad_mode": 400}
NO_CACHE = {"Cache-Control": "no-cache"}


class RoomServer:
    """One app's rooms (`Rooms`, sized by its Config) and the votes' rate limits: per phone, and per client
    address and room (a hall's phones share one address: that one bounds a flood)."""

    def __init__(self, app: App):
        config = app.config
        self.app = app
        self.rooms = Rooms(config.rooms, config.room_phones, config.room_idle)
        self.per_phone = RateLimiter(*config.room_rate) if config.room_rate else None
        self.per_client = RateLimiter(*config.room_rate_client) if config.room_rate_client else None
        self.slides: dict[str, Slide] = {}  # room code → the slide last shown with it (`remember`)

    def remember(self, code: str, upcoming, done, page: str) -> None:
        """The slide last shown with room `code` (its upcoming and last steps as shown, the page's language),
        for the projector's tally to redraw each second without the walk; forgotten with the room."""
        with _SERVERS_LOCK:
            self.slides[code] = Slide(upcoming, done, page)
            for gone in [c for c in self.slides if c != code and not self.rooms.has(c)]:
                del self.slides[gone]

    def slide(self, code: str) -> "Slide | None":
        with _SERVERS_LOCK:
            return self.slides.get(code)

    def forget(self, code: str) -> None:
        with _SERVERS_LOCK:
            self.slides.pop(code, None)

    def check_rate(self, code: str, phone: str, address: str) -> None:
        """Count one vote; RateLimited when this phone, or this address in this room, is over its limit."""
        if self.per_phone is not None:
            self.per_phone.check(f"{code}|{phone}")
        if self.per_client is not None:
            self.per_client.check(f"{code}|{address}")


@dataclass
class Slide:
    """What the projector shows with a room: the upcoming step (None at the end) and the last one, as shown
    (masked), in the presenter's language; `sent` is what the tally last drew (`Tally.seq`, phones, phase…)."""

    upcoming: Step | None
    done: Step | None
    page: str
    sent: tuple | None = None


_SERVERS: "weakref.WeakKeyDictionary[App, RoomServer]" = weakref.WeakKeyDictionary()
_SERVERS_LOCK = threading.Lock()


def server(app: App) -> RoomServer:
    """The rooms of this app (made on first use)."""
    with _SERVERS_LOCK:
        found = _SERVERS.get(app)
        if found is None:
            found = _SERVERS[app] = RoomServer(app)
        return found


# ---- the presenter (the Probabilities tab) -------------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """A room just opened: its code, the presenter's key, the link phones open (as the audience can reach it),
    its QR code (an SVG data URI), and a note about the address (an i18n key of share.audience_url, or None)."""

    code: str
    key: str
    url: str
    qr: str
    note: str | None = None
    reachable: bool = True

    @property
    def handle(self) -> dict:
        """What the presenter's session keeps (a gr.State), plain data: every field (`Opened(**handle)` again)."""
        return dataclasses.asdict(self)


def open_room(app: App, page_url: str | None = None, request: gr.Request | None = None, demo: gr.Blocks | None = None,
              mode: str = "will") -> Opened:
    """Open a room for the presenter of `request` (their session's last room is closed: one each).
    `page_url`: the presenter's page address as the browser has it (the Share panel's hidden box); none: the
    request's Host. `demo`: the launched Blocks (where the server listens, its share link) for the address
    the audience can reach; none: found through the request (`request.app`, also in a queued event), else
    `app.config.host`."""
    rooms = server(app).rooms
    owner = getattr(request, "session_hash", None) if request is not None else None
    room = rooms.open(owner=owner, mode=mode)
    if urlsplit(page_url or "").scheme not in ("http", "https"):
        headers = getattr(request, "headers", None) or {}
        page_url = f"http://{headers.get('host', '127.0.0.1')}/"
    demo = demo if demo is not None else _blocks_of(request)
    bind = getattr(demo, "server_name", None) or app.config.host
    audience = share.audience_url(room_link(page_url, room.code), bind, getattr(demo, "share_url", None))
    code = share.qr(audience.url)  # a room's link is short: never too long for a QR code
    return Opened(room.code, room.key, audience.url, code.uri, audience.note, audience.reachable)


def room_link(page_url: str, code: str) -> str:
    """The phone page's address beside the app's page: http://host:7860/?tab=… → http://host:7860/room/4827."""
    parts = urlsplit(page_url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urljoin(parts._replace(path=path, query="", fragment="").geturl(), f"room/{code}")


def publish(app: App, handle: dict, step: Step, top_n: int = TOP_N, mode: str | None = None) -> int:
    """The upcoming step as the next vote: its context and its first `top_n` candidates (by the model's rank;
    their text as the table shows it, `·` for a space, `↵` a newline), lecture-safe masking applied here (a
    step masked already stays as it is). The same step again (a slider moved) keeps the votes. Returns the
    round's number."""
    shown = app.display.step(step)
    choices = [Choice(c.id, c.token, c.p_raw, c.p_final) for c in shown.candidates if c.rank <= top_n]
    return _room(app, handle).publish(shown.index, shown.context, choices, mode)


def publish_choices(app: App, handle: dict, step: int, context: str, choices, mode: str | None = None) -> int:
    """`publish` from plain data: `choices` as (token id, raw text[, p, p_draw]) in the model's order; the text
    is masked (each word on its own) and drawn visible here."""
    room = _room(app, handle)
    cands = []
    for c in choices:
        token_id, raw, *ps = c
        cands.append(Choice(int(token_id), visible(app.display.text(str(raw))), *ps))
    return room.publish(step, app.display.text(str(context)), cands, mode)


def tally(app: App, handle: dict) -> Tally:
    """This round's votes (`Tally`): `votes[token_id]`, `share(token_id)`, `voters`, `phones`, `choice`."""
    return _room(app, handle).tally()


def reveal(app: App, handle: dict) -> Tally:
    """Close the votes: phones see the room's tally and the model's probabilities. The final tally."""
    return _room(app, handle).reveal()


def choice(app: App, handle: dict) -> int | None:
    """The room's choice (a token id; a tie: the candidate the model ranks higher; None: no votes)."""
    return _room(app, handle).choice()


def decide(app: App, handle: dict, token_id: int, by: str = "model") -> None:
    """What the presenter took: `by` "model" (sampled or greedy) or "room" (the room's choice)."""
    _room(app, handle).decide(token_id, by)


def set_mode(app: App, handle: dict, mode: str) -> None:
    """"will" (what will the model pick?) or "should" (what should it pick?)."""
    _room(app, handle).set_mode(check_mode(mode))


def wait(app: App, handle: dict) -> None:
    """No vote open (after a reset or an undo): phones wait for the next step."""
    _room(app, handle).wait()


def close(app: App, handle: dict) -> None:
    code, key = _code_key(handle)
    server(app).rooms.close(code, key)
    server(app).forget(code)


def panel_html(opened: Opened | dict, counts: Tally | None = None, page: str = "en") -> str:
    """The room on the projector: the QR code, the link, the code in big digits and the counts (phones,
    votes), in the page's language (classes room-*; static/room_panel.css). `opened`: `open_room`'s, or its
    `handle`."""
    opened = opened if isinstance(opened, Opened) else Opened(**opened)
    return _panel_html(opened.code, opened.url, opened.qr, counts, page,
                       None if opened.note is None else i18n.text(opened.note, page))


def _room(app: App, handle: dict):
    return server(app).rooms.presenter(*_code_key(handle))


def _code_key(handle: dict) -> tuple[str, str]:
    handle = handle or {}
    return str(handle.get("code", "")), str(handle.get("key", ""))


def _blocks_of(request) -> gr.Blocks | None:
    try:
        return request.app.get_blocks()
    except Exception:  # noqa: BLE001 - a request without its app (a queued event's copy, a test's stand-in)
        return None


# ---- the phones' routes ---------------------------------------------------------------------------------
def app_kwargs() -> dict:
    """`launch(app_kwargs=…)`: the phone page's routes, made with gradio's own FastAPI app."""
    return {"routes": routes()}


def routes() -> list:
    """The room routes (FastAPI's), before gradio's own."""
    router = APIRouter()
    router.add_api_route("/room", join_page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/room/{code}", room_page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/room/{code}/state", room_state, methods=["GET"], include_in_schema=False)
    router.add_api_route("/room/{code}/vote", room_vote, methods=["POST"], include_in_schema=False)
    return list(router.routes)


def _server_of(request: Request) -> RoomServer | None:
    try:
        app = request.app.get_blocks().greentext
    except Exception:  # noqa: BLE001 - a gradio app not built by build_app: no rooms
        return None
    return server(app) if isinstance(app, App) else None


def page_html(page: str) -> str:
    """The phone page in `page`'s language (the same for every room: the code is read from its address)."""
    data = {"lang": page, "poll": POLL_MS, "words": {key: i18n.TABLES[page][key] for key in PAGE_WORDS}}
    script_safe = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")
    return (PAGE.replace("__LANG__", "pt-BR" if page == "pt" else "en").replace("__CSS__", PAGE_CSS)
            .replace("__DATA__", script_safe).replace("__JS__", PAGE_JS))


@functools.cache
def page_bytes(page: str) -> dict[str, bytes]:
    """The page's bytes in `page`'s language, plain and compressed (made once: 300 phones opening it cost no
    compression): {"": plain, "br": brotli (when the module is there, as gradio brings it), "gzip": gzip}."""
    plain = page_html(page).encode("utf-8")
    out = {"": plain, "gzip": gzip.compress(plain, 9, mtime=0)}
    try:
        import brotli

        out["br"] = brotli.compress(plain, quality=11)
    except ImportError:  # pragma: no cover - gradio depends on it
        pass
    return out


def _page_response(request: Request, status: int = 200) -> Response:
    page = lang(request)
    bodies = page_bytes(page)
    tag = f'"room-{page}-{len(bodies[""])}-{zlib.crc32(bodies[""]):08x}"'
    headers = {**NO_CACHE, "ETag": tag, "Vary": "Accept-Encoding, Accept-Language",
               "Content-Language": "pt-BR" if page == "pt" else "en"}
    if status == 200 and request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    accepted = request.headers.get("accept-encoding", "")
    encoding = next((e for e in ("br", "gzip") if e in accepted and e in bodies), "")
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(bodies[encoding], status_code=status, media_type="text/html; charset=utf-8", headers=headers)


async def join_page(request: Request) -> Response:
    return _page_response(request)


async def room_page(request: Request, code: str) -> Response:
    """The page; an address that cannot be a room's says so (404), with the box for a code."""
    return _page_response(request, 200 if _valid(code) else 404)


def _valid(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isdigit() and code.isascii()


def _refused(err: Exception, page: str, status: int, headers: dict | None = None) -> Response:
    reason = getattr(err, "reason", "room_unknown")
    message = err.message(page) if isinstance(err, RoomError) else str(err)
    body = json.dumps({"error": reason, "message": message}, ensure_ascii=False)
    return Response(body, status_code=status, media_type="application/json", headers={**NO_CACHE, **(headers or {})})


async def room_state(request: Request, code: str, phone: str = "") -> Response:
    page = lang(request)
    rooms = _server_of(request)
    try:
        if rooms is None or not _valid(code):
            raise RoomError("room_unknown")
        room = rooms.rooms.get(code)
    except RoomError as err:
        return _refused(err, page, 404)
    phone = phone if PHONE_ID.fullmatch(phone or "") else ""
    if phone:
        room.seen(phone)  # counted as in the room (while there is room)
    tag = room.etag(phone or None)
    headers = {**NO_CACHE, "ETag": tag}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    view = room.view(phone or None)
    headers["ETag"] = room.tag_of(view)  # the view itself (a vote may have come between the two)
    return Response(json.dumps(view, ensure_ascii=False, separators=(",", ":")), media_type="application/json",
                    headers=headers)


async def room_vote(request: Request, code: str) -> Response:
    page = lang(request)
    rooms = _server_of(request)
    if rooms is None or not _valid(code):
        return _refused(RoomError("room_unknown"), page, 404)
    if not request.headers.get("content-type", "").startswith("application/json"):
        return Response(status_code=415)  # a JSON body only: another site's form cannot post a vote
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_BYTES:
            return Response(status_code=413)
    try:
        sent = json.loads(body or b"{}")
        phone, step, token = sent["phone"], int(sent["step"]), int(sent["token"])
        round_ = None if sent.get("round") is None else int(sent["round"])
    except (ValueError, KeyError, TypeError):
        return _refused(RoomError("room_bad_token"), page, 400)
    try:
        room = rooms.rooms.get(code)
        check_phone(phone)
        client = getattr(request, "client", None)
        rooms.check_rate(code, phone, getattr(client, "host", None) or "?")
        voted = room.vote(phone, step, token, round_)
    except RoomError as err:
        return _refused(err, page, STATUS.get(err.reason, 400))
    except RateLimited as err:
        wait = max(1, round(err.retry_after))
        slow = RoomError("room_slow_down", wait=wait)
        return _refused(slow, page, 429, {"Retry-After": str(wait)})
    return Response(json.dumps({"vote": voted.token, "changed": voted.changed, "seq": voted.seq}),
                    media_type="application/json", headers=NO_CACHE)
