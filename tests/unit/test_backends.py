"""Providers are built when first needed: a fallback when the route reaches it, the chat's own
after the first paint (its name and host known before)."""

from __future__ import annotations

import pytest

from tuichat.backends import Backends, DeferredProvider, LazyProvider
from tuichat.config import ConfigError, ModelSpec
from tuichat.core import errors
from tuichat.core.conversation import ChatRequest


class BadKeyBackends(Backends):
    def provider_for(self, spec: ModelSpec):  # type: ignore[no-untyped-def]
        raise ConfigError("the key printed by api_key_command has a line break")


async def test_an_unusable_fallback_key_is_an_auth_failure_not_an_internal_error() -> None:
    spec = ModelSpec("backup", "openai-compat", "gpt-x", origin="test")
    lazy = LazyProvider(BadKeyBackends(env={}), spec)
    with pytest.raises(errors.AuthFailed, match=r"models\.backup: the key printed by"):
        async for _ in lazy.stream(ChatRequest(model="gpt-x", messages=())):
            pass


IDENTITIES = [
    ModelSpec("a", "openai-compat", "m", origin="test", base_url="http://user:pw@10.0.0.2:8080/v1"),
    ModelSpec("b", "openai", "gpt-x", origin="test", base_url="https://api.openai.com/v1"),
    ModelSpec("c", "anthropic", "claude", origin="test", base_url="https://api.anthropic.com/v1"),
    ModelSpec("d", "anthropic", "claude", origin="test"),
    ModelSpec("e", "openai-compat", "m", origin="test"),
]


@pytest.mark.parametrize("spec", IDENTITIES, ids=lambda spec: spec.name)
async def test_a_deferred_provider_names_the_provider_and_host_it_will_build(
    spec: ModelSpec,
) -> None:
    """The cache key and the log read name and host before the first send builds the client."""
    backends = Backends(env={})
    deferred = backends.deferred(spec)
    assert isinstance(deferred, DeferredProvider)
    assert "pw" not in deferred.base_url_host
    built = backends.provider_for(spec)
    assert (deferred.name, deferred.base_url_host) == (built.name, built.base_url_host)
    await backends.aclose_providers()


async def test_the_simulator_is_started_at_once_and_its_client_built_on_warm() -> None:
    spec = ModelSpec("sim", "sim", "sim", origin="test")
    with Backends(env={}) as backends:
        deferred = backends.deferred(spec)
        assert isinstance(deferred, DeferredProvider)
        deferred.warm()
        built = backends.provider_for(spec)
        assert (deferred.name, deferred.base_url_host) == (built.name, built.base_url_host)
        assert backends.deferred(spec) is built  # once built, callers get it directly
        await backends.aclose_providers()


def test_a_missing_key_is_found_when_the_provider_is_deferred_not_at_the_first_send() -> None:
    spec = ModelSpec("k", "openai", "gpt-x", origin="test", api_key_env="NO_SUCH_KEY_VAR")
    with pytest.raises(ConfigError, match="NO_SUCH_KEY_VAR"):
        Backends(env={}).deferred(spec)
