"""The content gate: refuse a semantic hit when two questions differ in what matters.

Sentence embeddings average their tokens, so "capital of France" and "not the
capital of France" score 0.97 and "miles to km" and "km to miles" 1.0. The
gate reads both questions and refuses a match, whatever the similarity, when
they differ in:

* numbers: digits, decimals, written numbers ("twenty five"), ordinals,
  fractions, dates (month and day names, "next week", "2024-05-01");
* negation: not / n't / never / no / without / except ... (counted by family);
* units: km / miles, °C / °F, MB / GB, currencies ($, EUR, yen), % ...;
* named entities: capitalised words not at sentence start (or not common
  sentence openers), acronyms, camelCase, quoted strings and code
  identifiers (``snake_case``, ``a.b``, ``f()``); an entity only counts as a
  difference when the other question does not mention it at all;
* direction: two shared words on opposite sides of "than", "vs", "or",
  "compared to", "over" or of a conversion's "to" / "into" / "from".

It is conservative by design: a refused paraphrase costs one live answer; a
wrong cached answer costs trust. Pure Python, a few microseconds a question.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from tuichat.core.cache import gate_words as words

_TOKEN = re.compile(
    r"""(?P<quote>"[^"\n]{1,200}"|“[^”\n]{1,200}”|(?<![\w'])'[^'\n]{1,200}'(?![\w])|`[^`\n]{1,200}`)
    |(?P<number>(?<![\w.])-?\d+(?:[.,:/\-]\d+)*)(?P<suffix>(?:st|nd|rd|th)(?![\w]))?
    |(?P<word>°[CcFf]|[^\W\d][\w]*(?:\.[^\W\d]\w*)*(?:\(\))?(?:['’][^\W\d]+)?)
    |(?P<symbol>[$€£¥₹%])
    |(?P<stop>[.?!;:\n])""",
    re.VERBOSE,
)
_CAMEL = re.compile(r"[a-z][A-Z]|^[A-Z]{2,}|\d[A-Za-z]|[A-Za-z]\d")
_IDENTIFIER = re.compile(r"_|\w\w\.\w\w|\(\)$")


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of a question: its kind, its text as written, and lower case."""

    kind: str
    text: str
    sentence_start: bool = False

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass(frozen=True, slots=True)
class Reading:
    """What the gate compares in one question."""

    numbers: frozenset[str]
    negations: tuple[str, ...]
    """Negation families, sorted, one per negating word."""
    units: frozenset[str]
    entities: frozenset[str]
    mentions: frozenset[str]
    """Every word (lower case, no possessive) and quoted text: where entities are looked up."""
    sides: tuple[frozenset[str], frozenset[str]] | None
    """Content words before and after the first comparison or conversion marker."""


def refusal(asked: str, cached: str) -> str | None:
    """Why ``asked`` must not be answered with ``cached``'s answer, in one line; None if it may."""
    new, old = read(asked), read(cached)
    for check in (_numbers, _negation, _units, _entities, _direction):
        reason = check(new, old)
        if reason is not None:
            return reason
    return None


@lru_cache(maxsize=256)
def read(question: str) -> Reading:
    """The gate's reading of one question (cached: a cached question is read many times)."""
    tokens = tokenize(question)
    return Reading(
        numbers=frozenset(numbers_in(tokens)),
        negations=tuple(sorted(negations_in(tokens))),
        units=frozenset(units_in(tokens)),
        entities=frozenset(entities_in(tokens)),
        mentions=frozenset(_mention(t) for t in tokens if t.kind in ("word", "quote")),
        sides=sides_of(tokens),
    )


_KINDS = ("quote", "number", "word", "symbol", "stop")


def tokenize(question: str) -> list[Token]:
    """Quotes, numbers, words, currency/percent symbols; sentence ends drop out but mark starts."""
    tokens: list[Token] = []
    start = True
    for match in _TOKEN.finditer(question):
        kind = next(k for k in _KINDS if match.group(k) is not None)
        if kind == "stop":
            start = True
            continue
        text = match.group(kind) + ("th" if match.group("suffix") else "")
        tokens.append(Token(kind, text, start))
        start = False
    return tokens


# -- numbers -------------------------------------------------------------------------------


def numbers_in(tokens: list[Token]) -> Iterable[str]:
    """Every number, written number, ordinal, fraction and date, in a canonical form."""
    i = 0
    while i < len(tokens):
        value, i = _number_at(tokens, i)
        if value is not None:
            yield value


def _number_at(tokens: list[Token], i: int) -> tuple[str | None, int]:
    """The number starting at ``tokens[i]`` (if any) and the index after it."""
    token = tokens[i]
    lower = token.lower
    if token.kind == "number":
        return _canonical_number(token.text), i + 1
    if token.kind != "word":
        return None, i + 1
    if lower in words.RELATIVE and i + 1 < len(tokens) and tokens[i + 1].lower in words.PERIODS:
        return f"{lower} {tokens[i + 1].lower}", i + 2
    if lower in words.DATE_WORDS or (lower == "may" and _next_to_number(tokens, i)):
        return lower[:3] if len(lower) > 3 and lower[:3] in words.MONTH_PREFIXES else lower, i + 1
    if lower in words.ORDINALS and not _after_number(tokens, i):
        return f"#{words.ORDINALS[lower]}", i + 1
    if lower in words.FRACTIONS:
        return words.FRACTIONS[lower], i + 1
    if lower in words.CARDINALS or lower in words.SCALES:
        return _written_number(tokens, i)
    return None, i + 1


def _written_number(tokens: list[Token], i: int) -> tuple[str | None, int]:
    """Read "two hundred and five" as 205; a lone "one" is a pronoun, not a number."""
    total = current = 0
    start = i
    while i < len(tokens):
        lower = tokens[i].lower
        if lower in words.CARDINALS:
            current += words.CARDINALS[lower]
        elif lower in words.SCALES:
            current = max(current, 1) * words.SCALES[lower]
            if words.SCALES[lower] >= 1000:
                total, current = total + current, 0
        elif not (
            lower == "and" and i + 1 < len(tokens) and tokens[i + 1].lower in words.CARDINALS
        ):
            break
        i += 1
    lone_one = i - start == 1 and tokens[start].lower == "one"
    if lone_one and not (i < len(tokens) and tokens[i].lower in words.UNITS):
        return None, i
    return str(total + current), i


def _cardinal_at(tokens: list[Token], i: int) -> bool:
    return i < len(tokens) and tokens[i].lower in words.CARDINALS


def _canonical_number(text: str) -> str:
    """ "1,000" and "1000.0" alike; dates and times keep their shape without leading zeros."""
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    if text.endswith("th"):
        return f"#{int(text[:-2])}"
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return re.sub(r"\d+", lambda m: str(int(m.group())), text)


def _after_number(tokens: list[Token], i: int) -> bool:
    return i > 0 and tokens[i - 1].kind == "number"


def _next_to_number(tokens: list[Token], i: int) -> bool:
    after = i + 1 < len(tokens) and tokens[i + 1].kind == "number"
    return after or _after_number(tokens, i)


# -- negation, units, entities ----------------------------------------------------------


def negations_in(tokens: list[Token]) -> Iterable[str]:
    """The negation family of every negating word ("isn't" and "is not" alike)."""
    for token in tokens:
        lower = token.lower.replace("’", "'")
        if lower.endswith("n't"):
            yield "not"
        elif token.kind == "word" and lower in words.NEGATIONS:
            yield words.NEGATIONS[lower]


def units_in(tokens: list[Token]) -> Iterable[str]:
    """Canonical units; an ambiguous unit word ("in", "m", "second") only right after a number."""
    for i, token in enumerate(tokens):
        lower = token.lower
        table = words.UNITS_AFTER_NUMBER if _after_number(tokens, i) else words.UNITS
        if token.kind in ("word", "symbol") and lower in table:
            yield table[lower]


def entities_in(tokens: list[Token]) -> Iterable[str]:
    """Names, acronyms, identifiers and quoted strings, in lower case."""
    for token in tokens:
        if token.kind == "quote" or (token.kind == "word" and _is_entity(token)):
            yield _mention(token)


def _is_entity(token: Token) -> bool:
    text = token.text
    if token.lower in words.UNITS:
        return False  # "USD", "MB": the units check's business
    if _CAMEL.search(text) or _IDENTIFIER.search(text):
        return True
    if not text[0].isupper() or text in _NOT_NAMES:
        return False
    return not token.sentence_start or _mention(token) not in words.SENTENCE_STARTERS


_NOT_NAMES = frozenset({"I", "I'm", "I've", "I'd", "I'll"})


def _mention(token: Token) -> str:
    """Lower case without a possessive ("France's" → "france"); quotes lose their marks."""
    lower = token.lower.replace("’", "'")
    if token.kind == "quote":
        return lower[1:-1].strip()
    return lower[:-2] if lower.endswith("'s") else lower


# -- direction -------------------------------------------------------------------------------


def sides_of(tokens: list[Token]) -> tuple[frozenset[str], frozenset[str]] | None:
    """Content words before and after the question's comparison (or else conversion) marker.

    A conversion marker is the last "to" / "into", or an "in" before a unit ("20 °C in °F").
    """
    lowers = [t.lower for t in tokens]
    split = next((i for i, w in enumerate(lowers) if w in words.COMPARISON_MARKERS), None)
    if split is None:
        conversions = [i for i, w in enumerate(lowers) if _converts(lowers, i)]
        split = conversions[-1] if conversions else None
    if split is None:
        return None
    return _content(tokens[:split]), _content(tokens[split + 1 :])


def _converts(lowers: list[str], i: int) -> bool:
    if lowers[i] in words.CONVERSION_MARKERS:
        return True
    return lowers[i] == "in" and i + 1 < len(lowers) and lowers[i + 1] in words.UNITS


def _content(tokens: list[Token]) -> frozenset[str]:
    """The words that say what a side is about; unit words as their unit ("km" = "kilometres")."""
    return frozenset(
        words.UNITS.get(t.lower, _mention(t))
        for t in tokens
        if t.kind != "word" or t.lower not in words.STOPWORDS
    )


# -- the checks ------------------------------------------------------------------------------


def _numbers(new: Reading, old: Reading) -> str | None:
    return _differ("numbers differ", new.numbers, old.numbers)


def _negation(new: Reading, old: Reading) -> str | None:
    if new.negations == old.negations:
        return None
    only_new, only_old = Counter(new.negations), Counter(old.negations)
    only_new.subtract(old.negations)
    only_old.subtract(new.negations)
    return f"negation differs: {_show(+only_new)} vs {_show(+only_old)}"


def _units(new: Reading, old: Reading) -> str | None:
    return _differ("units differ", new.units, old.units)


def _entities(new: Reading, old: Reading) -> str | None:
    only_new = {e for e in new.entities if e not in old.mentions}
    only_old = {e for e in old.entities if e not in new.mentions}
    if not only_new and not only_old:
        return None
    return f"entities differ: {_show(only_new)} vs {_show(only_old)}"


def _direction(new: Reading, old: Reading) -> str | None:
    if new.sides is None or old.sides is None:
        return None
    (new_left, new_right), (old_left, old_right) = new.sides, old.sides
    moved_left = new_left & old_right
    moved_right = new_right & old_left
    if not moved_left or not moved_right:
        return None
    first, second = min(moved_left), min(moved_right)
    return f"direction differs: {first} → {second} vs {second} → {first}"


def _differ(label: str, new: frozenset[str], old: frozenset[str]) -> str | None:
    if new == old:
        return None
    return f"{label}: {_show(new - old)} vs {_show(old - new)}"


def _show(values: Iterable[str], limit: int = 3) -> str:
    """``values`` sorted and joined (a Counter shows ``not ×2``); "none" when empty."""
    if isinstance(values, Counter):
        values = [k if n == 1 else f"{k} ×{n}" for k, n in values.items()]
    shown = sorted(values)
    if not shown:
        return "none"
    more = f" (+{len(shown) - limit})" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more
