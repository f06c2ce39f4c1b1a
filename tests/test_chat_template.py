"""A chat model's template around the prompt (model/chat.py, ui/chat.py): wrapped as text, so every tab reads
exactly what the model reads; the template's own start token is not doubled; the toggle only for a model that
has a template. A tiny Llama with a Llama-style tokenizer trained in the test (tests/families.py), a template of
the test's own (no network)."""

from __future__ import annotations

import copy
import shutil

import gradio as gr
import pytest

from families import shared_llama_like_checkpoint, shared_llama_like_tokenizer
from greentext.decode.engine import Engine
from greentext.decode.settings import SamplingSettings
from greentext.model import chat
from greentext.ui import chat as chat_ui
from greentext.ui.context import App

# A small ChatML-like template that writes the start token itself, as Llama 3's and Mistral's do.
TEMPLATE = ("{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}</s>{% endfor %}"
            "{% if add_generation_prompt %}[assistant] {% endif %}")


@pytest.fixture(scope="module")
def chat_tokenizer():
    tok = copy.deepcopy(shared_llama_like_tokenizer())
    tok.chat_template = TEMPLATE
    return tok


@pytest.fixture(scope="module")
def chat_engine(tmp_path_factory, chat_tokenizer):
    folder = tmp_path_factory.mktemp("chat-llama")
    source = shared_llama_like_checkpoint()
    for f in source.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    chat_tokenizer.save_pretrained(folder)  # the same vocabulary, now with a chat template
    return Engine.load(str(folder), device="cpu")


def test_wrap_and_unwrap(chat_tokenizer):
    tokenizer = chat_tokenizer
    assert chat.has_template(tokenizer)
    text = chat.wrap(tokenizer, "Parabéns pra você")
    assert text == "<s>[user] Parabéns pra você</s>[assistant] "
    assert chat.halves(tokenizer) == ("<s>[user] ", "</s>[assistant] ")
    assert chat.unwrap(tokenizer, text) == "Parabéns pra você"
    assert chat.unwrap(tokenizer, "Parabéns pra você") is None  # not the template's text
    assert chat.unwrap(tokenizer, "<s>[user] a</s>[assistant] b") is None


def test_the_templates_start_token_is_not_doubled(chat_tokenizer):
    tokenizer = chat_tokenizer
    text = chat.wrap(tokenizer, "be me")
    ids = chat.encode(tokenizer, text)
    assert ids.count(tokenizer.bos_token_id) == 1 and ids[0] == tokenizer.bos_token_id
    assert tokenizer.encode(text).count(tokenizer.bos_token_id) == 2  # what a plain encode would have read
    assert chat.encode(tokenizer, "be me")[0] == tokenizer.bos_token_id  # a bare prompt still gets its <s>


def test_the_engine_reads_the_wrapped_prompt_as_the_model_does(chat_engine, chat_tokenizer):
    tokenizer = chat_tokenizer
    text = chat.wrap(tokenizer, "be me")
    run = chat_engine.generate(text, SamplingSettings(0, 0, 1.0, 5, 1), top_n=5)
    assert run.prompt.ids == chat.encode(tokenizer, text)
    assert [t.token for t in run.prompt.tokens][0] == "<s>" and "</s>" in [t.token for t in run.prompt.tokens]
    assert [t.token for t in chat_engine.tokenize(text)] == [t.token for t in run.prompt.tokens]


def test_the_toggle_wraps_and_unwraps_the_prompt_and_shows_only_for_a_chat_model(chat_engine, engine):
    app = App(chat_engine)
    handler = chat_ui.wrapped(app)
    wrapped = handler(True, "be me")
    assert wrapped == chat.wrap(chat_engine.tokenizer, "be me")
    assert handler(True, wrapped) == wrapped  # ticked twice: wrapped once
    assert handler(False, wrapped) == "be me"
    assert handler(False, "typed by hand") == "typed by hand"
    with gr.Blocks():
        assert chat_ui.toggle(app, "p").visible is True
        assert chat_ui.toggle(App(engine), "g").visible is False  # GPT-2 (the tiny test model): no template
    assert chat_ui.wrapped(App(engine))(True, "be me") == gr.skip()
