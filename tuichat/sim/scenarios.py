"""Scenarios: how the simulator answers, including every fault a client must survive.

A scenario is anything with ``async respond(exchange) -> Outcome``; the
registry :data:`SCENARIOS` maps the names used in ``sim?scenario=...`` to them.
Most faults are a normal answer taken over after some tokens (a
:class:`~tuichat.sim.streaming.Fault`), so each one also has a sensible
non-streamed form. A new scenario is one small class and one registry entry.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from email.utils import formatdate
from typing import Protocol

from tuichat.sim.exchange import Exchange, Outcome
from tuichat.sim.http1 import CannedResponse
from tuichat.sim.streaming import Fault, complete_answer, stream_answer

FEW_TOKENS = 3

NGINX_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
"""
CAPTIVE_PORTAL = b"""<!DOCTYPE html>
<html><head><title>Sign in to the network</title></head>
<body><h1>Welcome</h1><p>Please accept the terms of use to continue.</p></body>
</html>
"""


class Scenario(Protocol):
    """How one request is answered."""

    async def respond(self, ex: Exchange) -> Outcome:
        """Write the response (or misbehave) and say what the connection does next."""
        ...


async def wait_forever() -> None:
    """Block until cancelled: the client disconnecting or the server stopping."""
    await asyncio.get_running_loop().create_future()


def _half(n: int) -> int:
    return max(1, n // 2)


def _few(n: int) -> int:
    return FEW_TOKENS


async def _partial_body(ex: Exchange, body: bytes) -> None:
    """Announce the full body, then send only its first half."""
    ex.out.start(200, [("content-type", "application/json")], len(body))
    ex.out.write(body[: len(body) // 2])
    await ex.out.flush()


class EndCleanly:
    """``truncate``: the stream ends properly at the HTTP level, mid-answer."""

    position = staticmethod(_half)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        ex.out.end_chunks(final=False)
        await ex.out.flush()
        return Outcome.KEEP_ALIVE

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        await _partial_body(ex, body)
        return Outcome.CLOSE


class Reset:
    """``drop``: the connection dies mid-answer (abort, no chunked terminator)."""

    position = staticmethod(_half)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        ex.conn.abort()
        return Outcome.ABORTED

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        await _partial_body(ex, body)
        ex.conn.abort()
        return Outcome.ABORTED


class Stall:
    """``hang_mid``: some output, then silence until the client gives up."""

    position = staticmethod(_few)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        await wait_forever()
        return Outcome.ABORTED

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        await _partial_body(ex, body)
        await wait_forever()
        return Outcome.ABORTED


class InjectMalformed:
    """``malformed``: one event with broken JSON, then the stream carries on."""

    position = staticmethod(_few)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        ex.out.write_chunk(ex.wire.malformed())
        return None

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        await ex.out.send(CannedResponse(200, body[: len(body) // 2]))
        return Outcome.KEEP_ALIVE


@dataclass(frozen=True)
class InjectError:
    """An error event after some tokens, then the stream ends (after ``[DONE]`` for OpenAI).

    ``status`` says which failure: 500 a server error (``error_mid_stream``),
    529 an overload (``overloaded_mid_stream``). Without streaming, the
    response is that HTTP error instead.
    """

    status: int = 500
    position = staticmethod(_few)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        ex.out.end_chunks(ex.wire.error_event(self.status), final=False)
        await ex.out.flush()
        return Outcome.KEEP_ALIVE

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        return await ex.out.send(ex.errors.http_error(self.status, None), final=False)


@dataclass(frozen=True)
class AnswerScenario:
    """An answer, streamed or not as the request asks, optionally with a fault."""

    fault: Fault | None = None

    async def respond(self, ex: Exchange) -> Outcome:
        if ex.chat.stream:
            return await stream_answer(ex, self.fault)
        return await complete_answer(ex, self.fault)


NEAR_LIMIT_HEADERS = (
    ("x-ratelimit-limit-requests", "60"),
    ("x-ratelimit-remaining-requests", "1"),
    ("x-ratelimit-reset-requests", "59s"),
    ("x-ratelimit-limit-tokens", "40000"),
    ("x-ratelimit-remaining-tokens", "120"),
    ("x-ratelimit-reset-tokens", "1m30s"),
)


@dataclass(frozen=True)
class NearLimitScenario:
    """``near_limit``: a normal answer whose rate-limit headers are nearly used up."""

    async def respond(self, ex: Exchange) -> Outcome:
        ex.out.extra_headers = NEAR_LIMIT_HEADERS
        return await AnswerScenario().respond(ex)


class HttpErrorScenario:
    """``http_error``: an error status (``status=``, default 500), never streamed.

    ``retry_form=ms|date`` rewrites a 429's ``Retry-After`` the other ways
    servers send it: ``retry-after-ms`` or an HTTP date.
    """

    async def respond(self, ex: Exchange) -> Outcome:
        response = ex.errors.http_error(ex.plan.status, ex.plan.retry_after)
        return await ex.out.send(retry_after_as(response, ex.plan.retry_form))


def retry_after_as(response: CannedResponse, form: str) -> CannedResponse:
    """``response`` with its ``retry-after`` header written in ``form``."""
    if form == "seconds":
        return response
    headers = []
    for name, value in response.headers:
        if name.lower() != "retry-after":
            headers.append((name, value))
        elif form == "ms":
            headers.append(("retry-after-ms", str(round(float(value) * 1000))))
        else:
            headers.append((name, formatdate(time.time() + float(value), usegmt=True)))
    return replace(response, headers=tuple(headers))


QUOTA_429 = CannedResponse(
    429,
    b'{"error": {"message": "You exceeded your current quota, please check your plan and '
    b'billing details.", "type": "insufficient_quota", "param": null, '
    b'"code": "insufficient_quota"}}',
)


class ContextTooLongScenario:
    """``context_too_long``: the 400 a provider returns for an oversized prompt."""

    async def respond(self, ex: Exchange) -> Outcome:
        response = ex.errors.context_too_long(ex.usage().prompt)
        return await ex.out.send(response)


@dataclass(frozen=True)
class FixedScenario:
    """The same response every time (an HTML error page, a captive portal)."""

    response: CannedResponse

    async def respond(self, ex: Exchange) -> Outcome:
        return await ex.out.send(self.response)


BOM = b"\xef\xbb\xbf"


def key_echo(key: str | None) -> str:
    """Pieces of ``key`` as a careless server echoes them: a prefix, a middle, a tail."""
    if not key:
        return "no API key was presented"
    third = len(key) // 3
    return f"Incorrect key: prefix {key[:10]} mid {key[third : third + 10]} tail {key[-9:]}"


class BomScenario:
    """``bom``: a normal answer whose body starts with a UTF-8 byte order mark."""

    async def respond(self, ex: Exchange) -> Outcome:
        ex.out.body_prefix = BOM
        return await AnswerScenario().respond(ex)


class EchoKeyScenario:
    """``echo_key``: an HTTP error (``status=``, default 500) echoing pieces of the key."""

    async def respond(self, ex: Exchange) -> Outcome:
        response = ex.errors.with_message(ex.plan.status, key_echo(ex.presented_key))
        return await ex.out.send(response)


class EchoKeyInStream:
    """``echo_key_mid_stream``: an error event after some tokens, echoing pieces of the key."""

    position = staticmethod(_few)

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        ex.out.end_chunks(ex.wire.error_event(500, key_echo(ex.presented_key)), final=False)
        await ex.out.flush()
        return Outcome.KEEP_ALIVE

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        response = ex.errors.with_message(500, key_echo(ex.presented_key))
        return await ex.out.send(response, final=False)


class HangScenario:
    """``hang``: read the request, then send nothing at all."""

    async def respond(self, ex: Exchange) -> Outcome:
        await wait_forever()
        return Outcome.ABORTED


SCENARIOS: dict[str, Scenario] = {
    "ok": AnswerScenario(),
    "truncate": AnswerScenario(EndCleanly()),
    "drop": AnswerScenario(Reset()),
    "malformed": AnswerScenario(InjectMalformed()),
    "error_mid_stream": AnswerScenario(InjectError(500)),
    "overloaded_mid_stream": AnswerScenario(InjectError(529)),
    "hang_mid": AnswerScenario(Stall()),
    "hang": HangScenario(),
    "http_error": HttpErrorScenario(),
    "http_html": FixedScenario(CannedResponse(502, NGINX_502, "text/html")),
    "not_sse": FixedScenario(CannedResponse(200, CAPTIVE_PORTAL, "text/html; charset=utf-8")),
    "context_too_long": ContextTooLongScenario(),
    "quota": FixedScenario(QUOTA_429),
    "near_limit": NearLimitScenario(),
    "bom": BomScenario(),
    "echo_key": EchoKeyScenario(),
    "echo_key_mid_stream": AnswerScenario(EchoKeyInStream()),
}
"""Scenario names (for ``sim?scenario=`` and ``--scenario``) and their behaviour."""
