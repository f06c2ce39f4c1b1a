"""Limits for a crowd: a per-client rate limit and out-of-memory detection.

    limiter = RateLimiter.parse("10/60")      # 10 requests per client per 60 s (None = off)
    limiter.check("10.0.0.7")                 # raises RateLimited(retry_after) when over

A token bucket per client: each client holds up to `requests` tokens, refilled evenly over `seconds`,
so a burst of `requests` is fine and the long-run rate is requests/seconds. No gradio here: the UI
decides what a client is (its address or its browser session) and turns the errors into messages.
"""

from __future__ import annotations

import threading
import time

from greentext.config import check_rate, parse_rate
from greentext.language.errors import BothLanguages


class RateLimited(BothLanguages, RuntimeError):
    """Too many requests from one client; `retry_after` seconds until the next one is allowed."""

    def __init__(self, requests: int, seconds: float, retry_after: float):
        self.requests, self.seconds, self.retry_after = requests, seconds, retry_after
        super().__init__("rate_limited", requests=requests, seconds=seconds, wait=max(1, round(retry_after)))


class RateLimiter:
    """At most `requests` per `seconds` per client key, as a token bucket (bursts up to `requests`)."""

    MAX_CLIENTS = 10_000  # forget full buckets past this many clients, so memory stays bounded

    def __init__(self, requests: int, seconds: float, clock=time.monotonic):
        check_rate(requests, seconds)
        self.requests, self.seconds = int(requests), float(seconds)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, time of last update)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str | None) -> "RateLimiter | None":
        """"10/60" → 10 requests per 60 s per client; "", "0" or "off" → None (no limit); see config.parse_rate."""
        rate = parse_rate(spec)
        return None if rate is None else cls(*rate)

    def check(self, key: str) -> None:
        """Take one request from `key`'s bucket, or raise RateLimited if it is empty."""
        rate = self.requests / self.seconds
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.requests), now))
            tokens = min(float(self.requests), tokens + (now - last) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise RateLimited(self.requests, self.seconds, (1 - tokens) / rate)
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_full(now, rate)

    def _forget_full(self, now: float, rate: float) -> None:
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * rate >= self.requests:
                del self._buckets[key]


def is_out_of_memory(err: BaseException) -> bool:
    """True for PyTorch's out-of-memory errors (CUDA, MPS or the CPU allocator)."""
    import torch

    if isinstance(err, (MemoryError, getattr(torch, "OutOfMemoryError", MemoryError))):
        return True
    text = str(err).lower()
    return isinstance(err, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_memory() -> None:
    """Give cached GPU memory back after an out-of-memory error, so the next request can run."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
