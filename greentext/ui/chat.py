"""The chat-template toggle under a prompt (Generate and Probabilities tabs), for a model whose tokenizer has a
chat template (greentext/model/chat.py): ticked, the prompt box's text is wrapped in the template — so the
tokens chips, the table, links and CSVs show exactly what the model reads —; unticked, the message comes back.
A model without a template (GPT-2, the bundled models) shows no toggle."""

from __future__ import annotations

import gradio as gr

from greentext.model import chat
from greentext.ui.context import I18N, App


def toggle(app: App, prefix: str) -> gr.Checkbox:
    """The checkbox (`{prefix}-chat`), shown only when the app's model has a chat template."""
    return gr.Checkbox(False, label=I18N("chat_template"), info=I18N("chat_template_info"),
                       visible=chat.has_template(app.engine.tokenizer), elem_id=f"{prefix}-chat")


def wrapped(app: App):
    """The toggle's handler: (ticked, prompt) → the prompt box's new text (wrapped, or its message again; a text
    already in the template stays as it is, a text the template did not make stays when unticked)."""

    def handler(on: bool, prompt: str) -> str:
        tokenizer = app.engine.tokenizer
        if not chat.has_template(tokenizer):
            return gr.skip()
        message = chat.unwrap(tokenizer, prompt or "")
        if on:
            return prompt if message is not None else chat.wrap(tokenizer, prompt or "")
        return message if message is not None else prompt

    return handler


def events(app: App, box: gr.Checkbox, prompt: gr.Textbox):
    """Wire the toggle to the prompt box; returns the event (a tab shows its new first step after it)."""
    return box.input(wrapped(app), [box, prompt], prompt, api_visibility="private", concurrency_limit=None)
