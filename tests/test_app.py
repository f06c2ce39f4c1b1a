"""The app launched in-process and driven through gradio_client on every named endpoint."""

import json

import pytest

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def client(engine):
    from greentext.ui import build_app, launch_kwargs

    demo = build_app(engine)
    demo.queue(default_concurrency_limit=4)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True, **launch_kwargs())
    yield gradio_client.Client(demo.local_url, verbose=False)
    demo.close()


def test_model_info(client, engine):
    info = client.predict(api_name="/model_info")
    for key in ("name", "parameters", "layers", "heads", "context", "vocab_size", "device", "dtype"):
        assert key in info
    assert info["layers"] == engine.info.layers and info["vocab_size"] == 50257


def test_generate_equals_the_engine(client, engine):
    from greentext.settings import SamplingSettings

    text = client.predict(">be me", 0.9, 40, 0.9, 20, 7, api_name="/generate")
    assert text == engine.generate(">be me", SamplingSettings(0.9, 40, 0.9, 20, 7)).text


def test_probabilities_reproduce_generate(client):
    args = dict(prompt="the lecture\n>be me", temperature=1.0, top_k=0, top_p=0.9, seed=11)
    result = client.predict(**args, steps=15, top_n=8, api_name="/probabilities")
    text = client.predict(args["prompt"], 1.0, 0, 0.9, 15, 11, api_name="/generate")
    assert result["text"] == text
    assert [t["token"] for t in result["prompt_tokens"]][:2] == ["the", " lecture"]
    step = result["steps"][0]
    assert set(step["chosen"]) >= {"id", "token", "rank", "p_final"}
    cand = step["candidates"][0]
    assert set(cand) >= {"rank", "id", "token", "logit", "p_raw", "p_temperature", "p_final", "kept", "cut_by"}
    assert len(step["candidates"]) == 8 and "p_other" in step and "entropy" in step
    assert len(result["steps"]) <= 15


def test_attention_endpoint(client, engine):
    result = client.predict("hello >be me", 1, api_name="/attention")
    n = len(result["tokens"])
    assert len(result["attention"]) == engine.info.heads and len(result["attention"][0]) == n
    assert abs(sum(result["attention"][0][-1]) - 1) < 1e-3


@pytest.mark.parametrize("args, message", [
    ((">be me", 5.0, 40, 0.9, 20, 7), "temperature must be"),
    ((">be me", 0.8, -3, 0.9, 20, 7), "top_k must be"),
    ((">be me", 0.8, 40, 0.0, 20, 7), "top_p must be"),
    ((">be me", 0.8, 40, 0.9, 999, 7), "max_new_tokens must be"),
])
def test_bad_input_gets_a_clear_message_and_the_server_keeps_serving(client, args, message):
    with pytest.raises(Exception) as err:
        client.predict(*args, api_name="/generate")
    assert message in str(err.value)
    assert client.predict(api_name="/model_info")["layers"] >= 1
