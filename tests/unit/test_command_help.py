"""Every subcommand's ``--help`` has a description and examples, laid out as written."""

from __future__ import annotations

import shlex

import pytest

from tuichat.cli import COMMANDS, build_parser, main
from tuichat.command_help import COMMAND_HELP, subcommands


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--help"])
    assert caught.value.code == 0
    return capsys.readouterr().out


def test_every_command_has_prose() -> None:
    assert set(subcommands(build_parser())) == set(COMMANDS) == set(COMMAND_HELP)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_description_and_examples(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    text = help_text(capsys, command)
    prose = COMMAND_HELP[command]
    first_line = prose.description.splitlines()[0]
    assert first_line in text  # not re-wrapped: RawDescriptionHelpFormatter
    assert "\nexamples:\n" in text
    for example in prose.examples:
        assert f"\n  {example}\n" in text
        assert "tuichat" in example


def test_examples_parse() -> None:
    """Each example is a valid command line (the part from ``tuichat`` to a pipe)."""
    parser = build_parser()
    for prose in COMMAND_HELP.values():
        for example in prose.examples:
            words = shlex.split(example)
            words = words[words.index("tuichat") + 1 :]
            argv = words[: words.index("|")] if "|" in words else words
            parser.parse_args(argv if argv and argv[0] in COMMANDS else ["chat", *argv])
