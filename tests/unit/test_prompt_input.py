"""Prompt bytes that are not UTF-8 become U+FFFD, counted; env text that is not UTF-8 is refused."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.config import ConfigError, resolve_settings
from tuichat.prompt_input import DecodedText, decode_bytes, decode_text, read_prompt


def test_each_byte_that_is_not_utf8_becomes_one_replacement() -> None:
    assert decode_bytes(b"caf\xe9") == DecodedText("caf\ufffd", 1)
    assert decode_bytes(b"\xff\xfe ok \xc3") == DecodedText("\ufffd\ufffd ok \ufffd", 3)
    assert decode_bytes("café ✓".encode()) == DecodedText("café ✓", 0)


def test_argv_surrogate_escapes_are_replaced_the_same_way() -> None:
    argv_text = b"caf\xe9".decode("utf-8", "surrogateescape")  # what sys.argv holds
    assert decode_text(argv_text) == DecodedText("caf\ufffd", 1)


@given(st.binary(max_size=200))
def test_the_result_always_encodes_and_counts_every_bad_byte(data: bytes) -> None:
    decoded = decode_bytes(data)
    decoded.text.encode("utf-8")  # never "surrogates not allowed"
    good = data.decode("utf-8", "surrogateescape")
    assert decoded.replaced == sum(1 for c in good if "\udc80" <= c <= "\udcff")
    if not decoded.replaced:
        assert decoded.text == data.decode("utf-8")


def test_the_notice_is_one_line_saying_how_many_and_where() -> None:
    assert DecodedText("ok").notice("the prompt on stdin") is None
    assert DecodedText("x\ufffd", 1).notice("the prompt on stdin") == (
        "tuichat: note: 1 byte of the prompt on stdin was not UTF-8 and replaced with U+FFFD"
    )
    assert DecodedText("\ufffd\ufffd", 2).notice("--system") == (
        "tuichat: note: 2 bytes of --system were not UTF-8 and replaced with U+FFFD"
    )


def test_stdin_is_read_as_bytes_whatever_its_text_encoding_says() -> None:
    strict = io.TextIOWrapper(io.BytesIO(b"caf\xe9\n"), encoding="utf-8", errors="strict")
    assert read_prompt(strict) == DecodedText("caf\ufffd\n", 1)
    assert read_prompt(io.StringIO("plain")) == DecodedText("plain", 0)
    assert read_prompt(None) == DecodedText("", 0)  # stdin closed (<&-)


@pytest.mark.parametrize(
    "variable",
    ["TUICHAT_TAG", "TUICHAT_PROFILE", "TUICHAT_MODEL", "OPENAI_BASE_URL", "OLLAMA_HOST"],
)
def test_env_text_that_is_not_utf8_is_one_config_error(variable: str) -> None:
    value = b"caf\xe9".decode("utf-8", "surrogateescape")  # what os.environ holds
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={variable: value})
    assert caught.value.one_line() == f"env {variable}: is not valid UTF-8 text"
