"""``ask --schema`` against the simulator: the wire, validation with paths, the repair turn."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tuichat.cli import main
from tuichat.sim.thread import SimServerThread

PERSON = {
    "title": "person",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "age", "tags"],
}


@pytest.fixture
def sim_server():  # type: ignore[no-untyped-def]
    with SimServerThread() as server:
        yield server


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(PERSON), encoding="utf-8")
    return path


def configure(
    home: Path, server: SimServerThread, provider: str = "openai-compat", model: str = "sim"
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    key = 'api_key_env = "TEST_ANTHROPIC_KEY"\n' if provider == "anthropic" else ""
    (home / "config.toml").write_text(
        f'[models.m]\nprovider = "{provider}"\nmodel = "{model}"\n'
        f'base_url = "{server.base_url}"\n{key}',
        encoding="utf-8",
    )


def ask_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["ask", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out.strip().splitlines()[-1]), err


def test_openai_compat_sends_json_schema_and_the_answer_validates(
    tuichat_home: Path,
    sim_server: SimServerThread,
    schema_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(tuichat_home, sim_server)
    code, summary, _ = ask_json(capsys, "who?", "--model", "m", "--schema", str(schema_file))
    assert code == 0
    (record,) = sim_server.records()
    sent = (record.body or {})["response_format"]
    assert sent == {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": PERSON, "strict": False},
    }
    assert summary["structured"]["valid"] is True
    assert summary["structured"]["errors"] == []
    assert json.loads(summary["text"])["age"] == 42


def test_json_mode_sends_json_object_and_says_json_in_the_prompt(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server)
    code, summary, _ = ask_json(capsys, "hi", "--model", "m", "--json-mode")
    assert code == 0 and summary["structured"]["valid"] is True
    body = sim_server.records()[0].body or {}
    assert body["response_format"] == {"type": "json_object"}
    assert "JSON" in body["messages"][0]["content"]


def test_anthropic_gets_the_schema_in_the_system_prompt(
    tuichat_home: Path,
    sim_server: SimServerThread,
    schema_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "sk-ant-test")
    configure(tuichat_home, sim_server, "anthropic")
    code, summary, _ = ask_json(capsys, "who?", "--model", "m", "--schema", str(schema_file))
    assert code == 0 and summary["structured"]["valid"] is True
    body = sim_server.records()[0].body or {}
    assert "response_format" not in body
    assert "JSON Schema:" in body["system"][0]["text"]


def test_an_invalid_answer_exits_4_with_paths(
    tuichat_home: Path,
    sim_server: SimServerThread,
    schema_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(tuichat_home, sim_server, model="sim?json=invalid")
    code = main(["ask", "who?", "--model", "m", "--schema", str(schema_file), "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 4
    assert "structured output invalid: 2 errors" in err
    assert "$: 'tags' is a required property" in err
    assert "$.age: [] is not of type 'integer'" in err
    json.loads(out)  # piped: the kept answer only, one document


def test_repair_is_its_own_logged_turn_and_fixes_the_answer(
    tuichat_home: Path,
    sim_server: SimServerThread,
    schema_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(tuichat_home, sim_server, model="sim?json=invalid")
    argv = ("who?", "--model", "m", "--schema", str(schema_file), "--repair")
    code, summary, err = ask_json(capsys, *argv)
    assert code == 0, err
    structured = summary["structured"]
    assert structured["valid"] and structured["repaired"]
    first, second = structured["attempts"]
    assert not first["valid"] and second["valid"]
    assert first["trace_id"] != second["trace_id"] == summary["trace_id"]
    repair = (sim_server.records()[1].body or {})["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "$.age" in repair[-1]["content"]
    with sqlite3.connect(tuichat_home / "tuichat.db") as db:
        logged = db.execute("SELECT trace_id, status FROM attempts ORDER BY id").fetchall()
        answers = [
            row[0] for row in db.execute("SELECT content FROM messages WHERE role='assistant'")
        ]
    assert [trace for trace, _ in logged] == [first["trace_id"], second["trace_id"]]
    assert json.loads(answers[-1]) == json.loads(summary["text"])


def test_a_broken_document_is_reported_as_not_json(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server, model="sim?json=broken")
    code, summary, _err = ask_json(capsys, "x", "--model", "m", "--json-mode")
    assert code == 4
    assert summary["structured"]["parsed"] is False
    assert "ended early" in summary["structured"]["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON"),
        ('{"type": "nonsense"}', "is not a valid JSON Schema"),
        ("[1, 2]", "expected an object"),
    ],
)
def test_a_bad_schema_is_one_line_exit_2_and_nothing_sent(
    tuichat_home: Path,
    sim_server: SimServerThread,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    expected: str,
) -> None:
    configure(tuichat_home, sim_server)
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["ask", "hi", "--model", "m", "--schema", str(bad)])
    assert exited.value.code == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert sim_server.records() == []


def test_a_missing_schema_file_is_one_line(
    tuichat_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ask", "hi", "--model", "sim", "--schema", str(tmp_path / "nope.json")])
    assert exited.value.code == 2
    assert "not found" in capsys.readouterr().err
