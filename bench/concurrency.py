"""A lecture hall at once: N gradio_client users streaming generations from one launched app.

    .venv/bin/python -m bench.concurrency [--shape small] [--users 1,4,16,32] [--tokens 32]
    .venv/bin/python -m bench.concurrency --crowd 32     # none lost, none mixed up: a pass/fail check

Each user is a thread with its own `gradio_client.Client`, all created before the clock starts; on
"go" they submit `/generate` together (different seeds) and read the stream. Per wave: time to first
token (submit → first streamed text) p50/p95, aggregate tokens/s (all tokens / wall time of the wave)
and failures. The clients run on the same machine as the server, so they take some of its CPU too:
the table gives the CPU each side used during the wave, in cores (CPU seconds / wall seconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from .server import Server
from .shapes import checkpoint_for


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


# (temperature, top_k, top_p): "plain" samples the whole distribution; "default" is the app's default,
# whose top-k and top-p add a sort of the vocabulary per token and user (about 0.6 ms on 2 cores).
SAMPLING = {"plain": (1.0, 0, 1.0), "default": (0.8, 50, 0.95)}


def wave(url: str, users: int, tokens: int, prompt: str, server_pid: int | None = None,
         sampling: str = "plain") -> dict:
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(users)]
    go = threading.Barrier(users + 1)
    ttft, counts, failures = [None] * users, [0] * users, []

    def user(i: int) -> None:
        go.wait()
        start = time.perf_counter()
        try:
            job = clients[i].submit(prompt, *SAMPLING[sampling], tokens, 1000 + i, api_name="/generate")
            text = ""
            for text in job:
                if ttft[i] is None and text:
                    ttft[i] = time.perf_counter() - start
            text = job.result()
            if not text:
                raise RuntimeError("empty result")
            # Random weights: <|endoftext|> is as likely as any other token (p ≈ 1/50,257 a step; with
            # top-k 50 it must be among the 50 kept and then drawn, ≈ 2e-5), so every run makes `tokens`.
            counts[i] = tokens
        except Exception as err:  # a failure is a result here, counted and reported
            failures.append(f"{type(err).__name__}: {err}"[:200])

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    go.wait()
    started = time.perf_counter()
    cpu_client, cpu_server = time.process_time(), cpu_seconds(server_pid or 0)
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu_client, cpu_server = time.process_time() - cpu_client, cpu_seconds(server_pid or 0) - cpu_server
    for c in clients:
        c.close()
    got = [t for t in ttft if t is not None]
    return {"users": users, "ttft_p50": percentile(got, 0.5), "ttft_p95": percentile(got, 0.95),
            "tokens_per_s": sum(counts) / wall, "wall_s": wall, "failures": len(failures),
            "server_cores": cpu_server / wall, "client_cores": cpu_client / wall,
            "errors": failures[:3]}


def median_wave(repeats: int, *args) -> dict:
    """`repeats` waves alike; the one with the median tokens/s, with the range seen (a shared machine is noisy)."""
    waves = sorted((wave(*args) for _ in range(repeats)), key=lambda w: w["tokens_per_s"])
    middle = dict(waves[len(waves) // 2])
    middle["range"] = (waves[0]["tokens_per_s"], waves[-1]["tokens_per_s"])
    middle["failures"] = sum(w["failures"] for w in waves)
    middle["errors"] = [e for w in waves for e in w["errors"]][:3]
    middle["repeats"] = repeats
    return middle


def run(shape: str = "small", users=(1, 4, 16, 32), tokens: int = 32, env: dict | None = None,
        samplings=("plain", "default"), repeats: int = 3) -> list[dict]:
    """One app, then for each sampling setting the median of `repeats` waves per user count (ratios within
    a setting)."""
    model = checkpoint_for(shape)
    server = Server(model, env=env)
    rows = []
    with server as url:
        wave(url, 1, 4, ">be me")  # warm-up
        for sampling in samplings:
            group = [dict(median_wave(repeats, url, n, tokens, "the lecture\n>be me\n>", server.process.pid, sampling),
                          sampling=sampling) for n in users]
            for r in group:
                r["scaling"] = r["tokens_per_s"] / group[0]["tokens_per_s"]
            rows += group
    return rows


def table(rows: list[dict], shape: str, tokens: int) -> str:
    settings = "; ".join(f"{name} = T {t}, top-k {k}, top-p {p}" for name, (t, k, p) in SAMPLING.items())
    lines = [f"Concurrent users streaming `/generate` ({tokens} new tokens each) from one app on loopback, "
             f"model: GPT-2 {shape} shape. Sampling: {settings}. Each row: the median of {rows[0]['repeats']} "
             "waves by tokens/s (the range of all in brackets); failures: all waves.", "",
             "| sampling | users | TTFT p50 | TTFT p95 | aggregate tokens/s | vs 1 user | failures | server CPU | "
             "clients' CPU |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        low, high = r["range"]
        lines.append(f"| {r['sampling']} | {r['users']} | {r['ttft_p50']:.2f} s | {r['ttft_p95']:.2f} s | "
                     f"{r['tokens_per_s']:.1f} ({low:.0f}–{high:.0f}) | {r['scaling']:.1f}× | {r['failures']} | {r['server_cores']:.2f} cores | "
                     f"{r['client_cores']:.2f} cores |")
    errors = [e for r in rows for e in r["errors"]]
    if errors:
        lines += ["", "Errors seen: " + "; ".join(errors[:3])]
    return "\n".join(lines)


def crowd(url: str, model: str, users: int = 32) -> list[str]:
    """A lecture hall pressing Generate at once (the test suite's load test, at full size): `users` clients, a
    quarter on /probabilities (whose runs are exact and private), the rest on /generate, released together.
    Returns what went wrong: requests lost or failed, and step-by-step runs that differ from their solo run on
    `model` (state leaking between users). The suite keeps a 4-client version (tests/test_api.py)."""
    from gradio_client import Client

    from greentext.decode.engine import Engine
    from greentext.decode.settings import SamplingSettings

    results, problems = [None] * users, []
    barrier = threading.Barrier(users)

    def user(i: int) -> None:
        try:
            c = Client(url, verbose=False)
            barrier.wait(timeout=120)
            if i % 4 == 3:
                results[i] = c.predict(f">be me {i}", 1.0, 0, 0.9, 5, i, 3, api_name="/probabilities")["text"]
            else:
                results[i] = c.predict(f">be me {i}", 1.0, 0, 0.9, 5, i, api_name="/generate")
        except Exception as err:  # a failure is a result here, reported
            problems.append(f"user {i}: {type(err).__name__}: {err}"[:200])

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    problems += [f"user {i}: no answer" for i, r in enumerate(results) if not isinstance(r, str)]
    engine = Engine.load(model, device="cpu")
    for i in range(3, users, 4):
        solo = engine.generate(f">be me {i}", SamplingSettings(1.0, 0, 0.9, 5, i)).text
        if isinstance(results[i], str) and results[i] != solo:
            problems.append(f"user {i}: /probabilities wrote {results[i]!r}, alone {solo!r}")
    return problems


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="small")
    parser.add_argument("--users", default="1,4,16,32")
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--sampling", default="plain,default", help=f"any of {', '.join(SAMPLING)}")
    parser.add_argument("--repeats", type=int, default=3, help="waves per row (the median is shown)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for the app, e.g. GREENTEXT_STREAM_EVERY=0.1")
    parser.add_argument("--crowd", type=int, default=0, metavar="N",
                        help="instead of the table: N users at once, none lost and none mixed up (exit 1 if not)")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    if args.crowd:
        model = checkpoint_for(args.shape)
        with Server(model, env=env) as url:
            problems = crowd(url, model, args.crowd)
        text = (f"{args.crowd} users at once on GPT-2 {args.shape} shape: "
                + ("every request answered, every /probabilities run equal to its solo run" if not problems
                   else f"{len(problems)} problems: " + "; ".join(problems[:5])))
        print(text)
        if problems:
            raise SystemExit(1)
        return text
    rows = run(args.shape, [int(u) for u in args.users.split(",")], args.tokens, env, args.sampling.split(","),
               args.repeats)
    text = table(rows, args.shape, args.tokens)
    print(text)
    return text


if __name__ == "__main__":
    main()
