"""The layering fold: deep merge of one layer over the merged result of the layers below.

Implements docs/layering.md from "Maps merge by key" to "Required values", and
"Provenance". The result is immutable and shares
every subtree the layer does not touch, so merging a small project layer over a large
environment costs only what the project layer mentions.
"""

from __future__ import annotations

import os

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import (
    HAS_REFS,
    HAS_REQUIRED,
    LIST,
    MAP,
    REQUIRED,
    SCALAR,
    KeyPath,
    LayerRef,
    LNode,
    Mark,
    MNode,
    Prov,
    format_path,
)

_KIND_WORD = {MAP: "a map", LIST: "a list", SCALAR: "a scalar", REQUIRED: "a !required placeholder"}


def scalar_flags(value: object) -> int:
    return HAS_REFS if isinstance(value, str) and "${" in value else 0


def child_flags(children: dict[str, MNode] | list[MNode]) -> int:
    f = 0
    values = children.values() if isinstance(children, dict) else children
    for c in values:
        f |= c.flags
        if f == HAS_REFS | HAS_REQUIRED:
            break
    return f


class LayerMerge:
    """Merges one layer (an `LNode` tree) over a lower `MNode` tree, collecting errors."""

    def __init__(self, layer: LayerRef, memo: dict[int, tuple[LNode, MNode]] | None = None) -> None:
        self.layer = layer
        self.label = layer.label
        self.errors: list[Diagnostic] = []
        # fresh() results by LNode identity: they depend only on the node and the layer,
        # so a re-parse that shares unchanged nodes re-uses what was built for them
        self.memo = memo

    # -- errors -------------------------------------------------------------------------
    def _err(self, code: Code, msg: str, mark: Mark, path: KeyPath, hint: str = "") -> None:
        self.errors.append(
            Diagnostic(
                code, msg, mark.file, mark.line, mark.col, format_path(path), self.label, hint
            )
        )

    # -- building values with nothing below -----------------------------------------------
    def fresh(
        self, ln: LNode, path: KeyPath, op: str = "set", prev: Prov | None = None
    ) -> MNode | None:
        memo = self.memo
        if memo is None or ln.kind == SCALAR or op != "set" or prev is not None:
            return self._fresh(ln, path, op, prev)  # scalars are cheaper to rebuild
        hit = memo.get(id(ln))
        if hit is not None and hit[0] is ln:
            return hit[1]
        n_errors = len(self.errors)
        node = self._fresh(ln, path, op, prev)
        if node is not None and len(self.errors) == n_errors:
            memo[id(ln)] = (ln, node)
        return node

    def _fresh(self, ln: LNode, path: KeyPath, op: str, prev: Prov | None) -> MNode | None:
        tag = ln.tag
        if tag == "invalid":
            return None
        if tag == "delete":
            self._err(
                Code.DELETE_MISSING,
                f"!delete of '{format_path(path)}', which no lower layer defines",
                ln.mark,
                path,
            )
            return None
        if tag == "required":
            if self.layer.kind != "base":
                self._err(
                    Code.MISPLACED_TAG,
                    "!required is a placeholder for base.yaml; a higher layer must set a value",
                    ln.mark,
                    path,
                )
                return None
            if ln.kind != SCALAR or (ln.value is not None and not isinstance(ln.value, str)):
                self._err(
                    Code.MISPLACED_TAG,
                    "!required takes no value (or a short description string)",
                    ln.mark,
                    path,
                )
            note = ln.value if isinstance(ln.value, str) else None
            return MNode(
                REQUIRED, note, Prov(self.label, ln.mark, op, "!required", prev), HAS_REQUIRED
            )
        if tag == "replace":
            op = "replaced"
        elif tag == "append":
            if ln.kind != LIST:
                self._err(Code.MISPLACED_TAG, "!append takes a list", ln.mark, path)
                return None
            op = "appended"
        if ln.kind == MAP:
            children: dict[str, MNode] = {}
            for key, child in ln.value.items():
                node = self.fresh(child, (*path, key))
                if node is not None:
                    children[key] = node
            return MNode(
                MAP, children, Prov(self.label, ln.mark, op, "{…}", prev), child_flags(children)
            )
        if ln.kind == LIST:
            items = self._list_items(ln, path, "appended" if op == "appended" else "set", 0)
            return MNode(
                LIST,
                items,
                Prov(self.label, ln.mark, op, f"[{len(items)} items]", prev),
                child_flags(items),
            )
        return MNode(
            SCALAR,
            ln.value,
            Prov(self.label, ln.mark, op, None, prev, raw=ln.value),
            scalar_flags(ln.value),
        )

    def _list_items(self, ln: LNode, path: KeyPath, op: str, start: int) -> list[MNode]:
        items: list[MNode] = []
        for i, child in enumerate(ln.value):
            if child.tag in ("delete", "append", "required"):
                self._err(
                    Code.MISPLACED_TAG,
                    f"!{child.tag} cannot tag a list item",
                    child.mark,
                    (*path, start + i),
                )
                continue
            node = self.fresh(child, (*path, start + i), op)
            if node is not None:
                items.append(node)
        return items

    # -- merging over a lower value ---------------------------------------------------------
    def merge(self, lower: MNode | None, ln: LNode, path: KeyPath) -> MNode | None:
        """The merged value, or None when the key is deleted or the upper value rejected."""
        if lower is None:
            return self.fresh(ln, path)
        tag = ln.tag
        if tag == "invalid":
            return lower
        if tag == "required":
            return self.fresh(ln, path, prev=lower.prov) or lower
        if tag == "replace":
            return self.fresh(ln, path, prev=lower.prov) or lower
        if tag == "append":
            if ln.kind != LIST:
                self._err(Code.MISPLACED_TAG, "!append takes a list", ln.mark, path)
                return lower
            if lower.kind == REQUIRED:
                return self.fresh(ln, path, prev=lower.prov)
            if lower.kind != LIST:
                self._kind_conflict(lower, ln, path)
                return lower
            added = self._list_items(ln, path, "appended", len(lower.value))
            items = [*lower.value, *added]
            prov = Prov(self.label, ln.mark, "appended", f"[{len(items)} items]", lower.prov)
            return MNode(LIST, items, prov, child_flags(items))
        if lower.kind == REQUIRED:
            return self.fresh(ln, path, prev=lower.prov)
        if ln.kind != lower.kind:
            self._kind_conflict(lower, ln, path)
            return lower
        if ln.kind == MAP:
            return self._merge_map(lower, ln, path)
        if ln.kind == LIST:
            return self.fresh(ln, path, op="replaced", prev=lower.prov)
        value = ln.value
        return MNode(
            SCALAR,
            value,
            Prov(self.label, ln.mark, "set", None, lower.prov, raw=value),
            scalar_flags(value),
        )

    def merge_root(self, lower: MNode | None, ln: LNode) -> MNode:
        if lower is None:
            node = self.fresh(ln, ())
            assert node is not None
            return node
        return self._merge_map(lower, ln, ())

    def _merge_map(self, lower: MNode, ln: LNode, path: KeyPath) -> MNode:
        children = dict(lower.value)
        deleted = dict(lower.deleted) if lower.deleted else None
        key_marks = ln.key_marks or {}
        for key, child in ln.value.items():
            cpath = (*path, key)
            below = children.get(key)
            if child.tag == "delete":
                if child.kind != SCALAR or child.value is not None:
                    self._err(Code.MISPLACED_TAG, "!delete takes no value", child.mark, cpath)
                    continue
                if below is None:
                    hint = did_you_mean(key, children)
                    self._err(
                        Code.DELETE_MISSING,
                        f"!delete of '{format_path(cpath)}', which no lower layer defines",
                        key_marks.get(key, child.mark),
                        cpath,
                        hint,
                    )
                    continue
                del children[key]
                if deleted is None:
                    deleted = {}
                shown = "{…}" if below.kind == MAP else below.prov.display
                deleted[key] = Prov(
                    self.label, key_marks.get(key, child.mark), "deleted", shown, below.prov
                )
                continue
            if below is None and deleted and key in deleted:
                node = self.fresh(child, cpath, prev=deleted.pop(key))
            else:
                node = self.merge(below, child, cpath)
            if node is not None:
                children[key] = node
        prov = Prov(self.label, ln.mark, "merged", "{…}", lower.prov)
        return MNode(MAP, children, prov, child_flags(children), deleted or None)

    def _kind_conflict(self, lower: MNode, ln: LNode, path: KeyPath) -> None:
        lo = lower.prov
        self._err(
            Code.KIND_CONFLICT,
            f"'{format_path(path)}' is {_KIND_WORD[lower.kind]} in {lo.layer} ({_short(lo.mark)}) "
            f"but {_KIND_WORD[ln.kind]} here in {self.label} ({_short(ln.mark)})",
            ln.mark,
            path,
            "mark the value !replace to change its kind on purpose",
        )


def _short(mark: Mark) -> str:
    return f"{os.path.basename(mark.file)}:{mark.line}:{mark.col}"


def fold(
    layers: list[tuple[LayerRef, LNode]], lower: MNode | None = None
) -> tuple[MNode | None, list[Diagnostic]]:
    """Left fold of layers over `lower` (None: start empty)."""
    errors: list[Diagnostic] = []
    node = lower
    for ref, tree in layers:
        lm = LayerMerge(ref)
        node = lm.merge_root(node, tree)
        errors.extend(lm.errors)
    return node, errors


def overlay(
    lower: MNode | None, key: str, values: list[tuple[str, str, Mark]], prov: Prov
) -> MNode:
    """`lower` with `key.<name>` set to each (name, value, mark) of `values`: a layer made
    of data rather than a file (the infrastructure state's outputs, docs/infrastructure.md).
    Each value replaces what is below it, whatever its kind (the layer schema then says
    what is wrong below); `prov` is the layer's own (its label, its source, its op)."""
    root = lower if lower is not None and lower.kind == MAP else None
    below = root.value.get(key) if root is not None else None
    children = dict(below.value) if below is not None and below.kind == MAP else {}
    for name, value, mark in values:
        under = children.get(name)
        children[name] = MNode(
            SCALAR,
            value,
            Prov(prov.layer, mark, prov.op, None, under.prov if under else None, raw=value),
            scalar_flags(value),
        )
    section_prov = Prov(prov.layer, prov.mark, "merged", "{…}", below.prov if below else None)
    section = MNode(
        MAP,
        children,
        section_prov,
        child_flags(children),
        below.deleted if below is not None and below.kind == MAP else None,
    )
    top = dict(root.value) if root is not None else {}
    top[key] = section
    top_prov = Prov(prov.layer, prov.mark, "merged", "{…}", root.prov if root else None)
    return MNode(MAP, top, top_prov, child_flags(top), root.deleted if root else None)
