"""What the tabs share: limits from flags or the environment, and the core's errors as messages."""

from types import SimpleNamespace

import gradio as gr
import pytest
import torch

from greentext.decode.batching import Busy
from greentext.decode.limits import RateLimiter
from greentext.decode.settings import InvalidSetting
from greentext.config import Config
from greentext.ui.context import App, lang


def test_safe_mode_switch(engine, monkeypatch):
    from greentext.ui import build_app

    assert Config.from_env().safe_mode is True
    monkeypatch.setenv("GREENTEXT_SAFE_MODE", "0")
    assert Config.from_env().safe_mode is False
    assert build_app(engine).greentext.safe_mode is False
    assert build_app(engine, safe_mode=True).greentext.safe_mode is True
    assert App.from_env(engine, safe_mode=True).model_info()["safe_mode"] is True


def test_limits_from_the_environment(engine, monkeypatch):
    monkeypatch.setenv("GREENTEXT_TIME_LIMIT", "7")
    monkeypatch.setenv("GREENTEXT_RATE_LIMIT", "3/9")
    monkeypatch.setenv("GREENTEXT_RATE_KEY", "session")
    app = App.from_env(engine)
    assert app.time_limit == 7 and app.rate_limit.requests == 3 and app.rate_key == "session"
    assert App.from_env(engine, time_limit=None, rate_limit="off").rate_limit is None
    with pytest.raises(ValueError, match="GREENTEXT_RATE_KEY must be ip or session"):
        App.from_env(engine, rate_key="cookie")
    assert App(engine).config == Config()  # an App made without a Config: the defaults, not the environment
    assert App(engine).time_limit == 120 and App(engine).rate_limit is None


def test_the_app_and_its_tabs_take_their_settings_from_one_config(engine):
    from greentext.ui import build_app, configure_queue

    config = Config(concurrency=2, batch=5, queue_size=7, stream_every=0.5, attention_cache_mb=1,
                    cache_cleaning=(30, 90))
    demo = build_app(engine, config=config, safe_mode=False)
    app = demo.greentext
    assert app.config == Config(concurrency=2, batch=5, queue_size=7, stream_every=0.5, attention_cache_mb=1,
                                cache_cleaning=(30, 90), safe_mode=False)
    assert app.worker.max_batch == 5 and demo.delete_cache == (30, 90) and not app.safe_mode
    assert demo.tabs["attention"].cache.maxsize == 2**20
    limits = {fn.api_name: fn.concurrency_limit for fn in demo.fns.values() if fn.api_name}
    assert limits["generate"] == 5 and limits["probabilities"] == 2 and limits["attention"] == 2
    configure_queue(demo)
    assert demo._queue.max_size == 7 and demo._queue.default_concurrency_limit == 2


def test_gradios_copies_of_downloads_are_cleaned_on_a_schedule(engine, monkeypatch):
    from greentext.ui import build_app

    assert build_app(engine).delete_cache == (600, 1800)  # every 10 minutes, the copies older than 30
    monkeypatch.setenv("GREENTEXT_CACHE_CLEANING", "60/300")
    assert build_app(engine).delete_cache == (60, 300)
    for bad in ("60", "0/300", "a/b", "60/-1"):
        monkeypatch.setenv("GREENTEXT_CACHE_CLEANING", bad)
        with pytest.raises(ValueError, match="GREENTEXT_CACHE_CLEANING must be FREQUENCY/AGE in whole seconds"):
            Config.from_env()


@pytest.mark.parametrize("raised, message", [
    (InvalidSetting("top_k", -1, "a whole number from 0 (off) to 200"), "top_k must be a whole number"),
    (Busy(), "The model is busy"),
    (torch.OutOfMemoryError("CUDA out of memory"), "ran out of memory on cpu"),
    (InvalidSetting("prompt", "<b>", "text"), "&lt;b&gt;"),  # toasts render HTML: user text is escaped
])
def test_core_errors_become_messages(engine, raised, message):
    with pytest.raises(gr.Error) as err:
        with App(engine).errors():
            raise raised
    assert message in err.value.message


def test_other_errors_are_not_hidden(engine):
    with pytest.raises(KeyError):
        with App(engine).errors():
            raise KeyError("a bug")


def test_rate_limit_counts_per_ip_or_per_session(engine):
    app = App(engine, rate_limit=RateLimiter(1, 60))
    one = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"), session_hash="a", headers={})
    other = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"), session_hash="b", headers={})
    app.check_rate(one)
    with pytest.raises(gr.Error, match="Too many requests"):
        app.check_rate(other)  # same address
    app = App(engine, rate_limit=RateLimiter(1, 60), rate_key="session")
    app.check_rate(one), app.check_rate(other)  # two browser tabs behind one NAT


def test_page_language():
    assert lang(SimpleNamespace(headers={"accept-language": "pt-BR,pt;q=0.9"})) == "pt"
    assert lang(SimpleNamespace(headers={"accept-language": "en-US"})) == "en" and lang(None) == "en"
