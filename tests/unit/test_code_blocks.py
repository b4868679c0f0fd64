"""Finding an answer's code blocks, and the copy toasts' words."""

from __future__ import annotations

from tuichat.ui.code_blocks import CodeBlock, code_blocks, copied_answer, copied_code

ANSWER = """Here:

```python title="x"
a = 1
print(a)
```

- in a list:

  ~~~
  ```not the end
  ls
  ~~~

```js
cut off mid-block"""


def test_fences_anywhere_in_order_with_their_language() -> None:
    assert code_blocks(ANSWER) == [
        CodeBlock("a = 1\nprint(a)\n", "python"),
        CodeBlock("```not the end\nls\n", ""),
        CodeBlock("cut off mid-block", "js"),
    ]


def test_an_answer_without_code_has_no_blocks() -> None:
    assert code_blocks("just `inline` code and prose") == []


def test_toasts_count_lines() -> None:
    assert copied_code(CodeBlock("a\nb\nc\n", "python"), "x") == "copied 3 lines of python (x)"
    assert copied_code(CodeBlock("ls", ""), "x") == "copied 1 line of code (x)"
    assert copied_answer("one\ntwo") == "copied the last answer: 2 lines"
