"""Providers for named models, and the embedded servers some of them need.

A :class:`Backends` turns a :class:`~tuichat.config.ModelSpec` into a ready
provider: remote kinds get an HTTP client with their key; ``local`` starts
llama.cpp on loopback and ``sim`` the built-in simulator, each once, on first
use. Closing it stops those servers. Starting a server blocks (it is done
before the UI runs, or from a worker thread), so the event loop never waits.
OpenAI-compatible providers are wrapped in ``ModelListHint``: a model the
server does not have fails with how to pick one and what the server lists.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import httpx

from tuichat.config import ConfigError, ModelSpec, Settings, resolve_api_key
from tuichat.config.api_keys import require_key_env
from tuichat.config.model import ANTHROPIC, LOCAL, SIM
from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.hidden_prompt import HIDDEN_PROMPTS
from tuichat.core.cost.pricing import Rates, Tariff
from tuichat.core.provider import Provider, StreamPart
from tuichat.core.turn.chat import RouteModel
from tuichat.local.answer_start import LeadingSpaceTrim
from tuichat.local.profiles import bundled_hidden_prompt
from tuichat.model_list_hint import ModelListHint
from tuichat.providers.anthropic import AnthropicProvider
from tuichat.providers.openai_compat import OpenAICompatProvider

Progress = Callable[[str, float], None]


class Backends:
    """Builds and caches one provider per named model; owns embedded servers."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        *,
        connect_timeout: float = 10.0,
    ):
        self._env = os.environ if env is None else env
        self._progress = progress
        self._timeout = httpx.Timeout(connect=connect_timeout, read=120.0, write=30.0, pool=10.0)
        self._providers: dict[str, Provider] = {}
        self._servers: dict[str, Any] = {}
        self._stack = ExitStack()
        self._lock = threading.Lock()

    def provider_for(self, spec: ModelSpec) -> Provider:
        """The provider serving ``spec`` (built, and its server started, once)."""
        with self._lock:
            provider = self._providers.get(spec.name)
            if provider is None:
                provider = self._build(spec)
                self._providers[spec.name] = provider
            return provider

    def is_ready(self, spec: ModelSpec) -> bool:
        """True when using ``spec`` will not have to start a server first."""
        return spec.name in self._providers or spec.provider not in (LOCAL, SIM)

    def _build(self, spec: ModelSpec) -> Provider:
        if spec.provider == SIM:
            sim = self._server(SIM, self._start_sim)
            return OpenAICompatProvider(sim.base_url, None, name="simulator")
        if spec.provider == LOCAL:
            if spec.model_path is None:  # the bundled model's few-shot preamble
                HIDDEN_PROMPTS.register(LOCAL, spec.model, bundled_hidden_prompt())
            server = self._server(f"local:{spec.model_path}", lambda: self._start_local(spec))
            local = OpenAICompatProvider(server.base_url, server.api_key, name="local")
            return LeadingSpaceTrim(local)  # its prompt ends "Assistant:"
        require_key_env(spec, self._env)  # never send a request without the key it names
        key = resolve_api_key(spec, self._env)
        base_url = spec.base_url or ""
        if spec.provider == ANTHROPIC:
            # Config base URLs include the version path; the adapter adds /v1 itself.
            root = base_url.rstrip("/").removesuffix("/v1")
            if root:
                return AnthropicProvider(root, key, timeout=self._timeout)
            return AnthropicProvider(api_key=key, timeout=self._timeout)
        provider = OpenAICompatProvider(base_url, key, name=spec.provider, timeout=self._timeout)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return ModelListHint(provider, base_url, headers)  # a 404 names --model and the list

    def _server(self, key: str, start: Callable[[], Any]) -> Any:
        server = self._servers.get(key)
        if server is None:
            server = self._stack.enter_context(start())
            self._servers[key] = server
        return server

    def _start_sim(self) -> Any:
        from tuichat.sim.thread import SimServerThread

        return SimServerThread()

    def _start_local(self, spec: ModelSpec) -> Any:
        from tuichat.local.server import LocalModelServer

        return LocalModelServer(
            spec.model_path, progress=self._progress, keep_alive=spec.keep_alive
        )

    async def aclose_providers(self) -> None:
        """Close every provider's HTTP client (on the loop that used them)."""
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()

    def close(self) -> None:
        """Stop embedded servers."""
        self._stack.close()
        self._servers.clear()

    def __enter__(self) -> Backends:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LazyProvider:
    """A fallback's provider, built (and its server started) only if the turn gets there.

    Starting llama.cpp blocks for a second or two, so it happens in a thread
    when the route first reaches this model, never on the event loop.
    """

    def __init__(self, backends: Backends, spec: ModelSpec) -> None:
        self._backends = backends
        self._spec = spec

    @property
    def name(self) -> str:
        return self._spec.provider

    @property
    def base_url_host(self) -> str:
        return _host(self._spec.base_url) if self._spec.base_url else "127.0.0.1"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        try:
            provider = await asyncio.to_thread(self._backends.provider_for, self._spec)
        except ConfigError as exc:  # e.g. its api_key_command printed an unusable key
            raise errors.AuthFailed(f"models.{self._spec.name}: {exc.message}") from None
        async for part in provider.stream(request):
            yield part

    async def aclose(self) -> None:
        """The real provider belongs to the backends, which close it."""


def route_for(
    settings: Settings,
    backends: Backends,
    primary: ModelSpec,
    provider: Provider,
    fallbacks: Sequence[str] | None = None,
) -> list[RouteModel]:
    """The route: the started primary, then ``fallbacks`` (default: the selected chain's)."""
    names = settings.selected[1:] if fallbacks is None else fallbacks
    specs = [primary, *(settings.models[n] for n in names if n != primary.name)]
    route = []
    for spec in specs:
        chosen = provider if spec is primary else _provider_or_lazy(backends, spec)
        cap = settings.max_tokens_for(spec)
        tariff = tariff_for(spec)
        route.append(
            RouteModel(
                spec.name,
                chosen,
                spec.model,
                cap,
                spec.temperature,
                tariff,
                spec.context_window,
                settings.stop_for(spec),
            )
        )
    return route


def tariff_for(spec: ModelSpec) -> Tariff:
    """How to price ``spec``: its provider, model id and URL, and the config's ``price``."""
    price = spec.price
    override = None
    if price is not None:
        override = Rates(
            input=price.input_per_mtok,
            output=price.output_per_mtok,
            cache_read=price.cache_read_per_mtok,
            cache_write=price.cache_write_per_mtok,
        )
    origin = f"config: models.{spec.name}.price"
    return Tariff(spec.provider, spec.model, spec.base_url, override, origin)


def _provider_or_lazy(backends: Backends, spec: ModelSpec) -> Provider:
    """The fallback's provider now if that is quick; else (or if it cannot be built) lazily.

    A fallback whose key cannot be had (its variable unset) fails when the
    chain reaches it, as an auth failure naming the variable, never before.
    """
    if not backends.is_ready(spec):
        return LazyProvider(backends, spec)
    try:
        return backends.provider_for(spec)
    except ConfigError:
        return LazyProvider(backends, spec)


def _host(url: str) -> str:
    from tuichat.providers.sse_client import host_of

    return host_of(url)
