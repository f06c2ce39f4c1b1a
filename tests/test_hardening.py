"""A live lecture: bad input, crowds, faults and a safe projector, through the engine and through gradio_client.

Every bad input gets a message naming the parameter (never a traceback) and the server keeps serving;
32 clients at once lose no request; Stop frees the model at once; a missing or corrupt checkpoint stops
the app with one line naming it.
"""

import csv
import io
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greentext import views
from greentext.limits import RateLimited, RateLimiter, is_out_of_memory
from greentext.settings import InvalidSetting, PROMPT_MAX_CHARS, SamplingSettings, check_prompt

gradio_client = pytest.importorskip("gradio_client")
ROOT = Path(__file__).resolve().parent.parent

EMOJI = "🙂 be me 👩‍🏫🔥"
RTL = "مرحبا بالعالم >be me"
MIXED = "the lecture — שלום, olá, 你好, Привет 🙂\n>be me"
HTML = '<script>alert(1)</script><img src=x onerror="alert(2)"> & </textarea>'


def _launch(engine, **kwargs):
    from greentext.ui import build_app, configure_queue, launch_kwargs

    demo = build_app(engine, **kwargs)
    configure_queue(demo)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True, **launch_kwargs())
    return demo


@pytest.fixture(scope="module")
def served(engine):
    demo = _launch(engine, safe_mode=True, rate_limit="off")
    yield demo, gradio_client.Client(demo.local_url, verbose=False)
    demo.close()


@pytest.fixture(scope="module")
def client(served):
    return served[1]


def _alive(client):
    assert client.predict(api_name="/model_info")["vocab_size"] == 50257


# ---------------------------------------------------------------- input, through the engine
@pytest.mark.parametrize("prompt", ["", "   \n\t ", EMOJI, RTL, MIXED, HTML, "x" * PROMPT_MAX_CHARS])
def test_engine_takes_every_kind_of_text(engine, prompt):
    run = engine.generate(prompt, SamplingSettings(temperature=0, max_new_tokens=3, seed=1), top_n=3)
    assert len(run.ids) >= 1 and len(run.steps) == len(run.ids)
    if prompt.strip():
        assert engine.tokenizer.decode(engine.tokenizer.encode(prompt)) == prompt  # byte-exact tokens


@pytest.mark.parametrize("prompt, fragment", [
    ("x" * (PROMPT_MAX_CHARS + 1), "at most 20,000 characters"),
    ("y" * 5_000_000, "5,000,000 characters"),
    (">be\x00me", "NUL (U+0000) at character 4"),
    ("\x1b[31mred", "ESCAPE (U+001B) at character 1"),
    ("ok\x7f", "DELETE (U+007F) at character 3"),
    ("c1\x85", "U+0085"),
    ("bad \ud800 surrogate", "lone surrogate (U+D800) at character 5"),
    (12, "prompt must be text"),
    ([">be me"], "prompt must be text"),
])
def test_engine_rejects_bad_prompts_by_name(engine, prompt, fragment):
    for call in (lambda: engine.generate(prompt, SamplingSettings(max_new_tokens=2)),
                 lambda: engine.tokenize(prompt), lambda: engine.attention(prompt)):
        with pytest.raises(InvalidSetting) as err:
            call()
        assert str(err.value).startswith("prompt must be") and fragment in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=60))
def test_any_text_is_accepted_unchanged_or_rejected_by_name(text):
    """Property: any string (controls, surrogates, any script) is either the prompt as given or rejected
    with an error naming `prompt`, never another exception."""
    try:
        assert check_prompt(text) == text
    except InvalidSetting as err:
        assert err.name == "prompt" and "control characters" in str(err)
        assert any(ord(c) < 32 and c not in "\t\n\r" or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF
                   for c in text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=40))
def test_accepted_text_round_trips_through_the_tokenizer(engine, text):
    ids = engine.tokenizer.encode(check_prompt(text))
    assert engine.tokenizer.decode(ids) == text
    assert [t.id for t in engine.tokenize(text)] == ids


JSONISH = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(), st.text(max_size=8),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


@settings(max_examples=300, deadline=None)
@given(t=JSONISH, k=JSONISH, p=JSONISH, n=JSONISH, seed=JSONISH)
def test_any_json_value_is_a_valid_setting_or_named(t, k, p, n, seed):
    """Property: whatever an API client sends (null, text, lists, objects, huge numbers), the settings are
    valid or the error names the parameter; no TypeError or OverflowError escapes."""
    try:
        s = SamplingSettings(t, k, p, n, seed)
    except InvalidSetting as err:
        assert err.name in {"temperature", "top_k", "top_p", "max_new_tokens", "seed"}
        assert str(err).startswith(f"{err.name} must be")
        return
    assert s.seed is None or 0 <= s.seed < 2**32


# ---------------------------------------------------------------- input, through gradio_client
@pytest.mark.parametrize("prompt", ["", "  \n ", EMOJI, RTL, MIXED, HTML])
def test_api_takes_every_kind_of_text(client, engine, prompt):
    text = client.predict(prompt, 0, 0, 1.0, 4, 3, api_name="/generate")
    assert isinstance(text, str)
    result = client.predict(prompt, 0, 0, 1.0, 4, 3, 5, api_name="/probabilities")
    assert result["text"] == text and len(result["steps"]) >= 1
    if prompt.strip():  # the tokens shown are exactly the prompt's bytes
        assert engine.tokenizer.decode([t["id"] for t in result["prompt_tokens"]]) == prompt
    else:
        assert "empty" in result["notes"][0]
    att = client.predict(prompt, 0, api_name="/attention")
    assert len(att["tokens"]) == len(att["attention"][0])


@pytest.mark.parametrize("args, api_name, fragment", [
    (("x" * (PROMPT_MAX_CHARS + 1), 0.8, 40, 0.9, 4, 1), "/generate", "prompt must be at most 20,000 characters"),
    (("z" * 2_000_000, 0.8, 40, 0.9, 4, 1), "/generate", "2,000,000 characters"),
    ((">be\x00me", 0.8, 40, 0.9, 4, 1), "/generate", "NUL (U+0000) at character 4"),
    (("\x07bell", 0.8, 40, 0.9, 4, 1), "/probabilities", "BEL (U+0007) at character 1"),
    ((12, 0.8, 40, 0.9, 4, 1), "/generate", "prompt must be text"),
    ((">be me", "hot", 40, 0.9, 4, 1), "/generate", "temperature must be"),
    ((">be me", [0.5], 40, 0.9, 4, 1), "/generate", "temperature must be"),
    ((">be me", None, 40, 0.9, 4, 1), "/generate", "temperature must be"),
    ((">be me", 0.8, "forty", 0.9, 4, 1), "/generate", "top_k must be a whole number from 0 (off) to 200"),
    ((">be me", 0.8, 40, {"p": 1}, 4, 1), "/generate", "top_p must be"),
    ((">be me", 0.8, 40, 0.9, 10**9, 1), "/generate", "max_new_tokens must be a whole number from 1 to 256"),
    ((">be me", 0.8, 40, 0.9, 4, -5), "/generate", "seed must be empty (random) or a whole number"),
    ((">be me", 0.8, 40, 0.9, 4, "1e400"), "/generate", "seed must be"),
    ((">be me", 0.8, 40, 0.9, 0, 1, 5), "/probabilities", "steps must be a whole number from 1 to 256"),
    ((">be me", 0.8, 40, 0.9, "ten", 1, 5), "/probabilities", "steps must be"),
    ((">be me", 0.8, 40, 0.9, 4, 1, 0), "/probabilities", "top_n must be a whole number from 1 to 50"),
    ((">be me", 0.8, 40, 0.9, 4, 1, None), "/probabilities", "top_n must be"),
    ((">be me", 0.8, 40, 0.9, 4, 1, [3]), "/probabilities", "top_n must be"),
    ((">be me", None), "/attention", "layer must be a whole number from 0 to 1"),
    ((">be me", "first"), "/attention", "layer must be"),
    ((">be me", 99), "/attention", "layer must be"),
    (("a\x00", 0), "/attention", "text must be valid text without control characters"),
    ((">be me", "<b>bold</b>", 40, 0.9, 4, 1), "/generate", "&lt;b&gt;bold&lt;/b&gt;"),  # toasts render HTML
])
def test_bad_api_input_is_named_and_the_server_keeps_serving(client, args, api_name, fragment):
    with pytest.raises(Exception) as err:
        client.predict(*args, api_name=api_name)
    message = str(err.value)
    assert fragment in message and "Traceback" not in message
    _alive(client)


def test_missing_arguments(client, served):
    """gradio_client names a missing required argument; a raw HTTP call with too few values is refused
    by gradio itself before our code runs. Either way the server goes on."""
    import httpx

    for api_name, name in (("/generate", "prompt"), ("/probabilities", "prompt"), ("/attention", "text")):
        with pytest.raises(TypeError, match=f"No value provided for required argument: {name}"):
            client.predict(api_name=api_name)
    # Leaving out the optional ones takes the documented defaults.
    assert isinstance(client.predict(">be me", api_name="/generate"), str)
    base = served[0].local_url
    event = httpx.post(base + "gradio_api/call/generate", json={"data": []}).json()["event_id"]
    assert "event: error" in httpx.get(base + f"gradio_api/call/generate/{event}", timeout=30).text
    assert httpx.post(base + "gradio_api/call/generate", content=b"not json").status_code == 422
    _alive(client)


def test_lone_surrogate_over_raw_http_is_named(served, client):
    """gradio_client cannot even encode a lone surrogate; raw JSON can ("\\ud800"): the server names it."""
    import httpx

    base = served[0].local_url
    body = b'{"data": ["be \\ud800 me", 0.8, 40, 0.9, 4, 1]}'
    event = httpx.post(base + "gradio_api/call/generate", content=body,
                       headers={"content-type": "application/json"}).json()["event_id"]
    reply = httpx.get(base + f"gradio_api/call/generate/{event}", timeout=30).text
    assert "lone surrogate (U+D800)" in reply
    _alive(client)


# ---------------------------------------------------------------- HTML, CSV and views with odd text
def test_user_text_is_always_escaped(engine, served):
    app = served[0].greentext
    walk = app.walk_for(None, HTML, 0, 0, 1.0, 3, 1, 5)
    walk.run(3)
    table, last, _, story, _, tokens = app.walk_view(walk, "en")
    for html in (table, story, tokens, views.greentext_html(HTML, "<b>", "<i>note</i>")):
        assert "<script" not in html and "onerror=\"" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in story


def test_csv_exports_keep_emoji_and_right_to_left_text(served):
    from greentext.ui import _write_csvs

    app = served[0].greentext
    for prompt in (EMOJI, RTL, MIXED):
        walk = app.walk_for(None, prompt, 1.0, 0, 1.0, 4, 5, 5)
        walk.run(4)
        full, slides = _write_csvs(app.shown_steps(walk), "pt")
        rows = list(csv.reader(io.StringIO(Path(full).read_text(encoding="utf-8"))))
        assert rows[0][:3] == ["step", "context", "rank"] and rows[1][1] == prompt
        slide_rows = list(csv.reader(io.StringIO(Path(slides).read_text(encoding="utf-8-sig")), delimiter=";"))
        assert slide_rows[0][0] == "passo" and len(slide_rows) == 1 + len(walk.steps)


# ---------------------------------------------------------------- lecture-safe mode through the app
def test_safe_mode_masks_generate_and_probabilities_but_not_numbers(engine, served, monkeypatch):
    from greentext.ui import App, _write_csvs

    app = served[0].greentext
    assert app.safe_mode and app.model_info()["safe_mode"] is True
    # A model that always writes " shit": the tiny model never would on its own.
    bad_id = engine.tokenizer.encode(" shit")[0]
    real = engine.model.forward

    def forward(*args, **kwargs):
        out = real(*args, **kwargs)
        out.logits[..., bad_id] += 1000
        return out

    monkeypatch.setattr(engine.model, "forward", forward)
    app_unsafe = App(engine, safe_mode=False)
    result = app.probabilities(">be me", 0, 0, 1.0, 3, 1, 5)
    raw = app_unsafe.probabilities(">be me", 0, 0, 1.0, 3, 1, 5)
    assert raw["text"] == " shit shit shit" and result["text"] == " ████ ████ ████"
    assert result["masked"] >= 3 and result["safe_mode"] is True and raw["masked"] == 0
    top, top_raw = result["steps"][0]["candidates"][0], raw["steps"][0]["candidates"][0]
    assert top["visible"] == "·████" and top_raw["visible"] == "·shit"
    assert (top["id"], top["p_raw"], top["p_final"]) == (top_raw["id"], top_raw["p_raw"], top_raw["p_final"])
    *_, (html, plain, _) = app.generate_stream(">be me", 0, 0, 1.0, 3, 1)
    assert "shit" not in html + plain and "████" in plain and "3 words masked — lecture-safe mode" in html
    assert list(app.generate(">be me", 0, 0, 1.0, 3, 1))[-1] == " ████ ████ ████"
    walk = app.walk_for(None, ">be me", 0, 0, 1.0, 3, 1, 5)
    walk.run(2)
    table, _, _, story, _, _ = app.walk_view(walk, "pt")
    assert "shit" not in table + story and "modo seguro para aula" in table
    csv_text = Path(_write_csvs(app.shown_steps(walk), "en")[0]).read_text(encoding="utf-8")
    assert "shit" not in csv_text and str(bad_id) in csv_text


def test_safe_mode_switch(engine, monkeypatch):
    from greentext.ui import build_app, safe_mode_from_env

    assert safe_mode_from_env() is True
    monkeypatch.setenv("GREENTEXT_SAFE_MODE", "0")
    assert safe_mode_from_env() is False
    assert build_app(engine).greentext.safe_mode is False
    assert build_app(engine, safe_mode=True).greentext.safe_mode is True


# ---------------------------------------------------------------- crowds
def test_rate_limiter_token_bucket():
    now = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: now[0])
    limiter.check("a"), limiter.check("a")
    with pytest.raises(RateLimited) as err:
        limiter.check("a")
    assert "at most 2 every 10 s" in str(err.value) and 4.9 < err.value.retry_after <= 5.0
    limiter.check("b")  # another client has its own bucket
    now[0] = 5.0
    limiter.check("a")  # one request back after seconds / requests
    assert RateLimiter.parse("") is None and RateLimiter.parse("off") is None
    assert (RateLimiter.parse("10/60").requests, RateLimiter.parse("10/60").seconds) == (10, 60)
    with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
        RateLimiter.parse("ten per minute")


def test_rate_limit_through_the_api(engine):
    demo = _launch(engine, rate_limit="2/60")
    try:
        c = gradio_client.Client(demo.local_url, verbose=False)
        c.predict(">be me", 0, 0, 1.0, 2, 1, 3, api_name="/probabilities")
        c.predict(">be me", 0, 0, 1.0, 2, 1, api_name="/generate")
        with pytest.raises(Exception, match="Too many requests: at most 2 every 60 s per client"):
            c.predict(">be me", 0, api_name="/attention")
        _alive(c)  # model facts are not rate limited
    finally:
        demo.close()


LOAD_CLIENTS = 32


def test_32_concurrent_clients_lose_no_request(served, engine, capsys):
    """32 users press Generate (and the API) at once: every request is answered, none is lost."""
    url = served[0].local_url
    results, errors = [None] * LOAD_CLIENTS, []
    barrier = threading.Barrier(LOAD_CLIENTS)

    def user(i):
        try:
            c = gradio_client.Client(url, verbose=False)
            barrier.wait(timeout=60)
            if i % 4 == 3:  # a quarter on the step-by-step endpoint, whose runs are exact and private
                results[i] = c.predict(f">be me {i}", 1.0, 0, 0.9, 5, i, 3, api_name="/probabilities")["text"]
            else:
                results[i] = c.predict(f">be me {i}", 1.0, 0, 0.9, 5, i, api_name="/generate")
        except Exception as err:  # noqa: BLE001 - counted, then reported
            errors.append(f"{i}: {type(err).__name__}: {err}")

    start = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(LOAD_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nload test: {LOAD_CLIENTS} clients, {len(errors)} failed, {seconds:.1f} s")
    assert not errors, errors
    assert all(isinstance(r, str) for r in results)
    for i in range(3, LOAD_CLIENTS, 4):  # no state leaks between users: each equals its solo run
        solo = engine.generate(f">be me {i}", SamplingSettings(1.0, 0, 0.9, 5, i))
        assert results[i] == solo.text
    _alive(served[1])


class _Slow:
    """The model, 50 ms slower per forward pass: a long generation to stop."""

    def __init__(self, model):
        self._model = model

    def __call__(self, *args, **kwargs):
        time.sleep(0.05)
        return self._model(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._model, name)


@pytest.fixture(scope="module")
def slow_engine(tiny_path):
    from greentext.engine import Engine
    from greentext.loading import load_model

    slow = Engine(load_model(str(tiny_path), device="cpu"))
    slow.model = _Slow(slow.model)
    return slow


def test_stop_frees_the_model_at_once(slow_engine):
    demo = _launch(slow_engine, rate_limit="off")
    try:
        worker = demo.greentext.worker
        c = gradio_client.Client(demo.local_url, verbose=False)
        job = c.submit(">be me", 1.0, 0, 1.0, 120, 1, api_name="/generate")  # ~6 s if left alone
        deadline = time.time() + 30
        while not job.outputs() and time.time() < deadline:
            time.sleep(0.02)
        assert job.outputs(), "the generation never started streaming"
        job.cancel()  # what the Stop button does
        time.sleep(0.3)
        steps = worker.steps
        time.sleep(0.6)
        assert worker.steps - steps <= 1, "the cancelled generation kept the model busy"
        start = time.perf_counter()
        assert isinstance(c.predict(">be me", 0, 0, 1.0, 3, 1, api_name="/generate"), str)
        assert time.perf_counter() - start < 5
    finally:
        demo.close()


def test_a_closed_stream_stops_its_generation(slow_engine):
    from greentext.ui import App

    app = App(slow_engine)
    stream = app.generate_stream(">be me", 1.0, 0, 1.0, 120, 1)
    next(stream)
    stream.close()  # what gradio does when the user presses Stop or closes the tab
    time.sleep(0.2)
    before = app.worker.steps
    time.sleep(0.5)
    assert app.worker.steps - before <= 1


def test_time_limit_ends_a_long_request_with_a_note(engine):
    from greentext.ui import App

    run = engine.generate(">be me", SamplingSettings(max_new_tokens=50, seed=1), time_limit=0)
    assert run.finish_reason == "time" and run.ids == []
    app = App(engine, time_limit=0)
    *_, (html, _, _) = app.generate_stream(">be me", 0.8, 40, 0.9, 50, 1)
    assert "Stopped at the time limit of 0 s per request." in html
    result = app.probabilities(">be me", 0.8, 40, 0.9, 50, 1, 5)
    assert result["finish_reason"] == "time" and result["steps"] == []
    walk = app.walk_for(None, ">be me", 0.8, 40, 0.9, 50, 1, 5)
    assert walk.run(50, time_limit=0) == []


# ---------------------------------------------------------------- faults
def test_out_of_memory_is_a_message_and_the_server_goes_on(client, engine, monkeypatch):
    import greentext.batching as batching

    assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("MPS backend out of memory")) and not is_out_of_memory(RuntimeError("x"))

    def oom(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with monkeypatch.context() as m:
        m.setattr(engine, "generate", oom)
        with pytest.raises(Exception, match="ran out of memory") as err:
            client.predict(">be me", 0.8, 40, 0.9, 4, 1, 5, api_name="/probabilities")
        assert "Traceback" not in str(err.value)
    with monkeypatch.context() as m:
        m.setattr(batching, "Decoder", oom)
        with pytest.raises(Exception, match="The server is still running"):
            client.predict(">be me", 0.8, 40, 0.9, 4, 1, api_name="/generate")
    assert isinstance(client.predict(">be me", 0.8, 40, 0.9, 4, 1, api_name="/generate"), str)
    assert client.predict(">be me", 0.8, 40, 0.9, 2, 1, 3, api_name="/probabilities")["steps"]


def _app_stderr(*args):
    done = subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=180)
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


def test_app_exits_with_one_line_for_a_missing_checkpoint(tmp_path):
    missing = tmp_path / "no-such-model"
    code, lines = _app_stderr("--model", str(missing))
    assert code == 1 and len(lines) == 1, lines
    assert str(missing) in lines[0] and "not found" in lines[0]


def test_app_exits_with_one_line_for_a_corrupt_checkpoint(tmp_path, tiny_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_path, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    code, lines = _app_stderr("--model", str(broken))
    assert code == 1 and len(lines) == 1, lines
    assert str(broken) in lines[0] and "corrupt" in lines[0]


def test_bad_limit_flags_are_one_line_too():
    code, lines = _app_stderr("--rate-limit", "lots", "--model", "/nonexistent")
    assert code == 1 and len(lines) == 1 and "REQUESTS/SECONDS" in lines[0]
