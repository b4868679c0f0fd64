"""Providers for named models, and the embedded servers some of them need.

A :class:`Backends` turns a :class:`~tuichat.config.ModelSpec` into a ready
provider: remote kinds get an HTTP client with their key; ``local`` starts
llama.cpp on loopback and ``sim`` the built-in simulator, each once, on first
use. Closing it stops those servers. Starting a server blocks (it is done
before the UI runs, or from a worker thread), so the event loop never waits.
OpenAI-compatible providers are wrapped in ``ModelListHint``: a model the
server does not have fails with how to pick one and what the server lists.

The HTTP client and the provider adapters (httpx, ~80 ms of imports and an
SSL context) are imported when the first provider is built, not with this
module: the chat's first screen does not need them. :meth:`Backends.deferred`
checks a remote model's key at once but builds its provider on first use or
when :meth:`DeferredProvider.warm` is called (the chat's warm-up does that
right after the first paint, in a thread).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from tuichat.config import ConfigError, ModelSpec, Settings, resolve_api_key
from tuichat.config.api_keys import require_key_env
from tuichat.config.model import ANTHROPIC, LOCAL, SIM
from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.hidden_prompt import HIDDEN_PROMPTS
from tuichat.core.cost.pricing import Rates, Tariff
from tuichat.core.provider import Provider, StreamPart
from tuichat.core.turn.chat import RouteModel
from tuichat.providers.hosts import host_of

if TYPE_CHECKING:
    import httpx

Progress = Callable[[str, float], None]

EMBEDDED_NAMES = {SIM: "simulator", LOCAL: "local"}
"""The provider name of each embedded kind (what the log and the cache key record)."""
ANTHROPIC_ROOT = "https://api.anthropic.com"


def _remote_url(spec: ModelSpec) -> str:
    """The URL a remote provider is built with (Anthropic's adapter adds /v1 itself)."""
    base_url = spec.base_url or ""
    if spec.provider == ANTHROPIC:  # config base URLs include the version path
        return base_url.rstrip("/").removesuffix("/v1") or ANTHROPIC_ROOT
    return base_url


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
        self._connect_timeout = connect_timeout
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

    def deferred(self, spec: ModelSpec) -> Provider:
        """``spec``'s provider, its HTTP client built on first use (see the module doc).

        A local or simulated model's server starts now (with progress), and a
        remote model's key is checked and resolved now, so a missing key is
        still one line before any UI runs. The provider's name and host are
        known now too: the cache key and the log use them before the build.
        """
        with self._lock:
            if (built := self._providers.get(spec.name)) is not None:
                return built
            if spec.provider in EMBEDDED_NAMES:
                server = self._start_server(spec)
                url = str(server.base_url)
                return DeferredProvider(self, spec, EMBEDDED_NAMES[spec.provider], host_of(url))
            require_key_env(spec, self._env)  # never send a request without the key it names
            resolve_api_key(spec, self._env)  # cached: the build reads it again for free
            return DeferredProvider(self, spec, spec.provider, host_of(_remote_url(spec)))

    def _timeout(self) -> httpx.Timeout:
        import httpx

        connect = self._connect_timeout
        return httpx.Timeout(connect=connect, read=120.0, write=30.0, pool=10.0)

    def _build(self, spec: ModelSpec) -> Provider:
        if spec.provider in EMBEDDED_NAMES:
            return self._build_embedded(spec)
        return self._build_remote(spec)

    def _start_server(self, spec: ModelSpec) -> Any:
        """The simulator's or the local model's server, started once (blocking)."""
        if spec.provider == SIM:
            return self._server(SIM, self._start_sim)
        if spec.model_path is None:  # the bundled model's few-shot preamble
            from tuichat.local.profiles import bundled_hidden_prompt

            HIDDEN_PROMPTS.register(LOCAL, spec.model, bundled_hidden_prompt())
        return self._server(f"local:{spec.model_path}", lambda: self._start_local(spec))

    def _build_embedded(self, spec: ModelSpec) -> Provider:
        from tuichat.local.answer_start import LeadingSpaceTrim
        from tuichat.providers.openai_compat import OpenAICompatProvider

        server = self._start_server(spec)
        name = EMBEDDED_NAMES[spec.provider]
        if spec.provider == SIM:
            return OpenAICompatProvider(server.base_url, None, name=name)
        local = OpenAICompatProvider(server.base_url, server.api_key, name=name)
        return LeadingSpaceTrim(local)  # its prompt ends "Assistant:"

    def _build_remote(self, spec: ModelSpec) -> Provider:
        from tuichat.model_list_hint import ModelListHint
        from tuichat.providers.anthropic import AnthropicProvider
        from tuichat.providers.openai_compat import OpenAICompatProvider

        require_key_env(spec, self._env)  # never send a request without the key it names
        key = resolve_api_key(spec, self._env)
        base_url, timeout = spec.base_url or "", self._timeout()
        if spec.provider == ANTHROPIC:
            return AnthropicProvider(_remote_url(spec), key, timeout=timeout)
        provider = OpenAICompatProvider(base_url, key, name=spec.provider, timeout=timeout)
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
        return host_of(self._spec.base_url) if self._spec.base_url else "127.0.0.1"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        try:
            provider = await asyncio.to_thread(self._backends.provider_for, self._spec)
        except ConfigError as exc:  # e.g. its api_key_command printed an unusable key
            raise errors.AuthFailed(f"models.{self._spec.name}: {exc.message}") from None
        async for part in provider.stream(request):
            yield part

    async def aclose(self) -> None:
        """The real provider belongs to the backends, which close it."""


class DeferredProvider(LazyProvider):
    """The chat's own provider, its HTTP client built in a thread before the first send.

    Unlike a fallback's :class:`LazyProvider`, its key was checked and its
    server started when it was made, and its name and host are those of the
    provider it will build. :meth:`warm` builds it ahead of time (the chat's
    warm-up, right after the first paint); a send before that builds it in a
    thread; once built, a stream goes straight to it.
    """

    def __init__(self, backends: Backends, spec: ModelSpec, name: str, host: str) -> None:
        super().__init__(backends, spec)
        self._name, self._host = name, host
        self._built: Provider | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def base_url_host(self) -> str:
        return self._host

    def warm(self) -> None:
        """Build the provider now (blocking: call it from a thread)."""
        self._built = self._backends.provider_for(self._spec)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        built = self._built
        if built is None:
            await asyncio.to_thread(self.warm)
            built = self._built
        assert built is not None
        async for part in built.stream(request):
            yield part


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
