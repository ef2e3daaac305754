"""Answer "where does this value come from?" in one call (docs/layering.md, "Provenance")."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.platform.engine import ScopeResult
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import (
    LIST,
    MAP,
    REQUIRED,
    SECRET,
    KeyPath,
    Mark,
    MNode,
    Prov,
    format_path,
    lookup,
    parse_path,
    to_plain,
)


class ExplainError(ZenMLTUIError, KeyError):
    """A path that the merged scope does not hold."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=Kind.NOT_FOUND)

    def __str__(self) -> str:
        return self.message


@dataclass
class Explanation:
    path: str
    scope_label: str
    layers: list[str]
    value: Any  # plain, secrets as «secret:NAME»
    kind: str  # map | list | scalar | secret | required | deleted
    chain: list[Prov] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "scope": self.scope_label,
            "layers": self.layers,
            "kind": self.kind,
            "value": self.value,
            "chain": [p.to_dict() for p in self.chain],
        }

    def format(self, relative_to: Path | None = None, limit: int | None = None) -> str:
        """For a reader; `limit` cuts long strings for a screen (the app's panel)."""
        from zenml_tui.platform.nodes import display

        def value_of(p: Prov) -> str:
            long = limit is not None and isinstance(p.raw, str) and len(p.raw) > limit
            return display(p.raw, limit) if long else p.display

        shown = "(deleted)" if self.kind == "deleted" else display(self.value, limit)
        if self.kind == "required":
            shown = "!required (unset)"
        lines = [f"{self.path} = {shown}", f"  in {self.scope_label} ({' < '.join(self.layers)})"]
        width = max((len(p.layer) for p in self.chain), default=4)

        def at(m: Mark) -> str:
            return f"{relative_path(m.file, relative_to)}:{m.line}:{m.col}"

        wheres = [at(p.mark) for p in self.chain]
        wwidth = max((len(w) for w in wheres), default=0)
        for i, (p, where) in enumerate(zip(self.chain, wheres, strict=True), 1):
            lines.append(f"  {i}. {p.layer:<{width}}  {where:<{wwidth}}  {p.op:<12}  {value_of(p)}")
            for ref_path, ref in p.refs:
                src = f"{ref.layer} {at(ref.mark)}" if ref else "context"
                lines.append(f"       ${{{ref_path}}} <- {src}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=1024)
def relative_path(file: str, base: Path | None) -> str:
    """`file` relative to `base` where it lies below it (resolved once per pair: a review
    names the same few layer files for every attribute)."""
    if base is None:
        return file
    try:
        return str(Path(file).resolve().relative_to(base.resolve()))
    except ValueError:
        return file


def explain(result: ScopeResult, path_text: str) -> Explanation:
    try:
        path = parse_path(path_text)
    except ValueError as exc:
        raise ExplainError(f"invalid path: {exc}") from None
    layers = [d.ref.label for d in result.layers]
    label = result.scope.label
    node = lookup(result.tree, path) or lookup(result.merged, path)
    if node is not None:
        kind = {MAP: "map", LIST: "list", SECRET: "secret", REQUIRED: "required"}.get(
            node.kind, "scalar"
        )
        value = None if node.kind == REQUIRED else to_plain(node)
        return Explanation(format_path(path), label, layers, value, kind, node.prov.chain())
    deleted = result.deletion(path)
    if deleted is None:
        parent = lookup(result.merged, path[:-1]) if len(path) > 1 else result.merged
        key = path[-1]
        deleted = (
            parent.deleted.get(key)
            if parent is not None and parent.kind == MAP and parent.deleted and isinstance(key, str)
            else None
        )
    if deleted is not None:
        return Explanation(format_path(path), label, layers, None, "deleted", deleted.chain())
    raise ExplainError(_not_found(result.merged, path, label))


def _not_found(root: MNode, path: KeyPath, label: str) -> str:
    node: MNode | None = root
    for i, seg in enumerate(path):
        nxt = lookup(node, (seg,)) if node is not None else None
        if nxt is None:
            msg = f"no value at '{format_path(path)}' in {label}"
            if node is not None and node.kind == MAP:
                hint = did_you_mean(str(seg), node.value)
                where = format_path(path[:i]) or "the top level"
                if hint:
                    return f"{msg}; {hint}"
                return f"{msg} ({where} has: {', '.join(node.value) or 'nothing'})"
            return msg
        node = nxt
    return f"no value at '{format_path(path)}' in {label}"  # pragma: no cover
