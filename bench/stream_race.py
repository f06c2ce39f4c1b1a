"""Does a click ever wait forever? Gradio's event stream closing as the next event joins, on a bare app.

    .venv/bin/python -m bench.stream_race [--seconds 180] [--users 8] [--out BENCHMARKS.md]

A bare Gradio app shaped like the Probabilities tab (a step button whose handler returns the walk's state
and a status line, a `state.change` follow-up like the logit lens), no model. A presenter in chromium
clicks the step button each time the last step is on screen; `--users` gradio_client threads keep the
server busy with a handler that holds the GIL for a few milliseconds, as the app's Python work does. A
step not on screen within 10 s is a hang (the page is reloaded and the presenter goes on). The same run
twice, side by side: the app as is, and with `greentext.ui.stream.hold_stream_open` (each page's event
stream held open). The Python client's side of the same race shows as a `CancelledError`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import threading
import time

from .server import Server

STATUS_JS = "() => document.querySelector('#status')?.innerText || ''"


def serve(port: int, held: bool) -> None:
    import gradio as gr

    def step(n: int):
        n = int(n or 0) + 1
        return n, f"step {n}"

    def follow(n: int) -> str:
        return f"lens of step {n}"

    def busy(x: str) -> str:  # Python work under the GIL, as a request's tokenizing and HTML are
        total = 0
        for i in range(60_000):
            total += i * i
        return x

    with gr.Blocks() as demo:
        state = gr.State(0)
        status = gr.Markdown("step 0", elem_id="status")
        lens = gr.Markdown()
        button = gr.Button("step", elem_id="step")
        button.click(step, state, [state, status])
        state.change(follow, state, lens)
        gr.api(busy, api_name="busy")
        if held:
            from greentext.ui.stream import hold_stream_open

            hold_stream_open(demo)
    demo.queue(default_concurrency_limit=4).launch(server_name="127.0.0.1", server_port=port, quiet=True)


class RaceServer(Server):
    """The bare app (`serve`), as is or with each page's stream held open, on a free port."""

    def __init__(self, held: bool):
        super().__init__(None)
        self.held = held

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.stream_race", "--serve", str(self.port)] + (["--held"] if self.held else [])


def measure(held: bool, seconds: float, users: int) -> dict:
    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    with RaceServer(held) as url:
        deadline = time.time() + seconds
        calls = {"ok": 0, "cancelled": 0, "other": 0}
        lock = threading.Lock()

        def user() -> None:
            client = Client(url, verbose=False)
            while time.time() < deadline:
                try:
                    client.predict("x", api_name="/busy")
                    kind = "ok"
                except concurrent.futures.CancelledError:
                    kind = "cancelled"
                except Exception:  # noqa: BLE001 - counted, not raised
                    kind = "other"
                with lock:
                    calls[kind] += 1

        threads = [threading.Thread(target=user, daemon=True) for _ in range(users)]
        for t in threads:
            t.start()
        clicks = hangs = 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"])
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("#step")
            while time.time() < deadline:
                before = page.evaluate(STATUS_JS)
                page.click("#step")
                clicks += 1
                try:
                    page.wait_for_function(f"(b) => ({STATUS_JS})() !== b && ({STATUS_JS})().startsWith('step')",
                                           arg=before, timeout=10_000, polling=5)
                except Exception:  # noqa: BLE001 - a hang: counted, then the page starts again
                    hangs += 1
                    page.reload()
                    page.wait_for_selector("#step")
            browser.close()
        for t in threads:
            t.join(30)
        return {"held": held, "clicks": clicks, "hangs": hangs, **calls}


def table(rows: list[dict], seconds: float, users: int) -> str:
    lines = [f"A bare Gradio app (no model) for {seconds:g} s per row: a presenter in chromium clicking a step button "
             f"as soon as the last step is on screen, {users} gradio_client threads calling a GIL-holding handler. "
             "A hang: the step not on screen within 10 s.", "",
             "| page's event stream | presenter's clicks | hangs | client calls | client calls cancelled |",
             "|---|---|---|---|---|"]
    for r in rows:
        name = "held open (`hold_stream_open`)" if r["held"] else "closed when idle (gradio's default)"
        lines.append(f"| {name} | {r['clicks']} | {r['hangs']} | {r['ok'] + r['cancelled'] + r['other']} "
                     f"| {r['cancelled']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.stream_race", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--held", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help="a Markdown file whose section this run replaces")
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.held)
        return ""
    rows = [measure(False, args.seconds, args.users), measure(True, args.seconds, args.users)]
    text = table(rows, args.seconds, args.users)
    print(text)
    if args.out:
        from pathlib import Path

        from .record import write_sections

        command = " ".join(["python -m bench.stream_race", *(sys.argv[1:] if argv is None else argv)])
        write_sections(Path(args.out), [("Event streams", text)], command)
    return text


if __name__ == "__main__":
    main()
