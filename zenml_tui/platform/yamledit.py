"""Edit one value of a layer's YAML text and keep everything else of it as it was.

Accepting drift and adopting objects write values into layers the user edits by hand:
their comments, key order, quoting and blank lines must survive. These functions change
the text around one node only: a scalar is replaced where it stands (a comment after it
stays), a missing key is added after the last entry of the map that should hold it, at
that map's indentation (or inside its braces for a flow map), an entry is removed with
its lines. Strings are written plain where YAML reads them back as the same string, else
double-quoted; `${` is written `$${`, which the layering reads as a literal `${`. Each
function is text -> text and raises EditError for what it cannot do (invalid YAML, a
path through something that is not a map).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["DELETE", "EditError", "locate", "remove_key", "scalar_text", "set_value"]


class EditError(ValueError):
    """The text cannot take the edit; the message says why."""


class _Delete:
    """The value `!delete`: removes what a lower layer defines at the path."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+:-]*(?: [A-Za-z0-9_./@+:-]+)*")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
# words some YAML reader would not take as strings (1.1 booleans among them): quoted
_RESERVED = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", ".nan", ".inf"]
)
_DOUBLED_REF = re.compile(r"\$(\$)?\{([^{}]*)\}")


def _parse(text: str) -> Node | None:
    try:
        node: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise EditError(f"the layer is not valid YAML{where}: fix it first") from None
    return node


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


# -- writing values ------------------------------------------------------------------------


def literal(text: str) -> str:
    """A string as a layer must hold it to mean exactly `text`: each `${...}` doubled to
    `$${...}` (a literal). A `${` without its `}` cannot be written (the layering refuses
    it: REF_SYNTAX)."""
    out = _escape_refs(text)
    i = out.find("${")
    while i >= 0:
        close = out.find("}", i)
        if close < 0:
            raise EditError(f"{text!r} holds '${{' without a closing '}}': no layer can hold it")
        i = out.find("${", close)
    return out


def _escape_refs(text: str) -> str:
    # every `${x}`, and every `$${x}` (whose `$$` would otherwise be read as an escape),
    # gets one more `$`
    return _DOUBLED_REF.sub(lambda m: "$" + m.group(0), text)


def _quoted(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in _UNSAFE:
            out.append(f"\\u{code:04x}")
        elif code >= 0x10000 and not ch.isprintable():
            out.append(f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# line and paragraph separators, the BOM, bidirectional controls: never literal in a layer
_UNSAFE = frozenset(
    [0x2028, 0x2029, 0xFEFF, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def _string(text: str) -> str:
    value = literal(text)
    plain = _PLAIN.fullmatch(value) and ": " not in value and not value.endswith(":")
    if plain and value.lower() not in _RESERVED:
        return value
    return _quoted(value)


def scalar_text(value: Any) -> str:
    """A value as YAML text that a layer reads back as the same value."""
    if value is DELETE:
        return "!delete"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EditError(f"{value} cannot be written in a layer (no infinities or NaN)")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{key_text(str(k))}: {scalar_text(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar_text(v) for v in value) + "]"
    raise EditError(f"a {type(value).__name__} cannot be written in a layer")


def key_text(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key) and key.lower() not in _RESERVED:
        return key
    return _quoted(key)


def _block(path: Sequence[str], value: Any, indent: int, step: int, nl: str) -> str:
    """`path` nested as block maps from `indent`, ending in `value` (a map: a block)."""
    lines: list[str] = []
    for depth, key in enumerate(path[:-1]):
        lines.append(" " * (indent + depth * step) + key_text(key) + ":")
    pad = indent + (len(path) - 1) * step
    last = key_text(path[-1])
    if isinstance(value, Mapping) and value:
        lines.append(" " * pad + last + ":")
        for k, v in value.items():
            lines.append(_block([str(k)], v, pad + step, step, nl).rstrip("\r\n"))
    else:
        lines.append(" " * pad + f"{last}: {scalar_text(value)}")
    return nl.join(lines) + nl


def _flow(path: Sequence[str], value: Any) -> str:
    text = scalar_text(value)
    for key in reversed(path[1:]):
        text = "{" + f"{key_text(key)}: {text}" + "}"
    return f"{key_text(path[0])}: {text}"


# -- finding nodes ---------------------------------------------------------------------------


def _entry(node: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _is_null(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and node.tag == "tag:yaml.org,2002:null"
        and node.value in ("", "~", "null", "Null", "NULL")
    )


def _last_leaf(node: Node) -> Node:
    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return node


def _after_line(text: str, index: int) -> int:
    """Where the line holding `index` (or ending just before it) ends, past its newline."""
    if index > 0 and text[index - 1] == "\n":
        return index
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _step(root: Node | None) -> int:
    """The document's indentation step (the first nested block map's), else 2."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode) and not node.flow_style:
            for k, v in node.value:
                if isinstance(v, MappingNode) and not v.flow_style and v.value:
                    step = v.value[0][0].start_mark.column - k.start_mark.column
                    if step > 0:
                        return int(step)
                stack.append(v)
    return 2


def _walk(root: Node | None, path: Sequence[str]) -> tuple[list[tuple[ScalarNode, Node]], int]:
    """The entries along `path` that exist, and how many keys of it they cover."""
    found: list[tuple[ScalarNode, Node]] = []
    node = root
    for i, key in enumerate(path):
        if not isinstance(node, MappingNode):
            if node is None or _is_null(node):
                return found, i
            where = ".".join(path[:i]) or "the layer"
            raise EditError(f"{where} is not a map here ({_shown(node)}): cannot set {key}")
        entry = _entry(node, key)
        if entry is None:
            return found, i
        found.append(entry)
        node = entry[1]
    return found, len(path)


def _shown(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return node.tag if node.tag.startswith("!") else repr(node.value)
    return "a list" if isinstance(node, SequenceNode) else "a map"


def locate(text: str, path: Sequence[str]) -> tuple[int, int] | None:
    """The 1-based line and column of the value at `path`, or None."""
    root = _parse(text)
    found, covered = _walk(root, path)
    if covered < len(path) or not found:
        return None
    mark = found[-1][1].start_mark
    return mark.line + 1, mark.column + 1


# -- the edits -------------------------------------------------------------------------------


def set_value(text: str, path: Sequence[str], value: Any) -> str:
    """`text` with the value at `path` (keys of nested maps) set to `value`: a scalar, a
    map (written as a block), a list, or DELETE (`!delete`). An existing scalar is
    replaced in place; a map given for an existing map sets each of its keys."""
    if not path:
        raise EditError("no key to set")
    root = _parse(text)
    nl = _newline(text)
    found, covered = _walk(root, path)
    if covered == len(path):
        key, node = found[-1]
        if isinstance(value, Mapping) and isinstance(node, MappingNode):
            for k, v in value.items():
                text = set_value(text, [*path, str(k)], v)
            return text
        return _replace(text, root, key, node, path, value, nl)
    rest = list(path[covered:])
    if not found:  # into the document's top-level map (or an empty document)
        if root is None or _is_null(root):
            body = text if not text or text.endswith("\n") else text + nl
            return body + _block(rest, value, 0, 2, nl)
        assert isinstance(root, MappingNode)
        return _insert(text, root, rest, value, _step(root), nl)
    key, node = found[-1]
    if isinstance(node, MappingNode):
        return _insert(text, node, rest, value, _step(root), nl)
    # an empty value (`labels:`): the new keys go below it
    return _below(text, key, node, rest, value, _step(root), nl)


def _replace(
    text: str,
    root: Node | None,
    key: ScalarNode,
    node: Node,
    path: Sequence[str],
    value: Any,
    nl: str,
) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(value, Mapping) and value:
        if isinstance(node, ScalarNode):
            return _below(text, key, node, [], value, _step(root), nl)
        if getattr(node, "flow_style", False):
            return text[:start] + scalar_text(value) + text[end:]
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        return text[:start] + scalar_text(value) + text[end:]
    raise EditError(f"{'.'.join(path)} is a block {_shown(node)[2:]} here: edit it by hand")


def _insert(
    text: str, mapping: MappingNode, path: Sequence[str], value: Any, step: int, nl: str
) -> str:
    if mapping.flow_style:
        close = mapping.end_mark.index - 1
        if close < 0 or text[close] != "}":
            raise EditError("cannot find the end of the flow map")
        entry = _flow(path, value)
        if mapping.value:
            return text[:close].rstrip(" ") + ", " + entry + text[close:]
        return text[:close] + entry + text[close:]
    indent = mapping.value[0][0].start_mark.column
    at = _after_line(text, _last_leaf(mapping).end_mark.index)
    head = text[:at]
    if head and not head.endswith("\n"):
        head += nl
    return head + _block(path, value, indent, step, nl) + text[at:]


def _below(
    text: str,
    key: ScalarNode,
    node: Node,
    path: Sequence[str],
    value: Any,
    step: int,
    nl: str,
) -> str:
    """Replace an empty (or scalar) value after `key:` with a block below the key."""
    if not (_is_null(node) or isinstance(node, ScalarNode)):
        raise EditError(f"{key.value} holds {_shown(node)}: edit it by hand")
    start, end = node.start_mark.index, node.end_mark.index
    text = text[:start].rstrip(" ") + text[end:] if end > start else text
    at = _after_line(text, key.end_mark.index)
    head = text[:at]
    if not head.endswith("\n"):
        head += nl
    indent = key.start_mark.column + step
    if path:
        block = _block(path, value, indent, step, nl)
    else:
        block = "".join(_block([str(k)], v, indent, step, nl) for k, v in value.items())
    return head + block + text[at:]


def remove_key(text: str, path: Sequence[str]) -> str:
    """`text` without the entry at `path` (its lines, for a block map); a block map left
    with no entry becomes `{}`. Removing a key that is not there changes nothing."""
    if not path:
        raise EditError("no key to remove")
    root = _parse(text)
    found, covered = _walk(root, path)
    if covered < len(path):
        return text
    parent = found[-2][1] if len(found) > 1 else root
    assert isinstance(parent, MappingNode)
    key, node = found[-1]
    index = next(i for i, (k, _) in enumerate(parent.value) if k is key)
    if parent.flow_style:
        entries = parent.value
        if index + 1 < len(entries):
            start, end = key.start_mark.index, entries[index + 1][0].start_mark.index
        elif index > 0:
            start, end = entries[index - 1][1].end_mark.index, node.end_mark.index
        else:
            start, end = key.start_mark.index, node.end_mark.index
        return text[:start] + text[end:]
    start = _line_start(text, key.start_mark.index)
    end = _after_line(text, _last_leaf(node).end_mark.index)
    out = text[:start] + text[end:]
    if len(parent.value) == 1 and len(found) > 1:  # the map would become null: `{}`
        owner = found[-2][0]
        colon = out.index(":", owner.end_mark.index)
        out = out[: colon + 1] + " {}" + out[colon + 1 :]
    return out
