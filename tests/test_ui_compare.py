"""The Compare tab and its API on a launched app (two tiny checkpoints from different seeds): /compare is
each model's own /generate, /compare_tokens each model's own softmax; bad input, lecture-safe mode, the
rate limit get messages; two tokenizers are compared per stretch of text; `--mcp` publishes the endpoints as MCP tools."""

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from greentext.probes.compare import Checkpoints
from greentext.decode.engine import Engine
from greentext.decode.limits import RateLimiter
from greentext.decode.settings import SamplingSettings
from greentext.ui.context import App
from greentext.ui.compare import CompareTab

from test_compare import independent_softmax

gradio_client = pytest.importorskip("gradio_client")
httpx = pytest.importorskip("httpx")

PT = SimpleNamespace(headers={"accept-language": "pt-BR"}, client=SimpleNamespace(host="10.0.0.9"), session_hash="s")
TOOLS = {"model_info", "generate", "probabilities", "attention", "logit_lens", "compare", "compare_tokens"}


@pytest.fixture(scope="module")
def other(other_tiny_path):
    return Engine.load(str(other_tiny_path), device="cpu")


@pytest.fixture(scope="module")
def compared(served):
    """The shared app (tests/conftest.py): the tiny model as B, the other tiny model as A, MCP tools served."""
    return served


def test_compare_is_each_models_own_generation(compared, other, engine, other_tiny_path):
    demo, client = compared
    result = client.predict(">be me", 0.9, 40, 0.9, 10, 7, api_name="/compare")
    alone = other.generate(">be me", SamplingSettings(0.9, 40, 0.9, 10, 7)).text  # model A's own generation
    assert result["a"] == {"name": str(other_tiny_path), "text": alone}
    assert result["b"]["text"] == client.predict(">be me", 0.9, 40, 0.9, 10, 7, api_name="/generate")
    assert result["b"]["name"] == demo.tabs["compare"].checkpoints.main_name and result["seed"] == 7
    random = client.predict(prompt=">be me", max_new_tokens=4, api_name="/compare")  # no seed: one for both
    assert random["b"]["text"] == engine.generate(">be me", SamplingSettings(0.8, 50, 0.95, 4, random["seed"])).text


def test_compare_tokens_are_each_models_own_softmax(compared, other, engine):
    _, client = compared
    text = "the lecture\n>be me 🙂"
    result = client.predict(text, api_name="/compare_tokens")
    ids = engine.tokenizer.encode(text)
    assert [t["id"] for t in result["tokens"]] == ids and result["truncated_tokens"] == 0
    assert "".join(t["token"] for t in result["tokens"][:4]) == "the lecture\n>"
    assert np.abs(np.array([t["p_a"] for t in result["tokens"]]) - independent_softmax(other, ids)).max() <= 1e-5
    assert np.abs(np.array([t["p_b"] for t in result["tokens"]]) - independent_softmax(engine, ids)).max() <= 1e-5
    assert set(result) >= {"a", "b", "tokens"} and set(result["a"]) == {"name"}


def test_bad_input_is_named(compared):
    _, client = compared
    with pytest.raises(Exception, match="top_k must be a whole number from 0 .off. to 200"):
        client.predict(">be me", 0.8, 999, 0.9, 4, 1, api_name="/compare")
    with pytest.raises(Exception, match="NUL .U.0000. at character 3"):
        client.predict("be\x00me", api_name="/compare_tokens")
    assert client.predict(api_name="/model_info")["vocab_size"] == 50257  # still serving


def test_the_model_panel_names_both(compared, other_tiny_path):
    _, client = compared
    shown = [c.get("props", {}).get("value") for c in client.config["components"]]
    panel = next(v for v in shown if isinstance(v, str) and v.startswith("**Compare tab**"))
    assert f"A = `{other_tiny_path}` (2 layers · 2 heads · 32 wide · context 128)" in panel


def test_mcp_publishes_the_tools_with_their_docstrings_and_types(compared):
    demo, _ = compared
    schema = {t["name"]: t for t in httpx.get(f"{demo.local_url}gradio_api/mcp/schema", timeout=30).json()}
    assert TOOLS <= set(schema), set(schema)
    tool = schema["compare"]
    assert tool["description"].startswith("Continue one prompt with two checkpoints")
    props = tool["inputSchema"]["properties"]
    assert [props[k]["type"] for k in ("prompt", "temperature", "top_k", "top_p", "max_new_tokens")] == \
        ["string", "number", "integer", "number", "integer"]
    assert {"type": "integer"} in props["seed"]["oneOf"] and "reproducible" in props["seed"]["description"]
    assert tool["inputSchema"]["required"] == ["prompt"] and props["temperature"]["default"] == 0.8
    assert schema["compare_tokens"]["inputSchema"]["properties"]["text"]["type"] == "string"
    for name in ("generate", "probabilities", "attention", "logit_lens"):  # every tool's arguments are described
        assert all(p["description"] for p in schema[name]["inputSchema"]["properties"].values()), name


def test_an_mcp_client_calls_compare(compared, other):
    """What an agent does: list the tools and call one, over MCP's streamable HTTP."""
    anyio = pytest.importorskip("anyio")
    mcp = pytest.importorskip("mcp")
    from mcp.client.streamable_http import streamable_http_client

    demo, _ = compared

    async def call():
        async with streamable_http_client(f"{demo.local_url}gradio_api/mcp/") as (read, write, _):
            async with mcp.ClientSession(read, write) as session:
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                args = {"prompt": ">be me", "temperature": 0.9, "top_k": 40, "top_p": 0.9, "max_new_tokens": 6,
                        "seed": 3}
                bad = await session.call_tool("compare", {"prompt": "x", "top_k": -1})
                return names, await session.call_tool("compare", args), bad

    with ThreadPoolExecutor(1) as pool:  # a thread of its own: Playwright's sync API may hold this one's loop
        names, result, bad = pool.submit(anyio.run, call).result(timeout=120)
    assert TOOLS <= names and not result.isError
    assert repr(other.generate(">be me", SamplingSettings(0.9, 40, 0.9, 6, 3)).text) in result.content[0].text
    assert bad.isError and "top_k must be a whole number" in bad.content[0].text


# ---- the tab's handlers, called directly ----------------------------------------------------------------
@pytest.fixture(scope="module")
def tab(engine, other_tiny_path):
    return CompareTab(App(engine, safe_mode=True), Checkpoints(engine, [str(other_tiny_path)]))


def test_the_tab_shows_both_stories_then_scores_bs(tab, other, engine, other_tiny_path):
    a, b = tab.checkpoints.default
    head_a, story_a, head_b, story_b, status, stories, last = tab.generate_view(a, b, ">be me", 0.9, 40, 0.9, 8, 5)
    text_a = other.generate(">be me", SamplingSettings(0.9, 40, 0.9, 8, 5)).text
    assert stories[0] == ">be me" + text_a and 'class="gt-gen"' in story_a
    assert head_a.startswith("**A**") and "2 layers · 2 heads" in head_a and head_b.startswith("**B**")
    assert last == {"prompt": ">be me", "temperature": 0.9, "top_k": 40, "top_p": 0.9, "max_new_tokens": 8, "seed": 5}
    assert status.startswith("seed **5** · A: 8 tokens · B: 8 tokens")
    text, note, html, figure = tab.after_generate(a, b, stories)
    assert text == stories[1] and "Where they differ most" in html and figure is not None
    assert tab.score(a, b, "", None)[0].startswith("Type a text")
    _, _, html_pt, _ = tab.score_a(a, b, stories, request=PT)
    assert "Onde eles mais diferem" in html_pt
    assert tab.headers(a, b, PT)[0].endswith("2 camadas · 2 cabeças · largura 32 · contexto 128")


def test_lecture_safe_mode_masks_both_stories_and_tokens(tab, swearing):
    a, b = tab.checkpoints.default
    *_, stories, _ = tab.generate_view(a, b, ">be me", 0.9, 40, 0.9, 3, 5)
    assert "shit" not in stories[1] and "████" in stories[1]  # B is the app's model, made to swear
    result = tab.compare_tokens("be me, shit")
    assert [t["token"] for t in result["tokens"]][-1] == " ████" and result["tokens"][-1]["id"] == swearing
    assert "shit" not in tab.compare(">be me", 0.9, 40, 0.9, 3, 5)["b"]["text"]


@pytest.fixture(scope="module")
def two_tokenizers(engine):
    """The tab with a Llama-style model (its own tokenizer, trained in tests/families.py) as A and the tiny GPT-2
    as B, lecture-safe mode on."""
    from families import shared_llama_like_checkpoint

    return CompareTab(App(engine, safe_mode=True), Checkpoints(engine, [str(shared_llama_like_checkpoint())]))


def test_two_tokenizers_are_compared_per_stretch_in_the_pages_language(two_tokenizers, engine):
    tab = two_tokenizers
    a, b = tab.checkpoints.default
    llama = tab.checkpoints.engine(a)
    *_, status, stories, _ = tab.generate_view(a, b, ">be me", 0.9, 40, 0.9, 6, 5, request=PT)
    assert status.startswith("semente **5** · A: 6 tokens · B: 6 tokens")
    assert stories[1] == ">be me" + engine.generate(">be me", SamplingSettings(0.9, 40, 0.9, 6, 5)).text
    note, html, figure = tab.score(a, b, "Parabéns para você\n>be me", request=PT)
    assert note.startswith("Tokenizadores diferentes:") and "por trecho de texto" in note
    assert "Onde eles mais diferem" in html and 'class="ctok cspan"' in html
    assert "é" in html and "\\xc3" in html  # é whole as a stretch; in its tip, A's byte tokens
    assert "o lê como" in html and "Probabilidade de cada trecho" in figure.layout.title.text
    note_en, html_en, _ = tab.score(a, b, "Parabéns para você\n>be me")
    assert note_en.startswith("Different tokenizers: ") and " reads this text as " in note_en
    assert "compared per stretch of text where both models&#x27; tokens line up" in note_en
    result = tab.compare_tokens("Parabéns\n>be me")
    assert result["compared"] == "spans" and "tokens" not in result
    assert "".join(span["text"] for span in result["spans"]) == "Parabéns\n>be me"
    first = result["spans"][0]
    assert {"text", "visible", "start", "end", "p_a", "p_b", "logp_a", "logp_b", "tokens_a", "tokens_b"} <= set(first)
    assert [t["id"] for span in result["spans"] for t in span["tokens_a"]] == \
        llama.tokenizer.encode("Parabéns\n>be me", add_special_tokens=False)
    assert np.isclose(first["p_a"], np.exp(first["logp_a"]))


def test_two_tokenizers_mask_every_stretch_and_token_in_lecture_safe_mode(two_tokenizers):
    tab = two_tokenizers
    a, b = tab.checkpoints.default
    note, html, figure = tab.score(a, b, "be me, shit happens")
    assert "shit" not in html and "████" in html and "shit" not in str(figure.to_dict())
    result = tab.compare_tokens("be me, shit happens")
    assert "shit" not in str(result) and "████" in str(result)


def test_bad_input_across_two_tokenizers_is_named_in_the_pages_language(two_tokenizers):
    tab = two_tokenizers
    a, b = tab.checkpoints.default
    assert tab.score(a, b, "", request=PT)[0].startswith("Digite um texto")
    with pytest.raises(gr.Error, match="não é um dos checkpoints"):
        tab.score("/etc/passwd", b, "x", request=PT)
    with pytest.raises(gr.Error, match="NUL"):
        tab.score(a, b, "be\x00me", request=PT)
    note, html, figure = tab.score(a, b, "be me, " * 60, request=PT)  # longer than both contexts
    assert "os primeiros" in note and "caracteres são lidos só como contexto" in note and html


def test_compare_counts_against_the_rate_limit(engine, other_tiny_path):
    tab = CompareTab(App(engine, rate_limit=RateLimiter(2, 60)), Checkpoints(engine, [str(other_tiny_path)]))
    tab.compare(">be me", 0, 0, 1.0, 2, 1, request=PT)
    tab.compare_tokens(">be me", request=PT)
    with pytest.raises(gr.Error, match="Too many requests"):
        tab.compare(">be me", 0, 0, 1.0, 2, 1, request=PT)
