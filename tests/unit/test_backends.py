"""A fallback's provider is built when the route reaches it; a bad key is an auth error then."""

from __future__ import annotations

import pytest

from tuichat.backends import Backends, LazyProvider
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
