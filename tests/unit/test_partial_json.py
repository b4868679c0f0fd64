"""The partial-JSON parser over every chunking: final value, growth only, no early completion."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuichat.core.structured.partial_json import MAX_DEPTH, PartialDocument, PartialJsonParser

TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(['"', "\\", "/", "\n", "\t", "\x01", "é", "☕", "😀", "a", " ", "u"]),
    max_size=12,
)
KEYS = st.one_of(TRICKY_TEXT, st.text(max_size=8))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    TRICKY_TEXT,
    st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=20,
)
ROOTS = st.one_of(st.lists(VALUES, max_size=4), st.dictionaries(KEYS, VALUES, max_size=4))


@st.composite
def documents(draw: st.DrawFn, roots: st.SearchStrategy[Any] = ROOTS) -> str:
    """A JSON text: ASCII-escaped or not, compact or indented."""
    value = draw(roots)
    indent = draw(st.sampled_from([None, 0, 2]))
    return json.dumps(value, ensure_ascii=draw(st.booleans()), indent=indent)


@st.composite
def chunkings(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` cut at arbitrary points (keys, strings, escapes and numbers split)."""
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=min(len(text), 40))))
    edges = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges) if b > a]


def extends(old: Any, new: Any) -> bool:
    """``new`` is ``old`` with more filled in: fields kept, strings only grown at the end."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(
            k in new and extends(v, new[k]) for k, v in old.items()
        )
    if isinstance(old, list):
        return (
            isinstance(new, list)
            and len(new) >= len(old)
            and all(extends(a, b) for a, b in zip(old, new, strict=False))
        )
    if isinstance(old, str):
        return isinstance(new, str) and new.startswith(old)
    return type(old) is type(new) and old == new


def parse_in(chunks: list[str]) -> tuple[list[PartialDocument], PartialDocument]:
    parser = PartialJsonParser()
    snapshots = []
    for chunk in chunks:
        parser.feed(chunk)
        snapshots.append(parser.snapshot())
    return snapshots, parser.finish()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=documents())
def test_any_chunking_ends_with_json_loads(data: st.DataObject, text: str) -> None:
    _, final = parse_in(data.draw(chunkings(text)))
    assert final.complete and final.error is None
    assert final.value == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=documents())
def test_fields_never_vanish_and_strings_only_grow(data: st.DataObject, text: str) -> None:
    snapshots, final = parse_in(data.draw(chunkings(text)))
    for before, after in zip([*snapshots], [*snapshots[1:], final], strict=True):
        assert extends(before.value, after.value), (before.value, after.value)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=documents(st.one_of(ROOTS, SCALARS)))
def test_never_complete_before_the_document_is(data: st.DataObject, text: str) -> None:
    chunks = data.draw(chunkings(text))
    parser, seen = PartialJsonParser(), 0
    for chunk in chunks:
        parser.feed(chunk)
        seen += len(chunk)
        if seen < len(text.rstrip()):
            assert not parser.snapshot().complete
        assert parser.error is None


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=documents(st.one_of(ROOTS, SCALARS)))
def test_a_cut_off_answer_is_complete_exactly_when_json_loads_accepts_it(
    data: st.DataObject, text: str
) -> None:
    prefix = text[: data.draw(st.integers(0, len(text)))]
    _, final = parse_in([prefix])
    try:
        expected = json.loads(prefix)
    except ValueError:
        assert not final.complete and final.error
    else:
        assert final.complete and final.value == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{}[]",:0123456789.-eE tfrulns\\'))))
def test_garbage_never_raises_and_never_claims_more_than_json_loads(text: str) -> None:
    _, final = parse_in([text])
    if final.complete:
        assert json.loads(text) == final.value


def test_a_partial_string_shows_decoded_text_and_holds_back_half_escapes() -> None:
    parser = PartialJsonParser()
    shown = []
    for chunk in ['{"na', 'me": "Ad', "\\", "u00e", '9le \\"', 'x\\"", "age": 4', "2}"]:
        parser.feed(chunk)
        shown.append(parser.snapshot().value)
    assert shown == [
        {},
        {"name": "Ad"},
        {"name": "Ad"},
        {"name": "Ad"},
        {"name": 'Adéle "'},
        {"name": 'Adéle "x"'},
        {"name": 'Adéle "x"', "age": 42},
    ]
    assert parser.snapshot().complete


def test_a_surrogate_pair_split_across_chunks_is_one_character() -> None:
    parser = PartialJsonParser()
    parser.feed('["a\\ud83d')
    assert parser.snapshot().value == ["a"]
    parser.feed('\\ude00"]')
    assert parser.snapshot().value == ["a😀"] and parser.complete


def test_a_code_fence_around_the_document_is_tolerated() -> None:
    _, final = parse_in(["```js", 'on\n{"a": [1]}\n`', "``\n"])
    assert final.complete and final.value == {"a": [1]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a" 1}', "expected ':' after a key"),
        ('{"a": 1,}', "expected a key in quotes"),
        ("[1, 2", "unclosed array (the answer ended early)"),
        ('{"a": "b', "unterminated string"),
        ('{"a": 1} and more', "extra text after the document"),
        ('["\\x"]', "invalid escape \\x"),
        ("[01]", "invalid value '01'"),
        ("[NaN]", "invalid value 'NaN'"),
        ('["a\x07"]', "control character in a string"),
    ],
)
def test_invalid_text_stops_with_one_line(text: str, message: str) -> None:
    _, final = parse_in([text])
    assert not final.complete and final.error is not None and message in final.error
    assert "\n" not in final.error


def test_nesting_is_capped() -> None:
    _, final = parse_in(["[" * (MAX_DEPTH + 1)])
    assert final.error is not None and "nested deeper" in final.error


def test_a_snapshot_is_a_copy_the_caller_may_keep() -> None:
    parser = PartialJsonParser()
    parser.feed('{"a": [1')
    kept = parser.snapshot().value
    parser.feed(", 2]}")
    assert kept == {"a": []} and parser.snapshot().value == {"a": [1, 2]}
