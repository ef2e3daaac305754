"""The `variable` blocks of a Terraform module, read without a full HCL parse: the
types the render projects the layers onto (platform/hcltypes.py), and the variables a
saved plan's configuration declares sensitive (terraform/planfile.py).

python-hcl2 parses a whole file with a general grammar: importing it and loading the
grammar costs ~250 ms, the bundled root module ~110 ms more each time: a third of a
`zenml-tui plan`'s own time, most of the native plan reader's. Only `variable` blocks
matter, and in them a few attributes. So a small scanner finds those blocks (skipping
strings, templates, heredocs and comments) and their attributes' expressions; plain
literals (null, a bool, a number, a string without templates, lists and objects of
those) it reads itself, and a block it cannot read so goes to python-hcl2, alone: the
same answers as parsing the files with it (tests/unit/test_hclscan.py), but for a
number with an exponent, which python-hcl2 keeps as the text `${1e3}` and this reads as
Terraform does, 1000.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["NotHCL", "declared_variables", "sensitive_variables"]


class NotHCL(Exception):
    """A file or block that does not parse."""


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n")


def sensitive_variables(sources: dict[str, str]) -> dict[str, Any]:
    """{name: default} of the variables declared sensitive in `sources` (file name ->
    text); None where there is no default. Raises NotHCL for a file that does not
    parse."""
    found: dict[str, Any] = {}
    for file, text in sources.items():
        if "sensitive" not in text:
            continue
        for name, body in _variable_blocks(text, file):
            if "sensitive" not in body:
                continue
            attrs = _plain_attributes(body)
            if attrs is None:
                attrs = _hcl2_attributes(name, body, file)
            if attrs.get("sensitive") is True:
                found[name] = attrs.get("default")
    return found


def declared_variables(text: str, file: str = "") -> list[tuple[str, dict[str, str]]]:
    """(name, {attribute: its expression's text, comments removed}) of each `variable`
    block of one file (nested blocks, such as `validation`, are left out). Raises
    NotHCL for a file that does not parse."""
    out = []
    for name, body in _variable_blocks(text, file):
        attrs = {
            word: _without_comments(body[start:stop]).strip()
            for word, start, stop in _attributes(body, f"{file}: variable {name}", labelled=True)
        }
        out.append((name, attrs))
    return out


def _without_comments(text: str) -> str:
    """An expression's text with its comments blanked out (strings kept whole)."""
    out, i, end = [], 0, len(text)
    while i < end:
        c = text[i]
        if c == '"':
            close = _string_end(text, i)
            out.append(text[i:close])
            i = close
        elif c == "<" and (heredoc := _HEREDOC.match(text, i)):
            close = _heredoc_end(text, heredoc)
            out.append(text[i:close])
            i = close
        elif c == "#" or text.startswith(("//", "/*"), i):
            i = _skip_space(text, i, newlines=False)
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


# -- scanning ---------------------------------------------------------------------------
def _skip_space(text: str, i: int, newlines: bool = True) -> int:
    """Past blanks and comments (and, with `newlines`, line ends)."""
    end = len(text)
    while i < end:
        c = text[i]
        if c in " \t\r" or (newlines and c == "\n"):
            i += 1
        elif c == "#" or text.startswith("//", i):
            nl = text.find("\n", i)
            i = end if nl < 0 else (nl + 1 if newlines else nl)
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                raise NotHCL("a comment is not closed")
            i = close + 2
        else:
            break
    return i


def _string_end(text: str, i: int) -> int:
    """The position after the quoted string (a template: `${...}` may nest strings) that
    starts at `i`."""
    j, end = i + 1, len(text)
    while j < end:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == '"':
            return j + 1
        elif c == "\n":
            raise NotHCL("a string runs past the end of its line")
        elif text.startswith(("${", "%{"), j) and not text.startswith(("$${", "%%{"), j - 1):
            j = _nested_end(text, j + 2, "}")
        else:
            j += 1
    raise NotHCL("a string is not closed")


def _nested_end(text: str, i: int, close: str) -> int:
    """The position after the `close` that ends the bracketed part starting at `i`."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack = [close]
    end = len(text)
    while i < end:
        i = _skip_space(text, i)
        if i >= end:
            break
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
        elif c == "<" and (heredoc := _HEREDOC.match(text, i)):
            i = _heredoc_end(text, heredoc)
        elif c in pairs:
            stack.append(pairs[c])
            i += 1
        elif c in ")]}":
            if c != stack.pop():
                raise NotHCL("brackets do not match")
            i += 1
            if not stack:
                return i
        else:
            i += 1
    raise NotHCL(f"a '{close}' is missing")


def _heredoc_end(text: str, match: re.Match[str]) -> int:
    marker = match.group(1)
    for line in re.finditer(r"[^\n]*\n?", text[match.end() :]):
        if line.group().strip() == marker:
            return match.end() + line.end()
    raise NotHCL(f"the heredoc {marker} is not closed")


def _variable_blocks(text: str, file: str) -> list[tuple[str, str]]:
    """(name, body) of each top-level `variable` block."""
    blocks: list[tuple[str, str]] = []
    i, end = 0, len(text)
    while True:
        i = _skip_space(text, i)
        if i >= end:
            return blocks
        word = _WORD.match(text, i)
        if word is None:
            raise NotHCL(f"{file}: unexpected {text[i]!r}")
        i = _skip_space(text, word.end(), newlines=False)
        if i < end and text[i] == "=":  # a top-level attribute (not in a module's files)
            i = _expression_end(text, i + 1)
            continue
        labels = []
        while i < end and text[i] != "{":
            if text[i] == '"':
                close = _string_end(text, i)
                labels.append(text[i:close])
                i = close
            elif bare := _WORD.match(text, i):
                labels.append(bare.group())
                i = bare.end()
            else:
                raise NotHCL(f"{file}: unexpected {text[i]!r}")
            i = _skip_space(text, i, newlines=False)
        if i >= end:
            raise NotHCL(f"{file}: a block is not opened")
        close = _nested_end(text, i + 1, "}")
        if word.group() == "variable" and len(labels) == 1:
            label = labels[0]
            name = json.loads(label) if label.startswith('"') else label
            blocks.append((name, text[i + 1 : close - 1]))
        i = close


def _expression_end(text: str, i: int) -> int:
    """The end of the expression starting at `i`: its line's end outside brackets."""
    end = len(text)
    pairs = {"{": "}", "[": "]", "(": ")"}
    while i < end:
        c = text[i]
        if c == "\n":
            return i
        if c == "#" or text.startswith(("//", "/*"), i):
            i = _skip_space(text, i, newlines=False)
        elif c == '"':
            i = _string_end(text, i)
        elif c == "<" and (heredoc := _HEREDOC.match(text, i)):
            return _heredoc_end(text, heredoc)
        elif c in pairs:
            i = _nested_end(text, i + 1, pairs[c])
        else:
            i += 1
    return i


# -- a block's attributes ---------------------------------------------------------------
def _attributes(body: str, where: str, labelled: bool) -> Iterator[tuple[str, int, int]]:
    """(name, start, end) of each attribute of a block's body, its expression being
    `body[start:end]`; nested blocks are passed over (labelled ones only with
    `labelled`). NotHCL for anything else."""
    i, end = 0, len(body)
    while True:
        i = _skip_space(body, i)
        if i >= end:
            return
        word = _WORD.match(body, i)
        if word is None:
            raise NotHCL(f"{where}: unexpected {body[i]!r}")
        i = _skip_space(body, word.end(), newlines=False)
        while labelled and i < end and body[i] == '"':  # a labelled nested block
            i = _skip_space(body, _string_end(body, i), newlines=False)
        if i < end and body[i] == "{":  # a nested block (validation): not an attribute
            i = _nested_end(body, i + 1, "}")
            continue
        if i >= end or body[i] != "=":
            raise NotHCL(f"{where}: unexpected {body[i : i + 1]!r}")
        start = i + 1
        i = _expression_end(body, start)
        yield word.group(), start, i


def _plain_attributes(body: str) -> dict[str, Any] | None:
    """`sensitive` and `default` of a block body when both are plain literals (or
    absent), else None: the block goes to python-hcl2 (so does one with a labelled
    nested block, or anything unexpected)."""
    attrs: dict[str, Any] = {}
    try:
        for word, start, stop in _attributes(body, "", labelled=False):
            if word not in ("sensitive", "default"):
                continue
            value, rest = _literal(body, _skip_space(body, start, newlines=False))
            if _skip_space(body, rest, newlines=False) != stop:
                return None  # more than a literal: an operator, a function call
            if word in attrs:
                return None  # twice: python-hcl2 says what that means
            attrs[word] = value
    except NotHCL:
        return None
    return attrs


def _literal(text: str, i: int) -> tuple[Any, int]:
    """A plain literal at `i` and the position after it; NotHCL for anything else."""
    if i >= len(text):
        raise NotHCL("a value is missing")
    c = text[i]
    if c == '"':
        close = _string_end(text, i)
        raw = text[i:close]
        if "${" in raw or "%{" in raw:
            raise NotHCL("a template")
        try:
            return json.loads(raw), close
        except ValueError:
            raise NotHCL("an escape JSON does not know") from None
    if c in "[{":
        return _collection(text, i)
    if word := _WORD.match(text, i):
        known = {"true": True, "false": False, "null": None}
        if word.group() in known:
            return known[word.group()], word.end()
        raise NotHCL("a reference or a function")
    if number := _NUMBER.match(text, i):
        value = float(number.group())
        return (int(value) if value.is_integer() and "." not in number.group() else value), (
            number.end()
        )
    raise NotHCL("not a literal")


def _collection(text: str, i: int) -> tuple[Any, int]:
    """A list (items separated by commas) or an object (by commas or line ends) of
    plain literals."""
    is_list = text[i] == "["
    close = "]" if is_list else "}"
    items: list[Any] = []
    pairs: dict[str, Any] = {}
    i += 1
    while True:
        i = _skip_space(text, i)
        if i >= len(text):
            raise NotHCL("a collection is not closed")
        if text[i] == close:
            return (items if is_list else pairs), i + 1
        if is_list:
            value, i = _literal(text, i)
            items.append(value)
        else:
            if text[i] == '"':
                key, i = _literal(text, i)
            elif word := _WORD.match(text, i):
                key, i = word.group(), word.end()
            else:
                raise NotHCL("an object key")
            i = _skip_space(text, i, newlines=False)
            if i >= len(text) or text[i] not in "=:":
                raise NotHCL("an object item without = or :")
            value, i = _literal(text, _skip_space(text, i + 1, newlines=False))
            if not isinstance(key, str) or key in pairs:
                raise NotHCL("an object key twice, or not a string")
            pairs[key] = value
        on_line = _skip_space(text, i, newlines=False)
        after = _skip_space(text, on_line)
        if after < len(text) and text[after] == ",":
            i = after + 1
        elif after < len(text) and text[after] == close:
            i = after
        elif on_line < len(text) and text[on_line] == "\n" and not is_list:
            i = on_line  # object items may be separated by line ends
        else:
            raise NotHCL("a collection item is not followed by a separator")


def _hcl2_attributes(name: str, body: str, file: str) -> dict[str, Any]:
    """The block parsed by python-hcl2 (alone: a few lines)."""
    import hcl2

    try:
        parsed = hcl2.loads(f'variable "{name}" {{{body}}}\n')
    except Exception as exc:  # the parser's errors have no common root
        raise NotHCL(f"{file} does not parse: {exc}") from None
    for block in parsed.get("variable") or []:
        for attrs in block.values():
            if isinstance(attrs, dict):
                sensitive = attrs.get("sensitive") in (True, "true")
                return {"sensitive": sensitive, "default": _unhcl(attrs.get("default"))}
    return {}


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _unhcl(value: Any) -> Any:
    """A default as python-hcl2 gives it (strings keep their quotes) as its value."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    if isinstance(value, list):
        return [_unhcl(v) for v in value]
    if isinstance(value, dict):
        return {_unquoted(k): _unhcl(v) for k, v in value.items() if k != "__is_block__"}
    return value
