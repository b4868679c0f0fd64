"""What the llama.cpp server process is told to do, as one JSON line.

:class:`LocalModelServer` writes a :class:`ServeConfig` to the child's stdin and
``python -m tuichat.local.serve`` reads it back, so the two sides share one
definition. Stdlib only: the child imports this before llama.cpp.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Sampling:
    """Server-side sampling defaults; a request's own values still win."""

    temperature: float
    top_k: int
    top_p: float
    min_p: float
    repeat_penalty: float


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """Everything the child needs to start llama.cpp on 127.0.0.1."""

    model_path: str
    model_id: str
    api_key: str
    n_ctx: int = 4096
    n_threads: int = 2
    n_predict: int = 1024
    chat_template: str | None = None
    stop: tuple[str, ...] = ()
    sampling: Sampling | None = None
    verbosity: int = 3
    parent_pid: int = 0
    die_with_parent_thread: bool = False
    keep_alive: float = 0.0
    """Above 0: outlive the parent, stop after this many idle seconds (see ``keeper``)."""
    record_path: str = ""
    """Where a kept server writes its discovery record."""

    def to_json(self) -> str:
        """One line of JSON (no newlines inside, so it can be read with readline)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        """Parse :meth:`to_json`'s output; ``ValueError`` if it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the configuration is not a JSON object")
        sampling = data.pop("sampling", None)
        stop = data.pop("stop", ())
        try:
            return cls(
                **data,
                stop=tuple(stop),
                sampling=Sampling(**sampling) if sampling else None,
            )
        except TypeError as exc:
            raise ValueError(f"unexpected configuration: {exc}") from None
