"""Start `python app.py` as a separate process on loopback and wait until its page is served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`with Server(model) as url:` runs the app on a free port; `startup_seconds` is process start → page served."""

    ready = ""  # the page (under the root) whose answer means the server is up

    def __init__(self, model: str | None, env: dict | None = None, timeout: float = 120):
        self.model, self.env, self.timeout = model, env or {}, timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.startup_seconds = None
        self.process = None
        # The server's log goes to a file (`log()` reads it): a pipe nobody reads fills up in a long run,
        # and then every thread of the server that logs waits on it.
        self.log_file = tempfile.NamedTemporaryFile("w+", prefix="greentext-server-", suffix=".log", delete=False)

    def command(self) -> list[str]:
        """The server's command line: the app on the model, on this port, on the CPU."""
        return [sys.executable, str(ROOT / "app.py"), "--model", self.model, "--port", str(self.port), "--device", "cpu"]

    def log(self) -> str:
        """What the server has written to its stderr so far."""
        return Path(self.log_file.name).read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> str:
        env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", **self.env)
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=self.log_file, text=True)
        while time.perf_counter() - started < self.timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready, timeout=2) as response:
                    if response.status == 200 and response.read(100):
                        self.startup_seconds = time.perf_counter() - started
                        return self.url
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the app did not serve {self.url} within {self.timeout} s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log_file.close()
        Path(self.log_file.name).unlink(missing_ok=True)
