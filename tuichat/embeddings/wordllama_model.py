"""WordLlama, the offline embedding model inside the ``wordllama`` wheel, loaded with no download.

``WordLlama.load()`` would look on Hugging Face first, so it is never called:
the tokenizer and the 256-dimension weights are read from the package folder
(``tokenizers/l2_supercat_tokenizer_config.json``,
``weights/l2_supercat_256.safetensors``) into ``WordLlamaInference``.

Loading takes ~0.3 s plus ~0.3 s of imports, so it never happens at import
of tuichat: :func:`load_wordllama` loads at once (call it off the event
loop), :func:`open_wordllama` does so in a thread, and
:meth:`WordLlamaEmbedder.lazy` defers it to the first :meth:`warm` or
:meth:`embed`, also in a thread. A 30-word question then embeds in well
under a millisecond, in place.

WordLlama averages token vectors (a bag of tokens): "capital of France" and
"not the capital of France" score 0.97. The content gate
(``core.cache.gate``) is what makes its matches safe.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.cache.vectors import numpy_module
from tuichat.core.untrusted import one_line
from tuichat.embeddings.vectors_out import unit_rows

MODEL_NAME = "wordllama-l2-256"
TOKENIZER_FILE = "tokenizers/l2_supercat_tokenizer_config.json"
WEIGHTS_FILE = "weights/l2_supercat_256.safetensors"


def load_wordllama() -> WordLlamaEmbedder:
    """The model, loaded now (blocking ~0.5 s); CacheUnavailable if it cannot be."""
    return WordLlamaEmbedder(_load_inference())


async def open_wordllama() -> WordLlamaEmbedder:
    """:func:`load_wordllama` in a thread, for callers on the event loop."""
    return await asyncio.to_thread(load_wordllama)


class WordLlamaEmbedder:
    """An :class:`~tuichat.core.cache.ports.Embedder` over a loaded (or lazily loaded) WordLlama."""

    name = MODEL_NAME

    def __init__(self, model: Any) -> None:
        self._model: Any = model
        """A ``WordLlamaInference``, or None until loaded."""
        self._loading: asyncio.Lock | None = None

    @classmethod
    def lazy(cls) -> WordLlamaEmbedder:
        """An embedder that loads the model on first use; checks now that the package is there."""
        _package_dir()
        return cls(None)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    async def warm(self) -> None:
        """Load the model (in a thread) if it is not loaded yet: once, however many callers."""
        if self._model is not None:
            return
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            if self._model is None:
                self._model = await asyncio.to_thread(_load_inference)

    async def embed(self, texts: Sequence[str]) -> list[bytes]:
        """One unit vector per text, computed in place (a question takes ~0.1 ms)."""
        await self.warm()
        if not texts:
            return []
        try:
            rows = self._model.embed(list(texts), norm=False)
        except Exception as exc:  # the model is third-party code
            raise CacheUnavailable(f"semantic cache off: wordllama failed: {_why(exc)}") from exc
        return unit_rows(rows)


def _package_dir() -> Path:
    """The installed wordllama package's folder (found without importing it)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise CacheUnavailable(
            "semantic cache off: wordllama is not installed (pip install 'tuichat[semantic]')"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _load_inference() -> Any:
    """Tokenizer and weights from the package folder into ``WordLlamaInference``; no network."""
    numpy_module()  # the first import of numpy, with the cache's BLAS settings
    folder = _package_dir()
    tokenizer_file, weights_file = folder / TOKENIZER_FILE, folder / WEIGHTS_FILE
    for path in (tokenizer_file, weights_file):
        if not path.is_file():
            raise CacheUnavailable(f"semantic cache off: wordllama has no {path.name}")
    try:
        # Imported by name: the package ships no type hints, and only this function needs it.
        safetensors = importlib.import_module("safetensors")
        word_llama = importlib.import_module("wordllama").WordLlama
        inference = importlib.import_module("wordllama.inference").WordLlamaInference
        tokenizer = word_llama.load_tokenizer(tokenizer_file, use_local_if_exists=True)
        with safetensors.safe_open(str(weights_file), framework="np") as weights:
            embedding = weights.get_tensor("embedding.weight")
        return inference(embedding, tokenizer)
    except Exception as exc:  # a broken install, a corrupt file, a version mismatch
        raise CacheUnavailable(f"semantic cache off: wordllama did not load: {_why(exc)}") from exc


def _why(exc: BaseException) -> str:
    text = one_line(str(exc), 120)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
