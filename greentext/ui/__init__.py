"""The Gradio app: a thin UI over the engine, one module per tab.

    context.py       what every tab's handlers share: the engine, limits, display, error messages (`App`)
    generate.py      the Generate tab and /generate
    probabilities.py the Probabilities tab and /probabilities (each user's walk as plain data)
    attention.py     the Attention tab and /attention
    compare.py       the Compare tab, /compare and /compare_tokens (two checkpoints side by side)
    share.py         the Share button and panel (audience link, QR code); a link filling the forms
    layout.py        `build_app`: the page, as a list of components and events
    cli.py           `python app.py`: flags (--compare, --mcp too), queue, launch settings
The page's CSS and JS are in greentext/static/ (app.css, big_type.js, keys.js, and the attention views' files).
"""

from greentext.ui.context import App, safe_mode_from_env
from greentext.ui.cli import configure_queue, launch_kwargs, main
from greentext.ui.layout import build_app, card_markdown

__all__ = ["App", "build_app", "card_markdown", "configure_queue", "launch_kwargs", "main", "safe_mode_from_env"]
