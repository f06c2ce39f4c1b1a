"""What every tab shares: one engine, the limits, the display, and turning the core's errors into messages.

`App` holds no per-user state: each user's Probabilities walk is plain data in their session (see
`probabilities.py`), and the tabs' handlers are methods of small classes around one `App`. Its settings are
one `Config` (`app.config`: limits, concurrency, batch, streaming, caches), read once at start.

The app's model can change while it serves (`App.switch`, the presenter's choice in the model panel with
`--allow-model-switch`): every handler reads `app.engine` when it runs, the batch worker is replaced, and a
user's walk made on an earlier model starts again from its prompt (`ModelWalks`) rather than being replayed
on the new one as if it were the same.
"""

from __future__ import annotations

import html
import ipaddress
import json
import threading
import weakref
from collections.abc import Callable
from contextlib import contextmanager

import gradio as gr

from greentext.config import UNSET, Config
from greentext.language import i18n
from greentext.decode import limits
from greentext.decode.batching import BatchWorker
from greentext.present.masking import Display
from greentext.present.downloads import Downloads
from greentext.decode.engine import Engine
from greentext.decode.limits import RateLimiter
from greentext.decode import presets
from greentext.decode.presets import PRESETS
from greentext.decode.settings import TEMPERATURE_MAX, TOP_K_MAX, SamplingSettings
from greentext.decode.walk import Walk, Walks
from greentext.language.errors import UserError
from greentext.model.loading import BUNDLED_NAME
from greentext.paths import static_text

DEFAULT_PROMPT = "the lecture\n>be me"
# One concurrency group: every event that runs the model shares its slots (`config.concurrency` of them).
MODEL_GROUP = "model"
# Generations (Generate tab, /generate) go to one batch worker that decodes them together; their events
# only wait on it, so up to `config.batch` of them may run at once (their own concurrency group).
GENERATE_GROUP = "generate"

# The words of the gradio components, from the one table of words (pt-BR browsers get "pt").
_TABLES = {lang: {**words, **presets.labels(lang)} for lang, words in i18n.TABLES.items()}
I18N = gr.I18n(**_TABLES, **{"pt-BR": _TABLES["pt"]})

try:  # On ZeroGPU Spaces the GPU is lent per call through `spaces.GPU`; elsewhere this is a no-op.
    import spaces

    gpu = spaces.GPU
    SPACES = True  # and `config.zero_gpu` says whether this is ZeroGPU hardware
except ImportError:  # pragma: no cover - depends on the host
    SPACES = False

    def gpu(fn):
        return fn


def error(err: Exception | str) -> gr.Error:
    # Toasts render their message as (sanitised) HTML: escape it, as values in it are user-provided.
    return gr.Error(html.escape(str(err), quote=False), print_exception=False)


def lang(request: gr.Request | None) -> str:
    """The page's language from the browser's Accept-Language: "pt" or "en"."""
    headers = getattr(request, "headers", None) or {}
    return i18n.lang_of(headers.get("accept-language"))


# ---- the presenter: a request from the machine that runs the app ---------------------------------------
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
# Headers a proxy adds: a request through one (a reverse proxy, gradio's --share tunnel) comes from this
# machine's loopback address too, but on behalf of someone else.
PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-real-ip", "forwarded")


def is_presenter(request) -> bool:
    """Whether `request` comes from the presenter: the server's own machine, i.e. a loopback client address
    (127.0.0.1, ::1) that no proxy forwarded (no X-Forwarded-For / Forwarded / X-Real-IP header) and that asked
    for a loopback host name (gradio's share links arrive through a local tunnel, as `*.gradio.live`)."""
    host = str(getattr(getattr(request, "client", None), "host", None) or "")
    try:
        address = ipaddress.ip_address(host.split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        loopback = (mapped or address).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        return False
    headers = {str(k).lower(): v for k, v in dict(getattr(request, "headers", None) or {}).items()}
    if any(h in headers for h in PROXY_HEADERS):
        return False
    name = str(headers.get("host") or "").strip().lower()
    if name.startswith("["):  # [::1]:7860
        name = name[1:name.find("]")] if "]" in name else name
    elif name.count(":") == 1:  # 127.0.0.1:7860
        name = name.split(":")[0]
    return not name or name in LOCAL_NAMES


# ---- one model at a time, switchable ---------------------------------------------------------------------
MODEL_KEY = "model"  # a walk state's model: the App's version it was made on (left out for the first model)


class App:
    """The engine, the settings, the limits and the display behind every tab and the API."""

    def __init__(self, engine: Engine, config: Config | None = None, *, safe_mode: bool | None = None,
                 time_limit=UNSET, rate_limit: RateLimiter | str | None = None, rate_key: str | None = None):
        """`config`: the settings (default `Config()`, the documented defaults); the limits given override
        its own (see `Config.with_limits`; `rate_limit` may also be a RateLimiter, used as it is)."""
        limiter = rate_limit if isinstance(rate_limit, RateLimiter) else None
        config = (config or Config()).with_limits(
            safe_mode=safe_mode, time_limit=time_limit, rate_key=rate_key,
            rate_limit=(limiter.requests, limiter.seconds) if limiter else rate_limit)
        self.config = config
        self._current = (0, engine)  # (version, engine): read together (`current`), replaced by `switch`
        self._versions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary({engine: 0})
        self.model_name: str | None = None  # the name the page shows for a model switched to (None: the engine's)
        self.switch_lock = threading.Lock()  # one load at a time (`loading` names it meanwhile)
        self.loading: str | None = None
        self._on_switch: list[Callable[[Engine, Engine], None]] = []
        self.time_limit = config.time_limit  # seconds per request (None = none): a longer generation ends early
        self.rate_limit = limiter or (RateLimiter(*config.rate_limit) if config.rate_limit else None)
        self.rate_key = config.rate_key
        self.display = Display(config.safe_mode)  # lecture-safe mode: what is shown passes the word filter
        self.downloads = Downloads()  # the CSVs users ask for: one bounded folder, gone with the process
        # On ZeroGPU the GPU exists only inside `spaces.GPU` calls, not in a worker thread: decode per request.
        self.worker = None if SPACES and config.zero_gpu else self._worker(engine)

    def _worker(self, engine: Engine) -> BatchWorker:
        return BatchWorker(engine, max_batch=self.config.batch, time_limit=self.config.time_limit)

    # --- the model, switchable ----------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The app's model now (read it once per request: a switch may replace it between two reads)."""
        return self._current[1]

    @property
    def version(self) -> int:
        """How many times the model was switched (0: the model the app started with)."""
        return self._current[0]

    def current(self) -> tuple[int, Engine]:
        """(version, engine), read together."""
        return self._current

    def version_of(self, engine: Engine) -> int:
        """The version `engine` served as (-1: never the app's model)."""
        return self._versions.get(engine, -1)

    def stale(self, state: dict | None) -> bool:
        """Whether a walk state was made on an earlier model than the one serving now."""
        return bool(state) and state.get(MODEL_KEY, 0) != self.version

    def shown_name(self, page: str = "en") -> str:
        """The model's name as the page shows it (the bundled model's in the page's language)."""
        info = self.engine.info
        if info.name == BUNDLED_NAME:
            return i18n.text("bundled_name", page)
        return self.model_name or info.name

    def on_switch(self, callback: Callable[[Engine, Engine], None]) -> None:
        """Call `callback(old, new)` after each switch (the tabs drop what they cached of the old model)."""
        self._on_switch.append(callback)

    def switch(self, engine: Engine, name: str | None = None) -> Engine:
        """Serve `engine` from now on, for every user, tab and the API (`name`: how the page names it). The batch
        worker is replaced (the old one finishes its generations, then stops); the callbacks of `on_switch` run.
        Returns the old engine."""
        old_version, old = self._current
        self._versions[engine] = old_version + 1
        old_worker = self.worker
        if old_worker is not None:
            self.worker = self._worker(engine)
        self._current = (old_version + 1, engine)
        self.model_name = name
        if old_worker is not None:
            old_worker.retire(self.worker)
        for callback in list(self._on_switch):
            callback(old, engine)
        return old

    @classmethod
    def from_env(cls, engine: Engine, **overrides) -> "App":
        """An App with `Config.from_env()`'s settings, the limits given (as for `App`) overriding them."""
        return cls(engine, Config.from_env(), **overrides)

    @property
    def safe_mode(self) -> bool:
        return self.display.safe_mode

    @contextmanager
    def errors(self, page: str = "en"):
        """Turn the core's errors into messages for the user in the page's language (never a traceback);
        the server goes on."""
        try:
            yield
        except gr.Error:
            raise
        except UserError as err:
            raise error(err.message(page)) from None
        except Exception as err:
            if not limits.is_out_of_memory(err):
                raise
            limits.free_memory()
            raise error(i18n.both("out_of_memory", device=self.engine.info.device)) from None

    def settings(self, temperature, top_k, top_p, max_new_tokens, seed, page: str = "en") -> SamplingSettings:
        """The sampling settings from the form or the API, or a message naming the bad one."""
        with self.errors(page):
            return SamplingSettings(temperature, top_k, top_p, max_new_tokens, seed)

    def check_rate(self, request: gr.Request | None) -> None:
        """Count one request against this client's rate limit (if one is set); a message when over."""
        if self.rate_limit is None or request is None:
            return
        if self.rate_key == "session":
            key = getattr(request, "session_hash", None) or "?"
        else:
            client = getattr(request, "client", None)
            key = getattr(client, "host", None) or "?"
        with self.errors():
            self.rate_limit.check(key)

    def model_info(self) -> dict:
        """The app's model: name, parameters, layers, heads, context, vocab_size, device, dtype; and whether
        lecture-safe mode (masking of listed words) is on. No server paths: a local checkpoint is named relative to
        the app's folder (or by its folder's name), its card likewise."""
        return {**self.engine.info.public(), "safe_mode": self.safe_mode}


class ModelWalks(Walks):
    """`Walks` on the app's model as it is now. A state made after a switch carries the model's version
    (`MODEL_KEY`; none for the first model, so states look as they always did until a switch); a state made on
    another model than the one serving now is not replayed on this one as if it were the same: its walk starts
    again from its prompt, settings and seed (the Probabilities tab says why: `fresh_after_switch`)."""

    def __init__(self, app: App, size: int = 32):
        self.app = app
        super().__init__(app.engine, size)
        app.on_switch(lambda old, new: self.forget())

    @property
    def engine(self) -> Engine:
        """The app's model as it is now."""
        return self.app.engine

    def put(self, walk: Walk) -> dict:
        state = super().put(walk)
        version = self.app.version_of(walk.engine)
        return {**state, MODEL_KEY: version} if version else state

    def take(self, state: dict) -> Walk:
        version, engine = self.app.current()
        plain = {k: v for k, v in state.items() if k != MODEL_KEY}
        if state.get(MODEL_KEY, 0) != version:
            settings = SamplingSettings(plain["temperature"], plain["top_k"], plain["top_p"],
                                        plain["max_new_tokens"], plain["seed"])
            return Walk.start(engine, plain["prompt"], settings, plain["top_n"])
        walk = super().take(plain)
        return walk if walk.engine is engine else Walk.from_state(engine, plain)

    def forget(self) -> None:
        """Let go of the live walks (they hold the old model); a state is replayed on demand."""
        with self._lock:
            self._walks.clear()


def sampling_sliders(prefix: str, presets_then=None) -> tuple[gr.Slider, gr.Slider, gr.Slider]:
    """Temperature, top-k and top-p in a row, as the Generate and Probabilities tabs show them, with the
    presets a lesson can name (greedy, balanced, creative, chaos) setting all three in the browser;
    `presets_then(event)` (if given) chains what follows a preset's click."""
    with gr.Row(elem_classes="presets"):
        presets = {name: gr.Button(I18N(f"preset_{name}"), size="sm", elem_id=f"{prefix}-preset-{name}")
                   for name in PRESETS}
    with gr.Row(elem_classes="sliders"):  # projector mode stacks them: each label on one line
        t = gr.Slider(0, TEMPERATURE_MAX, value=0.8, step=0.05, label=I18N("temperature"), elem_id=f"{prefix}-temperature")
        k = gr.Slider(0, TOP_K_MAX, value=50, step=1, label=I18N("top_k"), elem_id=f"{prefix}-top-k")
        p = gr.Slider(0.05, 1.0, value=0.95, step=0.01, label=I18N("top_p"), elem_id=f"{prefix}-top-p")
    for name, button in presets.items():
        event = button.click(None, None, [t, k, p], js=preset_js(name))
        if presets_then is not None:
            presets_then(event)
    return t, k, p


def preset_js(name: str) -> str:
    """A preset button's JavaScript (static/preset.js): its (temperature, top_k, top_p) into the sliders."""
    return static_text("preset.js").strip().replace("__PRESET__", json.dumps(list(PRESETS[name])))
