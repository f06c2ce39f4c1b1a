"""The page: a header, the model panel (model_panel.py), four tabs and the named API — components and
events only.

Each tab's components and handlers live in its own module (`generate.py`, `probabilities.py`,
`attention.py`, `compare.py`); this function puts them on the page and names the API endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from greentext.config import Config
from greentext.present import html as views
from greentext.probes.compare import Checkpoints
from greentext.decode.engine import Engine
from greentext.ui import attention
from greentext.ui import generate
from greentext.ui import lesson_panel
from greentext.ui.model_panel import model_events, model_panel
from greentext.ui import probabilities
from greentext.ui import share
from greentext.ui.stream import hold_stream_open
from greentext.ui import compare as compare_tab
from greentext.ui.context import DEFAULT_PROMPT, GENERATE_GROUP, I18N, MODEL_GROUP, App
from greentext.paths import static_text

BIG_TYPE_JS = static_text("big_type.js").strip()
KEYS_JS = static_text("keys.js").strip()
NUMBERS_JS = static_text("numbers.js").strip()


@dataclass(eq=False)
class Page:
    """The page's components by tab (`demo.controls`, for tests and tools)."""

    tabs: gr.Tabs
    generate: generate.Controls
    probabilities: probabilities.Controls
    attention: attention.Controls
    compare: compare_tab.Controls
    share: share.Panel
    lessons: dict = None  # the lesson's strips on the Compare and Attention tabs ("compare", "attention")

    @property
    def lesson(self) -> lesson_panel.Section | None:
        """The Probabilities tab's lesson bar (the lesson open, its menu and strip)."""
        return self.probabilities.lesson

    def sources(self) -> share.Sources:
        """What a link fills and the Share button reads."""
        return share.Sources(
            forms={"generate": self.generate.form, "probabilities": self.probabilities.form,
                   "compare": self.compare.form},
            lasts={"generate": self.generate.replay, "probabilities": self.probabilities.state,
                   "compare": self.compare.last},
            text=self.attention.text, tabs=self.tabs, lesson=self.lesson.state if self.lesson else None)

    def lesson_wiring(self, demo: gr.Blocks) -> lesson_panel.Wiring:
        """What showing a lesson's slide fills (the Compare tab's text found by its id, #c-text)."""
        found = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "c-text"]
        return lesson_panel.Wiring(self.tabs, self.lesson, self.probabilities, self.compare, self.attention,
                                   dict(self.lessons or {}), found[0] if found else None)


def build_app(engine: Engine, compare: Sequence[str] | Checkpoints = (), config: Config | None = None,
              **limits) -> gr.Blocks:
    """The Blocks app around `engine`; `launch()` it (after `cli.configure_queue`), or drive it with
    gradio_client in tests. `compare`: the Compare tab's models A and B (one checkpoint: A, with the app's
    model as B; none: the bundled base as A). `config`: the settings (none given: `Config.from_env()`, read
    now); the limits given (safe_mode, time_limit, rate_limit, rate_key) override its own (see `App`)."""
    config = Config.from_env() if config is None else config
    app = App(engine, config, **limits)
    config = app.config
    checkpoints = compare if isinstance(compare, Checkpoints) else Checkpoints(engine, compare or (),
                                                                               keep=config.compare_models)
    gen, probs, att = generate.GenerateTab(app), probabilities.ProbabilitiesTab(app), attention.AttentionTab(app)
    cmp = compare_tab.CompareTab(app, checkpoints)
    with gr.Blocks(title="GPT-2 Greentext Lab", delete_cache=config.cache_cleaning) as demo:
        sharer = share.SharePanel(app, demo)
        demo.greentext = app  # the handlers' state, for tests and tools
        demo.tabs = {"generate": gen, "probabilities": probs, "attention": att, "compare": cmp}
        with gr.Row(elem_classes="gt-chrome"):  # the page's chrome folds away in presentation mode
            gr.Markdown("# GPT-2 Greentext Lab")
            share_button = share.button()
            big = gr.Checkbox(label=I18N("big"), value=False, elem_id="big-type")
        shared = share.panel()
        gr.Markdown(I18N("safe_on" if app.safe_mode else "safe_off"), elem_id="safe-mode")
        with gr.Column(elem_classes="gt-chrome"):
            panel = model_panel(app, demo, checkpoints)
        big.change(None, big, big, js=BIG_TYPE_JS)
        demo.controls = page = build_tabs(demo, shared, gen, probs, att, cmp)

        # The Attention tab's text follows the last prompt + generation of the Generate tab.
        page.generate.generated.then(att.from_generate, [page.generate.text, page.generate.form.prompt],
                                     [page.attention.text, page.attention.prompt], api_visibility="private")
        # A link's settings fill the forms as the page opens; then the Probabilities tab shows its first step, or
        # the link's lesson its slide (the lesson menu in the page's language either way).
        loaded = share.events(sharer, demo, share_button, shared, page.sources())
        lessons = lesson_panel.LessonPanel(app, probs, checkpoints)
        demo.lessons = lessons  # the lesson bar's handlers, for tests and tools
        lesson_panel.events(lessons, demo, page.lesson_wiring(demo), loaded)
        # "Explain this generation": the Probabilities tab on the same prompt, settings and seed, from step 0.
        explain, filled = explainer(gen, page)
        explained = page.generate.explain.click(explain, page.generate.replay, filled, api_visibility="private")
        probabilities.show_after(probs, page.probabilities, explained)
        demo.load(None, js=KEYS_JS)  # the clicker's keys (Probabilities tab)
        demo.load(None, js=NUMBERS_JS)  # number boxes with a decimal comma on a Portuguese page
        hold_stream_open(demo)  # no click waits forever on an event stream gradio closed as it joined
        named_api(app, gen, probs, att, cmp)
        model_events(panel, demo, probs, checkpoints)
    return demo


def build_tabs(demo: gr.Blocks, shared: share.Panel, gen: generate.GenerateTab, probs: probabilities.ProbabilitiesTab,
               att: attention.AttentionTab, cmp: compare_tab.CompareTab) -> Page:
    """The four tabs, each its module's components and events; the lesson's bar on the Probabilities tab and a
    slide's strip atop the Attention and Compare tabs (ui/lesson_panel.py)."""
    engine = gen.app.engine
    strips = {}
    with gr.Tabs() as selected:
        with gr.Tab(I18N("generate_tab"), id="generate"):
            generate_tab = generate.tab(gen)
        with gr.Tab(I18N("probabilities_tab"), id="probabilities"):
            walk = probabilities.tab(probs, views.tokens_html(engine.tokenize(DEFAULT_PROMPT)),
                                     lesson_section=lesson_panel.section)
        with gr.Tab(I18N("attention_tab"), id="attention"):
            strips["attention"] = lesson_panel.strip("a")
            text = attention.tab(att, engine.info.layers, engine.info.heads)
        with gr.Tab(I18N("compare_tab"), id="compare"):
            strips["compare"] = lesson_panel.strip("c")
            compare = compare_tab.tab(cmp, demo)
    return Page(selected, generate_tab, walk, text, compare, shared, strips)


def explainer(gen: generate.GenerateTab, page: Page) -> tuple[Callable, list]:
    """"Explain this generation": its handler and outputs. The Probabilities tab, selected, gets the run's
    prompt, settings and seed, Steps its length, and its walk reset (updates keyed by component)."""
    walk = page.probabilities

    def explain(replay: dict | None, request: gr.Request = None) -> dict:
        found = gen.explain(replay, request)  # None: no generation yet (a warning says so), nothing changes
        return gr.skip() if found is None else {page.tabs: gr.Tabs(selected="probabilities"), **walk.fill(*found)}

    return explain, [page.tabs, *walk.form.fields(), walk.steps, walk.state]


def named_api(app: App, gen: generate.GenerateTab, probs: probabilities.ProbabilitiesTab,
              att: attention.AttentionTab, cmp: compare_tab.CompareTab) -> None:
    """The named API (and MCP tools, with --mcp): each a handler's method, its docstring the description."""
    config = app.config
    gr.api(app.model_info, api_name="model_info")
    gr.api(gen.generate, api_name="generate", concurrency_id=GENERATE_GROUP, concurrency_limit=config.batch)
    model = dict(concurrency_id=MODEL_GROUP, concurrency_limit=config.concurrency)  # one pool, every tab and user
    gr.api(probs.probabilities, api_name="probabilities", **model)
    gr.api(att.attention, api_name="attention", **model)
    gr.api(probs.lens.logit_lens, api_name="logit_lens", **model)
    gr.api(cmp.compare, api_name="compare", **model)
    gr.api(cmp.compare_tokens, api_name="compare_tokens", **model)
