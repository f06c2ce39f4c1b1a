"""Many users, one model: concurrent generations decoded together, one batched forward pass per token.

At batch 1 a CPU spends its time reading the weights (0.5 GB per token for GPT-2 small); sixteen
users decoded together read them once per step instead of sixteen times. `BatchWorker` runs one
thread that owns the model's decode loop:

    worker = BatchWorker(engine)
    job = worker.submit(">be me", SamplingSettings(seed=1))   # returns at once
    for token_id in job:                                       # streams as the batch advances
        print(job.text)

Each step it admits new requests (one alone is prefilled exactly as `engine.Decoder` does it; several
arriving together share one left-padded prefill pass), takes
every row's next token with the engine's own step (`Generation.next_token`: the request's settings
and seeded generator, the same finish rules), drops finished or cancelled rows, and runs one forward pass for all the rest
with a left-padded KV cache. A request alone in the worker takes exactly `Decoder`'s calls, so its
tokens equal `Engine.generate` with the same seed. Batched with others, the matrix products run
with another shape, which can change the last bits of the logits and, rarely, a sampled token.
"""

from __future__ import annotations

import queue
import threading
import weakref
import time

import torch

from greentext.decode.engine import Decoder, Engine, Generation, Request, cache_kwargs
from greentext.decode.settings import SamplingSettings
from greentext.language.errors import BothLanguages
from greentext.model.anatomy import text_config

_DONE = object()


class Busy(BothLanguages, RuntimeError):
    """The worker already holds as many generations as it may; try again in a moment."""

    def __init__(self):
        super().__init__("busy")


class Job(Generation):
    """One generation in the worker. Iterate it for token ids as they are made; `stop()` cancels it
    (the worker drops its row before the next forward pass)."""

    def __init__(self, engine: Engine, request: Request, deadline: float | None):
        super().__init__(engine, request)
        self.deadline = deadline  # time.perf_counter() after which the job ends with finish_reason "time"
        self.error: BaseException | None = None
        self._out: queue.Queue = queue.Queue()

    def __iter__(self):
        """Token ids as they are generated; raises the worker's error if the job failed."""
        try:
            while True:
                item = self._out.get()
                if item is _DONE:
                    if self.error is not None:
                        raise self.error
                    return
                yield item
        finally:  # a consumer that goes away (closed stream, cancelled event) frees the row
            if self.finish_reason is None:
                self.stop()

    def wait(self) -> "Job":
        for _ in self:
            pass
        return self

    # --- called by the worker thread ---
    def _emitted(self, token_id: int) -> None:
        self._out.put(token_id)

    def finish(self, reason: str, error: BaseException | None = None) -> None:
        if self.finish_reason is None:
            self.finish_reason, self.error = reason, error
            self._out.put(_DONE)


class _Batch:
    """The active rows: their jobs, the latest logits (B, V), a left-padded KV cache and its mask."""

    def __init__(self, model):
        from transformers import DynamicCache

        self.model = model
        self.sliding = has_sliding_window(model)  # one row at a time: `add` takes the Decoder's own cache
        self.jobs: list[Job] = []
        self.logits: torch.Tensor | None = None  # (B, V) float32
        self.cache = DynamicCache(config=model.config)
        self.mask: torch.Tensor | None = None  # (B, L) long: 1 = a real token, 0 = left padding
        self.lengths: list[int] = []  # real tokens per row = the next token's position

    def __len__(self) -> int:
        return len(self.jobs)

    def add(self, job: Job, decoder: Decoder) -> None:
        """Merge one request prefilled alone (`Decoder`'s exact calls) into the batch."""
        if not self.jobs and self.sliding:  # one row at a time (`BatchWorker`): the
            self.cache = decoder.cache  # Decoder's own cache, its sliding-window layers with their own state
        layers = [(layer.keys, layer.values) for layer in decoder.cache.layers]
        mask = torch.ones(1, decoder.length, dtype=torch.long, device=decoder.logits.device)
        self.add_group([job], layers, mask, decoder.logits, [decoder.length])

    def add_group(self, jobs: list[Job], layers: list, mask: torch.Tensor, logits: torch.Tensor,
                  lengths: list[int]) -> None:
        """Merge prefilled requests (per layer (keys, values), left-padded to `mask`'s width) into the
        batch, left-padding the shorter side."""
        if not self.jobs:
            for layer, (k, v) in zip(self.cache.layers, layers):
                layer.keys, layer.values = k, v
                layer.dtype, layer.device, layer.is_initialized = k.dtype, k.device, True
            self.mask, self.logits = mask, logits
        else:
            width = max(self.mask.shape[1], mask.shape[1])
            for layer, (k, v) in zip(self.cache.layers, layers):
                layer.keys = torch.cat([_left_pad(layer.keys, width), _left_pad(k, width)])
                layer.values = torch.cat([_left_pad(layer.values, width), _left_pad(v, width)])
            self.mask = torch.cat([_left_pad(self.mask, width, dim=1), _left_pad(mask, width, dim=1)])
            self.logits = torch.cat([self.logits, logits])
        self.jobs += jobs
        self.lengths += lengths

    def keep(self, rows: list[int]) -> None:
        """Keep only these rows, and drop columns that are padding in every remaining row."""
        if len(rows) == len(self.jobs):
            return
        self.jobs = [self.jobs[r] for r in rows]
        self.lengths = [self.lengths[r] for r in rows]
        if not rows:
            self.cache.reset()
            self.mask = self.logits = None
            return
        index = torch.tensor(rows, device=self.mask.device)
        trim = self.mask.shape[1] - max(self.lengths)
        for layer in self.cache.layers:
            layer.keys = layer.keys.index_select(0, index)[:, :, trim:]
            layer.values = layer.values.index_select(0, index)[:, :, trim:]
        self.mask = self.mask.index_select(0, index)[:, trim:]
        self.logits = self.logits.index_select(0, index)

    @torch.inference_mode()
    def forward(self, tokens: list[int]) -> None:
        """One decode step: each row's new token in, each row's next logits out."""
        device = self.mask.device
        input_ids = torch.tensor(tokens, device=device).view(-1, 1)
        if len(self.jobs) == 1 and bool(self.mask.all()):
            # Alone and unpadded: exactly Decoder.advance's call, so solo runs equal Engine.generate.
            out = self.model(input_ids=input_ids, logits_to_keep=1, **cache_kwargs(self.model, self.cache))
        else:
            self.mask = torch.cat([self.mask, torch.ones(len(tokens), 1, dtype=torch.long, device=device)], dim=1)
            positions = torch.tensor(self.lengths, device=device).view(-1, 1)
            out = self.model(input_ids=input_ids, attention_mask=self.mask if not self.mask.all() else None,
                             position_ids=positions, logits_to_keep=1, **cache_kwargs(self.model, self.cache))
        if self.mask.shape[1] < self.cache.get_seq_length():  # the solo path grows the cache, not the mask
            self.mask = torch.cat([self.mask, torch.ones(1, 1, dtype=torch.long, device=device)], dim=1)
        self.logits = out.logits[:, -1].to(copy=True, dtype=torch.float32)
        self.lengths = [n + 1 for n in self.lengths]


@torch.inference_mode()
def prefill_group(model, prompts: list[list[int]], device) -> tuple[list, torch.Tensor, torch.Tensor, list[int]]:
    """One forward pass over several prompts, left-padded: per layer (keys, values), the mask (k, width),
    the next-token logits (k, V) float32 and the lengths. Padding positions hold zeros in the cache."""
    from transformers import DynamicCache

    lengths = [len(p) for p in prompts]
    width = max(lengths)
    ids = torch.zeros(len(prompts), width, dtype=torch.long, device=device)
    mask = torch.zeros(len(prompts), width, dtype=torch.long, device=device)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt, device=device)
        mask[row, width - len(prompt):] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache(config=model.config)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=1,
                **cache_kwargs(model, cache))
    padding = (mask == 0)[:, None, :, None]
    # A padding position attends to nothing; whatever the kernel left there, the cache keeps zeros.
    layers = [(layer.keys.masked_fill(padding, 0), layer.values.masked_fill(padding, 0)) for layer in cache.layers]
    return layers, mask, out.logits[:, -1].to(copy=True, dtype=torch.float32), lengths


def has_sliding_window(model) -> bool:
    """Whether some layer of `model` attends to a sliding window only (Mistral, Gemma 2/3, GPT-Neo's local)."""
    config = text_config(model)
    types = getattr(config, "layer_types", None) or []
    return bool(getattr(config, "sliding_window", None) or getattr(config, "window_size", None)) \
        if not types else any("sliding" in t or "local" in t for t in types)


def _left_pad(t: torch.Tensor, width: int, dim: int = 2) -> torch.Tensor:
    missing = width - t.shape[dim]
    if missing <= 0:
        return t
    shape = list(t.shape)
    shape[dim] = missing
    return torch.cat([torch.zeros(shape, dtype=t.dtype, device=t.device), t], dim=dim)


_RETIRED = object()  # what `retire` queues once the worker's last generation is done: its thread ends there


class BatchWorker:
    """One thread decoding every submitted generation together (up to `max_batch` rows at once).

    `submit` never blocks: a request waits in a queue until a row is free; more than `max_waiting`
    waiting raises `Busy`. `time_limit` (seconds, None = none) ends a job that runs too long.
    `retire(successor)` (the app's model changed): the generations it holds run to their end, later requests
    go to `successor`, then its thread ends (and with it its hold on the old model).
    """

    def __init__(self, engine: Engine, max_batch: int = 32, max_waiting: int = 64,
                 time_limit: float | None = None):
        self.engine = engine
        # A model with sliding-window layers keeps only the window in those layers' cache: rows of different
        # lengths cannot share one left-padded cache there, so each generation runs alone (still exact).
        self.max_batch = 1 if has_sliding_window(engine.model) else max_batch
        self.max_waiting = max_waiting
        self.time_limit = time_limit
        self._waiting: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.steps = 0  # forward passes run (for tests and the benchmark)
        self.max_rows_seen = 0
        self.successor: BatchWorker | None = None  # set by `retire`: where new requests go
        self._jobs: weakref.WeakSet[Job] = weakref.WeakSet()  # the generations it took (while their caller holds them)
        self._retired = False  # the thread took `_RETIRED`: it ends once no row is busy

    def submit(self, prompt: str, settings: SamplingSettings) -> Job:
        """Check and queue a generation (`Engine.request`); iterate the returned Job for its tokens.
        The time limit counts from here, waiting for a row included."""
        if self.successor is not None:
            return self.successor.submit(prompt, settings)
        request = self.engine.request(prompt, settings)
        if self._waiting.qsize() >= self.max_waiting:
            raise Busy()
        deadline = time.perf_counter() + self.time_limit if self.time_limit is not None else None
        job = Job(self.engine, request, deadline)
        self._jobs.add(job)
        self._waiting.put(job)
        self._ensure_thread()
        return job

    def busy(self) -> bool:
        """Whether a generation it took is still going (or waiting for a row)."""
        return not self._waiting.empty() or any(job.finish_reason is None for job in list(self._jobs))

    @property
    def running(self) -> bool:
        """Whether its thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def retire(self, successor: "BatchWorker", grace: float = 1.0, poll: float = 0.05) -> threading.Thread:
        """Send new requests to `successor`; once the generations it holds are done, end its thread. A thread of
        its own waits `grace` seconds first (for a submit begun just before), then polls every `poll` seconds."""
        self.successor = successor

        def wait():
            time.sleep(grace)
            while self.busy():
                time.sleep(poll)
            self._waiting.put(_RETIRED)  # taken with no row busy: the loop ends there

        thread = threading.Thread(target=wait, name="greentext-retire", daemon=True)
        thread.start()
        return thread

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="greentext-batch", daemon=True)
                self._thread.start()

    def _admit(self, batch: _Batch, block: bool) -> None:
        """Take waiting requests into free rows. One alone is prefilled by `Decoder` (exactly
        `Engine.generate`'s calls); several that arrived together share one prefill forward pass."""
        new: list[Job] = []
        while len(batch) + len(new) < self.max_batch:
            try:
                job = self._waiting.get(block=block and not batch.jobs and not new, timeout=None)
            except queue.Empty:
                break
            if job is _RETIRED:
                self._retired = True
                break
            if job.stopped:
                job.finish("stopped")
            else:
                new.append(job)
        if not new:
            return
        for job in new:  # decoding begins: prefill is decode time, waiting for a row is not
            job.started = time.perf_counter()
        try:
            if len(new) == 1:
                batch.add(new[0], Decoder(self.engine.model, new[0].prompt.ids, self.engine.device))
            else:
                batch.add_group(new, *prefill_group(self.engine.model, [j.prompt.ids for j in new], self.engine.device))
        except Exception as err:  # e.g. out of memory: these requests fail, the worker goes on
            for job in new:
                job.finish("error", err)

    @torch.inference_mode()
    def _loop(self) -> None:
        batch = _Batch(self.engine.model)
        while True:
            try:
                self._admit(batch, block=True)
                if self._retired and not batch.jobs:
                    return
                self.max_rows_seen = max(self.max_rows_seen, len(batch))
                tokens, keep = [], []
                for row, job in enumerate(batch.jobs):
                    token_id = job.next_token(batch.logits[row:row + 1])  # the engine's step, finish rules included
                    if job.finish_reason is None:
                        tokens.append(token_id)
                        keep.append(row)
                batch.keep(keep)
                if batch.jobs:
                    batch.forward(tokens)
                    self.steps += 1
            except Exception as err:  # never let one failure kill the worker: fail the rows, start clean
                for job in batch.jobs:
                    job.finish("error", err)
                batch = _Batch(self.engine.model)
