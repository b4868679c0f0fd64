"""Finish reading a stream whose answer is complete, so its connection is reused.

Closing a response before its last chunk was read closes the connection too,
and the next request pays a new TCP (and TLS) handshake: that shows up as
time to first token. A server that keeps the stream open is given up on
quickly: the answer is already complete. A tail that breaks a limit of the
reader is dropped the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tuichat.core import errors

DRAIN_TIMEOUT = 0.5


async def drain(events: AsyncIterator[Any], timeout: float = DRAIN_TIMEOUT) -> None:
    """Read and drop what is left of ``events`` for at most ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            async for _ in events:
                pass
    except (TimeoutError, httpx.HTTPError, errors.ProviderError):
        pass  # the answer is complete: what follows it (even over a limit) cannot spoil it
