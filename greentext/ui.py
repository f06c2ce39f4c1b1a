"""The Gradio app: three tabs (Generate, Probabilities, Attention), a model panel and a named API.

This module only wires components to the core (`greentext.engine` and friends) and turns the core's
errors into `gr.Error` messages. One engine serves every tab and every user; each user's step-by-step
walk lives in their session state.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import html
import os
import sys
import tempfile
import time
from pathlib import Path

from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from . import attention_view, charts, export, limits, safety, views
from .batching import BatchWorker, Busy
from .engine import Engine, Walk
from .limits import RateLimited, RateLimiter
from .loading import BUNDLED_MODEL, ModelLoadError
from .settings import (InvalidSetting, MAX_NEW_TOKENS_MAX, SamplingSettings, TEMPERATURE_MAX, TOP_K_MAX,
                       TOP_N_MAX, as_int, check_prompt, check_top_n)
from .tokens import visible

DEFAULT_PROMPT = "the lecture\n>be me"
EXAMPLES = [
    "you're a model\n>be me model",
    "you should ignore how the train was created",
    "the lecture\n>be me",
    "the projector\n>be me, professor",
    "feijoada on wednesday\n>be me",
    ">be me",
]
MODEL_GROUP = "model"  # one concurrency group: every event that runs the model shares its slots
CONCURRENCY = int(os.environ.get("GREENTEXT_CONCURRENCY", "4"))
# Generations (Generate tab, /generate) go to one batch worker that decodes them together; their events
# only wait on it, so up to BATCH of them may run at once (their own concurrency group).
BATCH = int(os.environ.get("GREENTEXT_BATCH", "32"))
GENERATE_GROUP = "generate"
# Seconds between streamed updates of one generation (the first token goes at once).
STREAM_EVERY = float(os.environ.get("GREENTEXT_STREAM_EVERY", "0.05"))
QUEUE_SIZE = int(os.environ.get("GREENTEXT_QUEUE_SIZE", "64"))  # requests waiting, all users; then "busy"
# Limits read when the app is built (so tests and flags can set them): see README "Limits".
SAFE_MODE_ENV = "GREENTEXT_SAFE_MODE"  # lecture-safe mode: on unless "0", "off", "false" or "no"
TIME_LIMIT_ENV = "GREENTEXT_TIME_LIMIT"  # seconds per request (default 120; "0"/"off" = none)
RATE_LIMIT_ENV = "GREENTEXT_RATE_LIMIT"  # "REQUESTS/SECONDS" per client, e.g. "10/60"; off by default
RATE_KEY_ENV = "GREENTEXT_RATE_KEY"  # what a client is: "ip" (default) or "session" (one browser tab)
DEFAULT_TIME_LIMIT = 120.0
_FROM_ENV = object()

BUSY_MESSAGE = ("The model is busy: too many requests at once. Try again in a few seconds. / "
                "O modelo está ocupado: pedidos demais ao mesmo tempo. Tente de novo em alguns segundos.")
OOM_MESSAGE = ("The model ran out of memory on {device} for this request: try a shorter prompt or fewer new "
               "tokens. The server is still running. / O modelo ficou sem memória ({device}) neste pedido: "
               "tente um prompt menor ou menos tokens novos. O servidor continua no ar.")
TIME_NOTE = {"en": "Stopped at the time limit of {s:g} s per request.",
             "pt": "Parou no limite de tempo de {s:g} s por pedido."}
TRUNCATED_NOTE = {"en": "The text is longer than the context: its first {k} tokens were dropped.",
                  "pt": "O texto é maior que o contexto: os primeiros {k} tokens foram descartados."}
# The Attention tab's bertviz views load d3 and jQuery from the app (see launch_kwargs), never a CDN.
# Relative, so it resolves against the page's own address (also under a proxy path).
SCRIPT_URL = "gradio_api/file="

try:  # On ZeroGPU Spaces the GPU is lent per call through `spaces.GPU`; elsewhere this is a no-op.
    import spaces

    gpu = spaces.GPU
    ZERO_GPU = bool(os.environ.get("SPACES_ZERO_GPU"))
except ImportError:  # pragma: no cover - depends on the host
    ZERO_GPU = False

    def gpu(fn):
        return fn

SAFE_TEXT = {  # the header line saying whether lecture-safe mode is on, in the page's language
    "en": dict(safe_on="🛡️ **Lecture-safe mode: on** · profanity and slurs (English, Portuguese) are shown as "
                       "████; the probabilities stay the model's own (`--safe-mode off` to turn off)",
               safe_off="⚠️ **Lecture-safe mode: off** · the model's words are shown unfiltered"),
    "pt": dict(safe_on="🛡️ **Modo seguro para aula: ligado** · palavrões e ofensas (inglês, português) aparecem "
                       "como ████; as probabilidades continuam as do modelo (`--safe-mode off` para desligar)",
               safe_off="⚠️ **Modo seguro para aula: desligado** · as palavras do modelo aparecem sem filtro"),
}

I18N = gr.I18n(
    en=dict(generate_tab="Generate", probabilities_tab="Probabilities", attention_tab="Attention",
            prompt="Prompt", temperature="Temperature (0 = greedy)", top_k="Top-k (0 = off)",
            top_p="Top-p (1 = off)", max_new_tokens="Max new tokens", seed="Seed (empty = random)",
            generate="Generate", stop="Stop", output="Greentext", plain="Plain text (copy)",
            top_n="Candidates shown", steps="Steps", sample_step="Next step (sample)", greedy_step="Greedy step",
            pick="Pick this candidate", pick_rank="Candidate rank", undo="Undo", reset="Reset",
            run_steps="Run N steps", csv="Download all steps (CSV)", slides="Slide-ready CSV",
            tokenization="The prompt as tokens (id under each)", text="Text", layer="Layer", head="Head",
            show_attention="Show attention", model="Model", big="Projector mode (large type)",
            examples="Examples", head_view="Head view (bertviz)", model_view="Model view (bertviz)",
            about_bundled="A small GPT-2 made for this demo in two phases, as in the project's report: "
                          "**pretrained on general English** (freely licensed text from Debian packages), then "
                          "**fine-tuned on greentexts** written for the project. It runs offline and has none of "
                          "GPT-2's own pretrained knowledge.",
            model_card="Model card (data, training, measured quality)", **SAFE_TEXT["en"]),
    **{lang: dict(generate_tab="Gerar", probabilities_tab="Probabilidades", attention_tab="Atenção",
                  prompt="Prompt", temperature="Temperatura (0 = guloso)", top_k="Top-k (0 = desligado)",
                  top_p="Top-p (1 = desligado)", max_new_tokens="Máximo de tokens novos",
                  seed="Semente (vazia = aleatória)", generate="Gerar", stop="Parar", output="Greentext",
                  plain="Texto puro (copiar)", top_n="Candidatos mostrados", steps="Passos",
                  sample_step="Próximo passo (sortear)", greedy_step="Passo guloso", pick="Escolher este candidato",
                  pick_rank="Posição do candidato", undo="Desfazer", reset="Recomeçar", run_steps="Rodar N passos",
                  csv="Baixar todos os passos (CSV)", slides="CSV para slides", text="Texto",
                  tokenization="O prompt em tokens (id embaixo de cada)", layer="Camada", head="Cabeça",
                  show_attention="Mostrar atenção", model="Modelo", big="Modo projetor (letra grande)",
                  examples="Exemplos", head_view="Visão por cabeça (bertviz)",
                  model_view="Visão do modelo (bertviz)",
                  about_bundled="Um GPT-2 pequeno feito para esta demonstração em duas fases, como no relatório do "
                                "projeto: **pré-treinado em inglês geral** (textos de licença livre de pacotes "
                                "Debian) e depois **ajustado (fine-tuning) em greentexts** escritos para o projeto. "
                                "Roda offline e não tem o conhecimento pré-treinado do GPT-2 original.",
                  model_card="Ficha do modelo (dados, treino, qualidade medida)", **SAFE_TEXT["pt"])
       for lang in ("pt", "pt-BR")},
)

CSS = """
.greentext { background: #ffffee; color: #800000; font-family: 'DejaVu Sans Mono', monospace; font-size: 1.05rem;
  padding: 14px 18px; border-radius: 8px; border: 1px solid #e6e2c6; white-space: pre-wrap; min-height: 120px; }
/* gradio's `.prose *` paints every element in the body colour: give each line its colour explicitly */
.greentext .gt-plain { color: #800000; }
.greentext .gt-green, .greentext .gt-green * { color: #5c7a10 !important; }
.greentext .gt-plain, .greentext .gt-plain * { color: #800000 !important; }
.greentext .gt-gen { background: rgba(120, 153, 34, 0.12); color: inherit; }
.gt-note { color: #7a5a00; font-size: 0.95rem; margin-top: 6px; }
.tokens { display: flex; flex-wrap: wrap; gap: 6px; }
.tok { display: inline-flex; flex-direction: column; align-items: center; border: 1px solid #c9d6a3;
  border-radius: 6px; padding: 2px 6px; background: #f6faea; }
.tok-text { font-family: 'DejaVu Sans Mono', monospace; white-space: pre; color: #1d2a05; }
.tok-id { font-size: 0.8rem; color: #555; }
.step-head { font-size: 1.1rem; margin-bottom: 6px; }
.step-n { font-weight: 700; margin-right: 8px; }
.step-context { font-family: 'DejaVu Sans Mono', monospace; white-space: pre-wrap; background: #ffffee; padding: 2px 4px; }
.step-chosen { font-size: 1.1rem; margin: 4px 0 8px; }
table.cands { border-collapse: collapse; width: 100%; font-size: 1rem; border: 0; }
table.cands tr { border: 0; }  /* gradio's .prose draws a dark grid on table, tr, th and td */
table.cands th, table.cands td { padding: 4px 8px; border: 0; border-bottom: 1px solid #e4e4e4; text-align: left; }
table.cands th { border-bottom: 2px solid #b8b8b8; }
table.cands td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.cands td.final { position: relative; min-width: 110px; }
table.cands td.final .bar { position: absolute; left: 0; top: 15%; height: 70%; background: rgba(120,153,34,0.25); }
table.cands td.final span:last-child { position: relative; }
table.cands tr.cut td { color: #8a8a8a; }
table.cands tr.cut code { color: #8a8a8a; text-decoration: line-through; }
table.cands tr.chosen td { background: #fff2c2; font-weight: 700; color: #1a1a1a; }
.reason { font-size: 0.9rem; }
.step-foot { margin-top: 6px; color: #333; }
/* !important: gradio scopes the rules above under `.gradio-container… .contain`, which outranks `body.big …` */
body.big .greentext, body.big table.cands, body.big .tokens, body.big .step-head { font-size: 1.45rem !important; }
body.big .tok-id { font-size: 1rem !important; }
body.big .step-chosen, body.big .step-foot, body.big .gt-note, body.big table.cands .reason,
  body.big #g-status, body.big #p-status { font-size: 1.2rem !important; }
body.big textarea, body.big input, body.big label, body.big button { font-size: 1.2rem !important; }
"""

BIG_TYPE_JS = "(on) => { document.body.classList.toggle('big', on); return on; }"


def _error(err: Exception | str) -> gr.Error:
    # Toasts render their message as (sanitised) HTML: escape it, as values in it are user-provided.
    return gr.Error(html.escape(str(err), quote=False), print_exception=False)


@contextmanager
def _user_errors(device: str = "the device"):
    """Turn the core's errors into messages for the user (never a traceback); the server goes on."""
    try:
        yield
    except gr.Error:
        raise
    except (InvalidSetting, RateLimited) as err:
        raise _error(err) from None
    except Busy:
        raise _error(BUSY_MESSAGE) from None
    except Exception as err:
        if not limits.is_out_of_memory(err):
            raise
        limits.free_memory()
        raise _error(OOM_MESSAGE.format(device=device)) from None


def safe_mode_from_env() -> bool:
    return os.environ.get(SAFE_MODE_ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def _settings(temperature, top_k, top_p, max_new_tokens, seed) -> SamplingSettings:
    try:
        return SamplingSettings(temperature, top_k, top_p, max_new_tokens, seed)
    except InvalidSetting as err:
        raise _error(err) from None


def _lang(request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) or {}
    return views.lang_of(headers.get("accept-language"))


class App:
    """The handlers behind the components and the API, around one shared engine."""

    def __init__(self, engine: Engine, safe_mode: bool = True, rate_limit: RateLimiter | None = None,
                 time_limit: float | None = DEFAULT_TIME_LIMIT, rate_key: str = "ip"):
        self.engine = engine
        self.time_limit = time_limit  # seconds per request (None = none): a longer generation ends early
        self.rate_limit, self.rate_key = rate_limit, rate_key
        # Lecture-safe mode: generated text and shown tokens pass the word filter (None = off).
        self.words = safety.WordFilter.default() if safe_mode else None
        # On ZeroGPU the GPU exists only inside `spaces.GPU` calls, not in a worker thread: decode per request.
        self.worker = None if ZERO_GPU else BatchWorker(engine, max_batch=BATCH, time_limit=time_limit)

    @property
    def safe_mode(self) -> bool:
        return self.words is not None

    def _errors(self):
        return _user_errors(self.engine.info.device)

    def check_rate(self, request: gr.Request | None) -> None:
        """Count one request against this client's rate limit (if one is set); RateLimited when over."""
        if self.rate_limit is None or request is None:
            return
        if self.rate_key == "session":
            key = getattr(request, "session_hash", None) or "?"
        else:
            client = getattr(request, "client", None)
            key = getattr(client, "host", None) or "?"
        with self._errors():
            self.rate_limit.check(key)

    def mask(self, prompt: str, continuation: str) -> tuple[str, str, int]:
        """(prompt, continuation, words masked) as shown in lecture-safe mode; unchanged when it is off.
        The two are masked together, so a word split between them is caught too."""
        if self.words is None:
            return prompt, continuation, 0
        masked = self.words.mask(prompt + continuation)
        return masked.text[:len(prompt)], masked.text[len(prompt):], masked.count

    def _mask_step(self, step):
        return safety.mask_step(step, self.words) if self.words is not None and step is not None else step

    def _mask_tokens(self, tokens):
        if self.words is None:
            return tokens
        return [dataclasses.replace(t, raw=m.text, token=visible(m.text)) if m.count else t
                for t, m in ((t, self.words.mask(t.raw)) for t in tokens)]

    # --- API and Generate tab -------------------------------------------------------------
    def model_info(self) -> dict:
        """The model: name, parameters, layers, heads, context, vocab_size, device, dtype; and safe_mode."""
        return {**self.engine.info.as_dict(), "safe_mode": self.safe_mode}

    def generate(self, prompt: str, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
                 max_new_tokens: int = 80, seed: int | None = None,
                 request: gr.Request = None) -> Iterator[str]:
        """The continuation (text after the prompt) for these sampling settings, streamed as it grows.
        In lecture-safe mode listed words come masked (████)."""
        self.check_rate(request)
        job = self._start(prompt, _settings(temperature, top_k, top_p, max_new_tokens, seed))
        shown_prompt = "" if job.prompt.started_from_eos else job.prompt.text
        with self._errors():
            for _ in self._updates(job):
                yield self.mask(shown_prompt, job.text)[1]
        yield self.mask(shown_prompt, job.text)[1]

    def _start(self, prompt: str, settings: SamplingSettings):
        """A generation in the batch worker (or, on ZeroGPU, a Run of its own); same tokens alone."""
        with self._errors():
            if self.worker is None:
                return self.engine.start(prompt, settings, time_limit=self.time_limit)
            return self.worker.submit(prompt, settings)

    def _tokens(self, job):
        """Iterate a job's tokens; closing this generator (Stop, a closed tab) cancels the job at once."""
        try:
            yield from (gpu(lambda: iter(job))() if self.worker is None else job)
        finally:
            job.stop()

    def _updates(self, job):
        """`_tokens`, at most one update every STREAM_EVERY seconds (the first token at once): fifty
        phones streaming every token would cost the server more than the model does."""
        last = 0.0
        for _ in self._tokens(job):
            now = time.perf_counter()
            if now - last >= STREAM_EVERY:
                last = now
                yield

    def probabilities(self, prompt: str, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
                      steps: int = 10, seed: int | None = None, top_n: int = 10,
                      request: gr.Request = None) -> dict:
        """Every step's candidates and probabilities for `steps` sampled tokens, plus the continuation.
        In lecture-safe mode listed words come masked in tokens and text; the numbers are unchanged."""
        self.check_rate(request)
        with self._errors():
            steps = as_int("steps", steps, 1, MAX_NEW_TOKENS_MAX)
            top_n = check_top_n(top_n)
            settings = _settings(temperature, top_k, top_p, steps, seed)
            run = gpu(self.engine.generate)(prompt, settings, top_n=top_n, time_limit=self.time_limit)
        shown_prompt = "" if run.prompt.started_from_eos else run.prompt.text
        text = self.mask(shown_prompt, run.text)[1]
        masked_steps = [self._mask_step(s) for s in run.steps]
        return {
            "prompt_tokens": [export.token_json(t) for t in self._mask_tokens(run.prompt.tokens)],
            "steps": [export.step_json(s) for s in masked_steps],
            "text": text,
            "seed": run.seed,
            "notes": run.prompt.notes,
            "finish_reason": run.finish_reason,
            "safe_mode": self.safe_mode,
            "masked": sum(s.extra.get("masked", 0) for s in masked_steps),
        }

    def attention(self, text: str, layer: int = 0, request: gr.Request = None) -> dict:
        """Tokens of `text` and one layer's attention weights as [heads][n][n]."""
        self.check_rate(request)
        with self._errors():
            check_prompt(text, "text")
            layer = as_int("layer", layer, 0, self.engine.info.layers - 1)
            att = gpu(self.engine.attention)(text)
        return {"tokens": [export.token_json(t) for t in att.tokens], "layer": layer,
                "attention": att.weights[layer].round(5).tolist(), "truncated_tokens": att.truncated_tokens}

    def generate_stream(self, prompt, temperature, top_k, top_p, max_new_tokens, seed, request: gr.Request = None):
        """Generate tab: stream the greentext as it is written (masked in lecture-safe mode, with a note)."""
        self.check_rate(request)
        run = self._start(prompt, _settings(temperature, top_k, top_p, max_new_tokens, seed))
        lang = _lang(request)
        notes = list(run.prompt.notes)
        shown_prompt = "" if run.prompt.started_from_eos else prompt

        def view():
            shown, text, masked = self.mask(shown_prompt, run.text)
            extra = [views.masked_note(masked, lang)]
            if run.finish_reason == "time":
                extra.append(TIME_NOTE[lang].format(s=self.time_limit))
            note = " ".join(notes + [e for e in extra if e])
            return views.greentext_html(shown, text, note), shown + text, self._status(run)

        with self._errors():
            for _ in self._updates(run):
                yield view()
        yield view()

    def _status(self, run) -> str:
        info = self.engine.info
        return (f"seed **{run.seed}** · {len(run.ids)} tokens · {run.tokens_per_second:.1f} tokens/s · "
                f"{info.device} ({info.dtype})")

    # --- Probabilities tab ----------------------------------------------------------------
    def walk_for(self, walk: Walk | None, prompt, temperature, top_k, top_p, max_new_tokens, seed, top_n) -> Walk:
        """The user's walk, or a new one if the prompt or the settings changed (the seed is then kept)."""
        settings = _settings(temperature, top_k, top_p, max_new_tokens, seed)
        with self._errors():
            top_n = check_top_n(top_n)
            if walk is not None and walk.prompt.text == prompt and _same(walk.settings, settings):
                if walk.top_n != top_n:
                    walk = walk.with_top_n(top_n)
                return walk
            return self.engine.walk(prompt, settings, top_n)

    def walk_view(self, walk: Walk, lang: str):
        """(upcoming step's table, last step's table, chart, story so far, status, prompt tokens)."""
        done = self._mask_step(walk.steps[-1] if walk.steps else None)
        upcoming = None if walk.finished else self._mask_step(walk.candidates())
        main = upcoming or done
        shown_prompt = "" if walk.prompt.started_from_eos else walk.prompt.text
        shown, text, masked = self.mask(shown_prompt, walk.text)
        note = " ".join(walk.prompt.notes + ([views.masked_note(masked, lang)] if masked else []))
        status = f"seed **{walk.settings.seed}** · {len(walk.ids)}/{walk.settings.max_new_tokens} tokens"
        return (views.step_html(main, lang), views.step_html(done, lang) if upcoming and done else "",
                charts.step_figure(main, lang), views.greentext_html(shown, text, note),
                status + (" · ✔" if walk.finished else ""), views.tokens_html(self._mask_tokens(walk.prompt.tokens)))

    def shown_steps(self, walk: Walk) -> list:
        """The walk's steps as shown and exported (masked in lecture-safe mode, numbers unchanged)."""
        return [self._mask_step(s) for s in walk.steps]


def _same(a: SamplingSettings, b: SamplingSettings) -> bool:
    same = (a.temperature, a.top_k, a.top_p, a.max_new_tokens) == (b.temperature, b.top_k, b.top_p, b.max_new_tokens)
    return same and (b.seed is None or a.seed == b.seed)


def _sliders(prefix: str):
    with gr.Row():
        t = gr.Slider(0, TEMPERATURE_MAX, value=0.8, step=0.05, label=I18N("temperature"), elem_id=f"{prefix}-temperature")
        k = gr.Slider(0, TOP_K_MAX, value=50, step=1, label=I18N("top_k"), elem_id=f"{prefix}-top-k")
        p = gr.Slider(0.05, 1.0, value=0.95, step=0.01, label=I18N("top_p"), elem_id=f"{prefix}-top-p")
    return t, k, p


def build_app(engine: Engine, *, safe_mode: bool | None = None, time_limit=_FROM_ENV,
              rate_limit: str | None = None, rate_key: str | None = None) -> gr.Blocks:
    """The Blocks app around `engine`; `launch()` it (after `configure_queue`), or drive it with
    gradio_client in tests. Each limit left out comes from its environment variable (README "Limits")."""
    safe_mode = safe_mode_from_env() if safe_mode is None else safe_mode
    time_limit = limits.env_float(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT) if time_limit is _FROM_ENV else time_limit
    rate = RateLimiter.parse(os.environ.get(RATE_LIMIT_ENV, "") if rate_limit is None else rate_limit)
    rate_key = (rate_key or os.environ.get(RATE_KEY_ENV, "ip")).strip().lower()
    if rate_key not in ("ip", "session"):
        raise ValueError(f"{RATE_KEY_ENV} must be ip or session (got {rate_key!r})")
    app = App(engine, safe_mode=safe_mode, rate_limit=rate, time_limit=time_limit, rate_key=rate_key)
    info = engine.info
    with gr.Blocks(title="GPT-2 Greentext Lab") as demo:
        demo.greentext = app  # the handlers' state, for tests and tools
        with gr.Row():
            gr.Markdown("# GPT-2 Greentext Lab")
            big = gr.Checkbox(label=I18N("big"), value=False, elem_id="big-type")
        gr.Markdown(I18N("safe_on" if safe_mode else "safe_off"), elem_id="safe-mode")
        with gr.Accordion(I18N("model"), open=False):
            gr.Markdown(f"**{views.esc(info.name)}** · {info.parameters:,} parameters · {info.layers} layers · "
                        f"{info.heads} heads · context {info.context} · vocabulary {info.vocab_size:,} · "
                        f"{info.device} · {info.dtype}", elem_id="model-panel")
            bundled = Path(info.card).parent == BUNDLED_MODEL if info.card else False
            if bundled or info.about:
                gr.Markdown(I18N("about_bundled") if bundled else views.esc(info.about), elem_id="model-about")
            if info.card:
                with gr.Accordion(I18N("model_card"), open=False):
                    gr.Markdown(card_markdown(info.card), elem_id="model-card")
        big.change(None, big, big, js=BIG_TYPE_JS)

        with gr.Tabs():
            # ---------------- Generate ----------------
            with gr.Tab(I18N("generate_tab"), id="generate"):
                g_prompt = gr.Textbox(DEFAULT_PROMPT, lines=4, label=I18N("prompt"), elem_id="g-prompt")
                gr.Examples(EXAMPLES, g_prompt, label=I18N("examples"))
                g_t, g_k, g_p = _sliders("g")
                with gr.Row():
                    g_n = gr.Slider(1, MAX_NEW_TOKENS_MAX, value=80, step=1, label=I18N("max_new_tokens"))
                    g_seed = gr.Textbox("", label=I18N("seed"), placeholder="1234", elem_id="g-seed")
                with gr.Row():
                    g_go = gr.Button(I18N("generate"), variant="primary", elem_id="g-generate")
                    g_stop = gr.Button(I18N("stop"), variant="stop", elem_id="g-stop")
                g_html = gr.HTML(views.greentext_html(DEFAULT_PROMPT, ""), label=I18N("output"), elem_id="g-output")
                g_status = gr.Markdown("", elem_id="g-status")
                g_text = gr.Textbox(label=I18N("plain"), lines=4, buttons=["copy"], interactive=False, elem_id="g-text")
                g_event = g_go.click(app.generate_stream, [g_prompt, g_t, g_k, g_p, g_n, g_seed],
                                     [g_html, g_text, g_status], api_visibility="private",
                                     concurrency_id=GENERATE_GROUP, concurrency_limit=BATCH)
                g_stop.click(None, None, None, cancels=[g_event])

            # ---------------- Probabilities ----------------
            with gr.Tab(I18N("probabilities_tab"), id="probabilities"):
                walk_state = gr.State(None)
                p_prompt = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("prompt"), elem_id="p-prompt")
                p_t, p_k, p_p = _sliders("p")
                with gr.Row():
                    p_n = gr.Slider(1, MAX_NEW_TOKENS_MAX, value=80, step=1, label=I18N("max_new_tokens"))
                    p_seed = gr.Textbox("", label=I18N("seed"), placeholder="1234", elem_id="p-seed")
                    p_top = gr.Slider(1, TOP_N_MAX, value=10, step=1, label=I18N("top_n"))
                    p_steps = gr.Number(10, label=I18N("steps"), minimum=1, maximum=MAX_NEW_TOKENS_MAX, precision=0)
                p_tokens = gr.HTML(views.tokens_html(engine.tokenize(DEFAULT_PROMPT)), label=I18N("tokenization"),
                                   elem_id="p-tokens")
                with gr.Row():
                    b_sample = gr.Button(I18N("sample_step"), variant="primary", elem_id="p-sample")
                    b_greedy = gr.Button(I18N("greedy_step"), elem_id="p-greedy")
                    b_run = gr.Button(I18N("run_steps"), elem_id="p-run")
                    b_undo = gr.Button(I18N("undo"), elem_id="p-undo")
                    b_reset = gr.Button(I18N("reset"), variant="stop", elem_id="p-reset")
                with gr.Row():
                    p_rank = gr.Number(1, label=I18N("pick_rank"), minimum=1, maximum=TOP_N_MAX, precision=0)
                    b_pick = gr.Button(I18N("pick"), elem_id="p-pick")
                p_status = gr.Markdown("", elem_id="p-status")
                with gr.Row():
                    with gr.Column(scale=3):
                        p_table = gr.HTML("", elem_id="p-table")
                    with gr.Column(scale=2):
                        p_story = gr.HTML("", elem_id="p-story")
                        p_plot = gr.Plot(elem_id="p-plot")
                p_last = gr.HTML("", elem_id="p-last")
                with gr.Row():
                    b_csv = gr.DownloadButton(I18N("csv"), elem_id="p-csv")
                    b_slides = gr.DownloadButton(I18N("slides"), elem_id="p-slides")

                inputs = [walk_state, p_prompt, p_t, p_k, p_p, p_n, p_seed, p_top]
                outputs = [walk_state, p_table, p_last, p_plot, p_story, p_status, p_tokens, b_csv, b_slides]

                def act(action, rate_limited=False):
                    def handler(walk, prompt, t, k, p, n, seed, top_n, *extra, request: gr.Request = None):
                        if rate_limited:
                            app.check_rate(request)
                        walk = app.walk_for(walk, prompt, t, k, p, n, seed, top_n)
                        with app._errors():
                            try:
                                action(walk, *extra)
                            except InvalidSetting as err:
                                gr.Warning(html.escape(str(err), quote=False))
                            lang = _lang(request)
                            csv_path, slides_path = _write_csvs(app.shown_steps(walk), lang)
                            return (walk, *app.walk_view(walk, lang), csv_path, slides_path)
                    return gpu(handler)

                common = dict(concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY, api_visibility="private")
                b_sample.click(act(lambda w: w.sample()), inputs, outputs, **common)
                b_greedy.click(act(lambda w: w.greedy()), inputs, outputs, **common)
                b_run.click(act(lambda w, n: w.run(_steps(n), app.time_limit), rate_limited=True),
                            inputs + [p_steps], outputs, **common)
                b_undo.click(act(lambda w: w.undo()), inputs, outputs, **common)
                b_reset.click(act(lambda w: w.reset()), inputs, outputs, **common)
                b_pick.click(act(lambda w, r: w.pick(rank=r)), inputs + [p_rank], outputs, **common)
                demo.load(act(lambda w: None), inputs, outputs, **common)
                def show_tokens(text):
                    try:
                        return views.tokens_html(app._mask_tokens(engine.tokenize(text or "")))
                    except InvalidSetting as err:
                        raise _error(err) from None

                p_prompt.change(show_tokens, p_prompt, p_tokens, api_visibility="private", trigger_mode="always_last")

            # ---------------- Attention ----------------
            with gr.Tab(I18N("attention_tab"), id="attention") as att_tab:
                a_text = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("text"), elem_id="a-text")
                with gr.Row():
                    a_layer = gr.Slider(0, info.layers - 1, value=0, step=1, label=I18N("layer"), elem_id="a-layer")
                    a_head = gr.Dropdown([("average", -1)] + [(str(h), h) for h in range(info.heads)], value=-1,
                                         label=I18N("head"))
                    a_go = gr.Button(I18N("show_attention"), variant="primary", elem_id="a-show")
                # The prompt part of the text when it came from the Generate tab (None: all of it is prompt).
                a_prompt = gr.State(None)
                a_note = gr.Markdown("", elem_id="a-note")
                with gr.Row():
                    with gr.Column(scale=2, min_width=380):
                        a_head_view = gr.HTML("", label=I18N("head_view"), elem_id="a-head-view")
                    with gr.Column(scale=3):
                        a_plot = gr.Plot(elem_id="a-plot")
                a_model_view = gr.HTML("", label=I18N("model_view"), elem_id="a-model-view")

                @functools.lru_cache(maxsize=1)  # the layer slider and head menu re-render the same text
                def attention_of(text):
                    return gpu(app.engine.attention)(text)

                def show_attention(text, layer, head, prompt, request: gr.Request = None, model_view=True):
                    with app._errors():
                        att = attention_of(check_prompt(text, "text"))
                    lang, layer, head = _lang(request), int(layer), int(head)
                    tokens = app._mask_tokens(att.tokens)
                    n_prompt = attention_view.prompt_token_count(engine.tokenizer, text, prompt, att.truncated_tokens)
                    weights = att.weights[layer].mean(0) if head < 0 else att.weights[layer, head]
                    title = f"layer {layer} · " + ("average of heads" if head < 0 else f"head {head}")
                    figure = charts.attention_figure(tokens, weights, title, n_prompt)
                    notes = [TRUNCATED_NOTE[lang].format(k=att.truncated_tokens)] if att.truncated_tokens else []
                    too_long = attention_view.too_long(len(tokens), lang)
                    if too_long:
                        head_html = model_html = ""
                        notes.append(too_long)
                    else:
                        kw = dict(prompt_tokens=n_prompt, lang=lang, url_prefix=SCRIPT_URL)
                        head_html = attention_view.head_view(tokens, att.weights[layer], layer, head=head, **kw).iframe()
                        model_html = attention_view.model_view(tokens, att.weights, **kw).iframe() if model_view else None
                    note = " ".join(f"⚠️ {views.esc(n)}" for n in notes)
                    if not model_view:
                        return figure, head_html, note
                    return figure, head_html, note, model_html

                def show_layer(text, layer, head, prompt, request: gr.Request = None):
                    if not (text or "").strip():  # nothing shown yet: the layer/head pickers wait for a text
                        return gr.skip(), gr.skip(), gr.skip()
                    return show_attention(text, layer, head, prompt, request, model_view=False)

                common = dict(api_visibility="private", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
                a_inputs = [a_text, a_layer, a_head, a_prompt]
                a_go.click(show_attention, a_inputs, [a_plot, a_head_view, a_note, a_model_view], **common)
                # input: dragging, arrow keys and the typed number all re-render; always_last skips stale values
                a_layer.input(show_layer, a_inputs, [a_plot, a_head_view, a_note], trigger_mode="always_last", **common)
                a_head.input(show_layer, a_inputs, [a_plot, a_head_view, a_note], **common)
                a_text.input(lambda: None, None, a_prompt, api_visibility="private")  # typed text: all prompt

                # The text defaults to the last prompt + generation of the Generate tab.
                def from_generate(story, prompt):
                    """The story, and the part of it that was the prompt (None: unknown, all counted as prompt)."""
                    prompt = prompt or ""
                    if not prompt.strip():
                        return story, ""  # generated from <|endoftext|>: every token of the story is generated
                    for shown in (prompt, app.mask(prompt, "")[0]):  # as typed, or as lecture-safe mode shows it
                        if story.startswith(shown):
                            return story, shown
                    return story, None  # e.g. a prompt cut to the context

                g_event.then(from_generate, [g_text, g_prompt], [a_text, a_prompt], api_visibility="private")

        gr.api(app.model_info, api_name="model_info")
        gr.api(app.generate, api_name="generate", concurrency_id=GENERATE_GROUP, concurrency_limit=BATCH)
        gr.api(app.probabilities, api_name="probabilities", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
        gr.api(app.attention, api_name="attention", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
    return demo


def _steps(n) -> int:
    return as_int("steps", n, 1, MAX_NEW_TOKENS_MAX)


def _write_csvs(steps: list, lang: str) -> tuple[str | None, str | None]:
    """The steps (as shown: masked in lecture-safe mode) as the full CSV and the slide-ready CSV."""
    if not steps:
        return None, None
    folder = tempfile.mkdtemp(prefix="greentext-")
    full = os.path.join(folder, "steps.csv")
    slides = os.path.join(folder, "slides-pt-BR.csv" if lang == "pt" else "slides.csv")
    with open(full, "w", encoding="utf-8", newline="") as f:
        f.write(export.steps_csv(steps))
    with open(slides, "w", encoding="utf-8-sig", newline="") as f:  # BOM: spreadsheets then read UTF-8
        f.write(export.slides_csv(steps, "pt-BR" if lang == "pt" else "en"))
    return full, slides


def configure_queue(demo: gr.Blocks) -> gr.Blocks:
    """The queue every launch uses: at most QUEUE_SIZE waiting requests (then gradio answers "busy"),
    CONCURRENCY model calls at once by default."""
    return demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)


def card_markdown(card: str) -> str:
    """A model card to show in the app: without its YAML header, its loss curve served by the app."""
    text = Path(card).read_text(encoding="utf-8", errors="replace")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[-1]
    image = Path(card).parent / "loss.png"
    return text.replace("](loss.png)", f"](/gradio_api/file={image})")


def launch_kwargs(engine: Engine | None = None) -> dict:
    # allowed_paths: the two JS files the Attention tab's bertviz views load (d3 v5, jQuery) and the
    # model card's loss curve, and nothing else.
    files = [str(p) for p in attention_view.library_files().values()]
    if engine is not None and engine.info.card and (Path(engine.info.card).parent / "loss.png").is_file():
        files.append(str(Path(engine.info.card).parent / "loss.png"))
    return dict(i18n=I18N, css=CSS, theme=gr.themes.Soft(primary_hue="green"), allowed_paths=files)


def main(argv=None) -> None:
    """`python app.py [--model PATH_OR_HUB_ID] [--device auto|cpu|cuda|mps] [--host H] [--port P] [--share]`."""
    parser = argparse.ArgumentParser(prog="python app.py", description="GPT-2 Greentext Lab")
    parser.add_argument("--model", default=None, help="checkpoint directory or hub id (default: $GREENTEXT_MODEL "
                                                      "or the bundled model)")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, mps")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="also serve through a public gradio.live link")
    parser.add_argument("--safe-mode", choices=["on", "off"], default=None,
                        help=f"lecture-safe mode: mask profanity and slurs (default on; ${SAFE_MODE_ENV}=0 turns it off)")
    parser.add_argument("--unsafe", action="store_true", help="the same as --safe-mode off")
    parser.add_argument("--time-limit", type=float, default=None,
                        help=f"seconds per request, 0 = none (default ${TIME_LIMIT_ENV} or {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--rate-limit", default=None,
                        help=f"REQUESTS/SECONDS per client, e.g. 10/60, or off (default ${RATE_LIMIT_ENV} or off)")
    args = parser.parse_args(argv)
    safe_mode = False if args.unsafe else None if args.safe_mode is None else args.safe_mode == "on"
    time_limit = _FROM_ENV if args.time_limit is None else (args.time_limit or None)
    try:
        RateLimiter.parse(args.rate_limit if args.rate_limit is not None else os.environ.get(RATE_LIMIT_ENV))
        engine = Engine.load(args.model, args.device)
    except (ModelLoadError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    demo = build_app(engine, safe_mode=safe_mode, time_limit=time_limit, rate_limit=args.rate_limit)
    configure_queue(demo)
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, **launch_kwargs(engine))
