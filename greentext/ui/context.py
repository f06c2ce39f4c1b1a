"""What every tab shares: one engine, the limits, the display, and turning the core's errors into messages.

`App` holds no per-user state: each user's Probabilities walk is plain data in their session (see
`probabilities.py`), and the tabs' handlers are methods of small classes around one `App`. Its settings are
one `Config` (`app.config`: limits, concurrency, batch, streaming, caches), read once at start.
"""

from __future__ import annotations

import html
import json
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
from greentext.language.errors import UserError
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
        self.engine, self.config = engine, config
        self.time_limit = config.time_limit  # seconds per request (None = none): a longer generation ends early
        self.rate_limit = limiter or (RateLimiter(*config.rate_limit) if config.rate_limit else None)
        self.rate_key = config.rate_key
        self.display = Display(config.safe_mode)  # lecture-safe mode: what is shown passes the word filter
        self.downloads = Downloads()  # the CSVs users ask for: one bounded folder, gone with the process
        # On ZeroGPU the GPU exists only inside `spaces.GPU` calls, not in a worker thread: decode per request.
        self.worker = None if SPACES and config.zero_gpu else BatchWorker(engine, max_batch=config.batch,
                                                                          time_limit=config.time_limit)

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
