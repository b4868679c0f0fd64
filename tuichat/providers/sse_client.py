"""What every streaming HTTP adapter shares: one pooled client, a name, a host.

Subclasses say where to POST and which headers carry the key; the pooled
client keeps connections alive between turns (no new handshake per turn).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from httpx_sse import EventSource, aconnect_sse

from tuichat import __version__
from tuichat.core.provider import ResponseHead, StreamPart
from tuichat.providers.connect_timing import ConnectTimer
from tuichat.providers.http_errors import check_event_stream, transport_error

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


def host_of(base_url: str) -> str:
    """``host[:port]`` of a URL, without any credentials in it."""
    parts = urlsplit(base_url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""


class SSEClient:
    """Base of the SSE adapters: client lifecycle and the Provider properties."""

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
        self._name = name
        self._host = host_of(base_url)
        all_headers = {"User-Agent": f"tuichat/{__version__}", **headers}
        self._client = httpx.AsyncClient(headers=all_headers, timeout=timeout, transport=transport)

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

    async def _post_stream(
        self,
        body: dict[str, Any],
        parse: Callable[[EventSource], AsyncIterator[StreamPart]],
    ) -> AsyncGenerator[StreamPart, None]:
        """POST ``body``, check the response is a healthy event stream, yield its parts.

        Yields the :class:`ResponseHead` first (with the connect time httpcore's
        trace hooks measured), then what ``parse`` makes of the events;
        transport failures become the error taxonomy.
        """
        timer = ConnectTimer()
        extensions = {"trace": timer}
        try:
            async with aconnect_sse(
                self._client, "POST", self._url, json=body, extensions=extensions
            ) as source:
                await check_event_stream(source.response, (self._api_key,))
                response = source.response
                yield ResponseHead(
                    response.status_code,
                    dict(response.headers),
                    connect_ms=timer.connect_ms,
                    connection_reused=timer.reused,
                )
                async for part in parse(source):
                    yield part
        except httpx.HTTPError as exc:  # includes httpx_sse.SSEError
            raise transport_error(exc, self._host) from exc
