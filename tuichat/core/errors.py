"""The small error taxonomy every provider maps its failures to.

Retry and fallback logic branches on these *types*, never on message strings::

    ProviderError
     ├── RateLimited            429
     │    └── QuotaExceeded     429 insufficient_quota
     ├── Overloaded             529 / overloaded_error
     ├── ServerError            5xx
     ├── ProviderTimeout        connect / read / idle / total timeout
     │    ├── ResponseHeadersTimeout  headers began but did not end in time
     │    ├── NoResponseHeaders       no response headers at all within the headers timeout
     │    └── FirstTokenTimeout       headers came, the first text did not
     ├── ConnectionFailed       refused, reset, DNS
     ├── AuthFailed             401 / 403
     ├── BadRequest             400 / 404 / 422
     │    ├── ModelNotFound     the server does not have the model
     │    └── ContextTooLong    the prompt does not fit the context window
     ├── ContentFiltered        the provider refused the content
     ├── RequestShed            refused locally: the queue wait exceeds the budget
     └── ProtocolError          not SSE, malformed event, ...
          ├── StreamTruncated   stream ended without [DONE] or a finish reason
          └── ResponseTooLarge  a line, event, answer, body or header block over its limit

Messages are one line, already made inert and stripped of secrets, so any
consumer may show them as they are. Whether a type is retried, falls back or
fails is decided in one place, :mod:`tuichat.core.turn.retry`, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class ProviderError(Exception):
    """Base of all provider failures; ``error_type`` is what the log stores."""

    error_type: ClassVar[str] = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after
        self.code = code
        self.headers: Mapping[str, str] = headers or {}

    def one_line(self) -> str:
        """A short human description, e.g. ``auth (401): invalid key``."""
        status = f" ({self.status_code})" if self.status_code else ""
        return f"{self.error_type}{status}: {self.message}"


class RateLimited(ProviderError):
    """The provider asked us to slow down (HTTP 429)."""

    error_type = "rate_limited"


class QuotaExceeded(RateLimited):
    """The account is out of credit or quota (HTTP 429 insufficient_quota); waiting won't help."""

    error_type = "quota_exceeded"


class Overloaded(ProviderError):
    """The provider is temporarily overloaded (HTTP 529, overloaded_error)."""

    error_type = "overloaded"


class ServerError(ProviderError):
    """The provider failed (HTTP 5xx)."""

    error_type = "server_error"


class ProviderTimeout(ProviderError):
    """A connect, read, first-token or total timeout expired."""

    error_type = "timeout"


class ConnectionFailed(ProviderError):
    """The connection could not be made or was lost."""

    error_type = "connection"


class AuthFailed(ProviderError):
    """The key is missing, wrong or lacks permission (HTTP 401/403)."""

    error_type = "auth"


class BadRequest(ProviderError):
    """The provider rejected the request itself (HTTP 400/404/422)."""

    error_type = "bad_request"


class ModelNotFound(BadRequest):
    """The server does not serve the requested model."""

    error_type = "model_not_found"


class ContextTooLong(BadRequest):
    """The conversation does not fit the model's context window."""

    error_type = "context_too_long"


class ContentFiltered(ProviderError):
    """The provider's content filter refused the request or the answer."""

    error_type = "content_filtered"


class RequestShed(ProviderError):
    """The client-side limiter refused the request: its expected wait exceeds its budget."""

    error_type = "load_shed"


class ProtocolError(ProviderError):
    """The response was not the stream we expected."""

    error_type = "protocol_error"


class StreamTruncated(ProtocolError):
    """The stream ended without ``[DONE]`` or a finish reason."""

    error_type = "truncated"


class ResponseHeadersTimeout(ProviderTimeout):
    """The response's headers started arriving but did not end in time.

    An honest server writes its whole header block at once; one that trickles
    header lines would otherwise hold the request until the read timeout.
    """


class ResponseTooLarge(ProtocolError):
    """The response went over one of the client's size limits; the message names which.

    Limits keep a hostile or broken server from growing the process without
    bound (one endless line, an endless answer, endless headers).
    """


class NoResponseHeaders(ProviderTimeout):
    """The server took the request and sent no response headers within the headers timeout.

    Providers send their headers before the model thinks, so a server silent
    for that long is hung (or the path to it is): retried once, then the next
    model is tried.
    """


class FirstTokenTimeout(ProviderTimeout):
    """The response began but no text came within the first-token timeout.

    The server is alive but slow (a long queue, a cold model): the same model
    is unlikely to be faster a second later, so the next model is tried.
    """
