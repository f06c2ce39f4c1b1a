"""The Share button and panel (the audience link and its QR code), and opening the page from such a link.

`SharePanel.restore` runs when a page opens: the link's prompt and settings fill the Generate and
Probabilities forms and its tab is selected (bad values: a message, the default kept). `SharePanel.open`
runs on the Share button: the link of the tab on screen, the address the audience can reach, the QR code.
The logic is `greentext/present/share.py`; this module only talks to gradio.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

import gradio as gr

from greentext.language import i18n
from greentext.present import share
from greentext.present import html as views
from greentext.decode.settings import check_prompt
from greentext.ui.context import I18N, App, lang

# The Share button's JavaScript: the page's own address and the tab on screen go to the server with the forms.
PAGE_AND_TAB_JS = """(url, tab, ...form) => {
  const selected = document.querySelector('button[role="tab"][aria-selected="true"][data-tab-id]');
  return [window.location.href, selected ? selected.dataset.tabId : 'generate', ...form];
}"""
FORM_TABS = ("generate", "probabilities", "compare")  # the tabs with a prompt + settings form a link fills
MESSAGE_SECONDS = 20  # a refused link parameter's message stays this long (a phone user reads it once)


@dataclass
class Panel:
    """The Share panel's components."""

    box: gr.Column
    link: gr.Textbox
    qr: gr.HTML
    notes: gr.Markdown
    close: gr.Button
    page_url: gr.Textbox  # hidden: filled by PAGE_AND_TAB_JS
    tab: gr.Textbox  # hidden: filled by PAGE_AND_TAB_JS


class SharePanel:
    """The handlers. A form is a tab's (prompt, temperature, top_k, top_p, max_new_tokens, seed); `demo`
    tells where the server listens once launched (`server_name`, `share_url`: gradio sets them in launch)."""

    def __init__(self, app: App, demo: gr.Blocks):
        self.app, self.demo = app, demo
        # The top_p slider starts above 0 (SamplingSettings' bound): a link's top_p must fit the slider too.
        self.sliders: dict[str, gr.Slider] = {}

    # --- the page opens: a link's settings fill the forms ---------------------------------------------
    def restore(self, request: gr.Request = None) -> tuple:
        """Updates for (Generate form ×6, Probabilities form ×6, Attention text, tabs); gr.skip() where the
        link says nothing. A refused parameter is a message in the page's language; the rest still applies."""
        page = lang(request)
        shared = share.parse(dict(getattr(request, "query_params", None) or {}), page)
        messages = list(shared.messages)
        top_p = shared.top_p
        slider = self.sliders.get("top_p")
        if top_p is not None and slider is not None and not slider.minimum <= top_p <= slider.maximum:
            messages.append(share.refused("top_p", share.plain(top_p), page, i18n.text(
                "allowed_top_p_slider", page, lo=share.plain(slider.minimum), hi=share.plain(slider.maximum))))
            top_p = None
        for message in messages:
            gr.Warning(html.escape(message, quote=False), duration=MESSAGE_SECONDS,
                       title=i18n.text("link_title", page))
        seed = ("" if shared.seed is None else str(shared.seed)) if shared.has_seed else None
        form = tuple(gr.skip() if v is None else v for v in (shared.prompt, shared.temperature, shared.top_k, top_p,
                                                              shared.max_new_tokens, seed))
        tabs = gr.Tabs(selected=shared.tab) if shared.tab else gr.skip()
        return (*form * len(FORM_TABS), form[0], tabs)

    # --- the Share button --------------------------------------------------------------------------------
    def open(self, page_url, tab, a_text,
             g_prompt, g_temperature, g_top_k, g_top_p, g_max_new_tokens, g_seed,
             p_prompt, p_temperature, p_top_k, p_top_p, p_max_new_tokens, p_seed,
             c_prompt, c_temperature, c_top_k, c_top_p, c_max_new_tokens, c_seed,
             g_last, p_last, c_last, request: gr.Request = None) -> tuple:
        """(panel shown, the audience link, the QR code's HTML, notes) for the tab on screen: its prompt and
        settings (the Attention tab: its text only). Per tab of FORM_TABS its six form fields, then per tab
        its last run as plain data (the seed a random-seed run drew goes into the link, so the audience gets
        the story on the screen). A bad field is the usual message, as its button gives. (Named parameters,
        no *args: gradio passes `request` only to a handler without *args.)"""
        page = lang(request)
        tab = tab if tab in share.TABS else "generate"
        if tab == "attention":
            prompt, settings = a_text, None
        else:
            form, last = {
                "generate": ((g_prompt, g_temperature, g_top_k, g_top_p, g_max_new_tokens, g_seed), g_last),
                "probabilities": ((p_prompt, p_temperature, p_top_k, p_top_p, p_max_new_tokens, p_seed), p_last),
                "compare": ((c_prompt, c_temperature, c_top_k, c_top_p, c_max_new_tokens, c_seed), c_last)}[tab]
            prompt, settings = form[0], self.app.settings(*form[1:], page)
            settings = share.with_seed_of(last, prompt, settings)
        with self.app.errors():
            prompt = check_prompt(prompt)
        if urlsplit(page_url or "").scheme not in ("http", "https"):  # not from the page's script: the request's
            headers = getattr(request, "headers", None) or {}
            page_url = f"http://{headers.get('host', '127.0.0.1')}/"
        audience = share.audience_url(share.link(page_url, prompt, settings, tab),
                                      getattr(self.demo, "server_name", None), getattr(self.demo, "share_url", None))
        notes = [i18n.text("share_help", page, tab=i18n.text(f"{tab}_tab", page))]
        try:
            code = share.qr(audience.url)
            qr_html = (f'<img class="share-qr-img" src="{views.esc(code.uri)}" '
                       f'alt="{views.esc(i18n.text("share_qr_alt", page))}">')
            if code.dense:
                notes.append("⚠️ " + i18n.text("share_dense", page, n=code.modules))
        except share.TooLongForQR:
            qr_html = ""
            notes.append("⚠️ " + i18n.text("share_too_long", page, n=share.number(len(audience.url), page)))
        if audience.note:
            notes.append(("⚠️ " if not audience.reachable else "") + i18n.text(audience.note, page))
        return gr.Column(visible=True), audience.url, qr_html, "\n\n".join(notes)


def button() -> gr.Button:
    """The Share button, for the page's header."""
    return gr.Button(I18N("share"), size="sm", scale=0, min_width=160, elem_id="share")


def panel() -> Panel:
    """The Share panel (hidden until the button is clicked): the QR code, big, beside the link and notes."""
    with gr.Column(visible=False, elem_id="share-panel") as box:
        with gr.Row(equal_height=False):
            qr = gr.HTML("", elem_id="share-qr", padding=False)
            with gr.Column(min_width=300):
                link = gr.Textbox(label=I18N("share_link"), lines=2, max_lines=6, buttons=["copy"], interactive=False,
                                  elem_id="share-link")
                notes = gr.Markdown("", elem_id="share-notes")
                close = gr.Button(I18N("share_close"), size="sm", elem_id="share-close")
    page_url = gr.Textbox(visible=False)
    tab = gr.Textbox(visible=False)
    return Panel(box, link, qr, notes, close, page_url, tab)


def events(handlers: SharePanel, demo: gr.Blocks, share_button: gr.Button, shown: Panel, tabs: gr.Tabs,
           forms: dict[str, tuple[list, gr.State]], attention_text: gr.Textbox):
    """Wire the button, the close button and the page's load; `forms`: per tab of FORM_TABS its six form
    fields and its last run's state. Returns the load event (what must see the forms as the link filled
    them goes after it)."""
    handlers.sliders["top_p"] = forms["generate"][0][3]
    fields = [f for tab in FORM_TABS for f in forms[tab][0]]
    inputs = [shown.page_url, shown.tab, attention_text, *fields, *(forms[tab][1] for tab in FORM_TABS)]
    quick = dict(api_visibility="private", concurrency_limit=None)  # no model: milliseconds, never queued behind it
    share_button.click(handlers.open, inputs, [shown.box, shown.link, shown.qr, shown.notes], js=PAGE_AND_TAB_JS,
                       **quick)
    shown.close.click(lambda: gr.Column(visible=False), None, shown.box, **quick)
    return demo.load(handlers.restore, None, [*fields, attention_text, tabs], **quick)
