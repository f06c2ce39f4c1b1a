"""The Gradio app: a thin UI over the engine, one module per tab.

    context.py       what every tab's handlers share: the engine, limits, display, error messages (`App`)
    form.py          the prompt-and-settings form by name: its components (`Form`) and values (`Values`)
    generate.py      the Generate tab and /generate
    probabilities.py the Probabilities tab and /probabilities (each user's walk as plain data)
    attention.py     the Attention tab and /attention
    compare.py       the Compare tab, /compare and /compare_tokens (two checkpoints side by side)
    share.py         the Share button and panel (audience link, QR code); a link filling the forms
    lesson_panel.py  the lesson bar: a deck's slides on the page (menu, ◀ ▶, note), a link's lesson, the clicker
    room.py          the room votes: the phones' page and routes, the calls the presenter's tab makes
    room_panel.py    the room on the Probabilities tab: open, the projector's tally, reveal, take the room's choice
    chat.py          the chat-template toggle under a prompt (a chat model's template, as text)
    model_panel.py   the model panel: the model, its card, the models on this computer, the presenter's switch
    layout.py        `build_app`: the page, as a list of components and events (`demo.controls`: by tab)
    stream.py        each page's event stream held open (a click never waits on a closed one)
    cli.py           `python app.py`: flags (--compare, --mcp too), queue, launch settings
Each tab's builder returns its components as a dataclass (`Controls`); events hand a form to its handler by
parameter name (`inputs_kwargs=form.named()`), and handlers that fill another tab's components return updates
keyed by component. The page's CSS and JS, the events' `js=` snippets too, are in greentext/static/.
"""

from greentext.config import Config
from greentext.ui.context import App
from greentext.ui.cli import configure_queue, launch_kwargs, main
from greentext.ui.layout import build_app
from greentext.ui.model_panel import card_markdown

__all__ = ["App", "Config", "build_app", "card_markdown", "configure_queue", "launch_kwargs", "main"]
