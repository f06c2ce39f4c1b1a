"""The Compare tab, `/compare` and `/compare_tokens`: two checkpoints side by side (core: greentext/probes/compare.py).

The tab picks models A and B from the checkpoints the app offers (bundled base vs the app's model by
default); the API always compares the pair chosen at start-up (`--compare PATH [PATH]`).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from greentext.present import charts
from greentext.language import i18n
from greentext.language.numbers import whole
from greentext.present import html as views
from greentext.probes.compare import Checkpoints, facts, label
from greentext.decode.settings import MAX_NEW_TOKENS_MAX
from greentext.ui.context import DEFAULT_PROMPT, I18N, MODEL_GROUP, App, gpu, lang, sampling_sliders
from greentext.ui.form import Form


class CompareTab:
    """The handlers: `generate_view` and the score buttons for the tab, `compare` and `compare_tokens` for
    the API. Every model call goes through `Checkpoints` (a second model loads once, for everyone)."""

    def __init__(self, app: App, checkpoints: Checkpoints):
        self.app = app
        self.checkpoints = checkpoints

    # --- the API ---------------------------------------------------------------------------------
    def compare(self, prompt: str, temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95,
                max_new_tokens: int = 80, seed: int | None = None, request: gr.Request = None) -> dict:
        """Continue one prompt with two checkpoints (model A and model B, chosen when the app started; by
        default the bundled base model and the app's fine-tuned model) with the same sampling settings and
        seed. Each text is exactly what that model alone writes for these arguments.

        Args:
            prompt: the text to continue, e.g. "the lecture\\n>be me" (empty starts from <|endoftext|>)
            temperature: 0 for greedy, else 0.01 to 2 (higher = more random)
            top_k: keep only the k most likely tokens, 0 to 200 (0 = off)
            top_p: keep the most likely tokens up to this total probability, more than 0 and at most 1 (1 = off)
            max_new_tokens: tokens to write, 1 to 256
            seed: 0 to 4294967295 for a reproducible run; empty for a random one (returned as "seed")
        Returns:
            {"a": {"name", "text"}, "b": {"name", "text"}, "seed"}: each model's continuation (masked ████ in lecture-safe mode)
        """
        self.app.check_rate(request)
        page = lang(request)
        settings = self.app.settings(temperature, top_k, top_p, max_new_tokens, seed, page)
        with self.app.errors(page):
            pair = self.checkpoints.pair(*self.checkpoints.default)
            run_a, run_b = gpu(pair.generate)(prompt, settings, self.app.time_limit)
        show = self.app.display.story
        return {"a": {"name": pair.names[0], "text": show(run_a.prompt, run_a.text).text},
                "b": {"name": pair.names[1], "text": show(run_b.prompt, run_b.text).text}, "seed": run_a.seed}

    def compare_tokens(self, text: str, request: gr.Request = None) -> dict:
        """Each token of a text with its probability under model A and under model B (the pair chosen when
        the app started), given the text before it; the first token is given <|endoftext|> (or the <s> its
        tokenizer starts with). p_a and p_b are each model's own softmax at that token: where they differ
        most shows what fine-tuning changed. Two models with different tokenizers cut the text into
        different tokens: they are compared per stretch of text where both models' tokens line up, each p
        being that model's probability of the stretch (the product of its tokens' probabilities).

        Args:
            text: the text to score, e.g. a story written by either model, or any text
        Returns:
            one tokenizer: {"a": {"name"}, "b": {"name"}, "compared": "tokens", "tokens": [{"id", "token", "visible", "p_a", "p_b"}], "truncated_tokens"};
            two: {"a", "b", "compared": "spans", "spans": [{"text", "visible", "start", "end", "p_a", "p_b", "logp_a", "logp_b", "tokens_a": [{"id", "token", "visible"}], "tokens_b"}], "truncated_chars"}
        """
        self.app.check_rate(request)
        with self.app.errors(lang(request)):
            pair = self.checkpoints.pair(*self.checkpoints.default)
            probs = gpu(pair.probabilities)(text)
        head = {"a": {"name": pair.names[0]}, "b": {"name": pair.names[1]}}
        if probs.per_span:
            spans, groups_a, groups_b = self.shown_spans(probs)
            plain = lambda group: [{"id": t.id, "token": t.raw, "visible": t.token} for t in group]  # noqa: E731
            return {**head, "compared": "spans", "truncated_chars": probs.truncated_chars,
                    "spans": [{"text": t.raw, "visible": t.token, "start": s, "end": e, "p_a": float(pa),
                               "p_b": float(pb), "logp_a": float(la), "logp_b": float(lb),
                               "tokens_a": plain(ga), "tokens_b": plain(gb)}
                              for t, (s, e), pa, pb, la, lb, ga, gb in zip(
                                  spans, probs.spans, probs.p_a, probs.p_b, probs.logp_a, probs.logp_b,
                                  groups_a, groups_b)]}
        tokens = self.app.display.tokens(probs.tokens)
        return {**head, "compared": "tokens",
                "tokens": [{"id": t.id, "token": t.raw, "visible": t.token, "p_a": float(pa), "p_b": float(pb)}
                           for t, pa, pb in zip(tokens, probs.p_a, probs.p_b)],
                "truncated_tokens": probs.truncated_tokens}

    def shown_spans(self, probs) -> tuple[list, list, list]:
        """A per-stretch comparison as shown: the stretches, and each model's tokens in each, masked by the
        text's whole words in lecture-safe mode (each model's tokens read as one text)."""
        out = [self.app.display.tokens(probs.tokens)]
        for groups in (probs.tokens_a, probs.tokens_b):
            flat = self.app.display.tokens([t for g in groups for t in g])
            at, regrouped = 0, []
            for g in groups:
                regrouped.append(flat[at:at + len(g)])
                at += len(g)
            out.append(regrouped)
        return tuple(out)

    # --- the tab ---------------------------------------------------------------------------------
    def header(self, side: str, name: str, page: str = "en") -> str:
        """"**A** · base · `assets/model-base` · 6 layers · 4 heads · 256 wide · context 512"."""
        name = str(name or "")
        shown = label(name, page)
        parts = [f"**{side}**"] + ([shown] if shown != name else []) + [f"`{name.replace('`', '')}`"]
        about = facts(self.checkpoints.choices.get(name, ""), page)
        return " · ".join(parts + ([about] if about else []))

    def headers(self, a, b, request: gr.Request = None) -> tuple[str, str]:
        """The two columns' headers, for the models chosen (nothing is loaded here)."""
        page = lang(request)
        return self.header("A", a, page), self.header("B", b, page)

    def generate_view(self, a, b, prompt, temperature, top_k, top_p, max_new_tokens, seed,
                      request: gr.Request = None) -> tuple:
        """Both stories: (header A, story A, header B, story B, status, the two stories as shown, the run as
        plain data: prompt, settings and the seed used, for the Share link)."""
        self.app.check_rate(request)
        page = lang(request)
        settings = self.app.settings(temperature, top_k, top_p, max_new_tokens, seed, page)
        with self.app.errors(page):
            pair = self.checkpoints.pair(a, b)
            runs = gpu(pair.generate)(prompt, settings, self.app.time_limit)
        out, stories = [], []
        for side, name, run in zip("AB", (a, b), runs):
            shown = self.app.display.story(run.prompt, run.text)
            notes = run.prompt.notes_in(page) + [views.masked_note(shown.masked, page)]
            if run.finish_reason == "time":
                notes.append(i18n.text("time_note", page, s=self.app.time_limit))
            out += [self.header(side, name, page),
                    views.greentext_html(shown.prompt, shown.text, " ".join(n for n in notes if n))]
            stories.append(shown.story)
        info = self.app.engine.info
        status = i18n.text("compare_status", page, seed=runs[0].seed, n_a=len(runs[0].ids), n_b=len(runs[1].ids),
                           device=info.device, dtype=info.dtype)
        last = {"prompt": prompt, "temperature": settings.temperature, "top_k": settings.top_k,
                "top_p": settings.top_p, "max_new_tokens": settings.max_new_tokens, "seed": runs[0].seed}
        return (*out, status, stories, last)

    def score(self, a, b, text, request: gr.Request = None) -> tuple:
        """(note, tokens HTML, chart) of the typed text."""
        self.app.check_rate(request)
        return self.view(a, b, text, lang(request))

    def score_a(self, a, b, stories, request: gr.Request = None) -> tuple:
        """A's story into the text box, and its tokens scored."""
        return self.score_story(0, a, b, stories, request, counted=True)

    def score_b(self, a, b, stories, request: gr.Request = None) -> tuple:
        return self.score_story(1, a, b, stories, request, counted=True)

    def after_generate(self, a, b, stories, request: gr.Request = None) -> tuple:
        """B's story scored right after a generation (part of that request: not counted again)."""
        return self.score_story(1, a, b, stories, request, counted=False)

    def score_story(self, which: int, a, b, stories, request, counted: bool) -> tuple:
        page = lang(request)
        if not stories:
            gr.Warning(i18n.text("compare_first", page))
            return gr.skip()  # every output stays
        if counted:
            self.app.check_rate(request)
        return (stories[which], *self.view(a, b, stories[which], page))

    def view(self, a, b, text, page: str) -> tuple:
        """(note, tokens HTML, chart) of `text` under A and B, its tokens masked as shown: token by token when
        both read the same tokens, else per stretch of text (the note says so)."""
        with self.app.errors(page):
            pair = self.checkpoints.pair(a, b)
            probs = gpu(pair.probabilities)(text)
        names = (label(a, page), label(b, page))
        if probs.per_span:
            return self.span_view(probs, names, page)
        if not probs.tokens:
            return i18n.text("compare_empty", page), "", None
        tokens = self.app.display.tokens(probs.tokens)
        note = i18n.text("truncated_note", page, k=probs.truncated_tokens) if probs.truncated_tokens else ""
        return (views.esc(note), views.compare_html(tokens, probs.p_a, probs.p_b, probs.biggest(5), names, page),
                charts.compare_figure(tokens, probs.p_a, probs.p_b, names, page))

    def span_view(self, probs, names: tuple[str, str], page: str) -> tuple:
        """(note, stretches HTML, chart) of a text under two models with different tokenizers."""
        if not probs.text:
            return i18n.text("compare_empty", page), "", None
        notes = []
        if probs.truncated_chars:
            notes.append(i18n.text("compare_spans_truncated", page, k=whole(probs.truncated_chars, page)))
        if not probs.spans:
            notes.append(i18n.text("compare_spans_none", page))
            return views.esc(" ".join(notes)), "", None
        spans, groups_a, groups_b = self.shown_spans(probs)
        count = lambda groups: whole(sum(len(g) for g in groups), page)  # noqa: E731
        notes.insert(0, i18n.text("compare_spans_note", page, a=names[0], b=names[1], n_a=count(groups_a),
                                  n_b=count(groups_b), n=whole(len(spans), page)))
        read = lambda side, group: i18n.text("compare_spans_tip", page, side=side,  # noqa: E731
                                             tokens=" | ".join(t.token for t in group))
        titles = [f"{read(f'A · {names[0]}', ga)}\n{read(f'B · {names[1]}', gb)}" for ga, gb in zip(groups_a, groups_b)]
        return (views.esc(" ".join(notes)),
                views.compare_html(spans, probs.p_a, probs.p_b, probs.biggest(5), names, page, titles=titles),
                charts.compare_figure(spans, probs.p_a, probs.p_b, names, page, per_span=True))


@dataclass(eq=False)
class Controls:
    """What a link fills and the Share button reads."""

    form: Form  # prompt and settings
    last: gr.State  # the last run: prompt, settings, the seed used (a random seed's link carries it)


def tab(handlers: CompareTab, demo: gr.Blocks) -> Controls:
    """The tab's components and events: the two models, the form, both stories side by side (a phone
    stacks them), then a text's tokens under both models. The headers speak the page's language from the
    page's load on. Returns the form and the last run's state (`Controls`)."""
    cp = handlers.checkpoints
    names = list(cp.choices)
    gr.Markdown(I18N("compare_intro"), elem_id="c-intro")
    with gr.Row():
        a = gr.Dropdown(names, value=cp.default[0], label=I18N("model_a"), elem_id="c-model-a")
        b = gr.Dropdown(names, value=cp.default[1], label=I18N("model_b"), elem_id="c-model-b")
    prompt = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("prompt"), elem_id="c-prompt")
    temperature, top_k, top_p = sampling_sliders("c")
    with gr.Row():
        max_new = gr.Slider(1, MAX_NEW_TOKENS_MAX, value=60, step=1, label=I18N("max_new_tokens"), elem_id="c-max-new")
        seed = gr.Textbox("", label=I18N("seed"), placeholder="1234", elem_id="c-seed")
        go = gr.Button(I18N("compare_generate"), variant="primary", elem_id="c-generate")
    status = gr.Markdown("", elem_id="c-status")
    with gr.Row(equal_height=False):
        with gr.Column(min_width=300):
            head_a = gr.Markdown(handlers.header("A", cp.default[0]), elem_id="c-head-a")
            story_a = gr.HTML(views.greentext_html(DEFAULT_PROMPT, ""), elem_id="c-story-a")
        with gr.Column(min_width=300):
            head_b = gr.Markdown(handlers.header("B", cp.default[1]), elem_id="c-head-b")
            story_b = gr.HTML(views.greentext_html(DEFAULT_PROMPT, ""), elem_id="c-story-b")
    stories = gr.State(None)  # the two stories as shown, for the score buttons
    last = gr.State(None)  # the last run: prompt, settings, the seed used (a random seed's link carries it)
    text = gr.Textbox(DEFAULT_PROMPT, lines=3, label=I18N("compare_text"), elem_id="c-text")
    with gr.Row():
        use_a = gr.Button(I18N("compare_use_a"), elem_id="c-use-a")
        use_b = gr.Button(I18N("compare_use_b"), elem_id="c-use-b")
        score = gr.Button(I18N("compare_score"), variant="primary", elem_id="c-score")
    gr.Markdown(I18N("compare_help"), elem_id="c-help")
    note = gr.Markdown("", elem_id="c-note")
    tokens = gr.HTML("", elem_id="c-tokens")
    plot = gr.Plot(elem_id="c-plot", show_label=False)

    common = dict(api_visibility="private", concurrency_id=MODEL_GROUP,
                  concurrency_limit=handlers.app.config.concurrency)
    view = [note, tokens, plot]
    demo.load(handlers.headers, [a, b], [head_a, head_b], api_visibility="private")
    for dropdown in (a, b):
        dropdown.change(handlers.headers, [a, b], [head_a, head_b], api_visibility="private")
    form = Form(prompt, temperature, top_k, top_p, max_new, seed)
    go.click(handlers.generate_view, inputs_kwargs={"a": a, "b": b, **form.named()},
             outputs=[head_a, story_a, head_b, story_b, status, stories, last], **common).success(
        handlers.after_generate, [a, b, stories], [text, *view], **common)
    use_a.click(handlers.score_a, [a, b, stories], [text, *view], **common)
    use_b.click(handlers.score_b, [a, b, stories], [text, *view], **common)
    score.click(handlers.score, [a, b, text], view, **common)
    return Controls(form, last)
