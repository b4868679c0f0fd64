"""``tuichat tokens FILE|-``: count tokens offline for a model.

Counting uses the same tiktoken encodings the app uses, loaded from packaged
data, so it works without a network. Models tiktoken does not know are
counted with ``o200k_base`` and shown as an estimate (≈).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tuichat import paths
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.untrusted import one_line

EXIT_OK = 0
EXIT_BAD_INPUT = 2
MAX_BYTES = 64 * 1024 * 1024
"""Refuse inputs larger than this instead of swallowing the machine's memory."""


@dataclass(frozen=True, slots=True)
class TokensOptions:
    """What ``tuichat tokens`` was asked."""

    source: str
    model: str
    json_output: bool = False


def run_tokens(
    options: TokensOptions,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    stdin: TextIO = sys.stdin,
) -> int:
    """Count and print; return the exit code."""
    text = _read(options.source, stdin, err)
    if text is None:
        return EXIT_BAD_INPUT
    counter = TokenCounter(paths.cache_dir())
    count = counter.count(text, options.model)
    encoding, exact = counter.encoding_for(options.model)
    if options.json_output:
        data = {
            "tokens": count.tokens,
            "exact": exact,
            "encoding": encoding,
            "model": options.model,
            "characters": len(text),
        }
        out.write(json.dumps(data) + "\n")
    else:
        how = encoding if exact else f"estimate with {encoding}: tiktoken does not know the model"
        out.write(f"{count} tokens ({how})\n")
    return EXIT_OK


def _read(source: str, stdin: TextIO, err: TextIO) -> str | None:
    """The text to count, or None after printing one line saying why not."""
    try:
        text = stdin.read(MAX_BYTES + 1) if source == "-" else _read_file(Path(source))
    except UnicodeDecodeError:
        text, problem = None, "not UTF-8 text"
    except OSError as exc:
        text, problem = None, str(exc.strerror or exc)
    else:
        problem = f"larger than {MAX_BYTES // (1024 * 1024)} MB"
    if text is None or len(text) > MAX_BYTES:
        err.write(f"tuichat: error: {one_line(source)}: {problem}\n")
        return None
    return text


def _read_file(path: Path) -> str | None:
    """The file's text; None when it is too large to count."""
    if path.stat().st_size > MAX_BYTES:
        return None
    return path.read_text(encoding="utf-8")
