"""Cost end to end: ask against the simulator, prices in the log, budgets, reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.core.cost.tokens import TokenCounter
from tuichat.sim.thread import SimServerThread

# $1 per prompt token and $2 per answer token: sums are easy to check.
CONFIG = """
[models.pricey]
provider = "openai-compat"
base_url = "{url}"
model = "sim?tokens=20"
price = {{ input_per_mtok = 1000000, output_per_mtok = 2000000 }}

[budgets]
day = {{ soft = {soft}, hard = {hard} }}
[budgets.tags.nightly]
day = {{ hard = 1000 }}
"""


def tuichat(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=60,
    )


@pytest.fixture
def priced(sim: SimServerThread, tuichat_home: Path) -> Path:
    tuichat_home.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text(CONFIG.format(url=sim.base_url, soft=50, hard=100))
    return tuichat_home


def test_ask_reports_and_logs_the_cost(priced: Path) -> None:
    result = tuichat("ask", "hi", "--model", "pricey", "--json", "--tag", "nightly", home=priced)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["price_source"] == "config: models.pricey.price"
    assert summary["cost_usd"] == summary["input_tokens"] * 1 + summary["output_tokens"] * 2
    assert summary["cached_input_tokens"] == 0 and summary["cost_estimated"] is False
    assert {b["scope"] for b in summary["budgets"]} == {"day", "tag nightly day"}

    report = json.loads(tuichat("cost", "--json", home=priced).stdout)
    assert report["total_usd"] == summary["cost_usd"]
    assert report["by"]["tag"][0]["key"] == "nightly"
    assert report["by"]["user"][0]["key"] == "default"
    assert report["by"]["model"][0]["key"] == "sim?tokens=20"
    text = tuichat("cost", "--by", "day", home=priced).stdout
    assert "by day:" in text and "by model" not in text


def test_a_hard_limit_refuses_with_its_own_exit_code_across_restarts(
    sim: SimServerThread, priced: Path
) -> None:
    first = tuichat("ask", "hi", "--model", "pricey", "--json", home=priced)
    spent = json.loads(first.stdout)["cost_usd"]
    (priced / "config.toml").write_text(CONFIG.format(url=sim.base_url, soft=spent, hard=spent))
    before = len(sim.records())
    refused = tuichat("ask", "again", "--model", "pricey", home=priced)
    assert refused.returncode == 3
    assert refused.stderr.strip().endswith("not sent (raise the limit in config.toml [budgets])")
    assert "day budget" in refused.stderr and "Traceback" not in refused.stderr
    assert len(sim.records()) == before  # nothing was sent
    as_json = tuichat("ask", "again", "--model", "pricey", "--json", home=priced)
    assert json.loads(as_json.stdout)["error_type"] == "budget_exceeded"
    (priced / "config.toml").write_text(
        CONFIG.format(url=sim.base_url, soft=spent * 10, hard=spent * 10)
    )
    assert tuichat("ask", "again", "--model", "pricey", home=priced).returncode == 0


def test_soft_limit_warns_on_stderr(sim: SimServerThread, tuichat_home: Path) -> None:
    tuichat_home.mkdir(parents=True, exist_ok=True)
    config = CONFIG.format(url=sim.base_url, soft=1, hard=100000)
    (tuichat_home / "config.toml").write_text(config)
    result = tuichat("ask", "hi", "--model", "pricey", home=tuichat_home)
    assert result.returncode == 0
    assert "tuichat: warning: day budget: $" in result.stderr and "(soft limit)" in result.stderr


def test_tokens_counts_offline(tuichat_home: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text("Streaming answers arrive token by token.\n", encoding="utf-8")
    expected = TokenCounter(tmp_path).count(sample.read_text(), "gpt-4o").tokens
    result = tuichat("tokens", str(sample), "--model", "gpt-4o", "--json", home=tuichat_home)
    data = json.loads(result.stdout)
    assert data == {
        "tokens": expected,
        "exact": True,
        "encoding": "o200k_base",
        "model": "gpt-4o",
        "characters": 41,
    }
    piped = tuichat("tokens", "-", "--model", "some-llama", home=tuichat_home, stdin="hello")
    assert piped.stdout.startswith("≈1 tokens (estimate with o200k_base")
    missing = tuichat("tokens", str(tmp_path / "nope.txt"), home=tuichat_home)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    bad = tuichat("tokens", str(binary), home=tuichat_home)
    assert bad.returncode == 2 and "not UTF-8 text" in bad.stderr


def test_cost_without_a_log_says_so(tuichat_home: Path) -> None:
    result = tuichat("cost", home=tuichat_home)
    assert result.returncode == 0 and "no turns logged yet" in result.stderr
    bad = tuichat("cost", "--since", "last tuesday", home=tuichat_home)
    assert bad.returncode == 2 and "use 30d, 12h, 90m or YYYY-MM-DD" in bad.stderr
