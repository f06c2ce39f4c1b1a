"""A lecture hall votes: N simulated phones on one room of a launched app, the presenter stepping.

    .venv/bin/python -m bench.room [--phones 300] [--steps 20] [--every 5] [--out BENCHMARKS.md]

The server is the app as `python app.py` builds and launches it (`build_app`, `configure_queue`,
`launch(**launch_kwargs(engine))`: the room routes of greentext/ui/room.py included), in its own process
(`python -m bench.room serve`), with three routes of this benchmark's own added, for the presenter: they call
the functions the Probabilities tab calls (`room.open_room`, `publish`, `tally`, `reveal`, `choice`,
`decide`) on a `Walk` of the app's model, as the tab's handlers will:

    POST /bench-room/open    open a room, publish step 0 of a walk
    POST /bench-room/next    reveal (the counted tally), take the room's choice or sample, publish the next step
    GET  /bench-room/tally   what the projector reads (`room.tally`)

The phones are asyncio tasks (httpx, one pool of keep-alive connections) in this process, each with its own
random id, doing what the phone page does: poll the state every second with its ETag (304 while nothing
changed), vote once per step after a human delay (1–3 s after it saw the step), a quarter of them changing
their vote once. A projector task reads the tally every second. Measured: vote latency, tally delay (a vote
accepted → the first projector read that counts it: its `seq`), accepted vs counted votes per step (every
phone's last accepted vote against the tally at the reveal: they must be equal), polls, the server's CPU and
resident memory. The phones run on the same cores as the server: their CPU is given too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from fastapi import APIRouter, Request  # the presenter's routes (annotations resolve in this module)

from .concurrency import cpu_seconds, percentile
from .server import Server as BaseServer

PROMPT = "the lecture\n>be me"


# ---- the server (its own process) ----------------------------------------------------------------------
def serve(argv) -> None:
    """The app, built and launched as `python app.py` does, with the presenter's routes of this benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.room serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default=None)
    args = parser.parse_args(argv)
    from greentext.config import Config
    from greentext.decode.engine import Engine
    from greentext.ui import build_app, configure_queue, launch_kwargs

    config = Config.from_env()
    engine = Engine.load(args.model or config.model, "cpu")
    demo = build_app(engine, config=config)
    configure_queue(demo, config)
    kwargs = launch_kwargs(engine)
    kwargs["app_kwargs"]["routes"] += presenter_routes()
    demo.launch(server_name="127.0.0.1", server_port=args.port, quiet=True, **kwargs)


def presenter_routes() -> list:
    """The presenter's three routes: plain `def`s, so FastAPI runs them in its threads (the model runs in them),
    as gradio's queue runs the tab's handlers."""
    from greentext.decode.settings import SamplingSettings
    from greentext.decode.walk import Walk
    from greentext.ui import room

    held: dict = {}

    def app_of(request: Request):
        return request.app.get_blocks().greentext

    def open_(request: Request) -> dict:
        app = app_of(request)
        opened = room.open_room(app, str(request.base_url))
        walk = Walk.start(app.engine, PROMPT, SamplingSettings(seed=7, max_new_tokens=256), top_n=10)
        held.update(app=app, handle=opened.handle, walk=walk)
        number = room.publish(app, opened.handle, walk.candidates())
        return {"code": opened.code, "round": number}

    def next_(take: str = "model") -> dict:
        app, handle, walk = held["app"], held["handle"], held["walk"]
        started = time.perf_counter()
        final = room.reveal(app, handle)  # votes closed: what was counted
        token = room.choice(app, handle) if take == "room" else None
        if token is not None:
            walk.pick(token_id=token)
            room.decide(app, handle, token, "room")
        else:
            step = walk.sample()
            room.decide(app, handle, step.chosen.id, "model")
        if walk.finished:
            walk.reset()
        number = room.publish(app, handle, walk.candidates())
        return {"counted": {str(k): v for k, v in final.votes.items()}, "round": final.round, "seq": final.seq,
                "next_round": number, "step_ms": (time.perf_counter() - started) * 1000}

    def tally_() -> dict:
        t = room.tally(held["app"], held["handle"])
        return {"seq": t.seq, "round": t.round, "voters": t.voters, "phones": t.phones}

    router = APIRouter()
    router.add_api_route("/bench-room/open", open_, methods=["POST"])
    router.add_api_route("/bench-room/next", next_, methods=["POST"])
    router.add_api_route("/bench-room/tally", tally_, methods=["GET"])
    return list(router.routes)


class Server(BaseServer):
    """`with Server(model) as url:` the benchmark's server (the app plus the presenter's bench routes) on a free
    port, its stderr in a file; up once its code form (`/room`) answers."""

    ready = "room"

    def __init__(self, model: str | None, env: dict | None = None, timeout: float = 180):
        super().__init__(model, env, timeout)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.room", "serve", "--port", str(self.port)] + \
            (["--model", self.model] if self.model else [])


def busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy so far (Linux /proc/stat; NaN elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    except (OSError, ValueError, IndexError):
        return float("nan")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


# ---- the hall (this process) ---------------------------------------------------------------------------
class Hall:
    def __init__(self):
        self.votes: list[dict] = []  # every vote sent: round, phone, token, status, latency, seq, accepted at
        self.polls = Counter()  # status → count
        self.poll_seconds: list[float] = []
        self.projector: list[tuple[float, int]] = []  # (read at, seq)
        self.tally_seconds: list[float] = []
        self.steps: list[dict] = []
        self.errors: list[str] = []


async def phone(http, code: str, index: int, hall: Hall, stop: asyncio.Event, poll: float, change: float) -> None:
    rng = random.Random(index)
    me = f"bench-{index:04d}-{secrets.token_urlsafe(9)}"
    etag, voted = None, set()
    await asyncio.sleep(rng.random() * poll)  # phones do not poll in step
    tasks = []
    while not stop.is_set():
        started = time.perf_counter()
        try:
            r = await http.get(f"room/{code}/state", params={"phone": me},
                               headers={"If-None-Match": etag} if etag else {})
            hall.polls[r.status_code] += 1
            hall.poll_seconds.append(time.perf_counter() - started)
            if r.status_code == 200:
                etag = r.headers.get("etag")
                view = r.json()
                if view["phase"] == "voting" and view["round"] not in voted:
                    voted.add(view["round"])
                    tasks.append(asyncio.create_task(voter(http, code, me, view, rng, hall, change)))
        except Exception as err:  # noqa: BLE001 - counted and shown
            hall.polls["error"] += 1
            if len(hall.errors) < 10:
                hall.errors.append(f"poll: {type(err).__name__}: {err}")
        await asyncio.sleep(max(0.0, poll * (0.9 + 0.2 * rng.random()) - (time.perf_counter() - started)))
    await asyncio.gather(*tasks)


async def voter(http, code, me, view, rng, hall: Hall, change: float) -> None:
    """One phone's vote on one step: after a human delay, a candidate (the first ones likelier), maybe changed."""
    ids = [c["id"] for c in view["candidates"]]
    weights = [1 / (i + 1) for i in range(len(ids))]
    await asyncio.sleep(1 + 2 * rng.random())
    await send(http, code, me, view, rng.choices(ids, weights)[0], hall)
    if rng.random() < change:
        await asyncio.sleep(0.5 + 1.5 * rng.random())
        await send(http, code, me, view, rng.choice(ids), hall)


async def send(http, code, me, view, token, hall: Hall) -> None:
    started = time.perf_counter()
    record = {"round": view["round"], "phone": me, "token": token, "status": None, "seq": None}
    try:
        r = await http.post(f"room/{code}/vote", json={"phone": me, "step": view["step"], "round": view["round"],
                                                      "token": token})
        record["status"] = r.status_code
        body = r.json()
        if r.status_code == 200:
            record["seq"] = body["seq"]
        else:
            record["error"] = body.get("error")
    except Exception as err:  # noqa: BLE001
        record["status"] = "error"
        if len(hall.errors) < 10:
            hall.errors.append(f"vote: {type(err).__name__}: {err}")
    record["seconds"] = time.perf_counter() - started
    record["at"] = time.perf_counter()
    hall.votes.append(record)


async def projector(http, hall: Hall, stop: asyncio.Event, every: float) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            r = await http.get("bench-room/tally")
            hall.projector.append((time.perf_counter(), r.json()["seq"]))
            hall.tally_seconds.append(time.perf_counter() - started)
        except Exception as err:  # noqa: BLE001
            hall.errors.append(f"projector: {err}")
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))


async def hall_run(url: str, phones: int, steps: int, every: float, poll: float, change: float, pid: int) -> dict:
    import httpx

    hall = Hall()
    limits = httpx.Limits(max_connections=phones + 20, max_keepalive_connections=phones + 20)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        opened = (await http.post("bench-room/open")).json()
        code = opened["code"]
        rss_before = rss_mb(pid)
        stop = asyncio.Event()
        cpu0, own0, busy0, began = cpu_seconds(pid), time.process_time(), busy_seconds(), time.perf_counter()
        tasks = [asyncio.create_task(phone(http, code, i, hall, stop, poll, change)) for i in range(phones)]
        tasks.append(asyncio.create_task(projector(http, hall, stop, poll)))
        rss_peak = rss_before
        for _ in range(steps):
            await asyncio.sleep(every)
            take = "room" if len(hall.steps) % 2 else "model"
            started = time.perf_counter()
            r = await http.post("bench-room/next", params={"take": take})
            hall.steps.append({**r.json(), "seconds": time.perf_counter() - started})
            rss_peak = max(rss_peak, rss_mb(pid))
        stop.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
        cpu, own, busy = cpu_seconds(pid) - cpu0, time.process_time() - own0, busy_seconds() - busy0
        final = (await http.get("bench-room/tally")).json()
    return {"hall": hall, "code": code, "wall": wall, "server_cores": cpu / wall, "phone_cores": own / wall,
            "other_cores": max(0.0, busy - cpu - own) / wall,
            "rss_before": rss_before, "rss_peak": rss_peak, "rss_after": rss_mb(pid), "final": final}


def check(result: dict) -> dict:
    """Accepted against counted, per closed step: every phone's last accepted vote (by `seq`) against the
    tally the reveal returned."""
    hall = result["hall"]
    accepted = [v for v in hall.votes if v["status"] == 200]
    last: dict[tuple[int, str], dict] = {}
    for v in sorted(accepted, key=lambda v: v["seq"]):
        last[(v["round"], v["phone"])] = v
    expected: dict[int, Counter] = defaultdict(Counter)
    for (round_, _), v in last.items():
        expected[round_][v["token"]] += 1
    mismatched = 0
    counted_total = expected_total = 0
    for step in hall.steps:
        counted = Counter({int(k): n for k, n in step["counted"].items() if n})
        counted_total += sum(counted.values())
        expected_total += sum(expected[step["round"]].values())
        mismatched += counted != expected[step["round"]]
    closed = {s["round"] for s in hall.steps}
    open_round = sum(1 for key in last if key[0] not in closed)  # the last step's votes: never revealed
    seqs = sorted(v["seq"] for v in accepted)
    return {"accepted": len(accepted), "counted": counted_total, "expected": expected_total, "mismatched": mismatched,
            "seq_ok": seqs == list(range(1, len(seqs) + 1)) and result["final"]["seq"] == len(seqs),
            "open_round": open_round}


def tally_delays(hall: Hall) -> list[float]:
    """Per accepted vote: its response → the first projector read (arrived after it was sent) that counts it."""
    reads = sorted(hall.projector)
    delays = []
    for v in hall.votes:
        if v["status"] != 200:
            continue
        sent = v["at"] - v["seconds"]
        seen = next((at for at, seq in reads if seq >= v["seq"] and at >= sent), None)
        if seen is not None:
            delays.append(max(0.0, seen - v["at"]))
    return delays


def table(result: dict, args) -> str:
    hall, ok = result["hall"], check(result)
    statuses = Counter(v["status"] if v["status"] != 409 else f"409 {v.get('error')}" for v in hall.votes)
    vote_s = [v["seconds"] for v in hall.votes if v["status"] == 200]
    delays = tally_delays(hall)
    polls = sum(hall.polls.values())
    ms = lambda xs, q: f"{percentile(xs, q) * 1000:.0f} ms"  # noqa: E731
    rows = [
        ("phones, steps, presenter", f"{args.phones} phones, {len(hall.steps)} steps, one every {args.every:g} s "
                                     "(reveal, then the room's choice or the model's draw, then the next step)"),
        ("votes sent", f"{len(hall.votes)}: " + ", ".join(f"{k} {n}" for k, n in sorted(statuses.items(), key=str))),
        ("accepted = counted", f"{'yes' if ok['mismatched'] == 0 and ok['counted'] == ok['expected'] else 'NO'}: "
                               f"{ok['counted']} counted at the reveals, {ok['expected']} last accepted votes of "
                               f"those steps, {ok['mismatched']} steps differing; every accepted vote in the "
                               f"room's seq: {'yes' if ok['seq_ok'] else 'NO'}"),
        ("vote latency (accepted)", f"p50 {ms(vote_s, 0.5)}, p95 {ms(vote_s, 0.95)}, max {ms(vote_s, 1.0)}"),
        ("tally delay on the projector", f"p50 {ms(delays, 0.5)}, p95 {ms(delays, 0.95)} (the projector reads "
                                         f"every {args.poll:g} s; a read takes p50 {ms(hall.tally_seconds, 0.5)}, "
                                         f"p95 {ms(hall.tally_seconds, 0.95)})"),
        ("polls", f"{polls} ({polls / result['wall']:.0f}/s): " + ", ".join(
            f"{k} {n}" for k, n in sorted(hall.polls.items(), key=str)) +
         f"; p50 {ms(hall.poll_seconds, 0.5)}, p95 {ms(hall.poll_seconds, 0.95)}"),
        ("presenter's step (reveal → next step published)",
         f"p50 {ms([s['seconds'] for s in hall.steps], 0.5)}, p95 {ms([s['seconds'] for s in hall.steps], 0.95)} "
         f"(of which the server's work p50 {percentile([s['step_ms'] for s in hall.steps], 0.5):.0f} ms)"),
        ("server CPU", f"{result['server_cores']:.2f} cores on average over {result['wall']:.0f} s "
                       f"(the simulated phones: {result['phone_cores']:.2f} cores, same machine; everything else "
                       f"on it: {result['other_cores']:.2f} cores)"),
        ("server resident memory", f"{result['rss_before']:.0f} MB with the room open, {result['rss_peak']:.0f} MB "
                                   f"at most, {result['rss_after']:.0f} MB at the end"),
        ("phones counted by the room", f"{result['final']['phones']} (seen in the last 20 s)"),
    ]
    lines = ["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    if hall.errors:
        lines += ["", "Errors seen: " + "; ".join(hall.errors[:10])]
    return "\n".join(lines)


def main(argv=None) -> str:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        serve(argv[1:])
        return ""
    parser = argparse.ArgumentParser(prog="python -m bench.room", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300, help="simulated phones (default 300)")
    parser.add_argument("--steps", type=int, default=20, help="steps the presenter takes (default 20)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between the presenter's steps (default 5)")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between a phone's polls, and the "
                                                                "projector's reads (default 1, as the page)")
    parser.add_argument("--change", type=float, default=0.25, help="share of phones that change their vote (0.25)")
    parser.add_argument("--model", default=None, help="checkpoint (default: the bundled model)")
    parser.add_argument("--out", default=None, help="also write the table as the section \"Room\" of this file")
    args = parser.parse_args(argv)
    run = lambda url, pid: hall_run(url, args.phones, args.steps, args.every, args.poll, args.change, pid)  # noqa: E731
    return measured(args, run, table, "Room", " ".join(["python -m bench.room", *argv]))


def measured(args, run, table, section: str, command: str) -> str:
    """The benchmark's server up (`Server(args.model)`), `run(url, server_pid)` (a coroutine) in it, then
    `table(result, args)` with the count of the server log's lines naming an error: printed, and with `args.out`
    written as `section` of that file, stamped with `command`."""
    server = Server(args.model)
    with server as url:
        result = asyncio.run(run(url, server.process.pid))
        log = server.log()
    text = table(result, args)
    problems = [line for line in log.splitlines() if "Traceback" in line or "Error" in line]
    text += f"\n\nThe server's log: {len(problems)} lines naming an error or a traceback."
    print("\n" + text)
    if args.out:
        from .record import write_sections

        write_sections(Path(args.out), [(section, text)], command)
    return text


if __name__ == "__main__":
    main()
