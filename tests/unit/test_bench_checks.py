"""Evaluation checks, table-driven: each kind on passing and failing answers, and bad checks."""

from __future__ import annotations

import pytest

from tuichat.core.evals.checks import (
    Check,
    CheckError,
    judge_request,
    judge_verdict,
    parse_checks,
    run_check,
)

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}

CASES = [
    # (check, answer, passed, reason contains)
    ({"contains": "Paris"}, "The capital is paris.", True, ""),
    ({"contains": ["Paris", "Seine"]}, "Paris", False, "missing 'Seine'"),
    ({"contains": "Paris"}, "", False, "missing 'Paris'"),
    ({"regex": r"\b1889\b"}, "Built in 1889 for the fair.", True, ""),
    ({"regex": r"^\d+$"}, "42 apples", False, "no match"),
    ({"json_schema": PERSON}, '{"name": "Ada", "age": 36}', True, ""),
    ({"json_schema": PERSON}, 'Here:\n```json\n{"name": "Ada", "age": 36}\n```\n', True, ""),
    ({"json_schema": PERSON}, '{"name": "Ada", "age": "36"}', False, "schema: age:"),
    ({"json_schema": PERSON}, '{"name": "Ada"}', False, "'age' is a required property"),
    ({"json_schema": PERSON}, "Sure! Ada is 36.", False, "not JSON"),
]


@pytest.mark.parametrize(("raw", "answer", "passed", "reason"), CASES)
def test_local_checks(raw: dict[str, object], answer: str, passed: bool, reason: str) -> None:
    [check] = parse_checks(raw)
    result = run_check(check, answer)
    assert result.passed is passed
    assert reason in result.reason
    assert (result.reason == "") is passed


BAD = [
    ("nope", "an object or a list"),
    ({"startswith": "x"}, "unknown check 'startswith'"),
    ({"contains": ""}, "non-empty strings"),
    ({"contains": []}, "non-empty list"),
    ({"contains": 3}, "a string or a non-empty list"),
    ({"regex": "(unclosed"}, "does not compile"),
    ({"json_schema": {"type": "no-such-type"}}, "not a valid schema"),
    ({"json_schema": "object"}, "JSON Schema object"),
    ({"judge": "  "}, "non-empty question"),
    ([{"contains": "a", "regex": "b"}], "one entry"),
]


@pytest.mark.parametrize(("raw", "message"), BAD)
def test_invalid_checks_are_refused(raw: object, message: str) -> None:
    with pytest.raises(CheckError, match=message):
        parse_checks(raw)


def test_a_list_of_checks_keeps_its_order() -> None:
    checks = parse_checks([{"regex": "a"}, {"contains": "b"}, {"judge": "ok?"}])
    assert [c.kind for c in checks] == ["regex", "contains", "judge"]


VERDICTS = [
    ("PASS: it answers the question.", True, ""),
    ("pass", True, ""),
    ("**FAIL** - the answer is rude.", False, "judge: the answer is rude."),
    ("Fail. Wrong year", False, "judge: Wrong year"),
    ("I think it is fine", False, "no verdict"),
    ("", False, "no verdict"),
    ("passable answer", False, "no verdict"),
]


@pytest.mark.parametrize(("reply", "passed", "reason"), VERDICTS)
def test_judge_verdicts(reply: str, passed: bool, reason: str) -> None:
    result = judge_verdict(Check("judge", "polite?"), reply)
    assert result.passed is passed
    assert reason in result.reason


def test_judge_request_delimits_and_cuts_the_answer() -> None:
    text = judge_request(Check("judge", "Is it polite?"), "Say hi", "x" * 9000)
    assert text.startswith("Criterion: Is it polite?")
    assert "<question>\nSay hi\n</question>" in text
    assert "[answer truncated for grading]" in text
    assert text.count("x") == 8000


def test_run_check_refuses_a_judge_check() -> None:
    with pytest.raises(ValueError, match="judge"):
        run_check(Check("judge", "ok?"), "answer")
