"""A page's event stream stays open between its events (gradio closes it when nothing is pending, and a
click that joins as it closes waits forever: greentext/ui/stream.py), and the page's hold goes with it."""

from __future__ import annotations

import time

import gradio as gr
import pytest

from greentext.ui.stream import HOLD_ID, hold_stream_open

pages = pytest.importorskip("pages")


def bare_app(held: bool) -> gr.Blocks:
    with gr.Blocks() as demo:
        number = gr.Number(0, elem_id="n")
        gr.Button("step", elem_id="step").click(lambda n: n + 1, number, number)
        if held:
            hold_stream_open(demo)
    return demo


class Streams:
    """The page's `/queue/data` requests still open."""

    def __init__(self, page):
        self.open = set()
        page.on("request", lambda r: self.open.add(r) if "/queue/data" in r.url else None)
        page.on("requestfinished", lambda r: self.open.discard(r))
        page.on("requestfailed", lambda r: self.open.discard(r))


def steps(page, count: int) -> None:
    for n in range(1, count + 1):
        page.click("#step")
        page.wait_for_function("(n) => document.querySelector('#n input')?.value === String(n)", arg=n,
                               timeout=pages.SLOW)


def held_sessions(demo) -> list[str]:
    return [s for s, ids in demo._queue.pending_event_ids_session.items() if HOLD_ID in ids]


@pytest.mark.parametrize("held", [False, True], ids=["gradio-default", "held"])
def test_the_stream_stays_open_between_events_and_the_hold_leaves_with_the_page(browser, held):
    demo = bare_app(held)
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        context = browser.new_context()
        page = context.new_page()
        streams = Streams(page)
        page.goto(demo.local_url)
        page.wait_for_selector("#step")
        steps(page, 3)
        time.sleep(0.5)  # the server's close, if it comes, comes at once after the last result
        if not held:  # what the hold is for: gradio closes the stream whenever nothing is pending
            assert not streams.open and not held_sessions(demo)
        else:
            assert len(streams.open) == 1, "the page's event stream closed between events"
            assert len(held_sessions(demo)) == 1
        context.close()  # the page leaves: gradio's unload takes the hold out
        deadline = time.time() + 20
        while held_sessions(demo) and time.time() < deadline:
            time.sleep(0.1)
        assert held_sessions(demo) == []
    finally:
        demo.close()
