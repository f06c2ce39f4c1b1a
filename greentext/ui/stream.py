"""Each page's event stream held open while the page is open, so that no click waits forever.

Gradio sends a page's results over one server-sent event stream (`/queue/data`) and closes it as soon as
the session has no event pending; the page's next event opens a new one. Closing races with the next
click: the server decides to close (nothing pending) just as the page submits its next event; when the
page reads the answer to that submission before the `close_stream` message, it counts on the stream that
is closing, never opens another, and the event's result waits on the server for a stream that never
comes. On screen: a step that never arrives, its status timer counting (a 60-minute soak met it after
~3,600 presenter steps; `bench/stream_race.py` measures it on a bare Gradio app).

The server closes a session's stream when its set of pending event ids (`_queue.pending_event_ids_session`)
becomes empty. `hold_stream_open` puts one id of its own in that set as each page opens (an event id no
event has: gradio's code that reads the set skips ids it holds no event for) and takes it out when the
page closes (`demo.unload`), so the set is never empty while the page is open and the stream stays open,
with gradio's heartbeat every 15 s. gradio's own cleaning on disconnect leaves our id alone, the unload
removes it. This reads one private attribute of gradio's queue: `tests/test_stream.py` fails if it moves.
"""

from __future__ import annotations

import gradio as gr

HOLD_ID = "greentext-hold-stream"  # never a gradio event id (those are uuid4 hex)


def _pending(demo: gr.Blocks) -> dict[str, set[str]] | None:
    queue = getattr(demo, "_queue", None)
    return getattr(queue, "pending_event_ids_session", None)


def hold_stream_open(demo: gr.Blocks) -> None:
    """Every page that opens `demo` keeps its event stream open until it closes (call inside `with demo:`)."""

    def hold(request: gr.Request) -> None:
        pending, session = _pending(demo), getattr(request, "session_hash", None)
        if pending is not None and session:
            pending.setdefault(session, set()).add(HOLD_ID)

    def release(request: gr.Request) -> None:
        pending, session = _pending(demo), getattr(request, "session_hash", None)
        if pending is None or not session or session not in pending:
            return
        pending[session].discard(HOLD_ID)
        if not pending[session]:
            pending.pop(session, None)

    demo.load(hold, None, None, api_visibility="private", show_progress="hidden", queue=True,
              concurrency_limit=None)
    demo.unload(release)
