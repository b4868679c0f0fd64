"""The offline WordLlama embedder: loaded from the wheel, no download, lazily, failing softly."""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.embeddings import wordllama_model
from tuichat.embeddings.wordllama_model import WordLlamaEmbedder, load_wordllama

pytest.importorskip("wordllama")


def norm(vector: bytes) -> float:
    return sum(x * x for x in struct.unpack(f"<{len(vector) // 4}f", vector)) ** 0.5


@pytest.fixture(scope="module")
def embedder() -> WordLlamaEmbedder:
    return load_wordllama()


async def test_unit_vectors_of_256_dimensions(embedder: WordLlamaEmbedder) -> None:
    vectors = await embedder.embed(["What is the capital of France?", "Bread recipe"])
    assert embedder.name == "wordllama-l2-256"
    assert [len(v) for v in vectors] == [256 * 4, 256 * 4]
    assert norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert await embedder.embed([]) == []


async def test_nothing_to_embed_is_unavailable_not_nan(embedder: WordLlamaEmbedder) -> None:
    with pytest.raises(CacheUnavailable, match="nothing in the text to embed"):
        await embedder.embed([""])


async def test_loading_never_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from wordllama import WordLlama

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(WordLlama, "load", no_network)
    lazy = WordLlamaEmbedder.lazy()
    assert not lazy.loaded
    await asyncio.gather(lazy.warm(), lazy.warm())
    assert lazy.loaded
    assert len(await lazy.embed(["hello"])) == 1


def test_a_missing_package_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordllama_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CacheUnavailable, match=r"wordllama is not installed \(pip install"):
        load_wordllama()
    with pytest.raises(CacheUnavailable):
        WordLlamaEmbedder.lazy()


def test_missing_or_corrupt_weights_are_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(wordllama_model, "_package_dir", lambda: tmp_path)
    with pytest.raises(CacheUnavailable, match="wordllama has no l2_supercat_tokenizer"):
        load_wordllama()
    for name in (wordllama_model.TOKENIZER_FILE, wordllama_model.WEIGHTS_FILE):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"\x1b[2Jnot a model\n" * 3)
    with pytest.raises(CacheUnavailable) as raised:
        load_wordllama()
    message = str(raised.value)
    assert message.startswith("semantic cache off: wordllama did not load: ")
    assert "\n" not in message and "\x1b" not in message


def test_importing_tuichat_and_the_adapter_does_not_load_wordllama() -> None:
    code = (
        "import sys, tuichat, tuichat.embeddings.wordllama_model, tuichat.core.cache.semantic;"
        "print(sorted(m for m in ('wordllama', 'numpy', 'safetensors') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
