"""`python app.py`: flags, the queue and the launch settings around `layout.build_app`.

`main` reads the settings once (`Config.from_args`: the flags over the GREENTEXT_* variables) and passes them down.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gradio as gr

from greentext.present import attention_html as attention_view
from greentext.probes.compare import Checkpoints
from greentext.decode.engine import Engine
from greentext.config import (DEFAULT_TIME_LIMIT, HOST_ENV, MCP_ENV, MODEL_ENV, MODEL_SWITCH_ENV, PORT_ENV,
                              RATE_LIMIT_ENV, SAFE_MODE_ENV, TIME_LIMIT_ENV, Config)
from greentext.model.loading import ModelLoadError
from greentext.ui.context import I18N
from greentext.ui import room
from greentext.ui.layout import build_app
from greentext.paths import static_text

# The page's CSS: the app's, the room's panel on the projector, the lesson's bar and note.
CSS = "\n".join(static_text(name) for name in ("app.css", "room_panel.css", "lesson.css"))


def configure_queue(demo: gr.Blocks, config: Config | None = None) -> gr.Blocks:
    """The queue every launch uses: at most `config.queue_size` waiting requests (then gradio answers "busy"),
    `config.concurrency` model calls at once by default. `config`: the app's own (`demo.greentext.config`)."""
    config = config or demo.greentext.config
    return demo.queue(max_size=config.queue_size, default_concurrency_limit=config.concurrency)


def launch_kwargs(engine: Engine | None = None, mcp: bool = False) -> dict:
    """`launch()`'s settings. `mcp`: also serve the named API as MCP tools at /gradio_api/mcp/ (their
    descriptions and typed arguments come from the handlers' docstrings and type hints)."""
    # allowed_paths: the two JS files the Attention tab's bertviz views load (d3 v5, jQuery) and the
    # model card's loss curve, and nothing else.
    files = [str(p) for p in attention_view.library_files().values()]
    if engine is not None and engine.info.card and (Path(engine.info.card).parent / "loss.png").is_file():
        files.append(str(Path(engine.info.card).parent / "loss.png"))
    kwargs = dict(i18n=I18N, css=CSS, theme=gr.themes.Soft(primary_hue="green"), allowed_paths=files,
                  app_kwargs=room.app_kwargs())  # the room votes' phone page and its routes (ui/room.py)
    return {**kwargs, "mcp_server": True} if mcp else kwargs


def main(argv=None) -> None:
    """`python app.py [--model PATH_OR_HUB_ID] [--device auto|cpu|cuda|mps] [--host H] [--port P] [--share]
    [--compare PATH [PATH]] [--mcp] [--allow-model-switch]`."""
    parser = argparse.ArgumentParser(prog="python app.py", description="GPT-2 Greentext Lab")
    parser.add_argument("--model", default=None, help=f"checkpoint directory or hub id (default: ${MODEL_ENV} "
                                                      "or the bundled model)")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, mps")
    parser.add_argument("--host", default=None,
                        help=f"address to listen on: 127.0.0.1 (this computer only, the default; ${HOST_ENV}) "
                             "or 0.0.0.0 (phones on the same Wi-Fi can open it)")
    parser.add_argument("--port", type=int, default=None, help=f"port to listen on (default 7860; ${PORT_ENV})")
    parser.add_argument("--share", action="store_true", help="also serve through a public gradio.live link")
    parser.add_argument("--safe-mode", choices=["on", "off"], default=None,
                        help=f"lecture-safe mode: mask profanity and slurs (default on; ${SAFE_MODE_ENV}=0 turns it off)")
    parser.add_argument("--unsafe", action="store_true", help="the same as --safe-mode off")
    parser.add_argument("--time-limit", type=float, default=None,
                        help=f"seconds per request, 0 = none (default ${TIME_LIMIT_ENV} or {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--rate-limit", default=None,
                        help=f"REQUESTS/SECONDS per client, e.g. 10/60, or off (default ${RATE_LIMIT_ENV} or off)")
    parser.add_argument("--compare", nargs="+", default=[], metavar="PATH",
                        help="the Compare tab's models: A, or A and B (default: the bundled base as A, the app's "
                             "model as B); checkpoint directories (any tokenizer: another one is compared per stretch of text)")
    parser.add_argument("--mcp", action="store_true",
                        help=f"also serve the API as MCP tools at /gradio_api/mcp/ (or ${MCP_ENV}=1)")
    parser.add_argument("--allow-model-switch", action="store_true",
                        help="let the presenter switch the app's model from the model panel, on the computer that "
                             "runs the app (bundled, assets/ and runs/ checkpoints, the local hub cache; memory "
                             f"checked first; or ${MODEL_SWITCH_ENV}=1); the audience never loads models")
    args = parser.parse_args(argv)
    if len(args.compare) > 2:
        parser.error(f"--compare takes one or two checkpoint directories (got {len(args.compare)})")
    try:
        config = Config.from_args(args)  # the GREENTEXT_* variables, read once; a bad one: one line naming it
        engine = Engine.load(config.model, config.device)
        checkpoints = Checkpoints(engine, config.compare, keep=config.compare_models)
        for path in config.compare:  # checked now (tokenizer only); the weights load on first use
            checkpoints.check(path)
    except (ModelLoadError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    demo = build_app(engine, checkpoints, config)
    configure_queue(demo, config)
    demo.launch(server_name=config.host, server_port=config.port, share=config.share,
                **launch_kwargs(engine, mcp=config.mcp))
