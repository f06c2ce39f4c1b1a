"""What every tab shares: one engine, the limits, the display, and turning the core's errors into messages.

`App` holds no per-user state: each user's Probabilities walk is plain data in their session (see
`probabilities.py`), and the tabs' handlers are methods of small classes around one `App`.
"""

from __future__ import annotations

import html
import os
from contextlib import contextmanager

import gradio as gr

from greentext.language import i18n
from greentext.decode import limits
from greentext.decode.batching import BatchWorker, Busy
from greentext.present.masking import Display
from greentext.present.downloads import Downloads
from greentext.decode.engine import Engine
from greentext.decode.limits import RateLimited, RateLimiter
from greentext.decode.presets import PRESETS
from greentext.decode.settings import TEMPERATURE_MAX, TOP_K_MAX, InvalidSetting, SamplingSettings
from greentext.language.errors import UserError

DEFAULT_PROMPT = "the lecture\n>be me"
MODEL_GROUP = "model"  # one concurrency group: every event that runs the model shares its slots
CONCURRENCY = int(os.environ.get("GREENTEXT_CONCURRENCY", "4"))
# Generations (Generate tab, /generate) go to one batch worker that decodes them together; their events
# only wait on it, so up to BATCH of them may run at once (their own concurrency group).
BATCH = int(os.environ.get("GREENTEXT_BATCH", "32"))
GENERATE_GROUP = "generate"
# Limits read when the app is built (so tests and flags can set them): see README "Limits".
SAFE_MODE_ENV = "GREENTEXT_SAFE_MODE"  # lecture-safe mode: on unless "0", "off", "false" or "no"
TIME_LIMIT_ENV = "GREENTEXT_TIME_LIMIT"  # seconds per request (default 120; "0"/"off" = none)
RATE_LIMIT_ENV = "GREENTEXT_RATE_LIMIT"  # "REQUESTS/SECONDS" per client, e.g. "10/60"; off by default
RATE_KEY_ENV = "GREENTEXT_RATE_KEY"  # what a client is: "ip" (default) or "session" (one browser tab)
DEFAULT_TIME_LIMIT = 120.0
# Gradio copies each download into its cache as it hands it out: every FREQUENCY seconds the copies older than
# AGE seconds go (Blocks' delete_cache), so the cache stays bounded over a day of lectures.
CACHE_CLEANING_ENV = "GREENTEXT_CACHE_CLEANING"  # "FREQUENCY/AGE" in seconds (default 600/1800)
FROM_ENV = object()  # an App.from_env argument left to its environment variable

# The words of the gradio components, from the one table of words (pt-BR browsers get "pt").
I18N = gr.I18n(**i18n.TABLES, **{"pt-BR": i18n.TABLES["pt"]})

try:  # On ZeroGPU Spaces the GPU is lent per call through `spaces.GPU`; elsewhere this is a no-op.
    import spaces

    gpu = spaces.GPU
    ZERO_GPU = bool(os.environ.get("SPACES_ZERO_GPU"))
except ImportError:  # pragma: no cover - depends on the host
    ZERO_GPU = False

    def gpu(fn):
        return fn


def cache_cleaning_from_env() -> tuple[int, int]:
    """Blocks' delete_cache: (every FREQUENCY seconds, delete gradio's copies older than AGE seconds)."""
    frequency, _, age = os.environ.get(CACHE_CLEANING_ENV, "600/1800").partition("/")
    try:
        cleaning = int(frequency), int(age)
    except ValueError:
        cleaning = (0, 0)
    if min(cleaning) < 1:
        raise ValueError(f"{CACHE_CLEANING_ENV} must be FREQUENCY/AGE in whole seconds, e.g. 600/1800")
    return cleaning


def safe_mode_from_env() -> bool:
    return os.environ.get(SAFE_MODE_ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def error(err: Exception | str) -> gr.Error:
    # Toasts render their message as (sanitised) HTML: escape it, as values in it are user-provided.
    return gr.Error(html.escape(str(err), quote=False), print_exception=False)


def lang(request: gr.Request | None) -> str:
    """The page's language from the browser's Accept-Language: "pt" or "en"."""
    headers = getattr(request, "headers", None) or {}
    return i18n.lang_of(headers.get("accept-language"))


class App:
    """The engine, the limits and the display behind every tab and the API."""

    def __init__(self, engine: Engine, safe_mode: bool = True, rate_limit: RateLimiter | None = None,
                 time_limit: float | None = DEFAULT_TIME_LIMIT, rate_key: str = "ip"):
        self.engine = engine
        self.time_limit = time_limit  # seconds per request (None = none): a longer generation ends early
        self.rate_limit, self.rate_key = rate_limit, rate_key
        self.display = Display(safe_mode)  # lecture-safe mode: what is shown passes the word filter
        self.downloads = Downloads()  # the CSVs users ask for: one bounded folder, gone with the process
        # On ZeroGPU the GPU exists only inside `spaces.GPU` calls, not in a worker thread: decode per request.
        self.worker = None if ZERO_GPU else BatchWorker(engine, max_batch=BATCH, time_limit=time_limit)

    @classmethod
    def from_env(cls, engine: Engine, *, safe_mode: bool | None = None, time_limit=FROM_ENV,
                 rate_limit: str | None = None, rate_key: str | None = None) -> "App":
        """An App whose limits left out (None, or FROM_ENV for time_limit) come from the environment."""
        safe_mode = safe_mode_from_env() if safe_mode is None else safe_mode
        time_limit = limits.env_float(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT) if time_limit is FROM_ENV else time_limit
        rate = RateLimiter.parse(os.environ.get(RATE_LIMIT_ENV, "") if rate_limit is None else rate_limit)
        rate_key = (rate_key or os.environ.get(RATE_KEY_ENV, "ip")).strip().lower()
        if rate_key not in ("ip", "session"):
            raise ValueError(f"{RATE_KEY_ENV} must be ip or session (got {rate_key!r})")
        return cls(engine, safe_mode=safe_mode, rate_limit=rate, time_limit=time_limit, rate_key=rate_key)

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
        event = button.click(None, None, [t, k, p], js=f"() => {list(PRESETS[name])}")
        if presets_then is not None:
            presets_then(event)
    return t, k, p
