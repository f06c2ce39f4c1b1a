"""Switching the app's model (issue 23.4): only the presenter (a request from the server's own machine), only with
--allow-model-switch, memory checked first; then every tab, user and the API use the new model, the old batch
worker stops, and a walk made on the old model starts again rather than being replayed as if exact."""

import shutil
import time
from types import SimpleNamespace

import pytest

from greentext.config import Config
from greentext.decode.settings import SamplingSettings

PRESENTER = SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"),
                            headers={"host": "127.0.0.1:7860", "accept-language": "en-US"})
PRESENTER_PT = SimpleNamespace(client=SimpleNamespace(host="::1"),
                               headers={"host": "[::1]:7860", "accept-language": "pt-BR"})
PHONE_PT = SimpleNamespace(client=SimpleNamespace(host="192.168.0.23"),
                           headers={"host": "192.168.0.10:7860", "accept-language": "pt-BR"})
FORM = ("the lecture\n>be me", 0.8, 50, 0.95, 12, "7", 5)  # prompt, T, top-k, top-p, max new, seed, top_n


@pytest.fixture()
def root(tmp_path, tiny_path, other_tiny_path):
    """An app folder: the tiny model as assets/model, the other (another seed) as runs/other/checkpoint-300."""
    shutil.copytree(tiny_path, tmp_path / "assets" / "model")
    shutil.copytree(other_tiny_path, tmp_path / "runs" / "other" / "checkpoint-300")
    return tmp_path


@pytest.fixture()
def demo(root):
    from greentext.decode.engine import Engine
    from greentext.probes.compare import Checkpoints
    from greentext.ui import build_app

    engine = Engine.load(str(root / "assets" / "model"), device="cpu")
    return build_app(engine, Checkpoints(engine, root=root), Config(model_switch=True))


def panel_of(demo):
    return next(f for f in demo.fns.values() if f.name == "switch").fn.__self__


def statuses(panel, name, request):
    return [out[0] for out in panel.switch(name, request)]


def test_the_presenter_is_a_request_from_this_machine_and_no_one_else():
    from greentext.ui.context import is_presenter

    assert is_presenter(PRESENTER) and is_presenter(PRESENTER_PT)
    assert is_presenter(SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"), headers={"host": "localhost:7860"}))
    assert not is_presenter(PHONE_PT) and not is_presenter(None)
    assert not is_presenter(SimpleNamespace(client=None, headers={}))
    # through a proxy on this machine, or gradio's share tunnel (a gradio.live host): someone else's request
    proxied = SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"),
                              headers={"host": "127.0.0.1:7860", "x-forwarded-for": "203.0.113.9"})
    shared = SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"), headers={"host": "abc123.gradio.live"})
    lan_name = SimpleNamespace(client=SimpleNamespace(host="127.0.0.1"), headers={"host": "192.168.0.10:7860"})
    assert not is_presenter(proxied) and not is_presenter(shared) and not is_presenter(lan_name)


def test_the_switch_is_a_setting_off_by_default(monkeypatch):
    from argparse import Namespace

    assert Config().model_switch is False and Config.from_env({}).model_switch is False
    assert Config.from_env({"GREENTEXT_MODEL_SWITCH": "on"}).model_switch is True
    with pytest.raises(ValueError, match="GREENTEXT_MODEL_SWITCH"):
        Config.from_env({"GREENTEXT_MODEL_SWITCH": "maybe"})
    assert Config.from_args(Namespace(allow_model_switch=True), environ={}).model_switch is True
    assert Config.from_args(Namespace(allow_model_switch=False), environ={}).model_switch is False


def test_switching_serves_the_new_model_everywhere_and_stops_the_old_worker(demo, root):
    from greentext.decode.engine import Engine

    app, panel = demo.greentext, panel_of(demo)
    old, old_worker = app.engine, app.worker
    settings = SamplingSettings(0.8, 50, 0.95, 15, seed=3)
    assert old_worker.submit(">be me", settings).wait().ids == old.generate(">be me", settings).ids  # thread running
    said = statuses(panel, "runs/other/checkpoint-300", PRESENTER)
    assert "Loading" in said[0] and "Now serving **runs/other/checkpoint-300**" in said[-1]
    new = app.engine
    assert new is not old and app.version == 1 and new.source == str(root / "runs" / "other" / "checkpoint-300")
    # Generate (the batch worker, a new one) gives exactly what the new model's own generate() gives
    alone = Engine.load(new.source, device="cpu")
    assert app.worker is not old_worker
    assert app.worker.submit(">be me", settings).wait().ids == alone.generate(">be me", settings).ids
    assert alone.generate(">be me", settings).ids != old.generate(">be me", settings).ids  # the test can fail
    stream = demo.tabs["generate"].generate(">be me", 0.8, 50, 0.95, 15, 3)
    assert list(stream)[-1] == alone.generate(">be me", settings).text  # the API too (lecture-safe mode aside)
    # the old worker ends once its generations are done; a request that still reaches it goes to the new one
    assert old_worker.submit(">be me", settings).engine is new
    deadline = time.monotonic() + 10
    while old_worker.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not old_worker.running
    # the page: the model line names it, the list marks it in use, Compare's B is it
    assert panel.model_line(PRESENTER).startswith("**runs/other/checkpoint-300** · ")
    assert "● **in use** | **runs/other/checkpoint-300**" in panel.shown(PRESENTER)[0]
    checkpoints = demo.tabs["compare"].checkpoints
    assert checkpoints.main is new and checkpoints.default[1] == "runs/other/checkpoint-300"
    assert app.model_info()["layers"] == new.info.layers


def test_a_walk_made_on_the_old_model_starts_again_on_the_new_one(demo):
    from greentext.decode.walk import Walk
    from greentext.ui.context import MODEL_KEY
    from greentext.ui.form import Values

    app, probs, panel = demo.greentext, demo.tabs["probabilities"], panel_of(demo)
    values = Values(*FORM)
    state = probs.act(None, None, values, None)[0]
    for _ in range(3):
        state = probs.act(Walk.sample, state, values, None)[0]
    assert len(state["history"]) == 3 and MODEL_KEY not in state  # states look as they always did until a switch
    old_attention = demo.tabs["attention"].weights(">be me")
    statuses(panel, "runs/other/checkpoint-300", PRESENTER)
    assert app.stale(state)
    assert demo.tabs["attention"].weights(">be me") is not old_attention  # not the old model's weights
    with pytest.warns(UserWarning, match="changed to runs/other/checkpoint-300"):
        fresh = probs.act(Walk.sample, state, values, None)[0]
    # a new walk on the new model, its first step shown and nothing taken (a step is never taken unseen)
    assert fresh["history"] == [] and fresh[MODEL_KEY] == 1 and not app.stale(fresh)
    again = probs.act(Walk.sample, fresh, values, None)[0]  # and on from there, as any walk: the new model's own
    expected = Walk.start(app.engine, values.prompt, SamplingSettings(*values.settings), values.top_n)
    expected.sample()
    assert again["history"] == expected.state()["history"] and len(again["history"]) == 1


def test_the_lens_waits_for_a_walk_of_the_new_model(demo):
    from greentext.decode.walk import Walk
    from greentext.ui.form import Values

    probs, panel = demo.tabs["probabilities"], panel_of(demo)
    values = Values(*FORM)
    state = probs.act(Walk.sample, None, values, None)[0]
    assert probs.lens.follow(True, state, 5, None)[2] is not None  # the lens follows a walk of this model
    statuses(panel, "runs/other/checkpoint-300", PRESENTER)
    skipped = probs.lens.follow(True, state, 5, None)
    assert all(isinstance(s, dict) and s.get("__type__") == "update" and len(s) == 1 for s in skipped)


def test_only_the_presenter_switches_and_in_their_language(demo):
    app, panel = demo.greentext, panel_of(demo)
    before = app.engine
    with pytest.warns(UserWarning):
        said = statuses(panel, "runs/other/checkpoint-300", PHONE_PT)
    assert said == ["Só quem apresenta pode trocar o modelo, no computador que executa o app. Nada foi alterado."]
    assert app.engine is before and app.version == 0
    assert "não está na lista" in statuses(panel, "runs/nothing", PRESENTER_PT)[0]
    assert "já é o modelo em uso" in statuses(panel, "assets/model", PRESENTER_PT)[0]


def test_a_model_too_large_for_the_free_memory_is_refused_and_the_old_one_serves(demo, monkeypatch):
    from greentext.model import catalog

    app, panel = demo.greentext, panel_of(demo)
    before = app.engine
    monkeypatch.setattr(catalog, "free_memory", lambda device: 5_000_000)  # 5 MB free
    said = statuses(panel, "runs/other/checkpoint-300", PRESENTER_PT)
    need = catalog.size_text(panel.entries()[1].needed("float32"), "pt")
    assert len(said) == 1 and "não foi carregado" in said[0] and need in said[0] and "5,0 MB livres" in said[0]
    assert app.engine is before and not app.switch_lock.locked()


def test_a_failed_load_says_why_and_leaves_the_old_model_serving(demo, root):
    app, panel = demo.greentext, panel_of(demo)
    before = app.engine
    (root / "runs" / "other" / "checkpoint-300" / "model.safetensors").write_bytes(b"\x08" + b"\0" * 7 + b"{broken")
    panel.entries(fresh=True)
    said = statuses(panel, "runs/other/checkpoint-300", PRESENTER)
    assert said[-1].startswith("❌ runs/other/checkpoint-300 could not be loaded;") and "keeps serving" in said[-1]
    assert app.engine is before and app.version == 0 and not app.switch_lock.locked()


def test_one_load_at_a_time(demo):
    app, panel = demo.greentext, panel_of(demo)
    app.switch_lock.acquire()
    app.loading = "org/big"
    try:
        assert "A model is loading already (org/big)" in statuses(panel, "runs/other/checkpoint-300", PRESENTER)[0]
    finally:
        app.switch_lock.release()
    assert app.version == 0


def test_without_the_flag_the_list_is_read_only(root):
    from greentext.decode.engine import Engine
    from greentext.probes.compare import Checkpoints
    from greentext.ui import build_app

    engine = Engine.load(str(root / "assets" / "model"), device="cpu")
    demo = build_app(engine, Checkpoints(engine, root=root), Config())
    names = {f.name for f in demo.fns.values()}
    assert "switch" not in names and "shown" in names
    shown = next(f for f in demo.fns.values() if f.name == "shown").fn
    listing = shown(PRESENTER)
    assert "runs/other/checkpoint-300" in listing and "● **in use** | **assets/model**" in listing
    ids = {c.get("props", {}).get("elem_id") for c in demo.config["components"]}
    assert "model-switch-off" in ids and not ids & {"model-choice", "model-load"}  # says how, offers nothing
    from greentext.language import i18n

    assert "--allow-model-switch" in i18n.text("catalog_off", "pt") and "GREENTEXT_MODEL_SWITCH=1" in i18n.text("catalog_off")
    panel = shown.__self__
    assert statuses(panel, "runs/other/checkpoint-300", PRESENTER)[0].startswith("Switching models is off")
