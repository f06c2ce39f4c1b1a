"""The page: a header, the model panel, four tabs and the named API — components and events only.

Each tab's components and handlers live in its own module (`generate.py`, `probabilities.py`,
`attention.py`, `compare.py`); this function puts them on the page and names the API endpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from greentext.language import i18n
from greentext.present import html as views
from greentext.probes.compare import Checkpoints, facts
from greentext.decode.engine import Engine
from greentext.model.loading import BUNDLED_MODEL, BUNDLED_NAME
from greentext.ui import attention
from greentext.ui import generate
from greentext.ui import probabilities
from greentext.ui import share
from greentext.ui import compare as compare_tab
from greentext.ui.context import (BATCH, CONCURRENCY, DEFAULT_PROMPT, GENERATE_GROUP, I18N, MODEL_GROUP, App, cache_cleaning_from_env,
                  gpu, lang)
from greentext.paths import static_text

BIG_TYPE_JS = static_text("big_type.js").strip()
KEYS_JS = static_text("keys.js").strip()


def build_app(engine: Engine, compare: Sequence[str] | Checkpoints = (), **limits) -> gr.Blocks:
    """The Blocks app around `engine`; `launch()` it (after `cli.configure_queue`), or drive it with
    gradio_client in tests. `compare`: the Compare tab's models A and B (one checkpoint: A, with the app's
    model as B; none: the bundled base as A). Limits left out come from their environment variables
    (see `App.from_env`)."""
    app = App.from_env(engine, **limits)
    checkpoints = compare if isinstance(compare, Checkpoints) else Checkpoints(engine, compare or ())
    gen, probs, att = generate.GenerateTab(app), probabilities.ProbabilitiesTab(app), attention.AttentionTab(app)
    cmp = compare_tab.CompareTab(app, checkpoints)
    with gr.Blocks(title="GPT-2 Greentext Lab", delete_cache=cache_cleaning_from_env()) as demo:
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
            model_panel(engine, demo, checkpoints)
        big.change(None, big, big, js=BIG_TYPE_JS)

        with gr.Tabs() as tabs:
            with gr.Tab(I18N("generate_tab"), id="generate"):
                generated, story, generate_form, explain, replay = generate.tab(gen)
            with gr.Tab(I18N("probabilities_tab"), id="probabilities"):
                walk, show_step = probabilities.tab(probs, views.tokens_html(engine.tokenize(DEFAULT_PROMPT)))
            with gr.Tab(I18N("attention_tab"), id="attention"):
                text, text_prompt = attention.tab(att, engine.info.layers, engine.info.heads)
            with gr.Tab(I18N("compare_tab"), id="compare"):
                compare_form, compare_last = compare_tab.tab(cmp, demo)
        # The Attention tab's text follows the last prompt + generation of the Generate tab.
        generated.then(att.from_generate, [story, generate_form[0]], [text, text_prompt], api_visibility="private")
        # A link's settings fill the forms as the page opens; then the Probabilities tab shows its first step.
        forms = {"generate": (generate_form, replay), "probabilities": (walk["fields"], walk["state"]),
                 "compare": (compare_form, compare_last)}
        show_step(share.events(sharer, demo, share_button, shared, tabs, forms, text))
        # "Explain this generation": the Probabilities tab on the same prompt, settings and seed, from step 0.
        explain.click(gen.explain, replay, [tabs] + [walk[k] for k in ("prompt", "temperature", "top_k", "top_p",
                      "max_new_tokens", "seed", "steps", "state")], api_visibility="private").then(
            gpu(probs.show), walk["form"], walk["view"], api_visibility="private", concurrency_id=MODEL_GROUP,
            concurrency_limit=CONCURRENCY)
        demo.load(None, js=KEYS_JS)  # the clicker's keys (Probabilities tab)

        gr.api(app.model_info, api_name="model_info")
        gr.api(gen.generate, api_name="generate", concurrency_id=GENERATE_GROUP, concurrency_limit=BATCH)
        gr.api(probs.probabilities, api_name="probabilities", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
        gr.api(att.attention, api_name="attention", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
        gr.api(probs.lens.logit_lens, api_name="logit_lens", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
        gr.api(cmp.compare, api_name="compare", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
        gr.api(cmp.compare_tokens, api_name="compare_tokens", concurrency_id=MODEL_GROUP, concurrency_limit=CONCURRENCY)
    return demo


def model_panel(engine: Engine, demo: gr.Blocks, checkpoints: Checkpoints | None = None) -> None:
    """What the model is: its facts (in the page's language, written as each page loads), what it was
    made from, its model card, and the Compare tab's two models."""
    info = engine.info

    def model_line(request: gr.Request = None) -> str:
        page = lang(request)
        name = i18n.text("bundled_name", page) if info.name == BUNDLED_NAME else views.esc(info.name)
        return i18n.text("model_line", page, **{**info.as_dict(), "name": name})

    def compare_line(request: gr.Request = None) -> str:
        page = lang(request)
        (a, b), source = checkpoints.default, checkpoints.choices.get
        return i18n.text("compare_panel", page, a=a, b=b, a_facts=facts(source(a, ""), page) or "?",
                         b_facts=facts(source(b, ""), page) or "?", keep=checkpoints.keep)

    with gr.Accordion(I18N("model"), open=False, elem_id="model-accordion"):
        line = gr.Markdown(model_line(), elem_id="model-panel")
        demo.load(model_line, None, line, api_visibility="private", show_progress="hidden")
        if checkpoints is not None:  # both written in the page's language as it loads
            compare = gr.Markdown(compare_line(), elem_id="compare-panel")
            demo.load(compare_line, None, compare, api_visibility="private", show_progress="hidden")
        bundled = Path(info.card).parent == BUNDLED_MODEL if info.card else False
        if bundled or info.about:
            gr.Markdown(I18N("about_bundled") if bundled else views.esc(info.about), elem_id="model-about")
        if info.card:
            with gr.Accordion(I18N("model_card"), open=False):
                gr.Markdown(card_markdown(info.card), elem_id="model-card")


def card_markdown(card: str) -> str:
    """A model card to show in the app: without its YAML header, its loss curve served by the app."""
    text = Path(card).read_text(encoding="utf-8", errors="replace")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[-1]
    image = Path(card).parent / "loss.png"
    return text.replace("](loss.png)", f"](/gradio_api/file={image})")
