"""Map HTTP failures to the error taxonomy.

Error bodies are hostile input: they may be HTML pages from a proxy, huge, or
echo secrets (whole or in pieces). Only a bounded prefix is read, only a JSON
``message`` is ever shown, and it is made inert, single-line and redacted by a
:class:`~tuichat.providers.scrub.Scrubber`. Transport failures are described
in tuichat's words; an exception's own text (which may quote a request header,
key included) is shown only for failures we have no words for, and scrubbed.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from tuichat.core import errors
from tuichat.core.untrusted import one_line
from tuichat.providers.body_bytes import body_chunks
from tuichat.providers.head_guard import HeadersTimeout, HeadersTooLarge
from tuichat.providers.scrub import Scrubber
from tuichat.providers.stream_limits import HEADERS_TIMEOUT, MAX_HEADER_BYTES, size_text

MAX_ERROR_BODY = 64 * 1024

_CONTEXT_HINTS = (
    "context_length",
    "context length",
    "maximum context",
    "too many tokens",
    "prompt is too long",  # Anthropic
    "exceeds the available context size",  # llama.cpp
    "exceed_context_size",  # llama.cpp's error type
)


async def read_bounded(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    """Read at most ``limit`` bytes of a streamed response body.

    A body we cannot decode (an encoding we do not inflate, corrupt gzip) reads
    as what came before the failure: the status still says what went wrong.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in body_chunks(response):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except errors.ProtocolError:
        pass
    return b"".join(chunks)[:limit]


def parse_error_body(body: bytes) -> tuple[str | None, str | None, str | None]:
    """Return ``(message, type, code)`` from a JSON error body, or Nones."""
    try:
        data = json.loads(body)
    except ValueError:
        return None, None, None
    return error_fields(data)


def error_fields(data: Any) -> tuple[str | None, str | None, str | None]:
    """Pull message/type/code out of the error shapes providers use."""
    if not isinstance(data, dict):
        return None, None, None
    err = data.get("error", data)
    if isinstance(err, str):
        return err, None, None
    if not isinstance(err, dict):
        return None, None, None
    message = err.get("message") or err.get("detail") or data.get("message")
    kind, code = err.get("type"), err.get("code")
    return (
        str(message) if message is not None else None,
        str(kind) if kind is not None else None,
        str(code) if code is not None else None,
    )


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _class_for(
    status: int, kind: str | None, code: str | None, message: str
) -> type[errors.ProviderError]:
    """Pick the error class from status, then refine by the provider's code."""
    text = " ".join(filter(None, (kind, code, message))).lower()
    if any(hint in text for hint in _CONTEXT_HINTS):
        return errors.ContextTooLong
    if code == "model_not_found" or (status == 404 and "model" in text):
        return errors.ModelNotFound
    if status in (401, 403):
        return errors.AuthFailed
    if status == 429 and ("insufficient_quota" in text or "billing_hard_limit" in text):
        return errors.QuotaExceeded
    if status == 429:
        return errors.RateLimited
    # A 4xx that merely mentions "overloaded" (e.g. echoing a name) is not an overload.
    if status == 529 or kind == "overloaded_error" or (status >= 500 and "overloaded" in text):
        return errors.Overloaded
    if status == 408:
        return errors.ProviderTimeout
    if status == 409 or status >= 500:
        return errors.ServerError
    if "content_filter" in text or "content_policy" in text:
        return errors.ContentFiltered
    return errors.BadRequest


def http_error(
    status: int,
    reason: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str | None] = (),
) -> errors.ProviderError:
    """Build the typed error for a non-2xx response."""
    message, kind, code = parse_error_body(body)
    scrub = Scrubber(secrets)
    shown = scrub.text(message if message else f"HTTP {status} {reason}".strip())
    cls = _class_for(status, kind, code, shown)
    retry_after = parse_retry_after(headers)
    code = scrub.text(code) if code is not None else None
    return cls(shown, status_code=status, retry_after=retry_after, code=code, headers=headers)


def stream_error(
    data: Any, secrets: Iterable[str | None] = (), *, status: int | None = None
) -> errors.ProviderError:
    """Build the typed error for an ``error`` object sent inside the stream.

    ``status`` is the HTTP status the provider uses for the same error type
    outside a stream, where the adapter knows it; otherwise it is guessed.
    """
    message, kind, code = error_fields(data)
    scrub = Scrubber(secrets)
    shown = scrub.text(message or "error event in stream")
    if status is None:
        status = 500 if kind in (None, "server_error", "api_error") else 400
    cls = _class_for(status, kind, code, shown)
    shown_code = code or kind
    return cls(shown, code=scrub.text(shown_code) if shown_code is not None else None)


def decode_event(data: str) -> dict[str, Any]:
    """Decode one SSE event's JSON; anything but an object is a protocol error."""
    try:
        event = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep for the parser
        raise errors.ProtocolError("malformed event in the stream (invalid JSON)") from None
    if not isinstance(event, dict):
        raise errors.ProtocolError("malformed event in the stream (not an object)")
    return event


async def check_event_stream(response: httpx.Response, secrets: Iterable[str | None] = ()) -> None:
    """Raise the typed error for a failed response, or one that is not an event stream."""
    if response.status_code >= 400:
        body = await read_bounded(response)
        status, reason = response.status_code, response.reason_phrase
        raise http_error(status, reason, response.headers, body, secrets)
    content_type = response.headers.get("content-type", "").partition(";")[0].strip()
    if content_type != "text/event-stream":
        shown = content_type or "no content type"
        raise errors.ProtocolError(f"expected an event stream, got {one_line(shown, 80)}")


def transport_error(
    exc: Exception, host: str, *, head_received: bool = True
) -> errors.ProviderError:
    """Map an httpx exception to the taxonomy, head-guard limits first.

    ``head_received`` says whether the response's headers had arrived: a
    protocol failure before them is a broken answer, not a cut one.
    """
    cause = exc.__cause__
    if isinstance(cause, HeadersTimeout):
        return errors.ResponseHeadersTimeout(
            f"{host} started its response headers but did not finish them "
            f"within {HEADERS_TIMEOUT:g} s (response headers time limit)"
        )
    if isinstance(cause, HeadersTooLarge):
        return errors.ResponseTooLarge(
            f"{host} sent more than {size_text(MAX_HEADER_BYTES)} of response headers "
            "(response headers size limit)"
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return errors.ProviderTimeout(f"timed out connecting to {host}")
    if isinstance(exc, httpx.TimeoutException):
        return errors.ProviderTimeout(f"{host} stopped responding (read timeout)")
    if isinstance(exc, httpx.ConnectError):
        return errors.ConnectionFailed(f"cannot connect to {host}")
    if isinstance(exc, httpx.RemoteProtocolError) and not head_received:
        return errors.ConnectionFailed(
            f"{host} closed the connection or sent malformed headers before its response began"
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return errors.ConnectionFailed(f"connection to {host} was cut mid-response")
    if isinstance(exc, httpx.LocalProtocolError):
        return errors.ProtocolError(
            f"could not send a valid HTTP request to {host} "
            "(an API key or header value with characters HTTP headers cannot carry?)"
        )
    if isinstance(exc, httpx.TransportError):
        return errors.ConnectionFailed(one_line(f"connection to {host} failed: {exc}"))
    return errors.ProtocolError(one_line(f"{type(exc).__name__}: {exc}"))
