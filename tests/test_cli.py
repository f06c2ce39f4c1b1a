"""`python app.py`: a missing or corrupt checkpoint, or a bad flag, stops it with one line naming it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_app_exits_with_one_line_for_a_missing_checkpoint(tmp_path):
    """In a process of its own: nothing else (an import's warning, a traceback) reaches stderr."""
    missing = tmp_path / "no-such-model"
    done = subprocess.run([sys.executable, "app.py", "--model", str(missing)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and len(lines) == 1, lines
    assert str(missing) in lines[0] and "not found" in lines[0]


def _main_stderr(capsys, *args):
    from greentext.ui import main

    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return exit_.value.code, lines


def test_app_exits_with_one_line_for_a_corrupt_checkpoint(tmp_path, tiny_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_path, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    code, lines = _main_stderr(capsys, "--model", str(broken))
    assert code == 1 and len(lines) == 1, lines
    assert str(broken) in lines[0] and "corrupt" in lines[0]


def test_bad_limit_flags_are_one_line_too(capsys):
    code, lines = _main_stderr(capsys, "--rate-limit", "lots", "--model", "/nonexistent")
    assert code == 1 and len(lines) == 1 and "REQUESTS/SECONDS" in lines[0]


def test_compare_refuses_an_unreadable_checkpoint_in_one_line(tmp_path, tiny_path, capsys):
    """Another tokenizer is compared per stretch of text (probes/compare.py); a checkpoint that cannot be read
    still stops the app at start-up with one line naming it."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_bytes((Path(tiny_path) / "config.json").read_bytes())
    (broken / "tokenizer.json").write_text("{not json", encoding="utf-8")
    code, lines = _main_stderr(capsys, "--model", str(tiny_path), "--compare", str(broken))
    assert code == 1 and len(lines) == 1, lines
    assert str(broken) in lines[0] and "could not be loaded" in lines[0]
    code, lines = _main_stderr(capsys, "--model", str(tiny_path), "--compare", "a", "b", "c")
    assert code == 2 and "--compare takes one or two checkpoint directories (got 3)" in lines[-1]


def test_mcp_and_compare_flags_reach_the_launch(tiny_path, other_tiny_path, monkeypatch):
    import gradio as gr

    from greentext.config import Config
    from greentext.ui import main
    from greentext.ui.cli import launch_kwargs

    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda demo, **kw: launched.update(kw, demo=demo))
    main(["--model", str(tiny_path), "--compare", str(other_tiny_path), "--mcp"])
    assert launched["mcp_server"] is True
    assert launched["demo"].tabs["compare"].checkpoints.default[0] == str(other_tiny_path)
    assert launched["demo"].greentext.config.mcp is True  # the one Config, read by main, reached the app
    monkeypatch.setenv("GREENTEXT_MCP", "1")
    assert Config.from_env().mcp and launch_kwargs(mcp=Config.from_env().mcp)["mcp_server"] is True
    monkeypatch.setenv("GREENTEXT_MCP", "0")
    assert not Config.from_env().mcp and "mcp_server" not in launch_kwargs()


def test_settings_from_flags_and_the_environment_reach_the_launch(tiny_path, monkeypatch):
    import gradio as gr

    from greentext.ui import main

    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda demo, **kw: launched.update(kw, demo=demo))
    env = {"GRADIO_SERVER_PORT": "7999", "GREENTEXT_MCP": "yes", "GREENTEXT_QUEUE_SIZE": "9",
           "GREENTEXT_CONCURRENCY": "3", "GREENTEXT_TIME_LIMIT": "off", "GREENTEXT_SAFE_MODE": "on"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    main(["--model", str(tiny_path), "--port", "8001", "--unsafe", "--rate-limit", "5/10"])
    demo, config = launched["demo"], launched["demo"].greentext.config
    assert launched["server_port"] == 8001 and launched["server_name"] == "127.0.0.1" and launched["mcp_server"]
    assert config.model == str(tiny_path) and config.time_limit is None and not demo.greentext.safe_mode
    assert demo.greentext.rate_limit.requests == 5 and demo._queue.max_size == 9 and config.concurrency == 3


def test_a_bad_variable_is_one_line_naming_it(monkeypatch, capsys):
    monkeypatch.setenv("GREENTEXT_SAFE_MODE", "maybe")
    code, lines = _main_stderr(capsys, "--model", "/nonexistent")
    assert code == 1 and len(lines) == 1 and "GREENTEXT_SAFE_MODE must be one of" in lines[0], lines
