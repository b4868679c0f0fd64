"""``tuichat config show`` and ``config init``: secrets masked, files private."""

from __future__ import annotations

import argparse
import io
import json
import shlex
import stat
import sys
from pathlib import Path

import pytest

from tuichat.config import add_config_parser, resolve_settings, run_config
from tuichat.config.example import EXAMPLE_CONFIG

SECRET = "sk-proj-SECRETVALUE0123456789xyz"


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="tuichat")
    add_config_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = run_config(parser.parse_args(["config", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_show_without_a_file_says_so_and_why_local(tuichat_home: Path) -> None:
    code, out, err = run("show")
    assert (code, err) == (0, "")
    assert f"config file: {tuichat_home / 'config.toml'} (not found;" in out
    assert "selected:    local\n" in out
    assert "why:         default: nothing configured" in out


def test_show_never_prints_a_secret(
    tuichat_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "command-ran"
    code = f"open({str(marker)!r}, 'w'); print({SECRET!r})"
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    write(
        tuichat_home,
        f'default = "fast"\n[models.haiku]\nprovider = "anthropic"\n'
        f"api_key_command = {json.dumps(command)}\n"
        '[chains]\nfast = ["haiku", "openai"]\n',
    )
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    outputs = [run("show"), run("show", "--json"), run("show", "--api-key", SECRET, "-m", "sim")]
    for code_, out, err in outputs:
        assert code_ == 0, err
        assert SECRET not in out + err
        assert SECRET[:12] not in out + err
    assert not marker.exists(), "config show must not run api_key_command"
    text = outputs[0][1]
    assert "key from env OPENAI_API_KEY (set: sk-…9xyz)" in text
    assert "key from command: " in text and "(not run)" in text
    assert "selected:    fast → haiku, openai" in text
    assert "why:         default in config.toml line 1" in text
    flagged = outputs[2][1]
    assert "key from flag --api-key (set: sk-…9xyz)" in flagged


def test_show_json_is_one_object(tuichat_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    code, out, _ = run("show", "--json", "--fallback", "sim")
    data = json.loads(out)
    assert code == 0
    assert data["config_file"] == str(tuichat_home / "config.toml")
    assert data["config_file_exists"] is False
    assert data["selected"] == ["claude", "sim"]
    assert data["why"] == "env ANTHROPIC_API_KEY (no default configured)"
    assert data["models"]["claude"]["key"] == {
        "source": "env ANTHROPIC_API_KEY",
        "set": True,
        "masked": "sk-…9xyz",
    }


def test_show_reports_a_bad_file_in_one_line(tuichat_home: Path) -> None:
    path = write(tuichat_home, '[models.x]\nprovider = "opnai"\n')
    code, out, err = run("show")
    assert (code, out) == (2, "")
    assert err == (
        f"tuichat: error: {path}:2: models.x.provider: unknown provider 'opnai' "
        "(expected one of: anthropic, local, openai, openai-compat, sim)\n"
    )


def test_show_masks_credentials_in_urls(tuichat_home: Path) -> None:
    write(
        tuichat_home,
        '[models.p]\nprovider = "openai-compat"\nbase_url = "https://me:hunter22@proxy:8443/v1"\n',
    )
    _, out, _ = run("show")
    assert "hunter22" not in out
    assert "https://proxy:8443/v1" in out


def test_init_writes_a_private_file_that_loads(tuichat_home: Path) -> None:
    code, out, err = run("init")
    path = tuichat_home / "config.toml"
    assert (code, err) == (0, "")
    assert str(path) in out
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tuichat_home.stat().st_mode) == 0o700
    settings = resolve_settings(env={})
    assert settings.selected == ("local",)  # the example changes nothing until edited
    assert settings.chains["fast"] == ("gpt-4o-mini", "haiku", "local")
    assert {"gpt-4o-mini", "haiku", "qwen"} <= set(settings.models)
    assert list(tuichat_home.iterdir()) == [path]  # no temporary file left behind


def test_init_refuses_to_overwrite_without_force(tuichat_home: Path) -> None:
    path = write(tuichat_home, "# mine\n")
    code, out, err = run("init")
    assert (code, out) == (1, "")
    assert err == f"tuichat: error: {path} already exists (use --force to replace it)\n"
    assert path.read_text() == "# mine\n"
    path.chmod(0o644)
    assert run("init", "--force")[0] == 0
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_config_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["config", "--help"], ["config", "show", "--help"], ["config", "init", "--help"]):
        parser = argparse.ArgumentParser(prog="tuichat")
        add_config_parser(parser.add_subparsers(dest="command"))
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(argv)
        assert exited.value.code == 0
    assert "--fallback" in capsys.readouterr().out


def test_show_output_is_inert_and_json_safe(tuichat_home: Path) -> None:
    write(
        tuichat_home,
        'system = "hi \\u001b]52;c;Zm9v\\u0007 there"\n'
        '[budgets]\nday = 2\n[keys]\nquit = "ctrl+q"\n',
    )
    _, text, _ = run("show")
    assert "\x1b" not in text and "\x07" not in text
    assert "system:      'hi there'" in text
    assert "quit = ctrl+q" in text
    _, raw, _ = run("show", "--json")
    data = json.loads(raw)
    assert data["budgets"] == [{"scope": "day", "soft_usd": 1.6, "hard_usd": 2.0}]
    assert raw.isascii()
