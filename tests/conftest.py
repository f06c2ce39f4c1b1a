"""Fixtures: tiny GPT-2 models with GPT-2's real tokenizer, built and saved locally (no downloads), and
one app launched for the tests that talk to it through gradio_client."""

from __future__ import annotations

import os
from types import SimpleNamespace

# No test downloads anything: the hub is offline from the start (huggingface_hub reads this at import).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Each pytest-xdist worker's apps look for ports of their own (gw0 from 7860, gw1 from 7960, …): two apps started
# at the same moment otherwise race for 7860 (the loser's server thread raises before gradio takes the next port).
os.environ.setdefault("GRADIO_SERVER_PORT", str(7860 + 100 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)))

import pytest  # noqa: E402
import torch  # noqa: E402

# Text a lecture hall will type: emoji, right-to-left, mixed scripts, HTML.
EMOJI = "🙂 be me 👩‍🏫🔥"
RTL = "مرحبا بالعالم >be me"
MIXED = "the lecture — שלום, olá, 你好, Привет 🙂\n>be me"
HTML = '<script>alert(1)</script><img src=x onerror="alert(2)"> & </textarea>'
# A request from a browser asking for Brazilian Portuguese, for handlers called directly.
PT = SimpleNamespace(headers={"accept-language": "pt-BR"})


def pytest_addoption(parser):
    parser.addoption("--update-screenshots", action="store_true",
                     help="write the browser test's screenshots to assets/screenshots (the README's)")
    parser.addoption("--screenshots", metavar="DIR", help="write every browser test's screenshots into DIR")


@pytest.fixture(scope="session")
def tokenizer():
    from greentext.model.tokens import gpt2_tokenizer

    return gpt2_tokenizer()


def make_tiny_checkpoint(path, tokenizer, *, n_layer=2, n_head=2, n_embd=32, n_positions=128, seed=0):
    """Save a randomly initialised tiny GPT-2 with the real vocabulary as a Hugging Face checkpoint."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer,
                        n_head=n_head, bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():  # sharper than the default init, so sampling settings make a visible difference
        model.lm_head.weight.mul_(20)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_path(tmp_path_factory, tokenizer):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("tiny"), tokenizer)


@pytest.fixture(scope="session")
def other_tiny_path(tmp_path_factory, tokenizer):
    """A second tiny checkpoint, the same shape from another seed (the Compare tab's tests)."""
    return make_tiny_checkpoint(tmp_path_factory.mktemp("tiny-other"), tokenizer, seed=1)


@pytest.fixture(scope="session", params=["gemma2", "gemma3_text", "gpt2", "gpt_neo", "gpt_neox", "llama", "mistral",
                                         "phi3", "qwen2", "qwen3"])
def family(request, tmp_path_factory, tokenizer):
    """(model_type, Engine) of a tiny random model of each family (tests/families.py), loaded as a checkpoint."""
    from families import FAMILIES, make_family_checkpoint
    from greentext.decode.engine import Engine

    assert request.param in FAMILIES
    path = make_family_checkpoint(tmp_path_factory.mktemp(request.param), tokenizer, request.param)
    return request.param, Engine.load(str(path), device="cpu")


@pytest.fixture(scope="session")
def engine(tiny_path):
    from greentext.decode.engine import Engine

    return Engine.load(str(tiny_path), device="cpu")


class SlowModel:
    """The model, 50 ms slower per forward pass: a long generation to stop."""

    def __init__(self, model):
        self._model = model

    def __call__(self, *args, **kwargs):
        import time

        time.sleep(0.05)
        return self._model(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._model, name)


@pytest.fixture(scope="session")
def slow_engine(tiny_path):
    from greentext.decode.engine import Engine
    from greentext.model.loading import load_model

    slow = Engine(load_model(str(tiny_path), device="cpu"))
    slow.model = SlowModel(slow.model)
    return slow


@pytest.fixture()
def swearing(engine, monkeypatch):
    """The engine's model made to always write " shit" (the tiny model never would); its token id."""
    bad_id = engine.tokenizer.encode(" shit")[0]
    head = engine.model.get_output_embeddings()
    real = head.forward

    def forward(hidden):  # in the output layer: the lens checks that the head gives the model's own logits
        logits = real(hidden)
        logits[..., bad_id] += 1000
        return logits

    monkeypatch.setattr(head, "forward", forward)
    return bad_id


def launch(engine, mcp=False, **limits):
    """The app around `engine` (`limits` and `compare` go to build_app), launched in-process on a free port,
    with the queue every launch uses; `mcp`: serving MCP tools too, as `--mcp` does."""
    from greentext.ui import build_app, configure_queue, launch_kwargs

    import socket

    demo = build_app(engine, **limits)
    configure_queue(demo)
    # A port found free here, not gradio's search from 7860: when its first try is taken (another app of this
    # worker), gradio retries the next port with the same MCP session manager, which runs only once, and every
    # later port fails too ("Cannot find empty port in range: 7860-7959").
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True,
                **launch_kwargs(mcp=mcp))
    return demo


@pytest.fixture(scope="session")
def served(engine, other_tiny_path):
    """One app (lecture-safe mode on, no rate limit; the Compare tab's model A is the other tiny model, B the
    app's; MCP tools served) shared by the tests that call its API."""
    gradio_client = pytest.importorskip("gradio_client")
    demo = launch(engine, mcp=True, compare=[str(other_tiny_path)], safe_mode=True, rate_limit="off")
    yield demo, gradio_client.Client(demo.local_url, verbose=False)
    demo.close()


@pytest.fixture(scope="session")
def client(served):
    return served[1]


# ---- the browser tests (tests/pages.py): one chromium and one launched app for every module -------------
@pytest.fixture(scope="session")
def browser():
    pages = pytest.importorskip("pages")  # skips without playwright
    yield from pages.browser()


@pytest.fixture(scope="session")
def app_url(request, tmp_path_factory):
    pages = pytest.importorskip("pages")
    pages.shots_folder(request)
    yield from pages.app_url(request)


def pytest_configure(config):
    # gradio's queue calls pandas options that pandas 3 deprecates; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:gradio.*")
    config.addinivalue_line("filterwarnings", "ignore:.*no_silent_downcasting.*")
    config.addinivalue_line("filterwarnings", "ignore:The copy keyword is deprecated.*")


# The browser tests in two halves of about equal time: with pytest-xdist (README's `-n 2 --dist loadgroup`)
# each half runs in one worker, with one chromium and one app on the bundled model, beside the other tests.
BROWSER_HALVES = {"test_browser_presenter": "browser-1", "test_browser_compare": "browser-1",
                  "test_browser_lens": "browser-2", "test_browser": "browser-2", "test_browser_attention": "browser-2",
                  "test_browser_share": "browser-2", "test_browser_colour": "browser-1", "test_browser_room": "browser-1",
                  "test_browser_a11y": "browser-2", "test_browser_lesson": "browser-1"}
BROWSER_HALVES["test_browser_model_switch"] = "browser-1"  # its own app, with switching on


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups into the test ids (`…@browser-1`)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rpartition(".")[2]
        if module.startswith("test_browser"):
            item.add_marker(pytest.mark.xdist_group(BROWSER_HALVES[module]))
