"""The room votes: phones guess the model's next token, the projector shows the tally (no gradio here).

    rooms = Rooms(max_rooms=32, max_phones=500, idle_seconds=3600)
    room = rooms.open(owner="presenter-session")      # room.code "4827" (say it, type it), room.key: the presenter's
    room.publish(0, "the lecture\\n>be", [Choice(502, "·me", p=0.41, p_draw=0.52), Choice(198, "↵", 0.2, 0.25)])
    room.vote("k3Jd9x…", step=0, token_id=502)          # Voted(token=502, changed=False, seq=1)
    room.vote("k3Jd9x…", step=0, token_id=198)          # changed: still one vote for that phone
    room.tally()                                        # Tally(votes={502: 0, 198: 1}, voters=1, phones=1, …)
    room.reveal()                                       # votes closed; phones see the tally and the model's p
    room.choice()                                       # 198: the most votes (a tie: the one the model ranks higher)
    room.decide(198, by="room")                         # what was taken: "model" (sampled) or "room" (its choice)
    room.publish(1, …)                                  # the next step: the next vote
    rooms.get("4827"), rooms.presenter("4827", key), rooms.close("4827", key)

A **room** is one presenter's live poll; each `publish` opens a **round** (one step's vote). A phone is a
random id its page keeps (localStorage), never an address: a lecture hall shares one NAT, and a phone that
reconnects (another Wi-Fi, a reload) keeps its place and its vote. One vote per phone per round, changeable
until `reveal`; refused (a `RoomError` with a reason) for a stale step, after the reveal, for a token that is
not a candidate, from a phone id of the wrong shape, and from a new phone once the room is full.

Bounded: at most `max_rooms` rooms (a presenter session has one: opening again closes its last), each with at
most `max_phones` phones (a phone unseen for a while and without a vote this round gives its place up); ids,
candidates, their text and the context are cut to fixed sizes (`PHONE_ID`, `MAX_CANDIDATES`, `TEXT_CHARS`,
`CONTEXT_CHARS`), and only this round's and the last round's votes are kept. A room with neither the presenter
nor a vote for `idle_seconds` expires. Everything is guarded by locks: any thread may call anything.

The text given is shown as it is (escaped by the page): mask it first (lecture-safe mode, `Display`).
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from greentext.language.errors import UserError
from greentext.language.i18n import text

MODES = ("will", "should")  # "what will the model pick?" / "what should it pick?"
CODE_DIGITS = 4  # room codes 1000–9999: digits only, said and typed alike in English and Portuguese
PHONE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # what a phone page makes: 16 random bytes, base64url
MAX_CANDIDATES = 20  # candidates per round (the table shows 10 by default)
TEXT_CHARS = 40  # a candidate's text as shown, at most
CONTEXT_CHARS = 400  # the end of the context phones see
SEEN_SECONDS = 20.0  # a phone counts as in the room when seen (a poll or a vote) this recently
FORGET_SECONDS = 120.0  # a full room forgets phones unseen this long and without a vote this round
PHASES = ("waiting", "voting", "revealed")
DECIDERS = ("model", "room", "presenter")  # who took a round's token


class RoomError(UserError):
    """A vote or a room refused; `reason` is its key of i18n.WORDS (`room_unknown`, `room_full`, `rooms_full`,
    `room_stale`, `room_revealed`, `room_not_voting`, `room_bad_token`, `room_bad_phone`, `room_bad_mode`)."""

    @property
    def reason(self) -> str:
        return self.key


@dataclass(frozen=True)
class Choice:
    """A candidate as phones see it: its token id, its text as shown (masked, whitespace visible: `·me`, `↵`),
    and the model's probabilities, shown once the presenter reveals: `p` its own (T = 1), `p_draw` what the
    draw uses (after temperature, top-k and top-p)."""

    id: int
    text: str
    p: float | None = None
    p_draw: float | None = None


@dataclass(frozen=True)
class Voted:
    """An accepted vote: the phone's token now, whether it replaced another, and `seq` (this room's accepted
    votes so far: a tally whose `seq` is at least this one counts it)."""

    token: int
    changed: bool
    seq: int


@dataclass(frozen=True)
class Tally:
    """One round as the projector shows it: votes per candidate (every candidate, in the order given, 0
    included), phones that voted, phones in the room (seen in the last SEEN_SECONDS), the room's choice (None
    without votes) and `seq` (accepted votes so far in the room: it grows with each vote and change)."""

    step: int | None
    round: int
    phase: str
    mode: str
    votes: dict[int, int]
    voters: int
    phones: int
    choice: int | None
    seq: int

    def share(self, token_id: int) -> float:
        """The fraction of this round's voters who chose `token_id` (0 without votes)."""
        return self.votes.get(token_id, 0) / self.voters if self.voters else 0.0


@dataclass
class _Round:
    step: int | None = None
    context: str = ""
    candidates: tuple[Choice, ...] = ()
    mode: str = "will"
    number: int = 0
    votes: dict[str, int] = field(default_factory=dict)  # phone → token id
    counts: dict[int, int] = field(default_factory=dict)  # token id → votes
    chosen: int | None = None
    chosen_by: str | None = None


def choice_of(candidates, counts: dict[int, int]) -> int | None:
    """The room's choice: the candidate with the most votes; a tie goes to the one listed first (the
    candidates come in the model's order, so the tie goes to the token the model ranks higher); None when
    nobody voted."""
    best, most = None, 0
    for c in candidates:
        n = counts.get(c.id, 0)
        if n > most:
            best, most = c.id, n
    return best


def _phone_order(r: _Round, phase: str) -> tuple[Choice, ...]:
    """The candidates in the order phones list them: while the room guesses what the model *will* pick,
    alphabetically (the model's order would tell its answer); else, and once revealed, the model's order."""
    if r.mode == "will" and phase == "voting":
        return tuple(sorted(r.candidates, key=lambda c: (c.text.casefold(), c.id)))
    return r.candidates


def new_code(taken) -> str:
    """A free room code of CODE_DIGITS digits, without a leading zero."""
    low = 10 ** (CODE_DIGITS - 1)
    while True:
        code = str(low + secrets.randbelow(9 * low))
        if code not in taken:
            return code


class Room:
    """One presenter's poll: the round on screen, the phones in the room, their votes. Made by `Rooms.open`."""

    def __init__(self, code: str, key: str, owner: str | None = None, max_phones: int = 500, mode: str = "will",
                 clock=time.monotonic):
        self.code, self.key, self.owner = code, key, owner
        self.max_phones, self.clock = max_phones, clock
        self._lock = threading.Lock()
        self._round = _Round(mode=check_mode(mode))
        self._last: _Round | None = None  # the round before: what it took, each phone's vote in it
        self._phase = "waiting"
        self._seen: dict[str, float] = {}  # phone → last poll or vote
        self._full_since = float("-inf")  # when a full room last looked for phones to forget
        self.version = 1  # grows whenever what phones see changes (a round, a reveal, a decision, the mode)
        self.seq = 0  # accepted votes so far
        self.active = clock()  # last presenter call or vote: the room expires after long without either
        self.closed = False

    # --- the presenter ----------------------------------------------------------------------------------
    def publish(self, step: int, context: str, candidates, mode: str | None = None) -> int:
        """Open the vote on step `step` (0-based): `context` the text so far as shown (masked), `candidates`
        the tokens to choose from as `Choice`s (or (id, text[, p, p_draw]) tuples) in the model's order.
        The same step and context again, nothing taken yet (the presenter moved a slider: new probabilities,
        maybe other candidates) keeps the round, its phase and the votes still on a candidate; anything else
        opens a new round.
        Returns the round's number."""
        shown = tuple(as_choice(c) for c in candidates)[:MAX_CANDIDATES]
        ids = [c.id for c in shown]
        if not shown or len(set(ids)) != len(ids):
            raise ValueError("a round needs candidates, each token once")
        context = str(context)[-CONTEXT_CHARS:]
        mode = check_mode(mode) if mode is not None else None
        with self._lock:
            self._touch()
            now = self._round
            same = self._phase != "waiting" and now.chosen is None and now.step == int(step) and now.context == context
            if same:  # the round goes on (revealed stays revealed): only what changed is new
                keep = set(ids)
                # what phones see of the candidates: their tokens while voting, their probabilities too once revealed
                seen = (lambda cs: tuple(cs)) if self._phase == "revealed" else (lambda cs: [(c.id, c.text) for c in cs])
                if seen(now.candidates) != seen(shown) or (mode and mode != now.mode):
                    self.version += 1
                now.candidates = shown
                now.mode = mode or now.mode
                for phone, token in list(now.votes.items()):
                    if token not in keep:
                        del now.votes[phone]
                now.counts = {i: n for i, n in now.counts.items() if i in keep}
                return now.number
            self._last = now if now.step is not None else self._last
            self._round = _Round(step=int(step), context=context, candidates=shown, mode=mode or now.mode,
                                 number=now.number + 1)
            self._phase = "voting"
            self.version += 1
            return self._round.number

    def reveal(self) -> Tally:
        """Close the vote: phones see the tally and the model's probabilities. Returns the final tally."""
        with self._lock:
            self._touch()
            if self._phase == "voting":
                self._phase = "revealed"
                self.version += 1
            return self._tally()

    def decide(self, token_id: int, by: str = "model") -> None:
        """What the presenter took for this round: `by` "model" (sampled, greedy), "room" (the room's choice) or
        "presenter" (a candidate the presenter picked by hand);
        reveals first if not yet revealed. Phones see it, and in the next round whether they guessed it."""
        if by not in DECIDERS:
            raise ValueError(f"by must be one of {DECIDERS} (got {by!r})")
        with self._lock:
            self._touch()
            if self._round.step is None:
                return
            self._phase = "revealed"
            self._round.chosen, self._round.chosen_by = int(token_id), by
            self.version += 1

    def set_mode(self, mode: str) -> None:
        """"will" (what will the model pick?) or "should" (what should it pick?), for this round and the next."""
        mode = check_mode(mode)
        with self._lock:
            self._touch()
            if mode != self._round.mode:
                self._round.mode = mode
                self.version += 1

    def wait(self) -> None:
        """No vote open (phones say: waiting for the next step), e.g. after an undo or a reset."""
        with self._lock:
            self._touch()
            if self._phase != "waiting":
                self._last = self._round if self._round.step is not None else self._last
                self._round = _Round(mode=self._round.mode, number=self._round.number + 1)
                self._phase = "waiting"
                self.version += 1

    def tally(self) -> Tally:
        """This round's votes, as the projector shows them (also counts as the presenter being there)."""
        with self._lock:
            self._touch()
            return self._tally()

    def choice(self) -> int | None:
        """The room's choice for this round: the most votes, a tie to the candidate the model ranks higher;
        None without votes."""
        with self._lock:
            return choice_of(self._round.candidates, self._round.counts)

    @property
    def phase(self) -> str:
        return self._phase

    # --- the phones -------------------------------------------------------------------------------------
    def vote(self, phone: str, step: int, token_id: int, round: int | None = None) -> Voted:
        """`phone`'s vote on step `step` (and round `round`, when the phone says which): one per phone per
        round, the last one counts, until the reveal. Raises RoomError: room_bad_phone, room_not_voting,
        room_stale (the step, or round, is not the one open), room_revealed, room_bad_token, room_full."""
        check_phone(phone)
        with self._lock:
            now = self._round
            if self._phase == "waiting" or now.step is None:
                raise RoomError("room_not_voting")
            if int(step) != now.step or (round is not None and int(round) != now.number):
                raise RoomError("room_stale", step=int(step) + 1, now=now.step + 1)
            if self._phase == "revealed":
                raise RoomError("room_revealed")
            token_id = int(token_id)
            if all(c.id != token_id for c in now.candidates):
                raise RoomError("room_bad_token")
            t = self.clock()
            if phone not in self._seen and not self._make_place(t):
                raise RoomError("room_full", n=self.max_phones)
            self._seen[phone] = t
            before = now.votes.get(phone)
            if before != token_id:
                if before is not None:
                    now.counts[before] -= 1
                now.votes[phone] = token_id
                now.counts[token_id] = now.counts.get(token_id, 0) + 1
            self.seq += 1
            self.active = t
            return Voted(token_id, before is not None and before != token_id, self.seq)

    def seen(self, phone: str) -> bool:
        """A phone polled: count it as in the room (False when the room is full and it has no place: it still
        sees the room, its vote is refused)."""
        if not PHONE_ID.fullmatch(phone or ""):
            return False
        with self._lock:
            t = self.clock()
            if phone in self._seen or self._make_place(t):
                self._seen[phone] = t
                return True
            return False

    def etag(self, phone: str | None = None) -> str:
        """What this phone's view depends on (the room's version, its own vote): equal tags, equal views."""
        with self._lock:
            return self._tag(self.version, self._round.votes.get(phone) if phone else None)

    def tag_of(self, view: dict) -> str:
        """The ETag of a view `view()` gave (the one `etag` gives while nothing changes)."""
        return self._tag(view["version"], view["vote"])

    def _tag(self, version: int, vote: int | None) -> str:
        return f'"{self.code}.{version}.{"-" if vote is None else vote}"'

    def view(self, phone: str | None = None) -> dict:
        """What a phone shows, as plain data (JSON): the round (step, 0-based; context; candidates; mode), the
        phase, this phone's vote; once revealed, the result (votes per candidate, voters, the room's choice, the
        model's probabilities, what was taken); and the last round as this phone lived it."""
        with self._lock:
            r = self._round
            out = {"code": self.code, "version": self.version, "phase": self._phase, "mode": r.mode,
                   "step": r.step, "round": r.number, "context": r.context,
                   "cut": r.step is not None and len(r.context) >= CONTEXT_CHARS,
                   "candidates": [{"id": c.id, "text": c.text} for c in _phone_order(r, self._phase)],
                   "vote": r.votes.get(phone) if phone else None, "result": None, "last": None}
            if self._phase == "revealed":
                out["result"] = {
                    "votes": {str(c.id): r.counts.get(c.id, 0) for c in r.candidates},
                    "voters": len(r.votes), "choice": choice_of(r.candidates, r.counts),
                    "p": {str(c.id): c.p for c in r.candidates if c.p is not None},
                    "p_draw": {str(c.id): c.p_draw for c in r.candidates if c.p_draw is not None},
                    "chosen": r.chosen, "by": r.chosen_by}
            last = self._last
            if last is not None and last.chosen is not None:
                texts = {c.id: c.text for c in last.candidates}
                yours = last.votes.get(phone) if phone else None
                out["last"] = {"step": last.step, "chosen": last.chosen, "text": texts.get(last.chosen, "?"),
                               "by": last.chosen_by, "vote": yours, "vote_text": texts.get(yours)}
            return out

    # --- inside the lock --------------------------------------------------------------------------------
    def _touch(self) -> None:
        self.active = self.clock()

    def _tally(self) -> Tally:
        r, t = self._round, self.clock()
        phones = sum(1 for seen in self._seen.values() if t - seen <= SEEN_SECONDS)
        return Tally(step=r.step, round=r.number, phase=self._phase, mode=r.mode,
                     votes={c.id: r.counts.get(c.id, 0) for c in r.candidates}, voters=len(r.votes),
                     phones=phones, choice=choice_of(r.candidates, r.counts), seq=self.seq)

    def _make_place(self, t: float) -> bool:
        """Room for one more phone: under the bound, or once phones unseen for FORGET_SECONDS and without a vote
        this round are forgotten."""
        if len(self._seen) < self.max_phones:
            return True
        if t - self._full_since < 1.0:  # looked a moment ago: a crowd of new phones costs one look a second
            return False
        self._full_since = t
        voting = self._round.votes
        for phone, seen in list(self._seen.items()):
            if t - seen > FORGET_SECONDS and phone not in voting:
                del self._seen[phone]
        return len(self._seen) < self.max_phones


class Rooms:
    """The open rooms of one server, bounded: `max_rooms` rooms of `max_phones` phones each, a room expiring
    after `idle_seconds` without its presenter or a vote."""

    def __init__(self, max_rooms: int = 32, max_phones: int = 500, idle_seconds: float = 3600.0,
                 clock=time.monotonic):
        self.max_rooms, self.max_phones, self.idle_seconds = int(max_rooms), int(max_phones), float(idle_seconds)
        self.clock = clock
        self._rooms: dict[str, Room] = {}
        self._owners: dict[str, str] = {}  # presenter session → its room's code
        self._lock = threading.Lock()
        self._swept = clock()

    def open(self, owner: str | None = None, mode: str = "will") -> Room:
        """A new room (a fresh code and presenter key). `owner` (the presenter's session): its previous room,
        if any, is closed, so a presenter holds one room. RoomError rooms_full when `max_rooms` are open."""
        check_mode(mode)
        with self._lock:
            self._sweep(force=True)
            if owner is not None and owner in self._owners:
                self._drop(self._owners[owner])
            if len(self._rooms) >= self.max_rooms:
                raise RoomError("rooms_full", n=self.max_rooms)
            room = Room(new_code(self._rooms), secrets.token_urlsafe(16), owner, self.max_phones, mode, self.clock)
            self._rooms[room.code] = room
            if owner is not None:
                self._owners[owner] = room.code
            return room

    def get(self, code: str) -> Room:
        """The open room of this code; RoomError room_unknown (never opened, closed or expired)."""
        with self._lock:
            self._sweep()
            room = self._rooms.get(str(code or "").strip())
        if room is None:
            raise RoomError("room_unknown")
        return room

    def has(self, code: str) -> bool:
        """Whether a room of this code is open (without sweeping the expired ones)."""
        with self._lock:
            return str(code) in self._rooms

    def presenter(self, code: str, key: str) -> Room:
        """The room, for its presenter only (`key`: the one `open` gave); RoomError room_unknown otherwise."""
        room = self.get(code)
        if not secrets.compare_digest(str(key or ""), room.key):
            raise RoomError("room_unknown")
        return room

    def close(self, code: str, key: str) -> None:
        """The presenter ends the room: its phones are told it is gone."""
        room = self.presenter(code, key)
        with self._lock:
            self._drop(room.code)

    def __len__(self) -> int:
        with self._lock:
            self._sweep(force=True)
            return len(self._rooms)

    def _drop(self, code: str) -> None:
        room = self._rooms.pop(code, None)
        if room is not None:
            room.closed = True
            if room.owner is not None and self._owners.get(room.owner) == code:
                del self._owners[room.owner]

    def _sweep(self, force: bool = False) -> None:
        """Drop expired rooms (at most once a second unless `force`)."""
        now = self.clock()
        if not force and now - self._swept < 1.0:
            return
        self._swept = now
        for code, room in list(self._rooms.items()):
            if now - room.active > self.idle_seconds:
                self._drop(code)


def as_choice(c) -> Choice:
    if isinstance(c, Choice):
        choice = c
    else:
        choice = Choice(*c)
    text = str(choice.text)
    text = text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"
    p = None if choice.p is None else float(choice.p)
    p_draw = None if choice.p_draw is None else float(choice.p_draw)
    return Choice(int(choice.id), text, p, p_draw)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise RoomError("room_bad_mode", mode=str(mode)[:20])
    return mode


def check_phone(phone) -> str:
    if not isinstance(phone, str) or not PHONE_ID.fullmatch(phone):
        raise RoomError("room_bad_phone")
    return phone


def panel_html(code: str, url: str, qr_uri: str, counts: Tally | None = None, lang: str = "en",
               note: str | None = None) -> str:
    """The room on the projector: its QR code, the link, the code in big digits, phones and votes (classes
    room-*, greentext/static/room_panel.css), in `lang`; `note`: a line about the address (as Share says it)."""
    esc = lambda value: html.escape(str(value), quote=True)  # noqa: E731
    line = text("room_counts", lang, phones=counts.phones, voters=counts.voters) if counts else ""
    note_html = f'<div class="room-note">{esc(note)}</div>' if note else ""
    return (f'<div class="room-panel"><img class="room-qr" src="{esc(qr_uri)}" alt="{esc(text("room_qr_alt", lang))}">'
            f'<div class="room-facts"><div class="room-scan">{esc(text("room_scan", lang, code=code))}</div>'
            f'<div class="room-code">{esc(code)}</div><div class="room-url"><code>{esc(url)}</code></div>'
            f'<div class="room-counts">{esc(line)}</div>{note_html}</div></div>')
