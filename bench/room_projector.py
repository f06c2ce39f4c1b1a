"""The room on the real projector page: N simulated phones voting while the presenter, in chromium, drives the
Probabilities tab with the clicker's keys.

    .venv/bin/python -m bench.room_projector [--phones 300] [--steps 10] [--every 8] [--out BENCHMARKS.md]

`bench.room` measures the room's core and its HTTP routes (its projector reads the tally over a route of its
own); this one measures what the presenter's page shows: the app launched as `python app.py` does (the same
server as `bench.room`), a chromium page on the Probabilities tab that opens a room with *Open a room*, then
each step **V** (reveal) and **C** (the room's choice) or **→** (the model's draw), one step every `--every`
seconds; the phones are `bench.room`'s (poll every second with the ETag, vote 1–3 s after they see a step, a
quarter change their vote). In the page a MutationObserver stamps every change of the panel's counts
("N phones · M votes", drawn by the 1 s `gr.Timer`).

Measured: **tally delay on the projector** — per phone's first accepted vote in a step (the k-th voter of that
step), from the server's answer to the first moment the page shows at least k votes for that step; the
presenter's keys → the page showing the next step; accepted votes against the tally the page shows at the
reveal; the server's CPU and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from .concurrency import cpu_seconds, percentile
from .room import Hall, measured, phone, rss_mb

PAGE = "?tab=probabilities&prompt=the+lecture%0A%3Ebe+me&seed=7&max_new_tokens=200"
OBSERVE = """() => {
  window.__counts = [];
  const panel = document.querySelector('#p-room-panel');
  const read = () => {
    const el = panel.querySelector('.room-counts');
    const m = el && el.textContent.match(/([\\d.,]+)\\D+([\\d.,]+)/);
    if (m) window.__counts.push([Date.now(), +m[1].replace(/[.,]/g, ''), +m[2].replace(/[.,]/g, '')]);
  };
  new MutationObserver(read).observe(panel, {subtree: true, childList: true, characterData: true});
  read();
}"""
STEPPED = """(n) => {
  const m = (document.querySelector('#p-status')?.innerText || '').match(/· (\\d+)\\/\\d+/);
  return !!m && +m[1] >= n;
}"""  # the status line "seed 7 · n/200 tokens" counts n steps


async def presenter_run(url: str, phones: int, steps: int, every: float, poll: float, change: float,
                        pid: int) -> dict:
    import httpx
    from playwright.async_api import async_playwright

    hall = Hall()
    offset = time.time() - time.perf_counter()  # phones stamp with perf_counter, the page with Date.now()
    marks: list[tuple[float, str]] = []  # (wall time, what the presenter pressed)
    step_seconds: list[float] = []
    reveals: list[tuple[int, int]] = []  # (votes the page showed after V, phones' last accepted votes)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = await browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
        await page.goto(url + PAGE)
        await page.wait_for_selector("#p-table .step", timeout=120_000)
        await page.click("#p-room-open")
        await page.wait_for_selector("#p-room-panel .room-code", timeout=60_000)
        code = (await page.inner_text("#p-room-panel .room-code")).strip()
        await page.wait_for_selector("#p-table .room-vote", timeout=60_000)
        await page.evaluate(OBSERVE)
        await page.locator("#p-present input").check()
        limits = httpx.Limits(max_connections=phones + 20, max_keepalive_connections=phones + 20)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
            rss_before, rss_peak = rss_mb(pid), rss_mb(pid)
            stop = asyncio.Event()
            cpu0, began = cpu_seconds(pid), time.perf_counter()
            tasks = [asyncio.create_task(phone(http, code, i, hall, stop, poll, change)) for i in range(phones)]
            marks.append((time.time(), "open"))
            for n in range(steps):
                await asyncio.sleep(every)
                await page.keyboard.press("v")
                marks.append((time.time(), "reveal"))
                await page.wait_for_selector("#p-table th.col-room", timeout=60_000)
                await asyncio.sleep(1.5)  # the reveal's tally drawn
                shown = await page.evaluate("() => (window.__counts.at(-1) || [0, 0, 0])[2]")
                reveals.append((shown, hall_last_votes(hall, n + 1)))
                key = "c" if n % 2 else "ArrowRight"
                started = time.perf_counter()
                await page.keyboard.press(key)
                marks.append((time.time(), "step"))
                await page.wait_for_function(STEPPED, arg=n + 1, timeout=60_000)
                step_seconds.append(time.perf_counter() - started)
                rss_peak = max(rss_peak, rss_mb(pid))
            stop.set()
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - began
            cpu = cpu_seconds(pid) - cpu0
        counts = await page.evaluate("() => window.__counts")
        await browser.close()
    return {"hall": hall, "offset": offset, "marks": marks, "counts": counts, "steps": step_seconds,
            "reveals": reveals, "wall": wall, "server_cores": cpu / wall, "rss_before": rss_before,
            "rss_peak": rss_peak, "rss_after": rss_mb(pid)}


def hall_last_votes(hall: Hall, round_: int) -> int:
    """Phones with an accepted vote in round `round_` (the room's rounds count from 1)."""
    return len({v["phone"] for v in hall.votes if v["status"] == 200 and v["round"] == round_})


def projector_delays(result: dict) -> list[float]:
    """Per step, the k-th phone's first accepted vote → the page first showing ≥ k votes, in that step (between
    the presenter's marks)."""
    hall, offset, counts = result["hall"], result["offset"], result["counts"]
    starts = [t for t, what in result["marks"] if what in ("open", "step")]
    delays = []
    for r, start in enumerate(starts, start=1):
        end = starts[r] if r < len(starts) else float("inf")
        firsts = sorted(min(v["at"] for v in hall.votes if v["status"] == 200 and v["round"] == r and v["phone"] == p)
                        for p in {v["phone"] for v in hall.votes if v["status"] == 200 and v["round"] == r})
        shown = [(t / 1000, votes) for t, _, votes in counts if start * 1000 <= t < end * 1000]
        for k, at in enumerate(firsts, start=1):
            wall = at + offset
            seen = next((t for t, votes in shown if votes >= k and t >= wall - 0.05), None)
            if seen is not None:
                delays.append(max(0.0, seen - wall))
    return delays


def table(result: dict, args) -> str:
    hall = result["hall"]
    delays = projector_delays(result)
    accepted = sum(1 for v in hall.votes if v["status"] == 200)
    ms = lambda xs, q: f"{percentile(xs, q) * 1000:.0f} ms" if xs else "–"  # noqa: E731
    equal = sum(1 for shown, last in result["reveals"] if shown == last)
    rows = [
        ("phones, steps, presenter", f"{args.phones} phones, {args.steps} steps, one every {args.every:g} s: V "
                                     "(reveal), then C (the room's choice) or → (the model's draw), keys in chromium"),
        ("votes accepted", f"{accepted:,} (of {len(hall.votes):,} sent)"),
        ("tally delay on the projector page", f"p50 {ms(delays, 0.5)}, p95 {ms(delays, 0.95)}, max "
                                              f"{ms(delays, 1.0)} ({len(delays):,} voters' first votes)"),
        ("the page's count at the reveal = the phones' accepted votes", f"{equal} of {len(result['reveals'])} steps"),
        ("presenter's key → next step on the page", f"p50 {ms(result['steps'], 0.5)}, p95 {ms(result['steps'], 0.95)}"),
        ("server CPU", f"{result['server_cores']:.2f} cores on average over {result['wall']:.0f} s (phones and "
                       "chromium on the same machine)"),
        ("server resident memory", f"{result['rss_before']:.0f} MB with the room open, {result['rss_peak']:.0f} MB "
                                   f"at most, {result['rss_after']:.0f} MB at the end"),
    ]
    out = ["| measure | value |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows]]
    if hall.errors:
        out += ["", "Errors: " + "; ".join(hall.errors[:5])]
    return "\n".join(out)


def main(argv=None) -> str:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m bench.room_projector", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--every", type=float, default=8.0, help="seconds of voting per step (default 8)")
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--change", type=float, default=0.25)
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", default=None, help="also write the table as the section \"Room on the projector\"")
    args = parser.parse_args(argv)
    run = lambda url, pid: presenter_run(url, args.phones, args.steps, args.every, args.poll, args.change, pid)  # noqa: E731
    return measured(args, run, table, "Room on the projector", " ".join(["python -m bench.room_projector", *argv]))


if __name__ == "__main__":
    main()
