"""One Config: every setting read once, from the environment and the flags, with one reading of a switch."""

import ast
import dataclasses
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from greentext.config import Config, parse_bool

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_the_documented_ones():
    config = Config.from_env({})
    assert config == Config()
    assert (config.model, config.device, config.compare, config.compare_models) == (None, "auto", (), 2)
    assert (config.host, config.port, config.share, config.mcp) == ("127.0.0.1", 7860, False, False)
    assert (config.safe_mode, config.time_limit, config.rate_limit, config.rate_key) == (True, 120.0, None, "ip")
    assert (config.concurrency, config.batch, config.queue_size) == (4, 32, 64)
    assert (config.stream_every, config.attention_cache_mb, config.cache_cleaning) == (0.05, 256.0, (600, 1800))
    assert config.zero_gpu is False


def test_each_variable_is_read():
    env = {"GREENTEXT_MODEL": "someone/model", "GREENTEXT_COMPARE_MODELS": "3", "GREENTEXT_MCP": "on",
           "GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8000", "GREENTEXT_SAFE_MODE": "off",
           "GREENTEXT_TIME_LIMIT": "7.5", "GREENTEXT_RATE_LIMIT": "10/60", "GREENTEXT_RATE_KEY": " Session ",
           "GREENTEXT_CONCURRENCY": "2", "GREENTEXT_BATCH": "8", "GREENTEXT_QUEUE_SIZE": "16",
           "GREENTEXT_STREAM_EVERY": "0.1", "GREENTEXT_ATTENTION_CACHE_MB": "64", "GREENTEXT_CACHE_CLEANING": "60/300",
           "SPACES_ZERO_GPU": "true"}
    assert Config.from_env(env) == Config(
        model="someone/model", compare_models=3, mcp=True, host="0.0.0.0", port=8000, safe_mode=False,
        time_limit=7.5, rate_limit=(10, 60.0), rate_key="session", concurrency=2, batch=8, queue_size=16,
        stream_every=0.1, attention_cache_mb=64.0, cache_cleaning=(60, 300), zero_gpu=True)


def test_the_process_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("GREENTEXT_BATCH", "3")
    assert Config.from_env().batch == 3 and Config.from_env({}).batch == 32 and Config().batch == 32


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("on", True), ("TRUE", True), (" Yes ", True), ("0", False), ("Off", False), ("false", False),
    ("NO", False)])
def test_one_reading_of_a_switch(value, expected):
    assert parse_bool("GREENTEXT_MCP", value, not expected) is expected
    assert Config.from_env({"GREENTEXT_MCP": value}).mcp is expected
    assert Config.from_env({"GREENTEXT_SAFE_MODE": value}).safe_mode is expected


@pytest.mark.parametrize("name", ["GREENTEXT_MCP", "GREENTEXT_SAFE_MODE"])
@pytest.mark.parametrize("value", ["2", "maybe", "enabled", "y"])
def test_a_switch_refuses_other_words_naming_the_variable(name, value):
    with pytest.raises(ValueError) as err:
        Config.from_env({name: value})
    assert str(err.value) == f"{name} must be one of 1/on/true/yes or 0/off/false/no (got {value!r})"


def test_an_empty_switch_is_its_default():
    assert parse_bool("X", "", True) is True and parse_bool("X", None, False) is False
    assert Config.from_env({"GREENTEXT_SAFE_MODE": "", "GREENTEXT_MCP": " "}) == Config()


@pytest.mark.parametrize("value, expected", [("0", None), ("off", None), ("none", None), ("NO", None),
                                             ("2.5", 2.5), ("0.0", None), ("", 120.0)])
def test_time_limit(value, expected):
    assert Config.from_env({"GREENTEXT_TIME_LIMIT": value}).time_limit == expected


@pytest.mark.parametrize("name, value, message", [
    ("GREENTEXT_TIME_LIMIT", "soon", "GREENTEXT_TIME_LIMIT must be a number of seconds, or 0/off for none"),
    ("GREENTEXT_TIME_LIMIT", "-1", "GREENTEXT_TIME_LIMIT must be a number of seconds"),
    ("GREENTEXT_RATE_LIMIT", "lots", "GREENTEXT_RATE_LIMIT must look like REQUESTS/SECONDS, e.g. 10/60, or off"),
    ("GREENTEXT_RATE_LIMIT", "0/60", "GREENTEXT_RATE_LIMIT needs requests ≥ 1 and seconds > 0 (got 0/60.0)"),
    ("GREENTEXT_RATE_KEY", "cookie", "GREENTEXT_RATE_KEY must be ip or session (got 'cookie')"),
    ("GREENTEXT_CACHE_CLEANING", "60", "GREENTEXT_CACHE_CLEANING must be FREQUENCY/AGE in whole seconds"),
    ("GREENTEXT_CACHE_CLEANING", "0/300", "GREENTEXT_CACHE_CLEANING must be FREQUENCY/AGE in whole seconds"),
    ("GREENTEXT_CONCURRENCY", "four", "GREENTEXT_CONCURRENCY must be a whole number ≥ 1 (got 'four')"),
    ("GREENTEXT_BATCH", "0", "GREENTEXT_BATCH must be a whole number ≥ 1"),
    ("GREENTEXT_QUEUE_SIZE", "1.5", "GREENTEXT_QUEUE_SIZE must be a whole number ≥ 1"),
    ("GREENTEXT_COMPARE_MODELS", "-1", "GREENTEXT_COMPARE_MODELS must be a whole number ≥ 0"),
    ("GRADIO_SERVER_PORT", "http", "GRADIO_SERVER_PORT must be a whole number ≥ 0"),
    ("GREENTEXT_STREAM_EVERY", "fast", "GREENTEXT_STREAM_EVERY must be a number ≥ 0"),
    ("GREENTEXT_ATTENTION_CACHE_MB", "-5", "GREENTEXT_ATTENTION_CACHE_MB must be a number ≥ 0"),
])
def test_a_bad_value_names_its_variable(name, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Config.from_env({name: value})


def test_rate_limit_off_words():
    for value in ("", "0", "off", "none", "no"):
        assert Config.from_env({"GREENTEXT_RATE_LIMIT": value}).rate_limit is None


def flags(**given) -> Namespace:
    """`python app.py`'s parsed flags, none given but these."""
    args = dict(model=None, device="auto", host=None, port=None, share=False, safe_mode=None, unsafe=False,
                time_limit=None, rate_limit=None, compare=[], mcp=False)
    return Namespace(**{**args, **given})


def test_flags_override_the_environment():
    env = {"GREENTEXT_MODEL": "from/env", "GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8000",
           "GREENTEXT_SAFE_MODE": "off", "GREENTEXT_TIME_LIMIT": "30", "GREENTEXT_RATE_LIMIT": "10/60",
           "GREENTEXT_CONCURRENCY": "2"}
    assert Config.from_args(flags(), env) == Config.from_env(env)  # no flags: the environment
    config = Config.from_args(flags(model="from/flag", host="10.0.0.2", port=9000, safe_mode="on", time_limit=0,
                                    rate_limit="off", compare=["a", "b"], share=True, device="cpu"), env)
    assert (config.model, config.host, config.port, config.safe_mode) == ("from/flag", "10.0.0.2", 9000, True)
    assert (config.time_limit, config.rate_limit, config.compare) == (None, None, ("a", "b"))  # 0 and off: none
    assert config.share and config.device == "cpu" and config.concurrency == 2  # no flag: from the environment
    assert Config.from_args(flags(unsafe=True, safe_mode="on"), {}).safe_mode is False  # --unsafe wins
    assert Config.from_args(flags(time_limit=5.0, rate_limit="3/9"), env).time_limit == 5.0
    assert Config.from_args(flags(rate_limit="3/9"), env).rate_limit == (3, 9.0)
    # --mcp turns MCP on; without it the environment decides
    assert Config.from_args(flags(mcp=True), {}).mcp and Config.from_args(flags(), {"GREENTEXT_MCP": "1"}).mcp
    assert not Config.from_args(flags(), {}).mcp


def test_a_bad_flag_is_named_as_the_flag():
    with pytest.raises(ValueError, match="--rate-limit must look like REQUESTS/SECONDS"):
        Config.from_args(flags(rate_limit="lots"), {})
    with pytest.raises(ValueError, match="GREENTEXT_RATE_KEY must be ip or session"):
        Config.from_args(flags(), {"GREENTEXT_RATE_KEY": "cookie"})


def test_with_limits_changes_only_those_given():
    config = Config(time_limit=30.0, rate_limit=(5, 10.0), safe_mode=False, rate_key="session")
    assert config.with_limits() is config
    assert config.with_limits(time_limit=None).time_limit is None and config.with_limits(time_limit=0).time_limit == 0
    assert config.with_limits(rate_limit="off").rate_limit is None
    assert config.with_limits(rate_limit="10/60").rate_limit == (10, 60.0)
    assert config.with_limits(rate_limit=(2, 3)).rate_limit == (2, 3.0)
    assert config.with_limits(safe_mode=True).safe_mode and config.with_limits(rate_key=" IP").rate_key == "ip"
    with pytest.raises(ValueError, match="GREENTEXT_RATE_KEY must be ip or session"):
        config.with_limits(rate_key="cookie")


def test_config_is_frozen_and_checked():
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.batch = 2
    with pytest.raises(ValueError, match="must be ip or session"):
        Config(rate_key="cookie")
    with pytest.raises(ValueError, match="requests ≥ 1"):
        Config(rate_limit=(0, 60.0))
    assert hash(config) == hash(Config())  # frozen and hashable: one value, passed down as it is


def test_config_is_floor_zero_and_reads_nothing_at_import():
    """No gradio, torch or other greentext module in config.py; importing it reads no variable."""
    tree = ast.parse((ROOT / "greentext" / "config.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses", "os", "collections"}, imported
    code = ("import os, sys; os.environ['GREENTEXT_BATCH'] = 'not a number'; import greentext.config, "
            "greentext.ui; print('gradio' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr[-2000:]

