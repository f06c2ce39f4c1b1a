"""The presenter's walk as one link parameter, `walk=`: the audience's phones replay exactly the steps on the
projector (no gradio).

    raw = encode(walk.state(), settings)     # "v1~T0.8s12p32554s7T1.2s15p29795s4~4b5309": 40 steps, T 1.2 now
    state = decode(raw, shared, vocab_size)  # the walk's state (plain data) to replay; BadWalk says why not
    walk = replay(engine, state)             # the same walk: the same tokens and every step's table

Format v1 (`v1~MOVES~CHECK`): letters, digits, `.`, `~` (and `-` in an exponent, top-p 1e-05), all of which a
URL carries as they are: no %-escapes, so every character of the link is one in the QR code.

- MOVES, one after another, each a letter and its number (`s`, `g` without one: 1):
  `sN` N steps drawn by the settings and the seed (Next step, Run N steps), `gN` N greedy steps,
  `pID` the presenter's pick of token ID, and `Tx` `Kx` `Px`: temperature, top-k, top-p from the next step on
  (a change of settings mid-walk). The walk starts with the link's own temperature, top-k and top-p (the
  settings of the step to come, as the presenter's form has them); each change is written just before the
  first step it applies to, so a walk made with one setting throughout has none. First, when the walk lists
  other than 10 candidates per step, `nN` (the tables show N rows, as on the projector).
- CHECK: six hex digits of BLAKE2b over the walk's token ids. A server whose model writes other tokens for these
  moves (a retrained or another checkpoint) says so, instead of showing the audience another story.

Why replaying these moves is exact. `Walk` draws from its seeded generator once per sampled step (one
`torch.multinomial` over that step's distribution); a greedy or picked step draws nothing. The replay makes the
same kinds of step in the same order with the same settings from the same seed, so every draw sees the
generator where the presenter's did, and the same distribution: the same token, step by step. A pick is
written as the token's id, not its rank: the id is what the walk records and replays as it is (`Walk.pick`
turns a rank into an id once), whereas a rank would be worked out again from the logits, silently picking
another token should the model differ; and a pick by id is never longer than five digits.

Undo is not written: the link carries the path the walk is on. `Walk.undo` restarts the generator and
replays the history without its last step, so after an undo the walk (its tokens, the generator's position,
every step's table, the step to come) is exactly the walk that never took that step, which is what the
projector shows: an undone step is in no table, story or download there, and the phones replay the same.

The whole link must fit a QR code that scans from the back of a room: `LINK_MAX` characters (a version-10 code,
57 × 57 squares, the largest below share.DENSE_VERSION), far under browsers' URL limits (2,000 characters at the
least). A longer link leaves the walk out (the Share panel says so, naming the limit).
"""

from __future__ import annotations

import hashlib
import re

from greentext.decode.settings import TOP_N_MAX, InvalidSetting, SamplingSettings
from greentext.decode.walk import Walk, WalkFinished
from greentext.language.errors import UserError
from greentext.language.i18n import text
from greentext.present import share

VERSION = 1
DEFAULT_TOP_N = 10  # the Probabilities tab's default candidates per step: not written
LINK_MAX = 271  # characters of a whole link with a walk: a version-10 QR code (57 × 57, error correction L)
RAW_MAX = 2_000  # a longer walk= is refused unread
CHECK = "check"  # the state's key for the link's check, until the walk is replayed and checked
_HEAD = re.compile(r"v(\d{1,6})~")
_MOVE = re.compile(r"([nTKPsgp])(\d{1,12}(?:\.\d{1,30})?(?:e-?\d{1,3})?)?")
_TAIL = re.compile(r"[0-9a-f]{6}")
_KINDS = {"sampled": "s", "greedy": "g"}
_HOW = {"s": "sampled", "g": "greedy"}


class BadWalk(UserError):
    """A link's `walk` that cannot be replayed: `reason` (a key of i18n.WORDS) says why, in the page's language,
    inside one sentence that names the parameter and says that the rest of the link is used."""

    def __init__(self, reason: str, **values):
        self.reason = reason
        super().__init__(reason, **values)

    def message(self, lang: str = "en") -> str:
        values = dict(self.values)
        if self.reason == "walk_link_value":
            values["allowed"] = share.allowed(values["name"], lang)
        return text("link_walk_refused", lang, why=text(self.reason, lang, **values))


def check(ids) -> str:
    """Six hex digits that the walk's token ids give (BLAKE2b, 24 bits)."""
    return hashlib.blake2b(" ".join(str(int(i)) for i in ids).encode(), digest_size=3).hexdigest()


def encode(state: dict, settings: SamplingSettings) -> str:
    """The walk of `state` (`Walk.state()`) as `walk=`'s value, against `settings`: the link's temperature, top-k
    and top-p (the walk's settings for the step to come)."""
    now = (settings.temperature, settings.top_k, settings.top_p)
    moves = [] if state["top_n"] == DEFAULT_TOP_N else [f"n{int(state['top_n'])}"]
    run = ["", 0]  # a run of sampled or greedy steps: its letter and length

    def flush():
        if run[1]:
            moves.append(run[0] + (str(run[1]) if run[1] > 1 else ""))
        run[:] = ["", 0]

    for how, token_id, *tuned in state["history"]:
        tuned = tuple(tuned) if tuned else now
        if tuned != now:
            flush()
            for letter, was, new in zip("TKP", now, tuned):
                if was != new:
                    moves.append(letter + (str(int(new)) if letter == "K" else share.plain(new)))
            now = tuned
        if how == "picked":
            flush()
            moves.append(f"p{int(token_id)}")
        elif run[0] == _KINDS[how]:
            run[1] += 1
        else:
            flush()
            run[:] = [_KINDS[how], 1]
    flush()
    sign = state.get(CHECK) or check(h[1] for h in state["history"])  # a link's walk not replayed yet: its own
    return f"v{VERSION}~{''.join(moves)}~{sign}"


def decode(raw: str, shared: share.Shared, vocab_size: int) -> dict:
    """The walk that `raw` (a link's `walk`) describes, as a walk's state (plain data, `Walk.from_state`'s) with
    the link's prompt, max_new_tokens, seed and settings (`shared`) and the link's check under CHECK: a sampled
    step's token is None (drawn again by the replay, `replay`). Everything is checked: the format, the version,
    each setting (as `SamplingSettings` checks it), each picked token against the vocabulary, the number of steps
    against max_new_tokens; BadWalk says what is wrong."""
    raw = (raw or "").strip()
    if len(raw) > RAW_MAX:
        raise BadWalk("walk_link_long", n=len(raw), max=RAW_MAX)
    needs = [name for name in ("prompt", "temperature", "top_k", "top_p", "max_new_tokens", "seed")
             if getattr(shared, name) is None]
    if needs:
        raise BadWalk("walk_link_needs", names=", ".join(needs))
    head = _HEAD.match(raw)
    if head is None:
        version = re.match(r"v(\d+)", raw)
        if version and int(version.group(1)) != VERSION:
            raise BadWalk("walk_link_version", version=f"v{version.group(1)}", known=f"v{VERSION}")
        raise BadWalk("walk_link_format", at=1 if not version else version.end() + 1)
    if int(head.group(1)) != VERSION:
        raise BadWalk("walk_link_version", version=f"v{head.group(1)}", known=f"v{VERSION}")
    end = raw.rfind("~")
    if end < head.end() or not _TAIL.fullmatch(raw, end + 1):
        raise BadWalk("walk_link_format", at=len(raw) if end < head.end() else end + 2)
    settings = SamplingSettings(shared.temperature, shared.top_k, shared.top_p, shared.max_new_tokens, shared.seed)
    now = [settings.temperature, settings.top_k, settings.top_p]
    top_n, history = DEFAULT_TOP_N, []
    at = head.end()
    while at < end:
        move = _MOVE.match(raw, at, end)
        if move is None:
            raise BadWalk("walk_link_format", at=at + 1)
        letter, number = move.groups()
        whole = number is not None and number.isdigit()
        if (letter in "nKp" and not whole) or (letter in "sg" and number is not None and not whole) \
                or (letter in "TP" and number is None) or (letter == "n" and at != head.end()):
            raise BadWalk("walk_link_format", at=at + 1)
        step = len(history) + 1
        if letter == "n":
            top_n = int(number)
            if not 1 <= top_n <= TOP_N_MAX:
                raise BadWalk("walk_link_format", at=at + 1)
        elif letter in "TKP":
            name = {"T": "temperature", "K": "top_k", "P": "top_p"}[letter]
            try:
                value = getattr(SamplingSettings(**{name: number}), name)
            except InvalidSetting:
                raise BadWalk("walk_link_value", name=name, value=number, step=step) from None
            now["TKP".index(letter)] = value
        elif letter == "p":
            token_id = int(number)
            if token_id >= vocab_size:
                raise BadWalk("walk_link_pick", step=step, id=token_id, hi=vocab_size - 1)
            history.append(["picked", token_id, *now])
        else:
            count = 1 if number is None else int(number)
            if count < 1:
                raise BadWalk("walk_link_format", at=at + 1)
            if len(history) + count > settings.max_new_tokens:
                raise BadWalk("walk_link_steps", n=len(history) + count, max=settings.max_new_tokens)
            history.extend([_HOW[letter], None, *now] for _ in range(count))
        if len(history) > settings.max_new_tokens:
            raise BadWalk("walk_link_steps", n=len(history), max=settings.max_new_tokens)
        at = move.end()
    return {"prompt": shared.prompt, "temperature": settings.temperature, "top_k": settings.top_k,
            "top_p": settings.top_p, "max_new_tokens": settings.max_new_tokens, "seed": settings.seed,
            "top_n": top_n, "history": history, CHECK: raw[end + 1:]}


def replay(engine, state: dict) -> Walk:
    """The walk of a link's `state` (`decode`'s), replayed and checked: BadWalk when this model writes other
    tokens for it (another checkpoint than the link's), or ends the story before its last step."""
    try:
        walk = Walk.from_state(engine, {k: v for k, v in state.items() if k != CHECK})
    except WalkFinished as err:
        raise BadWalk("walk_link_ended", n=err.values["n"]) from None
    if check(walk.ids) != state[CHECK]:
        raise BadWalk("walk_link_replay")
    return walk


def steps(state: dict | None) -> int:
    """How many steps the walk of `state` has made (0: no walk)."""
    return len(state["history"]) if state else 0


def fits(url: str) -> bool:
    """Whether a link with a walk fits a QR code that scans from the back of the room (LINK_MAX characters)."""
    return len(url) <= LINK_MAX
