"""The app's settings: one frozen `Config`, read once at start from the environment and `python app.py`'s flags.

    config = Config.from_env()                 # the GREENTEXT_* variables (and a few of gradio's and Spaces')
    config = Config.from_args(args)            # the same, with the flags given overriding them
    Config()                                   # the documented defaults, whatever the environment says

This is the only module that reads the environment (never at import time): `ui/cli.py main` reads it once
(or `build_app` / `App.from_env`, when given no Config) and passes the Config down — `App` holds it as
`app.config`, and the tabs, the queue and the launch take their settings from there. A bad value stops the
app with one line naming the variable (or flag) and what it may be. No gradio, no torch: floor 0.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

# The variables, each read here only (README "Configuration" and "Limits" list them with their flags).
MODEL_ENV = "GREENTEXT_MODEL"  # checkpoint directory or hub id (like --model)
COMPARE_MODELS_ENV = "GREENTEXT_COMPARE_MODELS"  # models loaded for Compare at most, besides the app's own
MCP_ENV = "GREENTEXT_MCP"  # on: also serve the API as MCP tools (like --mcp)
MODEL_SWITCH_ENV = "GREENTEXT_MODEL_SWITCH"  # on: the presenter may switch the model (like --allow-model-switch)
HOST_ENV = "GRADIO_SERVER_NAME"  # like --host
PORT_ENV = "GRADIO_SERVER_PORT"  # like --port
SAFE_MODE_ENV = "GREENTEXT_SAFE_MODE"  # lecture-safe mode: on unless off (like --safe-mode)
TIME_LIMIT_ENV = "GREENTEXT_TIME_LIMIT"  # seconds per request (default 120; "0"/"off" = none)
RATE_LIMIT_ENV = "GREENTEXT_RATE_LIMIT"  # "REQUESTS/SECONDS" per client, e.g. "10/60"; off by default
RATE_KEY_ENV = "GREENTEXT_RATE_KEY"  # what a client is: "ip" (default) or "session" (one browser tab)
CONCURRENCY_ENV = "GREENTEXT_CONCURRENCY"  # model calls at once, shared by all tabs and users
BATCH_ENV = "GREENTEXT_BATCH"  # generations decoded together by the batch worker
QUEUE_SIZE_ENV = "GREENTEXT_QUEUE_SIZE"  # requests waiting, all users; then "busy"
STREAM_EVERY_ENV = "GREENTEXT_STREAM_EVERY"  # seconds between streamed updates of one generation
ATTENTION_CACHE_ENV = "GREENTEXT_ATTENTION_CACHE_MB"  # MB of attention weights kept, shared by all users
CACHE_CLEANING_ENV = "GREENTEXT_CACHE_CLEANING"  # "FREQUENCY/AGE" in seconds (default 600/1800)
ZERO_GPU_ENV = "SPACES_ZERO_GPU"  # set by Hugging Face on ZeroGPU Spaces: the GPU is lent per call
ROOMS_ENV = "GREENTEXT_ROOMS"  # room votes: rooms open at once, all presenters
ROOM_PHONES_ENV = "GREENTEXT_ROOM_PHONES"  # room votes: phones per room
ROOM_IDLE_ENV = "GREENTEXT_ROOM_IDLE"  # room votes: seconds without the presenter or a vote before a room expires
ROOM_RATE_ENV = "GREENTEXT_ROOM_RATE"  # room votes: "REQUESTS/SECONDS" per phone, or off
ROOM_RATE_CLIENT_ENV = "GREENTEXT_ROOM_RATE_CLIENT"  # room votes: "REQUESTS/SECONDS" per address and room, or off

DEFAULT_TIME_LIMIT = 120.0
TRUE = ("1", "on", "true", "yes")
FALSE = ("0", "off", "false", "no")
OFF = ("0", "off", "none", "no")  # a limit's value for "none" (with "" for "left out")
RATE_KEYS = ("ip", "session")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # `Config.with_limits`'s time limit left out (None is a setting there: no time limit)


def parse_bool(name: str, value: str | None, default: bool) -> bool:
    """The one reading of a switch: 1/0, on/off, true/false, yes/no (any case); empty or unset → `default`."""
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{name} must be one of {'/'.join(TRUE)} or {'/'.join(FALSE)} (got {value!r})")


def _number(name: str, value: str | None, default, least, convert, what: str):
    text = (value or "").strip()
    if not text:
        return default
    try:
        number = convert(text)
    except ValueError:
        number = None
    if number is None or not number >= least:  # also NaN
        raise ValueError(f"{name} must be {what} ≥ {least:g} (got {value!r})")
    return number


def parse_int(name: str, value: str | None, default: int, least: int = 1) -> int:
    """A whole number ≥ `least`; empty or unset → `default`."""
    return _number(name, value, default, least, int, "a whole number")


def parse_float(name: str, value: str | None, default: float, least: float = 0.0) -> float:
    """A number ≥ `least`; empty or unset → `default`."""
    return _number(name, value, default, least, float, "a number")


def parse_seconds(name: str, value: str | None, default: float | None) -> float | None:
    """A limit in seconds: "0", "off", "none" or "no" → None (no limit); empty or unset → `default`."""
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in OFF:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise ValueError(f"{name} must be a number of seconds, or 0/off for none (got {value!r})")
    return seconds or None


def parse_rate(spec: str | None, name: str | None = None) -> tuple[int, float] | None:
    """"10/60" → (10 requests, per 60 seconds); "", "0", "off", "none" or "no" → None (no limit). `name`: the
    variable or flag a bad one is blamed on."""
    text = (spec or "").strip().lower()
    if text in ("", *OFF):
        return None
    try:
        requests, seconds = text.split("/")
        rate = int(requests), float(seconds)
    except ValueError:
        raise ValueError(f"{name or 'rate limit'} must look like REQUESTS/SECONDS, e.g. 10/60, or off "
                         f"(got {text!r})") from None
    check_rate(*rate, name=name or "a rate limit")
    return rate


def check_rate(requests: int, seconds: float, name: str = "a rate limit") -> None:
    if requests < 1 or not seconds > 0:
        raise ValueError(f"{name} needs requests ≥ 1 and seconds > 0 (got {requests}/{seconds})")


def parse_rate_or(name: str, value: str | None, default: tuple[int, float] | None) -> tuple[int, float] | None:
    """`parse_rate` of a limit that is on by default: empty or unset → `default`; "off" (or 0, none, no) → None."""
    return default if not (value or "").strip() else parse_rate(value, name)


def parse_cache_cleaning(value: str | None) -> tuple[int, int]:
    """Blocks' delete_cache: (every FREQUENCY seconds, delete gradio's copies older than AGE seconds)."""
    frequency, _, age = (value or "600/1800").partition("/")
    try:
        cleaning = int(frequency), int(age)
    except ValueError:
        cleaning = (0, 0)
    if min(cleaning) < 1:
        raise ValueError(f"{CACHE_CLEANING_ENV} must be FREQUENCY/AGE in whole seconds, e.g. 600/1800")
    return cleaning


def parse_rate_key(value: str | None, default: str = "ip") -> str:
    key = (value or default).strip().lower()
    if key not in RATE_KEYS:
        raise ValueError(f"{RATE_KEY_ENV} must be ip or session (got {key!r})")
    return key


@dataclass(frozen=True)
class Config:
    """Every setting of the app, with its documented default. `from_env` and `from_args` read them;
    `with_limits` gives a copy with some limits changed (as `build_app(engine, safe_mode=…)` does)."""

    # what to serve (python app.py's flags; the model and the Compare tab's models)
    model: str | None = None  # checkpoint directory or hub id; None: the bundled model
    device: str = "auto"
    compare: tuple[str, ...] = ()  # the Compare tab's models A (and B), named at start
    compare_models: int = 2  # models loaded for Compare at most, besides the app's own
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    mcp: bool = False  # also serve the API as MCP tools
    model_switch: bool = False  # the presenter (a request from this machine) may switch the app's model
    # limits (README "Limits")
    safe_mode: bool = True  # lecture-safe mode: listed words masked
    time_limit: float | None = DEFAULT_TIME_LIMIT  # seconds per request; None: none
    rate_limit: tuple[int, float] | None = None  # (requests, seconds) per client; None: off
    rate_key: str = "ip"  # what a client is: "ip" or "session"
    concurrency: int = 4  # model calls at once (one pool shared by every tab and user)
    batch: int = 32  # generations decoded together by the batch worker (their events' concurrency too)
    queue_size: int = 64  # requests waiting, all users; then gradio answers "busy"
    stream_every: float = 0.05  # seconds between streamed updates of one generation (the first goes at once)
    attention_cache_mb: float = 256.0  # MB of attention weights kept for the texts read most recently
    cache_cleaning: tuple[int, int] = (600, 1800)  # every FREQUENCY s, gradio's copies older than AGE s go
    zero_gpu: bool = False  # on a ZeroGPU Space: the GPU is lent per call, so each request decodes alone
    # the room votes (phones vote on the presenter's next token; greentext/present/room.py, ui/room.py)
    rooms: int = 32  # rooms open at once, all presenters
    room_phones: int = 500  # phones per room
    room_idle: float = 3600.0  # seconds without the presenter or a vote before a room expires
    room_rate: tuple[int, float] | None = (30, 60.0)  # votes per phone (a token bucket); None: off
    # votes per client address and room: a lecture hall's phones share one address (NAT), so this bounds a
    # flood, not a person; None: off
    room_rate_client: tuple[int, float] | None = (6000, 60.0)

    def __post_init__(self):
        parse_rate_key(self.rate_key)
        if self.rate_limit is not None:
            check_rate(*self.rate_limit)
        for rate in (self.room_rate, self.room_rate_client):
            if rate is not None:
                check_rate(*rate)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        """The settings from `environ` (default: this process's environment); the defaults for those unset."""
        env = os.environ if environ is None else environ
        get = env.get
        return cls(
            model=get(MODEL_ENV) or None,
            compare_models=parse_int(COMPARE_MODELS_ENV, get(COMPARE_MODELS_ENV), 2, least=0),
            host=(get(HOST_ENV) or "").strip() or "127.0.0.1",
            port=parse_int(PORT_ENV, get(PORT_ENV), 7860, least=0),
            mcp=parse_bool(MCP_ENV, get(MCP_ENV), False),
            model_switch=parse_bool(MODEL_SWITCH_ENV, get(MODEL_SWITCH_ENV), False),
            safe_mode=parse_bool(SAFE_MODE_ENV, get(SAFE_MODE_ENV), True),
            time_limit=parse_seconds(TIME_LIMIT_ENV, get(TIME_LIMIT_ENV), DEFAULT_TIME_LIMIT),
            rate_limit=parse_rate(get(RATE_LIMIT_ENV), RATE_LIMIT_ENV),
            rate_key=parse_rate_key(get(RATE_KEY_ENV)),
            concurrency=parse_int(CONCURRENCY_ENV, get(CONCURRENCY_ENV), 4),
            batch=parse_int(BATCH_ENV, get(BATCH_ENV), 32),
            queue_size=parse_int(QUEUE_SIZE_ENV, get(QUEUE_SIZE_ENV), 64),
            stream_every=parse_float(STREAM_EVERY_ENV, get(STREAM_EVERY_ENV), 0.05),
            attention_cache_mb=parse_float(ATTENTION_CACHE_ENV, get(ATTENTION_CACHE_ENV), 256.0),
            cache_cleaning=parse_cache_cleaning(get(CACHE_CLEANING_ENV)),
            # any value: Hugging Face sets it on ZeroGPU hardware, and only there
            zero_gpu=bool(get(ZERO_GPU_ENV)),
            rooms=parse_int(ROOMS_ENV, get(ROOMS_ENV), 32),
            room_phones=parse_int(ROOM_PHONES_ENV, get(ROOM_PHONES_ENV), 500),
            room_idle=parse_float(ROOM_IDLE_ENV, get(ROOM_IDLE_ENV), 3600.0, least=1.0),
            room_rate=parse_rate_or(ROOM_RATE_ENV, get(ROOM_RATE_ENV), (30, 60.0)),
            room_rate_client=parse_rate_or(ROOM_RATE_CLIENT_ENV, get(ROOM_RATE_CLIENT_ENV), (6000, 60.0)),
        )

    @classmethod
    def from_args(cls, args, environ: Mapping[str, str] | None = None) -> "Config":
        """`from_env`, then the flags given (`python app.py`'s parsed arguments; None or absent: not given)
        over it: --model, --device, --compare, --host, --port, --share, --mcp, --allow-model-switch,
        --safe-mode/--unsafe, --time-limit (0 = none), --rate-limit."""
        config = cls.from_env(environ)
        flag = lambda name: getattr(args, name, None)  # noqa: E731
        changes = {}
        if flag("model"):
            changes["model"] = str(flag("model"))
        if flag("device"):
            changes["device"] = flag("device")
        if flag("compare"):
            changes["compare"] = tuple(str(path) for path in flag("compare"))
        if flag("host"):
            changes["host"] = flag("host")
        if flag("port") is not None:
            changes["port"] = int(flag("port"))
        if flag("share"):
            changes["share"] = True
        if flag("mcp"):  # the flag turns MCP on; it stays on when the environment has it on
            changes["mcp"] = True
        if flag("allow_model_switch"):  # likewise: the flag turns switching on
            changes["model_switch"] = True
        safe_mode = False if flag("unsafe") else None
        if safe_mode is None and flag("safe_mode") is not None:
            safe_mode = parse_bool("--safe-mode", flag("safe_mode"), True)
        time_limit = UNSET if flag("time_limit") is None else float(flag("time_limit")) or None  # 0: none
        rate_limit = None
        if flag("rate_limit") is not None:  # checked here, so that a bad one is named as the flag
            rate_limit = parse_rate(flag("rate_limit"), "--rate-limit") or "off"
        return dataclasses.replace(config, **changes).with_limits(safe_mode=safe_mode, time_limit=time_limit,
                                                                  rate_limit=rate_limit)

    def with_limits(self, *, safe_mode: bool | None = None, time_limit=UNSET,
                    rate_limit: str | tuple[int, float] | None = None, rate_key: str | None = None) -> "Config":
        """A copy with the limits given changed; those left out (None, or UNSET for `time_limit`, where None
        means no limit) keep this config's. `time_limit`: seconds, None for none; `rate_limit`:
        "REQUESTS/SECONDS" or (requests, seconds), "off" for none; `rate_key`: "ip" or "session"."""
        changes = {}
        if safe_mode is not None:
            changes["safe_mode"] = bool(safe_mode)
        if time_limit is not UNSET:
            changes["time_limit"] = None if time_limit is None else float(time_limit)
        if isinstance(rate_limit, str):
            changes["rate_limit"] = parse_rate(rate_limit)
        elif rate_limit is not None:
            changes["rate_limit"] = int(rate_limit[0]), float(rate_limit[1])
        if rate_key is not None:
            changes["rate_key"] = parse_rate_key(rate_key)
        return dataclasses.replace(self, **changes) if changes else self
