"""The embedded local model: llama.cpp (``xllamacpp``) serving a GGUF on loopback.

Used when no provider is configured, or with ``--local-model PATH.gguf``::

    from tuichat.local import LocalModelServer

    with LocalModelServer(progress=show) as server:  # bundled Gemma 3 270M
        provider = OpenAICompatProvider(server.base_url, server.api_key, name="local")

- :mod:`.model_files`: assemble and verify the bundled GGUF; check a user's GGUF.
- :mod:`.server`: :class:`LocalModelServer`, the parent side of the child process.
- :mod:`.serve`: the child process (``python -m tuichat.local.serve``).
- :mod:`.profiles`: prompt format, stop strings and sampling per model.
- :mod:`.discovery`, :mod:`.keeper`: a server kept for ``[local] keep_alive``
  idle seconds and found by the next process; :mod:`.control`: ``tuichat local``.
- :mod:`.answer_start`: answers without the prompt format's leading space.

Nothing here imports llama.cpp: only the child process does. Importing
:class:`LocalModelServer` and the model files is deferred, so the child does
not pay for httpx, nor the chat's first screen for hashing and metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.local.errors import LocalModelError

if TYPE_CHECKING:
    from tuichat.local.model_files import ensure_bundled_model, validate_gguf
    from tuichat.local.server import LocalModelServer

__all__ = ["LocalModelError", "LocalModelServer", "ensure_bundled_model", "validate_gguf"]


def __getattr__(name: str) -> object:
    if name == "LocalModelServer":
        from tuichat.local.server import LocalModelServer

        return LocalModelServer
    if name in ("ensure_bundled_model", "validate_gguf"):
        from tuichat.local import model_files

        return getattr(model_files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
