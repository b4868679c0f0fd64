"""The semantic cache's quality corpus: question pairs written for it, by what must happen.

Each pair is ``(cached question, asked question)``. ``PARAPHRASES`` ask the
same thing in other words and should hit; every near-miss must never hit:
the same words with another number, negated, about another entity, the
comparison reversed, in another unit, or the very same question asked in
another conversation (a different scope).
"""

from __future__ import annotations

Pair = tuple[str, str]

PARAPHRASES: list[Pair] = [
    ("What is the capital of France?", "What's the capital city of France?"),
    ("How do I reverse a list in Python?", "How can I reverse a list in Python?"),
    ("How do I reverse a list in Python?", "Reverse a list in Python"),
    (
        "What is the boiling point of water at sea level?",
        "At sea level, what is the boiling point of water?",
    ),
    ("Why is the sky blue?", "Why does the sky look blue?"),
    ("How do I undo the last git commit?", "How can I undo my last git commit?"),
    ("Explain the difference between TCP and UDP", "What is the difference between TCP and UDP?"),
    ("How many bones are in the human body?", "How many bones does the human body have?"),
    ("What is a closure in JavaScript?", "Explain what a closure is in JavaScript"),
    ("Convert 5 miles to km", "Convert five miles to km"),
    ("Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?"),
    ("What are the symptoms of dehydration?", "What are the common symptoms of dehydration?"),
    ("How do I center a div in CSS?", "How can I center a div with CSS?"),
    ("What does HTTP status 404 mean?", "What does the HTTP 404 status code mean?"),
    ("How do I make a cup of green tea?", "How should I make a cup of green tea?"),
    ("Why doesn't my Docker container start?", "Why won't my Docker container start?"),
    ("What is the population of Tokyo?", "What's the population of Tokyo?"),
    ("Give me 3 tips for better sleep", "Give me three tips for better sleep"),
    (
        "How long should I boil an egg for 10 minutes or less?",
        "How long should I boil an egg, 10 minutes or less?",
    ),
    ("What is the time complexity of quicksort?", "What's the time complexity of quicksort?"),
    (
        "How do I list all files in a directory in Linux?",
        "How to list all the files in a directory on Linux?",
    ),
    ("What is photosynthesis?", "Can you explain photosynthesis?"),
    ("Translate 'good morning' into Spanish", "Translate 'good morning' to Spanish"),
    ("Is Python faster than Java?", "Is Python quicker than Java?"),
    ("What is the speed of light in km per second?", "What's the speed of light in km per second?"),
    ("How do I install numpy with pip?", "How can I install numpy using pip?"),
    ("Write a haiku about autumn", "Write me a haiku about autumn"),
    ("What causes inflation?", "What are the causes of inflation?"),
    ("How do I read a CSV file with pandas?", "How can I read a CSV file using pandas?"),
    ("What is the tallest mountain in the world?", "Which is the tallest mountain in the world?"),
]

NUMBERS: list[Pair] = [
    ("Give me 3 tips for better sleep", "Give me 5 tips for better sleep"),
    ("What is 15% of 80?", "What is 15% of 90?"),
    ("Convert 5 miles to km", "Convert 7 miles to km"),
    ("Summarise the first chapter of Dune", "Summarise the second chapter of Dune"),
    ("What happened in Europe in 1914?", "What happened in Europe in 1918?"),
    ("List ten famous painters", "List twenty famous painters"),
    ("What is the weather in Oslo today?", "What is the weather in Oslo tomorrow?"),
    ("Is Python 3.11 faster than 3.10?", "Is Python 3.12 faster than 3.10?"),
]

NEGATED: list[Pair] = [
    ("What is the capital of France?", "What is not the capital of France?"),
    ("Why does my code compile?", "Why doesn't my code compile?"),
    ("Which foods contain gluten?", "Which foods contain no gluten?"),
    ("How do I travel to Japan with a visa?", "How do I travel to Japan without a visa?"),
    ("List all planets in the solar system", "List all planets in the solar system except Earth"),
    ("Should I use a VPN on public wifi?", "Should I never use a VPN on public wifi?"),
    ("Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"),
]

OTHER_ENTITY: list[Pair] = [
    ("What is the capital of France?", "What is the capital of Spain?"),
    ("How do I reverse a list in Python?", "How do I reverse a list in Rust?"),
    ("Who wrote Pride and Prejudice?", "Who wrote War and Peace?"),
    ("What is the population of Tokyo?", "What is the population of Osaka?"),
    ("How do I center a div in CSS?", "How do I center a div in Tailwind?"),
    ("What does the `map` function do?", "What does the `filter` function do?"),
    ("What is the GDP of the USA?", "What is the GDP of the UK?"),
    ("How do I read a CSV file with pandas?", "How do I read a CSV file with polars?"),
]

REVERSED: list[Pair] = [
    ("Is Python faster than Java?", "Is Java faster than Python?"),
    ("Convert 5 miles to km", "Convert 5 km to miles"),
    (
        "Translate 'good morning' from English to Spanish",
        "Translate 'good morning' from Spanish to English",
    ),
    ("Cats vs dogs: which are better pets?", "Dogs vs cats: which are better pets?"),
    (
        "How long is the flight from London to Sydney?",
        "How long is the flight from Sydney to London?",
    ),
    ("Is tea healthier than coffee?", "Is coffee healthier than tea?"),
    ("What is 100 °F in °C?", "What is 100 °C in °F?"),
]

OTHER_UNIT: list[Pair] = [
    (
        "What is the speed of light in km per second?",
        "What is the speed of light in miles per second?",
    ),
    ("Is 30 degrees Celsius hot?", "Is 30 degrees Fahrenheit hot?"),
    ("How many songs fit in 4 GB?", "How many songs fit in 4 MB?"),
    ("Is $50 a lot for dinner in Paris?", "Is €50 a lot for dinner in Paris?"),
    ("How far can I walk in 2 hours?", "How far can I walk in 2 minutes?"),
    ("How much is 200 grams of flour in cups?", "How much is 200 ml of flour in cups?"),
]

NEAR_MISSES: dict[str, list[Pair]] = {
    "other number": NUMBERS,
    "negated": NEGATED,
    "other entity": OTHER_ENTITY,
    "reversed": REVERSED,
    "other unit": OTHER_UNIT,
}

OTHER_CONVERSATION: list[str] = [
    "What is the capital of France?",
    "How do I reverse a list in Python?",
    "Why is the sky blue?",
    "Give me 3 tips for better sleep",
]
"""Cached in one conversation, asked word for word in another: never a hit."""
