"""A prompt as text, whatever bytes it arrived as: not UTF-8 becomes U+FFFD, and we say so.

``printf 'caf\\xe9' | tuichat ask -`` used to reach the log and the request
body as a lone surrogate and fail there, blamed on the provider. The
decision: a prompt is never refused for its encoding. Every byte that is not
UTF-8 is replaced with U+FFFD (one per byte), the request is sent and logged
as usual, and one line on stderr says how many bytes were replaced and where
(stdin, the prompt argument, ``--system``). The same holds for the prompt
and ``--system`` on the command line, where Python hands undecodable bytes
over as surrogate escapes (PEP 383).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from tuichat.config.text_checks import replace_undecodable, undecodable_count


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Text that every encoder accepts, and how many bytes had to be replaced to get it."""

    text: str
    """The text, U+FFFD where a byte was not UTF-8."""
    replaced: int = 0
    """Bytes that were not UTF-8."""

    def notice(self, where: str) -> str | None:
        """One line for stderr when bytes were replaced, e.g. "... of the prompt on stdin ..."."""
        if not self.replaced:
            return None
        count = "1 byte" if self.replaced == 1 else f"{self.replaced} bytes"
        verb = "was" if self.replaced == 1 else "were"
        return f"tuichat: note: {count} of {where} {verb} not UTF-8 and replaced with U+FFFD"


def decode_bytes(data: bytes) -> DecodedText:
    """``data`` as UTF-8, each byte that is not UTF-8 replaced with U+FFFD."""
    return decode_text(data.decode("utf-8", errors="surrogateescape"))


def decode_text(text: str) -> DecodedText:
    """``text`` (from ``argv`` or a text stream) with surrogate escapes replaced by U+FFFD."""
    replaced = undecodable_count(text)
    return DecodedText(replace_undecodable(text) if replaced else text, replaced)


def read_prompt(stream: TextIO | None) -> DecodedText:
    """All of ``stream`` (stdin), read as bytes when it has a buffer; empty if it is closed."""
    if stream is None:
        return DecodedText("")
    buffer = getattr(stream, "buffer", None)
    return decode_bytes(buffer.read()) if buffer is not None else decode_text(stream.read())
