"""The two trees the layering engine works on.

`LNode` is one layer's parsed YAML: values with their file:line:col and an optional
layering tag. `MNode` is the merged result: immutable, so a scope's merge can share every
subtree it did not touch with the scope below it, and each node carries the provenance of
the value it holds (`Prov`, a linked chain back through the values it shadowed).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

MAP = "map"
LIST = "list"
SCALAR = "scalar"
REQUIRED = "required"  # a `!required` placeholder left by base
SECRET = "secret"  # an opaque ${secret:NAME} after interpolation

Scalar = str | int | float | bool | None

HAS_REFS = 1  # a string below holds ${...} or $${
HAS_REQUIRED = 2  # a !required placeholder below

KeyPath = tuple[str | int, ...]  # a dotted path as keys and list indices


class Mark(NamedTuple):
    """A 1-based position in a file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class LNode:
    """One node of a parsed layer. `tag` is None or one of delete/replace/append/required."""

    __slots__ = ("key_marks", "kind", "mark", "tag", "value")

    def __init__(
        self,
        kind: str,
        value: Any,
        mark: Mark,
        tag: str | None = None,
        key_marks: dict[str, Mark] | None = None,
    ) -> None:
        self.kind = kind
        self.value = value  # dict[str, LNode] | list[LNode] | Scalar
        self.mark = mark
        self.tag = tag
        self.key_marks = key_marks

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"LNode({self.kind}, {self.value!r}, tag={self.tag})"


@dataclass(frozen=True, slots=True)
class LayerRef:
    """Which layer a file is: kind base/env/team/project/buffer plus its name."""

    kind: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.kind if not self.name else f"{self.kind}:{self.name}"

    def __str__(self) -> str:
        return self.label


class Prov:
    """Where a value came from, and (through `prev`) every value it shadowed.

    `op` is one of: set, merged, replaced, deleted, appended, interpolated, default.
    `display` is the value as it may be shown (secrets as «secret:NAME»); for scalars it
    is rendered on first use from `raw`, which keeps merging cheap.
    """

    __slots__ = ("_display", "layer", "mark", "op", "prev", "raw", "refs")

    def __init__(
        self,
        layer: str,
        mark: Mark,
        op: str,
        display: str | None,
        prev: Prov | None = None,
        refs: tuple[tuple[str, Prov | None], ...] = (),
        raw: Any = None,
    ) -> None:
        self.layer = layer
        self.mark = mark
        self.op = op
        self._display = display
        self.prev = prev
        self.refs = refs
        self.raw = raw

    @property
    def display(self) -> str:
        if self._display is None:
            self._display = display(self.raw)
        return self._display

    def chain(self) -> list[Prov]:
        """Lowest layer first, this entry last."""
        out: list[Prov] = []
        p: Prov | None = self
        while p is not None:
            out.append(p)
            p = p.prev
        out.reverse()
        return out

    def kind_and_value(self) -> tuple[str, Any]:
        """What this entry holds, for machines: ("scalar", the value) (`${secret:NAME}`
        in a string as «secret:NAME», as `display` shows it), ("secret", "«secret:NAME»")
        for a whole reference, or ("map" | "list" | "required", None): an entry keeps
        only a summary of a collection. A deletion holds what it deleted."""
        if self.op == "deleted":
            return self.prev.kind_and_value() if self.prev is not None else ("scalar", None)
        raw = self.raw
        if isinstance(raw, SecretRef):
            return SECRET, repr(raw)
        if isinstance(raw, str) and (whole := _SECRET_TEXT.fullmatch(raw)):
            return SECRET, f"«secret:{whole.group(1)}»"
        if isinstance(raw, str):
            return SCALAR, _SECRET_TEXT.sub(r"«secret:\1»", raw) if "${secret:" in raw else raw
        if isinstance(raw, bool | int | float):
            return SCALAR, raw
        shown = self.display  # made by the engine for what is not a scalar, never data
        if raw is None and shown == "null":
            return SCALAR, None
        if shown == "!required":
            return REQUIRED, None
        return (LIST if shown.startswith("[") else MAP), None

    def to_dict(self) -> dict[str, Any]:
        """The entry for `explain --json`: `value` is the JSON value itself (present
        for a scalar or a secret), `kind` says what the entry holds."""
        kind, value = self.kind_and_value()
        d: dict[str, Any] = {
            "layer": self.layer,
            "file": self.mark.file,
            "line": self.mark.line,
            "col": self.mark.col,
            "op": self.op,
            "kind": kind,
        }
        if kind in (SCALAR, SECRET):
            d["value"] = value
        if self.refs:
            d["references"] = [
                {"path": path, "from": (f"{p.layer} {p.mark}" if p else "context")}
                for path, p in self.refs
            ]
        return d


class SecretRef:
    """An opaque `${secret:NAME}`: only ever shown as «secret:NAME»."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretRef) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("secret", self.name))

    def __repr__(self) -> str:
        return f"«secret:{self.name}»"

    __str__ = __repr__


class MNode:
    """A merged value. Never mutated after construction (subtrees are shared)."""

    __slots__ = ("__weakref__", "deleted", "flags", "kind", "plain_cache", "prov", "value")

    def __init__(
        self,
        kind: str,
        value: Any,
        prov: Prov,
        flags: int = 0,
        deleted: dict[str, Prov] | None = None,
    ) -> None:
        self.kind = kind
        self.value = value  # dict[str, MNode] | list[MNode] | Scalar | SecretRef | str (hint)
        self.prov = prov
        self.flags = flags  # HAS_REFS | HAS_REQUIRED, for this node or anything below it
        self.deleted = deleted
        self.plain_cache: Any = _UNSET

    def get(self, key: str) -> MNode | None:
        return self.value.get(key) if self.kind == MAP else None


_UNSET = object()
_SECRET_TEXT = re.compile(r"(?<!\$)\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}")


def display(value: Any, limit: int | None = None) -> str:
    """A short, secret-safe rendering of a plain value; a string longer than `limit`
    is cut there for the screen (saying how long the whole is)."""
    if isinstance(value, SecretRef):
        return repr(value)
    if isinstance(value, str):
        if limit is not None and len(value) > limit:
            return f"{display(value[:limit])}… ({len(value):,} characters)"
        text = json.dumps(value, ensure_ascii=False)
        return _SECRET_TEXT.sub(r"«secret:\1»", text) if "${secret:" in text else text
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict):
        return "{…}" if value else "{}"
    if isinstance(value, list):
        return "[…]" if value else "[]"
    return repr(value)


def to_plain(node: MNode, secret_form: str = "display") -> Any:
    """The merged tree as plain Python. Secrets become «secret:NAME» strings
    (`secret_form="display"`) or stay `SecretRef` objects (`"ref"`). Placeholders are
    left out (they are errors). Memoised on the node: subtrees are shared across scopes."""
    if node.kind == SCALAR:
        return node.value
    if secret_form == "display" and node.plain_cache is not _UNSET:
        return node.plain_cache
    if node.kind == MAP:
        out: Any = {
            k: v.value if v.kind == SCALAR else to_plain(v, secret_form)
            for k, v in node.value.items()
            if v.kind != REQUIRED
        }
    elif node.kind == LIST:
        out = [
            v.value if v.kind == SCALAR else to_plain(v, secret_form)
            for v in node.value
            if v.kind != REQUIRED
        ]
    elif node.kind == SECRET:
        out = repr(node.value) if secret_form == "display" else node.value
    else:
        out = None
    if secret_form == "display":
        node.plain_cache = out
    return out


def walk(node: MNode, path: KeyPath = ()) -> Iterator[tuple[KeyPath, MNode]]:
    """Every node with its path, parents before children."""
    yield path, node
    if node.kind == MAP:
        for k, v in node.value.items():
            yield from walk(v, (*path, k))
    elif node.kind == LIST:
        for i, v in enumerate(node.value):
            yield from walk(v, (*path, i))


def format_path(path: tuple[str | int, ...] | list[str | int]) -> str:
    """`a.b[0].c`; keys that are not plain identifiers are quoted."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            s = str(seg)
            if not s or any(c in s for c in ".[]\"' "):
                s = json.dumps(s)
            out += ("." if out else "") + s
    return out


def parse_path(text: str) -> tuple[str | int, ...]:
    """Inverse of `format_path`. Raises ValueError on bad syntax."""
    out: list[str | int] = []
    i, n = 0, len(text)
    expect_key = True
    while i < n:
        c = text[i]
        if c == "[":
            j = text.find("]", i)
            if j < 0 or not text[i + 1 : j].isdigit():
                raise ValueError(f"bad index at column {i + 1} of {text!r}")
            out.append(int(text[i + 1 : j]))
            i = j + 1
            expect_key = False
        elif c == ".":
            if expect_key:
                raise ValueError(f"empty key at column {i + 1} of {text!r}")
            i += 1
            expect_key = True
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ValueError(f"unterminated quote in {text!r}")
            out.append(json.loads(text[i : j + 1]))
            i = j + 1
            expect_key = False
        else:
            j = i
            while j < n and text[j] not in ".[":
                j += 1
            out.append(text[i:j])
            i = j
            expect_key = False
    if expect_key and out:
        raise ValueError(f"path ends with '.': {text!r}")
    if not out:
        raise ValueError("empty path")
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def parse_path_cached(text: str) -> tuple[str | int, ...]:
    return parse_path(text)


def lookup(node: MNode, path: tuple[str | int, ...]) -> MNode | None:
    cur: MNode | None = node
    for seg in path:
        if cur is None:
            return None
        if cur.kind == MAP and isinstance(seg, str):
            cur = cur.value.get(seg)
        elif cur.kind == LIST and isinstance(seg, int):
            cur = cur.value[seg] if 0 <= seg < len(cur.value) else None
        else:
            return None
    return cur


def deepest(root: MNode, path: KeyPath) -> MNode | None:
    """The node at `path`, or at the longest prefix of it that exists."""
    for n in range(len(path), -1, -1):
        node = lookup(root, path[:n])
        if node is not None:
            return node
    return None  # pragma: no cover - the root always exists
