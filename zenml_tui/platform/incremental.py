"""The editor's keystroke fast path: re-parse only the one line that changed.

Typing inside a value changes one line of a layer. When that line is a plain
`key: scalar` entry before and after the edit (no tag, anchor, alias, flow collection or
block scalar, and no continuation line), the new tree is the old one with that scalar
replaced and its ancestors copied; every other node is shared, so the fold's memo can
reuse what it built for them. Anything else falls back to a full parse, which gives the
same result.
"""

from __future__ import annotations

import re

from zenml_tui.platform.nodes import MAP, SCALAR, LNode, Mark

_SIMPLE = re.compile(
    r"^(?P<indent> *)(?P<key>[A-Za-z0-9_][A-Za-z0-9_.\-/]*):(?P<sp> +)"
    r"(?P<value>[^\s&*!|>\[{%@`].*)$"
)


def _mini_scalar(value: str) -> LNode | None:
    """The scalar a one-line value parses to, or None when it is anything else."""
    from zenml_tui.platform.yamlload import parse_text

    tree, errors = parse_text(f"k: {value}\n", "")
    if errors or tree is None or len(tree.value) != 1:
        return None
    node: LNode | None = tree.value.get("k")
    if node is None or node.kind != SCALAR or node.tag is not None or node.mark.line != 1:
        return None
    return node


def _path_to_line(tree: LNode, line: int, key: str) -> list[tuple[LNode, str]] | None:
    """The chain of (map, key) from the root to the entry whose key sits on `line`."""
    chain: list[tuple[LNode, str]] = []
    node = tree
    while node.kind == MAP and node.key_marks:
        best: str | None = None
        best_line = 0
        for k, m in node.key_marks.items():
            if best_line < m.line <= line:
                best, best_line = k, m.line
        if best is None:
            return None
        chain.append((node, best))
        if best_line == line:
            return chain if best == key else None
        node = node.value[best]
    return None


def patch_one_line(
    old_text: str, old_tree: LNode, new_text: str, file: str
) -> tuple[LNode, list[LNode]] | None:
    """(new tree, replaced old nodes), or None when a full parse is needed."""
    old_lines = old_text.split("\n")
    new_lines = new_text.split("\n")
    if len(old_lines) != len(new_lines):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    if len(changed) != 1:
        return None
    i = changed[0]
    mo, mn = _SIMPLE.match(old_lines[i]), _SIMPLE.match(new_lines[i])
    if mo is None or mn is None or mo["indent"] != mn["indent"] or mo["key"] != mn["key"]:
        return None
    indent = len(mn["indent"])
    for nxt in new_lines[i + 1 :]:  # a more indented next line may continue the scalar
        stripped = nxt.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(nxt) - len(nxt.lstrip(" ")) > indent or nxt.lstrip(" ").startswith("- "):
            return None
        break
    old_scalar, new_scalar = _mini_scalar(mo["value"]), _mini_scalar(mn["value"])
    if old_scalar is None or new_scalar is None:
        return None
    chain = _path_to_line(old_tree, i + 1, mn["key"])
    if chain is None:
        return None
    parent, key = chain[-1]
    old_leaf = parent.value[key]
    if (
        old_leaf.kind != SCALAR
        or old_leaf.tag is not None
        or old_leaf.mark.line != i + 1
        or old_leaf.value != old_scalar.value
        or type(old_leaf.value) is not type(old_scalar.value)
    ):
        return None
    col = indent + len(mn["key"]) + len(mn["sp"]) + 2 + (new_scalar.mark.col - 4)
    node = LNode(SCALAR, new_scalar.value, Mark(file, i + 1, col), None)
    replaced: list[LNode] = [old_leaf]
    for parent, k in reversed(chain):
        values = dict(parent.value)
        values[k] = node
        node = LNode(MAP, values, parent.mark, parent.tag, parent.key_marks)
        replaced.append(parent)
    return node, replaced
