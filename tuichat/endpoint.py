"""Which server to talk to, from flags and environment.

Until configuration files and the embedded local model land, the rules are:
flags win over ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``; with neither a base
URL nor a key, tuichat starts the built-in simulator on loopback and says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from tuichat.providers.openai_compat import OpenAICompatProvider

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
SIM_MODEL = "sim"

SIMULATOR_NOTICE = (
    "No provider configured: chatting with the built-in simulator (canned answers). "
    "Set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) or pass "
    "--base-url/--api-key/--model to use a real model."
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Resolved connection settings; ``base_url`` None means the simulator."""

    base_url: str | None
    api_key: str | None
    model: str

    @property
    def simulated(self) -> bool:
        return self.base_url is None


def resolve_endpoint(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    """Apply flags over environment variables over defaults."""
    env = os.environ if env is None else env
    base_url = base_url or env.get("OPENAI_BASE_URL") or None
    api_key = api_key or env.get("OPENAI_API_KEY") or None
    if base_url is None and api_key is None:
        return Endpoint(None, None, model or SIM_MODEL)
    return Endpoint(base_url or OPENAI_URL, api_key, model or DEFAULT_OPENAI_MODEL)


@contextmanager
def open_provider(endpoint: Endpoint) -> Iterator[OpenAICompatProvider]:
    """A provider for ``endpoint``, starting (and stopping) the simulator if needed.

    The provider's HTTP client must be closed by the caller with ``aclose`` on
    its own event loop; this only owns the simulator thread.
    """
    if endpoint.base_url is not None:
        yield OpenAICompatProvider(endpoint.base_url, endpoint.api_key)
        return
    from tuichat.sim.thread import SimServerThread  # only when actually simulating

    with SimServerThread() as sim:
        yield OpenAICompatProvider(sim.base_url, None, name="simulator")
