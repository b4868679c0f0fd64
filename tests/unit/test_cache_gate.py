"""The content gate: each kind of difference refused with its reason, rewordings let through."""

from __future__ import annotations

import pytest

from tuichat.core.cache.gate import refusal


@pytest.mark.parametrize(
    ("asked", "cached", "reason"),
    [
        ("Give me 5 ideas for a party", "Give me 7 ideas for a party", "numbers differ: 5 vs 7"),
        ("What is 3.5 squared?", "What is 3.6 squared?", "numbers differ: 3.5 vs 3.6"),
        ("List five prime numbers", "List seven prime numbers", "numbers differ: 5 vs 7"),
        ("Name twenty five birds", "Name 26 birds", "numbers differ: 25 vs 26"),
        ("Summarise the first chapter", "Summarise the second chapter", "numbers differ: #1 vs #2"),
        ("Events on 2024-05-01?", "Events on 2024-05-02?", "numbers differ: 2024-5-1 vs 2024-5-2"),
        (
            "Weather in Oslo tomorrow?",
            "Weather in Oslo today?",
            "numbers differ: tomorrow vs today",
        ),
        ("Meetings next week?", "Meetings last week?", "numbers differ: next week vs last week"),
        ("Holidays in March?", "Holidays in April?", "numbers differ: mar vs apr"),
        ("What is half of 10?", "What is a quarter of 10?", "numbers differ: 1/2 vs 1/4"),
    ],
)
def test_numbers_dates_and_ordinals_differ(asked: str, cached: str, reason: str) -> None:
    assert refusal(asked, cached) == reason


@pytest.mark.parametrize(
    ("asked", "cached", "reason"),
    [
        ("Is the capital of France Paris?", "Is the capital of France not Paris?", "none vs not"),
        ("Why does my build fail?", "Why doesn't my build fail?", "none vs not"),
        ("Can I travel with a dog?", "Can I travel without a dog?", "none vs without"),
        ("List all fruits except apples", "List all fruits and apples", "except vs none"),
        ("Has anyone ever done it?", "Has nobody ever done it?", "none vs no"),
        ("Is it never safe to reboot?", "Is it safe to reboot?", "never vs none"),
        ("Why isn't it not working?", "Why isn't it working?", "not vs none"),
    ],
)
def test_negation_differs(asked: str, cached: str, reason: str) -> None:
    assert refusal(asked, cached) == f"negation differs: {reason}"


@pytest.mark.parametrize(
    ("asked", "cached", "reason"),
    [
        ("How far is 10 km?", "How far is 10 miles?", "km vs mile"),
        ("Is 30°C hot?", "Is 30°F hot?", "celsius vs fahrenheit"),
        ("Is a 4 GB file big?", "Is a 4 MB file big?", "gb vs mb"),
        ("Is $50 a lot for dinner?", "Is €50 a lot for dinner?", "usd vs eur"),
        ("Is 50 dollars a lot for dinner?", "Is 50 yen a lot for dinner?", "usd vs jpy"),
        ("Boil an egg for 6 minutes?", "Boil an egg for 6 seconds?", "minute vs second"),
        ("Is 5 m tall?", "Is 5 ft tall?", "metre vs foot"),
    ],
)
def test_units_differ(asked: str, cached: str, reason: str) -> None:
    assert refusal(asked, cached) == f"units differ: {reason}"


@pytest.mark.parametrize(
    ("asked", "cached", "reason"),
    [
        ("What is the capital of France?", "What is the capital of Spain?", "france vs spain"),
        ("How do I sort a list in Python?", "How do I sort a list in Rust?", "python vs rust"),
        ("Who founded NASA?", "Who founded ESA?", "nasa vs esa"),
        ("What does 'ephemeral' mean?", "What does 'eternal' mean?", "ephemeral vs eternal"),
        (
            "What does `os.path.join` do?",
            "What does `os.path.split` do?",
            "os.path.join vs os.path.split",
        ),
        (
            "Why does my_func return None?",
            "Why does your_func return None?",
            "my_func vs your_func",
        ),
        ("Is the iPhone waterproof?", "Is the iPad waterproof?", "iphone vs ipad"),
        ("Python lists: how do I sort them?", "Ruby lists: how do I sort them?", "python vs ruby"),
        ("Install numpy on Ubuntu", "Install numpy", "ubuntu vs none"),
    ],
)
def test_entities_differ(asked: str, cached: str, reason: str) -> None:
    assert refusal(asked, cached) == f"entities differ: {reason}"


@pytest.mark.parametrize(
    ("asked", "cached", "reason"),
    [
        (
            "Is Python faster than Java?",
            "Is Java faster than Python?",
            "python → java vs java → python",
        ),
        (
            "is python faster than java?",
            "is java faster than python?",
            "python → java vs java → python",
        ),
        ("Convert 5 miles to km", "Convert 5 km to miles", "mile → km vs km → mile"),
        ("Convert 5 miles to km", "convert 5 kilometres into miles", "mile → km vs km → mile"),
        (
            "What is 20 °C in °F?",
            "What is 20 °F in Celsius?",
            "celsius → fahrenheit vs fahrenheit → celsius",
        ),
        ("Flights from Oslo to Rome", "Flights from Rome to Oslo", "oslo → rome vs rome → oslo"),
        ("Cats vs dogs as pets?", "Dogs vs cats as pets?", "cats → dogs vs dogs → cats"),
        (
            "Rust compared to Go for servers",
            "Go compared to Rust for servers",
            "rust → go vs go → rust",
        ),
    ],
)
def test_direction_differs(asked: str, cached: str, reason: str) -> None:
    assert refusal(asked, cached) == f"direction differs: {reason}"


@pytest.mark.parametrize(
    ("asked", "cached"),
    [
        ("What is the capital of France?", "Which city is France's capital?"),
        ("Why doesn't my code work?", "Why is my code not working?"),
        ("Give me twenty five ideas", "Give me 25 ideas"),
        ("Convert 5 miles to km", "convert five miles into kilometers"),
        ("Is Python faster than Java?", "Which is faster, Python or Java?"),
        ("Reverse a list in Python", "How do I reverse a list in Python?"),
        ("What's 1,000 times 3?", "What is 1000 times 3?"),
        ("How much is $100 in euros?", "How much is 100 USD in EUR?"),
        ("How big is a 3.5GB file in MB?", "How big is a 3.5 GB file in megabytes?"),
        ("May I ask about Paris?", "Can I ask about Paris?"),
        ("Which one is better, tabs or spaces?", "Which is better: tabs or spaces?"),
        ("What does 'ephemeral' mean?", 'What does "ephemeral" mean?'),
        ("Explain recursion, e.g. in Python", "What is recursion? For example in Python"),
    ],
)
def test_rewordings_pass(asked: str, cached: str) -> None:
    assert refusal(asked, cached) is None
    assert refusal(cached, asked) is None


def test_the_reason_is_one_short_line_for_long_questions() -> None:
    asked = " ".join(str(n) for n in range(100)) + "\nand\nmore"
    reason = refusal(asked, "no numbers here")
    assert reason is not None and "\n" not in reason
    assert reason == "numbers differ: 0, 1, 10 (+97) vs none"


@pytest.mark.parametrize("text", ["", "   ", "?!", "\x1b[2J", "'", '"', "`", "٣", "é" * 500])
def test_odd_input_never_raises(text: str) -> None:
    refusal(text, "What is the capital of France?")
    refusal("What is the capital of France?", text)
