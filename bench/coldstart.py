"""Cold start: `python app.py` process start → its page served, on loopback.

    .venv/bin/python -m bench.coldstart [--shapes bundled,small] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics

from .server import Server
from .shapes import checkpoint_for


def run(shapes=("bundled", "small"), repeats: int = 3) -> list[dict]:
    rows = []
    for shape in shapes:
        model = checkpoint_for(shape)
        times = []
        for _ in range(repeats):
            server = Server(model)
            with server:
                times.append(server.startup_seconds)
        rows.append({"shape": shape, "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)})
    return rows


def table(rows: list[dict], repeats: int) -> str:
    lines = [f"Process start → page served (HTTP 200 on `/`), median of {repeats} starts.", "",
             "| model | median | min | max |", "|---|---|---|---|"]
    lines += [f"| {r['shape']} | {r['median_s']:.1f} s | {r['min_s']:.1f} s | {r['max_s']:.1f} s |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="bundled,small")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    text = table(run(args.shapes.split(","), args.repeats), args.repeats)
    print(text)
    return text


if __name__ == "__main__":
    main()
