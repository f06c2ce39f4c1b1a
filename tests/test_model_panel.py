"""The model panel says what the model is, from its model card, and shows the card (with its loss curve)."""

import shutil

import pytest

gradio_client = pytest.importorskip("gradio_client")

CARD = """---
language: en
---

# Greentext GPT-2

This checkpoint is a small GPT-2 made in two phases: **pretrained on general English**, then **fine-tuned on greentexts**.

![loss curve](loss.png)
"""


@pytest.fixture(scope="module")
def carded(tmp_path_factory, tiny_path):
    folder = tmp_path_factory.mktemp("carded") / "model"
    shutil.copytree(tiny_path, folder)
    (folder / "README.md").write_text(CARD, encoding="utf-8")
    (folder / "loss.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    return folder


def test_about_and_card_come_from_the_model_card(carded, tiny_path):
    from greentext.model.loading import load_model

    info = load_model(str(carded), device="cpu").info
    assert info.about == ("A small GPT-2 made in two phases: pretrained on general English, then fine-tuned "
                          "on greentexts.")
    assert info.card == str(carded / "README.md")
    assert load_model(str(tiny_path), device="cpu").info.about == ""  # no card, nothing made up


def test_the_panel_shows_it_and_serves_only_the_cards_image(carded):
    import httpx

    from greentext.decode.engine import Engine
    from greentext.ui import build_app, card_markdown, launch_kwargs

    engine = Engine.load(str(carded), device="cpu")
    demo = build_app(engine)
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_kwargs(engine))
    try:
        client = gradio_client.Client(demo.local_url, verbose=False)
        info = client.predict(api_name="/model_info")
        assert info["about"].startswith("A small GPT-2") and info["card"].endswith("README.md")
        # no server paths in the API: a checkpoint outside the app's folder goes by its folder's name
        assert (info["name"], info["card"]) == ("model", "README.md") and str(carded.parent) not in str(info)
        shown = [c.get("props", {}).get("value") for c in client.config["components"]]
        assert "A small GPT-2 made in two phases: pretrained on general English, then fine-tuned on greentexts." in shown
        card = card_markdown(engine.info.card)
        assert not card.startswith("---") and f"/gradio_api/file={carded / 'loss.png'}" in card
        assert any(isinstance(v, str) and card.strip() in v for v in shown)
        image = httpx.get(f"{demo.local_url}gradio_api/file={carded / 'loss.png'}")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        other = httpx.get(f"{demo.local_url}gradio_api/file={carded / 'config.json'}")
        assert other.status_code != 200  # the rest of the checkpoint stays private
    finally:
        demo.close()


def test_the_model_line_follows_the_pages_language(engine):
    """Written as each page loads, in its language (it was built once, in English)."""
    from types import SimpleNamespace

    from greentext.ui import build_app

    demo = build_app(engine)
    event = next(d for d in demo.fns.values() if d.name == "model_line")
    assert event.api_visibility == "private"  # not an endpoint of the app's API
    line = event.fn
    pt = line(request=SimpleNamespace(headers={"accept-language": "pt-BR,pt;q=0.9"}))
    assert "parâmetros" in pt and "camadas" in pt and "parameters" not in pt
    assert "parameters" in line(request=SimpleNamespace(headers={"accept-language": "en-US"}))


def test_the_compare_line_and_the_bundled_name_follow_the_pages_language(engine):
    """Issue 20.4: "Compare tab: A = … loads on first use…" and "(bundled)" stayed English in pt-BR."""
    from types import SimpleNamespace

    from greentext.model.loading import BUNDLED_NAME
    from greentext.ui import build_app

    demo = build_app(engine)
    line = next(d for d in demo.fns.values() if d.name == "compare_line").fn
    pt = line(request=SimpleNamespace(headers={"accept-language": "pt-BR,pt;q=0.9"}))
    assert "Aba Comparar" in pt and "primeiro uso" in pt and "first use" not in pt
    assert "Compare tab" in line(request=SimpleNamespace(headers={"accept-language": "en-US"}))
    from greentext.language import i18n

    assert i18n.text("bundled_name", "pt") == "greentext-tiny (incluído no app)" and BUNDLED_NAME == i18n.text("bundled_name")
