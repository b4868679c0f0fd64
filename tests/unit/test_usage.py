"""Every usage error is one line naming the subcommand, plus a pointer to its --help; exit 2."""

from __future__ import annotations

import os

import pytest

from tuichat.cli import main


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ("ask", "hi", "--bogus"),
            "tuichat ask: error: unrecognized arguments: --bogus (see tuichat ask --help)",
        ),
        (
            ("ask",),
            "tuichat ask: error: the following arguments are required: prompt "
            "(see tuichat ask --help)",
        ),
        (
            ("config", "show", "--bogus", "x"),
            "tuichat config show: error: unrecognized arguments: --bogus x "
            "(see tuichat config show --help)",
        ),
        (
            ("config",),
            "tuichat config: error: the following arguments are required: COMMAND "
            "(see tuichat config --help)",
        ),
        (
            ("--bogus",),
            "tuichat chat: error: unrecognized arguments: --bogus (see tuichat chat --help)",
        ),
        (
            ("cost", "--by", "week"),
            "tuichat cost: error: argument --by: invalid choice: 'week' (choose from 'day', "
            "'model', 'provider', 'user', 'tag') (see tuichat cost --help)",
        ),
        (
            ("ask", "hi", "--budget", "nan"),
            "tuichat ask: error: argument --budget: must be seconds from 0 to 86400, got 'nan' "
            "(see tuichat ask --help)",
        ),
        (
            ("ask", "hi", "--budget", "-1"),
            "tuichat ask: error: argument --budget: must be seconds from 0 to 86400, got '-1' "
            "(see tuichat ask --help)",
        ),
        (
            ("ask", "hi", "--max-tokens", "1" + "0" * 30),
            "tuichat ask: error: argument --max-tokens: must be from 1 to 10000000, "
            "got '1000000000000000000000000000000' (see tuichat ask --help)",
        ),
        (
            ("ask", "hi", "--model", ""),
            "tuichat ask: error: argument --model/-m: must not be empty (see tuichat ask --help)",
        ),
        (
            ("ask", " \n "),
            "tuichat ask: error: the prompt is empty (see tuichat ask --help)",
        ),
    ],
)
def test_one_line_naming_the_subcommand(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: str
) -> None:
    assert usage_error(capsys, *argv) == expected


def test_undecodable_bytes_in_a_name_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    tag = os.fsdecode(b"caf\xe9")  # what sys.argv holds for these bytes
    line = usage_error(capsys, "ask", "hi", "--tag", tag)
    assert (
        line == "tuichat ask: error: argument --tag: not valid UTF-8 text (see tuichat ask --help)"
    )


def test_escapes_in_a_bad_argument_are_shown_inert(capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(capsys, "ask", "hi", "\x1b]52;c;aGk=\x07x\ny")  # one line, no OSC 52
    assert line == "tuichat ask: error: unrecognized arguments: x y (see tuichat ask --help)"


def test_help_is_still_the_full_text(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["ask", "--help"])
    assert caught.value.code == 0
    assert "--max-tokens" in capsys.readouterr().out


def test_main_restores_the_umask(capsys: pytest.CaptureFixture[str]) -> None:
    previous = os.umask(0o022)
    try:
        usage_error(capsys, "ask", "hi", "--bogus")
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(previous)
