"""A day of lectures in half an hour: many clients on one launched app, and what it holds over time.

    .venv/bin/python -m bench.soak [--minutes 30] [--users 32] [--every 60] [--no-presenter]

Each user is a thread with its own `gradio_client.Client`, looping over a mix of every endpoint:
/generate (read to the end, or stopped after its first piece: the client cancels, as the Stop button
does), /probabilities, /attention (a few shared texts and the user's own), /logit_lens, /compare,
/compare_tokens, /model_info, and bad input (a temperature, layer or prompt out of range: the clear
message expected). A presenter in chromium (Playwright) steps through the Probabilities tab and downloads
both CSVs every few steps. Every `--every` seconds the table gets a row: the server's resident memory,
open files, threads, and the size of its temporary folders (gradio's cache and the app's downloads; the
server runs with its own TMPDIR and GRADIO_TEMP_DIR, so nothing else is counted), and the requests so far.
"Flat" means: after the warm-up (first models loaded, caches filled), these stop growing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from .concurrency import cpu_seconds
from .server import ROOT, Server

TEXTS = ["the lecture\n>be me\n>projector dies", "the lecture\n>be me", ">be me\n>give a talk in Brazil\n>wifi dies"]
BAD = [  # (endpoint, arguments, a word the message must name)
    ("/generate", (">be me", 5.0, 50, 0.95, 20, 1), "temperature"),
    ("/probabilities", (">be me", 0.8, 50, 0.95, 999, 1, 10), "steps"),
    ("/attention", (">be me", 99), "layer"),
    ("/generate", ("a\x00b", 0.8, 50, 0.95, 20, 1), "prompt"),
    ("/logit_lens", (">be me", 99), "top_n"),
]
STEP_COUNT_JS = ("() => { const m = (document.querySelector('#p-status')?.innerText || '').match(/· (\\d+)\\//); "
                 "return m ? m[1] : null; }")  # the walk's steps as the Probabilities status shows them
# A step is on screen once the status shows a count, and another one: while gradio redraws the status its text
# has no count for a moment (null), which an earlier soak took for "changed" and went on before the step.
STEP_SHOWN_JS = f"(before) => {{ const now = ({STEP_COUNT_JS})(); return now !== null && now !== before; }}"
FINISHED_JS = "() => (document.querySelector('#p-status')?.innerText || '').includes('✔')"
CACHE_CLEANING = "60/300"  # gradio's download copies: cleaned every minute once 5 minutes old (default 600/1800)


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under `path`."""
    size = files = 0
    for p in path.rglob("*"):
        try:
            if p.is_file():
                size, files = size + p.stat().st_size, files + 1
        except OSError:
            pass
    return size, files


def process_facts(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024
    threads = int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])
    return {"rss_mb": rss, "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


class Tally:
    def __init__(self):
        self.counts, self.errors, self._lock = Counter(), [], threading.Lock()
        self.step_seconds: list[float] = []  # the presenter's click → step on screen
        self.presenter_failures = 0  # all of them (only the first 20 failures are kept as text)

    def add(self, kind: str, error: str | None = None) -> None:
        with self._lock:
            self.counts[kind] += 1
            if kind == "failed" and error and error.startswith("presenter:"):
                self.presenter_failures += 1
            if error and len(self.errors) < 20:
                self.errors.append(f"{kind}: {error[:400 if error.startswith('presenter:') else 160]}")


def user(url: str, index: int, deadline: float, tally: Tally, start: threading.Barrier) -> None:
    from gradio_client import Client

    rng = random.Random(index)
    client = Client(url, verbose=False)
    start.wait()
    while time.time() < deadline:
        kind = rng.choices(["generate", "stop", "probabilities", "attention", "lens", "compare", "compare_tokens",
                            "info", "bad"], weights=[4, 2, 3, 3, 2, 1, 1, 1, 2])[0]
        text = rng.choice(TEXTS) if rng.random() < 0.7 else f">be user {index}\n>{rng.randint(0, 99)} slides left"
        seed = rng.randint(0, 2**32 - 1)
        try:
            if kind == "generate":
                client.predict(text, 0.8, 50, 0.95, rng.randint(8, 48), seed, api_name="/generate")
            elif kind == "stop":
                job = client.submit(text, 0.8, 50, 0.95, 200, seed, api_name="/generate")
                while not job.done() and not job.outputs():
                    time.sleep(0.05)
                job.cancel()
            elif kind == "probabilities":
                client.predict(text, 0.8, 50, 0.95, rng.randint(2, 12), seed, 10, api_name="/probabilities")
            elif kind == "attention":
                client.predict(text, rng.randint(0, 1), api_name="/attention")
            elif kind == "lens":
                client.predict(text, 10, api_name="/logit_lens")
            elif kind == "compare":
                client.predict(text, 0.8, 50, 0.95, rng.randint(8, 24), seed, api_name="/compare")
            elif kind == "compare_tokens":
                client.predict(text, api_name="/compare_tokens")
            elif kind == "info":
                client.predict(api_name="/model_info")
            else:
                endpoint, args, word = rng.choice(BAD)
                try:
                    client.predict(*args, api_name=endpoint)
                    tally.add("bad input accepted", f"{endpoint}{args!r}")
                    continue
                except Exception as err:  # noqa: BLE001 - the message is what is checked
                    if word not in str(err):
                        tally.add("bad input, unclear message", f"{endpoint}: {err}")
                        continue
            tally.add(kind)
        except Exception as err:  # noqa: BLE001 - every failure is counted and shown
            busy = "queue" in str(err).lower() and "full" in str(err).lower()
            tally.add("busy" if busy else "failed", f"{kind}: {type(err).__name__}: {err}")


class EventStreams:
    """The page's event streams (`/queue/data`) and joins as the browser saw them: on a step that never
    arrives, whether a stream was open to bring it (none open: gradio closed the stream as the event joined)."""

    def __init__(self, page):
        self.open: dict = {}  # request → opened at
        self.closed_at = self.joined_at = None
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)

    def _request(self, request) -> None:
        if "/queue/data" in request.url:
            self.open[request] = time.time()
        elif "/queue/join" in request.url:
            self.joined_at = time.time()

    def _finished(self, request) -> None:
        if self.open.pop(request, None) is not None:
            self.closed_at = time.time()

    def describe(self) -> str:
        now = time.time()
        ago = lambda t: "never" if t is None else f"{now - t:.1f} s ago"  # noqa: E731
        return (f"event streams open: {len(self.open)}, last closed {ago(self.closed_at)}, "
                f"last join {ago(self.joined_at)}")


def presenter(url: str, deadline: float, tally: Tally) -> None:
    """Steps through the Probabilities tab in chromium as a presenter does: the next click once the step is
    on screen, R when the story has ended (or every 60 steps), both CSVs every fifth step. A failure is
    recorded with what the page showed and the browser's console errors since the last step."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        streams = EventStreams(page)
        page.goto(url)
        page.get_by_role("tab", name="Probabilities").click()
        page.wait_for_function(f"() => ({STEP_COUNT_JS})() !== null", timeout=120_000)
        steps = 0
        while time.time() < deadline:
            console.clear()
            try:
                before = page.evaluate(STEP_COUNT_JS)
                again = steps % 60 == 57 or page.evaluate(FINISHED_JS)  # never just before a download
                clicked = time.time()
                page.locator("#p-reset" if again else "#p-sample").click()
                if not (again and before == "0"):  # a reset of a fresh walk changes nothing on screen
                    page.wait_for_function(STEP_SHOWN_JS, arg=before, timeout=120_000)
                tally.step_seconds.append(time.time() - clicked)
                steps += 1
                if steps % 5 == 0 and page.evaluate(STEP_COUNT_JS) != "0":
                    for button in ("#p-csv", "#p-slides"):
                        try:  # saved at once; else, as a person would, a tap on the file's own button
                            with page.expect_download(timeout=20_000) as download:
                                page.locator(button).click()
                            kind = "download"
                        except PlaywrightTimeout:
                            with page.expect_download(timeout=60_000) as download:
                                page.locator("#p-file").click()
                            kind = "download (tapped)"
                        download.value.path()
                        download.value.delete()  # the browser's own copy: only the server's folders count
                        tally.add(kind)
            except Exception as err:  # noqa: BLE001
                shown = page.evaluate("() => document.querySelector('#p-status')?.innerText || ''")
                seen = (f" [status: {shown.strip()!r}; {streams.describe()}; "
                        f"{'; '.join(console[-3:]) or 'no console errors'}]")
                tally.add("failed", f"presenter: {type(err).__name__}: {str(err)[:300]}{seen}")
        browser.close()


def run(minutes: float = 30, users: int = 32, every: float = 60, model: str | None = None,
        with_presenter: bool = True) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="greentext-soak-"))
    tmp, cache = scratch / "tmp", scratch / "gradio"
    tmp.mkdir(), cache.mkdir()
    env = {"TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(cache), "GREENTEXT_CACHE_CLEANING": CACHE_CLEANING,
           "GREENTEXT_RATE_LIMIT": "off"}
    server = Server(model or str(ROOT / "assets" / "model"), env=env)
    tally, rows = Tally(), []
    try:
        with server as url:
            pid = server.process.pid
            deadline = time.time() + minutes * 60
            start = threading.Barrier(users + 1)
            threads = [threading.Thread(target=user, args=(url, i, deadline, tally, start), daemon=True)
                       for i in range(users)]
            for t in threads:
                t.start()
            start.wait()
            if with_presenter and Path("/usr/bin/chromium").exists():
                threads.append(threading.Thread(target=presenter, args=(url, deadline, tally), daemon=True))
                threads[-1].start()
            began, cpu0 = time.time(), cpu_seconds(pid)
            while True:
                now = time.time()
                cache_bytes, cache_files = folder_size(cache)
                tmp_bytes, tmp_files = folder_size(tmp)
                row = {"minute": (now - began) / 60, **process_facts(pid), "cache_mb": cache_bytes / 2**20,
                       "cache_files": cache_files, "tmp_mb": tmp_bytes / 2**20, "tmp_files": tmp_files,
                       "requests": sum(v for k, v in tally.counts.items() if k not in ("failed", "busy")),
                       "failed": tally.counts["failed"], "busy": tally.counts["busy"],
                       "server_cores": (cpu_seconds(pid) - cpu0) / max(now - began, 1e-9)}
                rows.append(row)
                print(" · ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()),
                      flush=True)
                if now >= deadline:
                    break
                time.sleep(min(every, max(deadline - now, 0.0) + 0.5))
            for t in threads:
                t.join(timeout=180)
            log = server.log()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    problems = [line for line in log.splitlines() if "Traceback" in line or "Error" in line]
    return {"rows": rows, "counts": dict(tally.counts), "errors": tally.errors, "users": users,
            "presenter_failures": tally.presenter_failures,
            "step_seconds": tally.step_seconds, "server_log": {"lines": len(log.splitlines()), "problems": problems},
            "minutes": minutes, "presenter": with_presenter}


def table(result: dict) -> str:
    rows, counts = result["rows"], result["counts"]
    lines = [f"{result['users']} `gradio_client` users for {result['minutes']:g} minutes on one app (bundled model, "
             "loopback, rate limit off), each looping over /generate (a fifth of them stopped after the first "
             "piece, as Stop does), /probabilities, /attention, /logit_lens, /compare, /compare_tokens, /model_info "
             "and bad input" + (", and a presenter in chromium stepping through the Probabilities tab (each click once the "
                                "last step is on screen) and downloading both CSVs every fifth step (a download the browser did not start by itself "
                                "within 20 s is tapped on the file's own button)" if result["presenter"] else "") +
             f". Gradio's cache cleaning for the run: {CACHE_CLEANING} s (the app's default is 600/1800). "
             "Temporary folders: gradio's cache (its copies of the downloads) and TMPDIR (the app's downloads "
             "folder); the server runs with its own of both.", "",
             "| minute | resident memory | open files | threads | gradio cache | TMPDIR | requests so far | "
             "failed | busy |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['minute']:.1f} | {r['rss_mb']:.0f} MB | {r['fds']} | {r['threads']} | "
                     f"{r['cache_mb']:.2f} MB ({r['cache_files']} files) | {r['tmp_mb']:.2f} MB ({r['tmp_files']} files) | "
                     f"{r['requests']} | {r['failed']} | {r['busy']} |")
    done = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    lines += ["", f"Requests by kind: {done}."]
    if len(rows) >= 4:
        settled = rows[len(rows) // 3:]
        rss = [r["rss_mb"] for r in settled]
        lines.append(f"After the first third: resident memory {min(rss):.0f}–{max(rss):.0f} MB, open files "
                     f"{min(r['fds'] for r in settled)}–{max(r['fds'] for r in settled)}, temporary folders at most "
                     f"{max(r['cache_mb'] + r['tmp_mb'] for r in settled):.2f} MB; server CPU "
                     f"{rows[-1]['server_cores']:.2f} cores on average.")
    if result.get("step_seconds"):
        steps = sorted(result["step_seconds"])
        lines.append(f"The presenter's steps (click → on screen, the next click after it): {len(steps)}, median "
                     f"{steps[len(steps) // 2]:.1f} s, 95th percentile {steps[int(0.95 * (len(steps) - 1))]:.1f} s.")
    if result["presenter"]:  # (the errors read "failed: presenter: …": counting those that began "presenter:" said 0)
        lines.append(f"Presenter failures: {result['presenter_failures']}.")
    log = result.get("server_log")
    if log is not None:
        lines.append(f"The server's log: {log['lines']} lines, {len(log['problems'])} naming an error or a traceback"
                     + (f" (first: {log['problems'][0][:200]})" if log["problems"] else "") + ".")
    if result["errors"]:
        lines += ["", f"Failures seen (the first {len(result['errors'])}): " + "; ".join(result["errors"])]
    return "\n".join(lines)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30, help="how long the soak runs (default 30)")
    parser.add_argument("--users", type=int, default=32, help="gradio_client users looping over every endpoint (default 32)")
    parser.add_argument("--every", type=float, default=60, help="seconds between rows")
    parser.add_argument("--model", default=None, help="checkpoint (default: the bundled model)")
    parser.add_argument("--no-presenter", action="store_true", help="no chromium presenter")
    parser.add_argument("--out", default=None, help="also write the table as the section \"Soak\" of this "
                                                    "benchmarks file (e.g. BENCHMARKS.md); default: print only")
    args = parser.parse_args(argv)
    text = table(run(args.minutes, args.users, args.every, args.model, not args.no_presenter))
    print("\n" + text)
    if args.out:
        from .record import write_sections

        command = " ".join(["python -m bench.soak", *(sys.argv[1:] if argv is None else argv)])
        write_sections(Path(args.out), [("Soak", text)], command)
    return text


if __name__ == "__main__":
    main()
