"""Limits for a crowd: the per-client token bucket, out-of-memory detection (their settings: test_config.py)."""

import pytest
import torch

from greentext.decode.limits import RateLimited, RateLimiter, is_out_of_memory


def test_rate_limiter_token_bucket():
    now = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: now[0])
    limiter.check("a"), limiter.check("a")
    with pytest.raises(RateLimited) as err:
        limiter.check("a")
    assert "at most 2 every 10 s" in str(err.value) and 4.9 < err.value.retry_after <= 5.0
    assert "no máximo 2 a cada 10 s" in str(err.value)  # both languages: a toast has no page language
    limiter.check("b")  # another client has its own bucket
    now[0] = 5.0
    limiter.check("a")  # one request back after seconds / requests
    assert RateLimiter.parse("") is None and RateLimiter.parse("off") is None
    assert (RateLimiter.parse("10/60").requests, RateLimiter.parse("10/60").seconds) == (10, 60)
    with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
        RateLimiter.parse("ten per minute")


def test_out_of_memory_is_recognised():
    assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("MPS backend out of memory")) and is_out_of_memory(MemoryError())
    assert not is_out_of_memory(RuntimeError("x")) and not is_out_of_memory(ValueError("out of memory"))
