"""Chat models: a prompt wrapped in the tokenizer's own chat template, as plain text (no gradio here).

A chat model is trained on conversations laid out by its template (Qwen's `<|im_start|>user\\n…<|im_end|>`,
Llama's headers): a bare prompt is not what it usually reads. The app wraps the prompt *as text* in the
prompt box, so every tab shows exactly the tokens the model reads (the template's special tokens included) and
a share link, a walk or a CSV carries that text:

    chat.has_template(tokenizer)                 # False for GPT-2 and the bundled models
    text = chat.wrap(tokenizer, "Parabéns pra você")   # "<|im_start|>user\\nParabéns pra você<|im_end|>\\n<|im_start|>assistant\\n"
    chat.unwrap(tokenizer, text)                 # "Parabéns pra você"; None for a text the template did not make
    chat.encode(tokenizer, text)                 # its ids: the template's own BOS is not doubled

The template runs in transformers' sandboxed Jinja renderer (`apply_chat_template`), with one user message
and the assistant's turn opened (`add_generation_prompt`): the model's next token is its answer's first.
"""

from __future__ import annotations

MARK = "\u0000greentext-message\u0000"  # stands for the message while the template's two halves are found


def has_template(tokenizer) -> bool:
    """Whether the tokenizer has a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def wrap(tokenizer, message: str) -> str:
    """`message` as the user's turn of a conversation, the assistant's turn opened: the template's text."""
    return tokenizer.apply_chat_template([{"role": "user", "content": message}], add_generation_prompt=True,
                                         tokenize=False)


def halves(tokenizer) -> tuple[str, str]:
    """(what the template writes before the message, what after) — found by wrapping a mark."""
    text = wrap(tokenizer, MARK)
    if text.count(MARK) != 1:
        raise ValueError("the chat template does not write the user's message once, as given")
    before, after = text.split(MARK)
    return before, after


def unwrap(tokenizer, text: str) -> str | None:
    """The message of a text `wrap` made (None when `text` is not one: the template's text is not around it)."""
    try:
        before, after = halves(tokenizer)
    except ValueError:
        return None
    if len(text) >= len(before) + len(after) and text.startswith(before) and text.endswith(after):
        message = text[len(before):len(text) - len(after)]
        return message if wrap(tokenizer, message) == text else None
    return None


def encode(tokenizer, text: str) -> list[int]:
    """`text`'s ids, the tokenizer's own start token added unless the text already begins with it (a chat
    template writes it: `<s>`, `<|begin_of_text|>`), so it is never doubled."""
    bos = getattr(tokenizer, "bos_token", None)
    starts = bool(bos) and text.startswith(bos) and bos != getattr(tokenizer, "eos_token", None)
    return tokenizer.encode(text, add_special_tokens=not starts)
