"""The built-in simulator, exercised over real loopback HTTP.

Timing assertions are loose on purpose (a loaded 2-core CI box must pass):
lower bounds are what the simulator promises, upper bounds only catch
"did not happen at all".
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from tuichat.sim.answers import CONTENT_KINDS, answer_text, answer_tokens, tokenize
from tuichat.sim.server import SimServer, SimSettings
from tuichat.sim.thread import SimServerThread

REPO_ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Tell me a story please"}]
PROMPT_TOKENS = 5 + 3  # five words plus three per message


@pytest.fixture
def sim() -> Iterator[SimServerThread]:
    """A fast simulator: short TTFT, burst delivery."""
    with SimServerThread(SimSettings(ttft_ms=5, tps=0, tokens=20)) as server:
        yield server


@pytest.fixture
def client(sim: SimServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, trust_env=False, timeout=10.0) as http_client:
        yield http_client


def body(model: str = "sim", *, stream: bool = True, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": stream, **extra}


def sse_data(client: httpx.Client, payload: dict[str, Any]) -> list[str]:
    """The ``data`` of every event of a streamed chat completion."""
    with connect_sse(client, "POST", "/chat/completions", json=payload) as source:
        assert source.response.status_code == 200
        return [event.data for event in source.iter_sse()]


def content_of(events: list[str]) -> list[str]:
    """Content deltas of the well-formed chunk events."""
    pieces = []
    for data in events:
        if data == "[DONE]":
            continue
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        for choice in chunk.get("choices", []):
            if "content" in choice["delta"] and "role" not in choice["delta"]:
                pieces.append(choice["delta"]["content"])
    return pieces


# --- wire format -----------------------------------------------------------------------


def test_stream_wire_format(client: httpx.Client, sim: SimServerThread) -> None:
    payload = body(stream_options={"include_usage": True})
    with connect_sse(client, "POST", "/chat/completions", json=payload) as source:
        headers = source.response.headers
        events = [event.data for event in source.iter_sse()]
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-cache"
    assert headers["transfer-encoding"] == "chunked"
    assert headers["x-request-id"]
    first = json.loads(events[0])
    assert first == {
        "id": first["id"],
        "object": "chat.completion.chunk",
        "created": first["created"],
        "model": "sim",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        ],
    }
    assert first["id"].startswith("chatcmpl-sim-")
    assert "".join(content_of(events)) == answer_text("prose", 20)
    assert len(content_of(events)) == 20
    finish, usage, done = json.loads(events[-3]), json.loads(events[-2]), events[-1]
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert usage["choices"] == []
    assert usage["usage"] == {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": 20,
        "total_tokens": PROMPT_TOKENS + 20,
    }
    assert done == "[DONE]"
    record = sim.wait_for(lambda r: r.completed)
    assert (record.status_code, record.tokens_sent, record.model) == (200, 20, "sim")
    assert record.body == payload
    assert record.received_at <= record.headers_sent_at <= record.first_token_at  # type: ignore[operator]


def test_raw_stream_has_keep_alive_comment_and_compact_json(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("sim?content=hostile&tokens=3"))
    text = response.text
    assert text.index("data: ") < text.index(": keep-alive\n\n") < text.index('"delta":{"content"')
    assert '"model":"sim"' in text and ", " not in text.split("\n")[0]
    assert text.endswith("data: [DONE]\n\n")
    assert "usage" not in text


def test_connection_is_reused_for_two_requests(sim: SimServerThread) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    try:
        answers = []
        for _ in range(2):
            conn.request("POST", "/v1/chat/completions", json.dumps(body()).encode())
            response = conn.getresponse()
            answers.append(response.read().decode())
            sock = conn.sock
        assert conn.sock is sock is not None
        assert all(text.endswith("data: [DONE]\n\n") for text in answers)
    finally:
        conn.close()
    records = sim.records()
    assert [r.completed for r in records] == [True, True]


def test_max_tokens_cuts_with_length(client: httpx.Client) -> None:
    for key in ("max_tokens", "max_completion_tokens"):
        events = sse_data(client, {**body(), key: 5})
        assert content_of(events) == answer_tokens("prose", 5)
        assert json.loads(events[-2])["choices"][0]["finish_reason"] == "length"


def test_stop_sequence_ends_before_it(client: httpx.Client) -> None:
    text = answer_text("prose", 20)
    stop = text[30:36]
    expected = text[: text.index(stop)]
    for stop_field in (stop, ["zzz-not-there", stop]):
        events = sse_data(client, body(stop=stop_field))
        assert "".join(content_of(events)) == expected
        assert json.loads(events[-2])["choices"][0]["finish_reason"] == "stop"


def test_non_stream_completion(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body(stream=False))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "sim"
    choice = data["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": answer_text("prose", 20)}
    assert choice["finish_reason"] == "stop"
    assert data["usage"]["completion_tokens"] == 20


def test_path_without_v1_prefix(sim: SimServerThread) -> None:
    url = f"http://127.0.0.1:{sim.port}/chat/completions"
    response = httpx.post(url, json=body("sim?tokens=2", stream=False), trust_env=False)
    assert response.json()["choices"][0]["message"]["content"] == answer_text("prose", 2)


def test_settings_change_between_requests(client: httpx.Client, sim: SimServerThread) -> None:
    sim.settings.tokens = 4
    sim.settings.content = "markdown"
    assert "".join(content_of(sse_data(client, body()))) == answer_text("markdown", 4)


# --- other endpoints and request errors ------------------------------------------------


def test_models_health_records_and_unknown_path(client: httpx.Client, sim: SimServerThread) -> None:
    models = client.get("/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["sim"]
    root = f"http://127.0.0.1:{sim.port}"
    assert client.get(f"{root}/health").status_code == 200
    missing = client.post("/completions", json={})
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"
    listed = client.get(f"{root}/_sim/requests").json()
    assert [r["path"] for r in listed] == ["/v1/models", "/v1/completions"]
    assert listed[1]["status_code"] == 404


def test_unknown_model_is_404_like_openai(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("gpt-9"))
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "The model `gpt-9` does not exist",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }


@pytest.mark.parametrize(
    "model", ["sim?tps=fast", "sim?nope=1", "sim?scenario=nope", "sim?content=x", "sim?tokens=-1"]
)
def test_bad_override_is_400(client: httpx.Client, model: str) -> None:
    response = client.post("/chat/completions", json=body(model))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_bad_json_and_bad_fields_are_400(client: httpx.Client) -> None:
    assert client.post("/chat/completions", content=b"{not json").status_code == 400
    assert client.post("/chat/completions", json={"model": "sim"}).status_code == 400
    assert client.post("/chat/completions", json=body(max_tokens=0)).status_code == 400


def test_auth(sim: SimServerThread) -> None:
    key = "sk-test-0123456789abcd"
    sim.settings.api_key = key
    with httpx.Client(base_url=sim.base_url, trust_env=False) as anonymous:
        missing = anonymous.post("/chat/completions", json=body())
    with httpx.Client(
        base_url=sim.base_url, trust_env=False, headers=_bearer("sk-wrong-key-9999")
    ) as wrong:
        bad = wrong.post("/chat/completions", json=body())
        assert wrong.get("/models").status_code == 401
    with httpx.Client(base_url=sim.base_url, trust_env=False, headers=_bearer(key)) as right:
        good = right.post("/chat/completions", json=body())
    assert missing.status_code == bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_api_key"
    assert bad.json()["error"]["type"] == "invalid_request_error"
    assert "sk-...9999" in bad.text and "sk-wrong-key-9999" not in bad.text
    assert good.status_code == 200 and good.text.endswith("[DONE]\n\n")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- scenarios -------------------------------------------------------------------------


def test_truncate_ends_cleanly_without_finish(client: httpx.Client, sim: SimServerThread) -> None:
    events = sse_data(client, body("sim?scenario=truncate"))
    assert content_of(events) == answer_tokens("prose", 10)
    assert "[DONE]" not in events
    assert all(c["finish_reason"] is None for e in events for c in json.loads(e)["choices"])
    # the connection stays usable
    assert client.post("/chat/completions", json=body()).text.endswith("[DONE]\n\n")
    record = sim.wait_for(lambda r: r.scenario == "truncate")
    assert record.tokens_sent == 10 and not record.completed


def test_drop_resets_mid_stream(client: httpx.Client, sim: SimServerThread) -> None:
    received: list[str] = []
    payload = body("sim?scenario=drop")
    with (
        pytest.raises(httpx.TransportError),  # RemoteProtocolError or ReadError
        connect_sse(client, "POST", "/chat/completions", json=payload) as s,
    ):
        received.extend(event.data for event in s.iter_sse())
    assert content_of(received) == answer_tokens("prose", 10)
    record = sim.wait_for(lambda r: r.scenario == "drop")
    assert not record.completed and record.tokens_sent == 10


def test_malformed_event_then_stream_continues(client: httpx.Client) -> None:
    events = sse_data(client, body("sim?scenario=malformed"))
    bad = [e for e in events if e != "[DONE]" and not _is_json(e)]
    assert bad == ['{"choices": [{"delta": {"content": "x"']
    assert events.index(bad[0]) == 1 + 3  # role chunk, three tokens, then the broken one
    assert "".join(content_of(events)) == answer_text("prose", 20)
    assert events[-1] == "[DONE]"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_error_mid_stream(client: httpx.Client) -> None:
    events = sse_data(client, body("sim?scenario=error_mid_stream"))
    assert content_of(events) == answer_tokens("prose", 3)
    error = json.loads(events[-2])
    assert error == {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
        }
    }
    assert events[-1] == "[DONE]"


@pytest.mark.parametrize(
    ("status", "error_type", "code"),
    [
        (None, "server_error", None),
        (429, "rate_limit_exceeded", "rate_limit_exceeded"),
        (401, "invalid_request_error", "invalid_api_key"),
        (400, "invalid_request_error", None),
        (503, "server_error", None),
        (529, "overloaded_error", None),
    ],
)
def test_http_error(client: httpx.Client, status: int | None, error_type: str, code: str) -> None:
    model = "sim?scenario=http_error" + (f"&status={status}" if status else "")
    response = client.post("/chat/completions", json=body(model))
    assert response.status_code == (status or 500)
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == (error_type, code)
    assert ("retry-after" in response.headers) == (status == 429)


def test_rate_limit_retry_after_override(client: httpx.Client) -> None:
    model = "sim?scenario=http_error&status=429&retry_after=7"
    response = client.post("/chat/completions", json=body(model))
    assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize(("scenario", "status"), [("http_html", 502), ("not_sse", 200)])
def test_html_responses(client: httpx.Client, scenario: str, status: int) -> None:
    response = client.post("/chat/completions", json=body(f"sim?scenario={scenario}"))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().lower().startswith(("<html>", "<!doctype html>"))


def test_context_too_long(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("sim?scenario=context_too_long"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded" and error["param"] == "messages"
    assert error["message"].startswith("This model's maximum context length is 8192 tokens")


def test_hang_sends_nothing_and_sees_the_client_leave(sim: SimServerThread) -> None:
    timeout = httpx.Timeout(10.0, read=0.3)
    with (
        httpx.Client(base_url=sim.base_url, trust_env=False, timeout=timeout) as hasty,
        pytest.raises(httpx.ReadTimeout),
    ):
        hasty.post("/chat/completions", json=body("sim?scenario=hang"))
    record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)
    assert record.status_code is None and record.headers_sent_at is None
    assert not record.completed


def test_hang_mid_stalls_after_a_few_tokens(sim: SimServerThread) -> None:
    timeout = httpx.Timeout(10.0, read=0.3)
    received: list[str] = []
    payload = body("sim?scenario=hang_mid")
    with (
        httpx.Client(base_url=sim.base_url, trust_env=False, timeout=timeout) as hasty,
        pytest.raises(httpx.ReadTimeout),
        connect_sse(hasty, "POST", "/chat/completions", json=payload) as s,
    ):
        received.extend(event.data for event in s.iter_sse())
    assert content_of(received) == answer_tokens("prose", 3)
    record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)
    assert record.tokens_sent == 3 and not record.completed


def test_faults_without_streaming(client: httpx.Client) -> None:
    def post(scenario: str) -> httpx.Response:
        return client.post("/chat/completions", json=body(f"sim?scenario={scenario}", stream=False))

    for scenario in ("truncate", "drop"):
        with pytest.raises(httpx.TransportError):
            post(scenario)
    malformed = post("malformed")
    assert malformed.status_code == 200 and not _is_json(malformed.text)
    assert post("error_mid_stream").status_code == 500


# --- timing ----------------------------------------------------------------------------


def test_ttft_is_honoured(client: httpx.Client, sim: SimServerThread) -> None:
    started = time.monotonic()
    with connect_sse(client, "POST", "/chat/completions", json=body("sim?ttft_ms=150")) as s:
        for event in s.iter_sse():
            if content_of([event.data]):
                first_token = time.monotonic()
                break
    assert 0.15 <= first_token - started < 1.5
    record = sim.wait_for(lambda r: r.first_token_at is not None)
    assert 0.15 <= record.first_token_at - record.received_at < 1.5  # type: ignore[operator]


def test_tokens_are_paced_at_tps(client: httpx.Client, sim: SimServerThread) -> None:
    sse_data(client, body("sim?tps=100&tokens=21&ttft_ms=0"))
    record = sim.wait_for(lambda r: r.completed)
    # 20 intervals of 10 ms after the first token
    assert 0.2 <= record.last_byte_at - record.first_token_at < 2.0  # type: ignore[operator]


def test_burst_of_3000_tokens_is_fast(client: httpx.Client, sim: SimServerThread) -> None:
    answer_tokens("prose", 3000)  # generate the text up front: only the serving is timed
    events = sse_data(client, body("sim?tps=0&ttft_ms=0&tokens=3000"))
    assert len(content_of(events)) == 3000
    record = sim.wait_for(lambda r: r.completed)
    assert record.last_byte_at - record.received_at < 1.0  # type: ignore[operator]


# --- disconnects -----------------------------------------------------------------------


def test_disconnect_during_ttft_wait_is_recorded(
    client: httpx.Client, sim: SimServerThread
) -> None:
    with connect_sse(client, "POST", "/chat/completions", json=body("sim?ttft_ms=10000")) as s:
        first = next(iter(s.iter_sse()))
        assert json.loads(first.data)["choices"][0]["delta"]["role"] == "assistant"
    record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)
    assert not record.completed and record.tokens_sent == 0
    assert record.disconnected_at - record.received_at < 5  # type: ignore[operator]
    assert client.post("/chat/completions", json=body()).status_code == 200


def test_disconnect_mid_stream_is_recorded(client: httpx.Client, sim: SimServerThread) -> None:
    with connect_sse(client, "POST", "/chat/completions", json=body("sim?tps=20&tokens=400")) as s:
        seen = 0
        for event in s.iter_sse():
            seen += len(content_of([event.data]))
            if seen >= 2:
                break
    record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=5)
    assert not record.completed and 2 <= record.tokens_sent < 400


async def test_async_server_and_prompt_stop() -> None:
    server = SimServer(SimSettings(ttft_ms=0, tps=0))
    await server.start()
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False) as client:
        response = await client.post("/chat/completions", json=body("sim?tokens=3", stream=False))
        assert response.json()["choices"][0]["message"]["content"] == answer_text("prose", 3)
        hanging = client.post("/chat/completions", json=body("sim?scenario=hang"))
        task = asyncio.ensure_future(hanging)
        for _ in range(500):  # until the hanging request has been read
            if len(server.records) == 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(server.stop(), timeout=30)  # a hang fails; no timing asserted
        with pytest.raises(httpx.TransportError):
            await task
    assert [r.completed for r in server.records] == [True, False]


def test_wait_for_times_out(sim: SimServerThread) -> None:
    with pytest.raises(TimeoutError):
        sim.wait_for(lambda r: True, timeout=0.05)


# --- answer text -----------------------------------------------------------------------


@pytest.mark.parametrize("content", CONTENT_KINDS)
def test_answers_are_deterministic_prefixes(content: str) -> None:
    long = answer_tokens(content, 500)
    assert answer_tokens(content, 100) == long[:100]
    assert answer_text(content, 500) == "".join(long)
    assert all(token for token in long)
    assert tokenize(answer_text(content, 500)) is not None


def test_tokenize_round_trips() -> None:
    text = "# Title\n\n- a **b** `c()`\n\n```python\n    x = 1\n```\n\tend\r\n\x0c"
    assert "".join(tokenize(text)) == text


def test_prose_looks_like_sentences() -> None:
    text = answer_text("prose", 400)
    tokens = answer_tokens("prose", 400)
    assert ". " in text and "\n\n" in text
    assert " the" in tokens or " a" in tokens


def test_markdown_has_the_usual_blocks() -> None:
    text = answer_text("markdown", 1500)
    for marker in ("\n## ", "\n- ", "\n1. ", "**", "`", "```python\n", "| --- |"):
        assert marker in text, marker


def test_code_is_a_line_of_prose_then_one_long_numbered_fence() -> None:
    text = answer_text("code", 3000)
    intro, fence = text.split("```python\n", 1)
    assert intro.endswith(".\n\n") and "\n" not in intro.strip()
    lines = fence.split("\n")
    assert len(lines) > 100 and "```" not in fence  # 3,000 tokens do not reach its end
    assert len(set(lines)) == len(lines)  # every line its own: a line on screen says where it is


@pytest.mark.parametrize(("content", "marker"), [("list", "\n- idea "), ("table", "\n| ")])
def test_a_long_block_after_a_line_of_prose(content: str, marker: str) -> None:
    intro, block = answer_text(content, 3000).split("\n\n", 1)
    assert intro.endswith(".") and "\n" not in intro
    lines = ("\n" + block).split(marker)[1:]
    assert len(lines) > 100 and len(set(lines)) == len(lines)


def test_hostile_content_splits_escapes_across_tokens(client: httpx.Client) -> None:
    tokens = content_of(sse_data(client, body("sim?content=hostile&tokens=60")))
    assert tokens == answer_tokens("hostile", 60)
    split = [i for i in range(len(tokens) - 1) if tokens[i].endswith("\x1b")]
    assert any(tokens[i + 1].startswith("[31m") for i in split)
    text = "".join(tokens)
    for payload in ("\x1b]52;c;", "\x1b]8;;http://evil", "\x1b[2J", "\x9b31m", "[@click=app.quit]"):
        assert payload in text, payload


# --- CLI -------------------------------------------------------------------------------


def test_cli_serve_prints_url_and_stops_cleanly_on_sigint() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "tuichat.sim", "serve", "--port", "0", "--tps", "0"]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the simulator did not announce itself"
        line = process.stdout.readline().strip()
        assert line.startswith("tuichat simulator listening on http://127.0.0.1:")
        base_url = line.rsplit(" ", 1)[1]
        assert base_url.endswith("/v1")
        response = httpx.post(
            f"{base_url}/chat/completions", json=body(stream=False), trust_env=False
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "Traceback" not in stderr
