"""Choosing a model in a real browser (issue 23.4): an app of its own, started with switching on
(`--allow-model-switch`), its app folder a tmp one with the tiny model as assets/model and another tiny model
(another seed, three layers) as runs/other/checkpoint-300. The presenter (this machine: the browser talks to
127.0.0.1) opens the model panel on a projector at 1366×768, sees the list, loads the other model; the model line
names it and Generate writes that model's own text. A Portuguese page sees the list in Portuguese."""

from __future__ import annotations

import shutil

import pytest

from pages import SLOW, expect, field, open_app, shot, shots_folder, wait_idle

PROJECTOR = (1366, 768)
OTHER = "runs/other/checkpoint-300"


@pytest.fixture(scope="module")
def switch_app(request, tmp_path_factory, tiny_path, tokenizer):
    """The app with switching on, around a tmp app folder; launched on a free port as conftest's `launch`."""
    import socket

    from conftest import make_tiny_checkpoint
    from greentext.config import Config
    from greentext.decode.engine import Engine
    from greentext.probes.compare import Checkpoints
    from greentext.ui import build_app, configure_queue, launch_kwargs

    shots_folder(request)
    root = tmp_path_factory.mktemp("switch-app")
    shutil.copytree(tiny_path, root / "assets" / "model")
    make_tiny_checkpoint(root / "runs" / "other" / "checkpoint-300", tokenizer, n_layer=3, seed=5)
    engine = Engine.load(str(root / "assets" / "model"), device="cpu")
    demo = build_app(engine, Checkpoints(engine, root=root), Config(model_switch=True))
    configure_queue(demo)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs())
    yield demo, root
    demo.close()


def open_panel(page):
    page.locator("#model-accordion .label-wrap").first.click()
    expect(page.locator("#model-list")).to_contain_text(OTHER, timeout=SLOW)


def test_the_presenter_switches_the_model_and_generate_follows(browser, switch_app):
    from greentext.decode.engine import Engine
    from greentext.decode.settings import SamplingSettings

    demo, root = switch_app
    context, page = open_app(browser, demo.local_url, size=PROJECTOR)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        open_panel(page)
        expect(page.locator("#model-panel")).to_contain_text("2 layers")
        expect(page.locator("#model-list")).to_contain_text("in use")
        expect(page.locator("#model-choice input")).to_have_value(f"{OTHER} · local checkpoint")
        shot(page, "model-panel-en.png", full_page=False, readme=False)
        page.locator("#model-load").click()
        expect(page.locator("#model-switch-status")).to_contain_text(f"Now serving {OTHER}", timeout=SLOW)
        expect(page.locator("#model-panel")).to_contain_text(OTHER)
        expect(page.locator("#model-panel")).to_contain_text("3 layers")
        expect(page.locator("#model-list tr", has_text=OTHER)).to_contain_text("in use")
        shot(page, "model-panel-en-switched.png", full_page=False, readme=False)
        assert demo.greentext.version == 1

        # Generate now writes the new model's own text (the same seed and settings through it alone)
        field(page, "g-seed").fill("11")
        field(page, "g-max-new").fill("20")
        page.locator("#g-generate").click()
        expect(page.locator("#g-status")).to_contain_text("seed 11 · 20 tokens", timeout=SLOW)
        wait_idle(page)
        alone = Engine.load(str(root / "runs" / "other" / "checkpoint-300"), device="cpu")
        run = alone.generate(field(page, "g-prompt").input_value(), SamplingSettings(0.8, 50, 0.95, 20, 11))
        old = Engine.load(str(root / "assets" / "model"), device="cpu").generate(
            field(page, "g-prompt").input_value(), SamplingSettings(0.8, 50, 0.95, 20, 11))
        assert run.text != old.text  # the test can tell the two models apart
        expect(field(page, "g-text")).to_have_value(demo.greentext.display.story(run.prompt, run.text).story)
        assert not errors, errors
    finally:
        context.close()


def test_the_list_in_portuguese(browser, switch_app):
    demo, _ = switch_app
    context, page = open_app(browser, demo.local_url, locale="pt-BR", size=PROJECTOR)
    try:
        open_panel(page)
        expect(page.locator("#model-panel")).to_contain_text("parâmetros")
        listing = page.locator("#model-list")
        expect(listing).to_contain_text("Modelos neste computador")
        expect(listing).to_contain_text("checkpoint local")
        expect(listing).to_contain_text("em uso")
        expect(page.locator("#model-load")).to_have_text("Carregar este modelo")
        text = listing.inner_text()
        assert " MB" in text and "," in text.split(" MB")[0][-4:], text  # "6,6 MB": the size in pt-BR digits
        shot(page, "model-panel-pt-BR.png", full_page=False, readme=False)
    finally:
        context.close()
