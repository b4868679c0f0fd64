"""``tuichat debug`` in-process: scopes, missing or broken logs, bad arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.seeded_log import LogSeeder
from tuichat import paths
from tuichat.cli import main
from tuichat.headless.debug import parse_age


@pytest.mark.parametrize("command", [["debug"], ["debug", "--json"], ["cost"], ["cost", "--json"]])
def test_a_missing_log_is_an_empty_history_for_debug_and_cost(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """``debug`` and ``cost`` agree: nothing logged yet is one line on stderr and exit 0."""
    assert main(command) == 0
    out, err = capsys.readouterr()
    assert out == ""
    path = paths.database_path()
    assert err == f"tuichat: no turns logged yet (no log at {path})\n"
    assert not path.exists()  # a read command creates nothing


def test_a_named_session_without_a_log_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["debug", "--session", "s-1"]) == 1
    err = capsys.readouterr().err
    assert err == "tuichat: no session 's-1': no turns logged yet\n"


def test_a_file_that_is_not_a_log_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = paths.database_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite\n" * 100)

    assert main(["debug", "--json"]) == 1
    _, err = capsys.readouterr()
    assert err.startswith("tuichat: cannot diagnose") and err.count("\n") == 1


def test_the_latest_session_of_an_empty_log(capsys: pytest.CaptureFixture[str]) -> None:
    with LogSeeder(paths.database_path()):
        pass

    assert main(["debug", "--session", "last"]) == 1
    assert "no session" in capsys.readouterr().err


def test_json_of_an_empty_window(capsys: pytest.CaptureFixture[str]) -> None:
    with LogSeeder(paths.database_path()):
        pass

    assert main(["debug", "--since", "90m", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope_label"] == "last 90 min" and data["attempts"] == 0
    assert data["scope"]["until"] - data["scope"]["since"] == 5400


def test_session_and_since_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["debug", "--session", "s-1", "--since", "1h"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("90m", 5400), ("7d", 604800)])
def test_ages(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "-1h", "0h", "1y", "h"])
def test_bad_ages(text: str, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="not an age"):
        parse_age(text)
