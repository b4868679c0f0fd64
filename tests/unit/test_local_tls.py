"""A plain-HTTP loopback provider gets a TLS context without the CA bundle, failing closed."""

from __future__ import annotations

import ssl

import pytest

from tuichat.providers.local_tls import is_plain_loopback, no_bundle_context, verify_for
from tuichat.providers.openai_compat import OpenAICompatProvider


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/v1", "http://localhost:11434", "http://[::1]:9/v1", "http://127.3.4.5"],
)
def test_loopback_over_plain_http(url: str) -> None:
    assert is_plain_loopback(url)
    assert isinstance(verify_for(url), ssl.SSLContext)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8080/v1",  # TLS to this machine: the bundle (or the user's CA) decides
        "http://192.168.1.20:8080/v1",  # another machine
        "http://localhost.example.com/v1",
        "https://api.openai.com/v1",
        "not a url",
    ],
)
def test_everything_else_keeps_httpx_default(url: str) -> None:
    assert not is_plain_loopback(url)
    assert verify_for(url) is True


def test_a_proxy_in_the_environment_keeps_the_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.internal:3128")
    assert verify_for("http://127.0.0.1:8080/v1") is True


def test_the_context_fails_closed() -> None:
    """Verification stays on and nothing is trusted: a TLS connection could never pass."""
    context = no_bundle_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []


async def test_a_loopback_provider_is_built_without_the_bundle() -> None:
    provider = OpenAICompatProvider("http://127.0.0.1:9/v1", None, name="local")
    try:
        pool = provider._client._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context.get_ca_certs() == []
    finally:
        await provider.aclose()
