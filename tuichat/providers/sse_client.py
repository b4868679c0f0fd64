"""What every streaming HTTP adapter shares: one pooled client, a name, a host, its guards.

Subclasses say where to POST, which headers carry the key, and how events
become parts (:meth:`SSEClient._stream`); the pooled client keeps connections
alive between turns (no new handshake per turn). :meth:`SSEClient.stream`
wraps every reply in the guards a hostile server must not get past:

* size and time limits (:mod:`~tuichat.providers.stream_limits`): the header
  block (:mod:`~tuichat.providers.head_guard`), each SSE line and event and
  the body (:mod:`~tuichat.providers.sse_reader`, in front of httpx-sse), the
  answer text (here);
* secrets: every :class:`~tuichat.core.errors.ProviderError` that leaves the
  adapter, whoever raised it, goes through the provider's
  :class:`~tuichat.providers.scrub.Scrubber`, so no error text carries a run
  of six characters of the provider's key; so does the served model name.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from dataclasses import replace
from typing import Any

import httpx
from httpx_sse import ServerSentEvent

from tuichat import __version__
from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart
from tuichat.providers.body_bytes import body_chunks
from tuichat.providers.connect_timing import ConnectTimer
from tuichat.providers.head_guard import guard_client
from tuichat.providers.hosts import host_of
from tuichat.providers.http_errors import check_event_stream, transport_error
from tuichat.providers.local_tls import verify_for
from tuichat.providers.loop_stream import use_loop_streams
from tuichat.providers.scrub import Scrubber
from tuichat.providers.sniffio_hint import mark_sniffio_absent
from tuichat.providers.sse_reader import read_events
from tuichat.providers.stream_limits import StreamLimits

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)

STREAM_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
"""Sent with every streamed request (as httpx-sse does)."""

Events = AsyncIterator[ServerSentEvent]
"""What an adapter parses: httpx-sse's events, read within the stream limits."""


class SSEClient:
    """Base of the SSE adapters: client lifecycle, the Provider properties, the guards."""

    def __init__(
        self,
        url: str,
        base_url: str,
        api_key: str | None,
        *,
        name: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = url
        self._api_key = api_key
        self._scrubber = Scrubber((api_key,))
        self._name = name
        self._host = host_of(base_url)
        # identity: compressed bodies would be inflated by httpx in unbounded steps
        defaults = {"User-Agent": f"tuichat/{__version__}", "Accept-Encoding": "identity"}
        all_headers = {**defaults, **headers}
        self._client = httpx.AsyncClient(
            headers=all_headers, timeout=timeout, transport=transport, verify=verify_for(base_url)
        )
        guard_client(self._client, loop_streams=use_loop_streams(base_url))
        mark_sniffio_absent()  # httpcore would look for it on disk several times per request

    @property
    def name(self) -> str:
        """Provider kind shown and logged."""
        return self._name

    @property
    def base_url_host(self) -> str:
        """Host (and port) requests go to; never with credentials."""
        return self._host

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        """Yield the reply's parts within the answer limit; every error leaves scrubbed."""
        limits = StreamLimits.for_max_tokens(self._max_tokens(request))
        answered, max_answer = 0, limits.max_answer_chars
        try:
            parts = self._stream(request, limits)
            async with aclosing(parts):  # an abandoned stream closes its connection now
                async for part in parts:
                    if isinstance(part, TextPart):
                        answered += len(part.text)
                        if answered > max_answer:  # inline: this runs once per token
                            raise _answer_too_large(limits)
                    elif isinstance(part, FinishPart) and part.served_model:
                        part = replace(part, served_model=self._scrubber.text(part.served_model))
                    yield part
        except errors.ProviderError as exc:
            self._scrubber.error(exc)
            raise

    def _max_tokens(self, request: ChatRequest) -> int | None:
        """The answer cap the server applies to ``request`` (None: none)."""
        return request.max_tokens

    def _stream(
        self, request: ChatRequest, limits: StreamLimits
    ) -> AsyncGenerator[StreamPart, None]:
        """The adapter's own parts for ``request`` (subclasses implement it)."""
        raise NotImplementedError

    async def _post_stream(
        self,
        body: dict[str, Any],
        parse: Callable[[Events], AsyncIterator[StreamPart]],
        limits: StreamLimits,
    ) -> AsyncGenerator[StreamPart, None]:
        """POST ``body``, check the response is a healthy event stream, yield its parts.

        Yields the :class:`ResponseHead` first (with the connect time httpcore's
        trace hooks measured), then what ``parse`` makes of the events;
        transport failures become the error taxonomy.
        """
        timer = ConnectTimer()
        extensions = {"trace": timer}
        head_received = False
        try:
            async with self._client.stream(
                "POST", self._url, json=body, headers=STREAM_HEADERS, extensions=extensions
            ) as response:
                head_received = True
                await check_event_stream(response, (self._api_key,))
                yield ResponseHead(
                    response.status_code,
                    dict(response.headers),
                    connect_ms=timer.connect_ms,
                    connection_reused=timer.reused,
                )
                async for part in parse(read_events(body_chunks(response), limits)):
                    yield part
        except httpx.HTTPError as exc:
            raise transport_error(exc, self._host, head_received=head_received) from exc


def _answer_too_large(limits: StreamLimits) -> errors.ResponseTooLarge:
    """The error for an answer text over its limit."""
    return errors.ResponseTooLarge(
        f"the answer went over {limits.max_answer_chars:,} characters, the answer limit "
        f"for {limits.basis()}"
    )
