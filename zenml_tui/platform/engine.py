"""The layering engine: parse, fold, resolve and validate one scope, with caches.

Layer files are parsed once per (mtime, size); an editor buffer once per text. Fold
prefixes (base<env, base<env<team) are cached by the versions of the layers in them, so
re-merging after a keystroke in a project layer re-does only the project layer's fold.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform import files
from zenml_tui.platform.definition import Platform, Scope
from zenml_tui.platform.errors import dedupe_locations
from zenml_tui.platform.incremental import patch_one_line
from zenml_tui.platform.infrastate import PROVENANCE_OP, InfraValues
from zenml_tui.platform.interpolate import ResolveCache, resolve
from zenml_tui.platform.merge import LayerMerge, overlay
from zenml_tui.platform.nodes import (
    HAS_REQUIRED,
    LIST,
    MAP,
    REQUIRED,
    KeyPath,
    LayerRef,
    LNode,
    Mark,
    MNode,
    Prov,
    format_path,
    lookup,
    to_plain,
)
from zenml_tui.platform.validate import check_complete, check_layer
from zenml_tui.platform.yamlload import decode, parse_text

# Component types the base stack of an environment is made of (ZenML requires the
# orchestrator and the artifact store in every stack).
BASE_STACK_TYPES = ("artifact_store", "container_registry", "orchestrator", "image_builder")
REQUIRED_STACK_TYPES = ("artifact_store", "orchestrator")

_versions = itertools.count(1)


@dataclass
class LayerDoc:
    """One layer as read: its tree (None when missing or unreadable) and its own errors."""

    ref: LayerRef
    path: Path
    tree: LNode | None
    errors: list[Diagnostic]
    exists: bool
    from_buffer: bool = False
    text: str | None = None
    parse_ok: bool = False  # parsed without syntax errors: a base for the keystroke fast path
    memo: dict[int, Any] = field(default_factory=dict)  # LayerMerge.fresh results by LNode id
    incremental: bool = False  # built by the one-line fast path, not a full parse
    version: int = field(default_factory=lambda: next(_versions))
    # a layer of data, not of a file: an environment's infrastructure state outputs
    infra: InfraValues | None = None


@dataclass
class ScopeResult:
    """The merged configuration of one scope."""

    scope: Scope
    layers: list[LayerDoc]
    merged: MNode  # before interpolation
    tree: MNode  # resolved
    errors: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not self.errors

    def plain(self) -> dict[str, Any]:
        """Plain values, secrets as «secret:NAME»."""
        plain: dict[str, Any] = to_plain(self.tree)
        return plain

    def node(self, path: KeyPath) -> MNode | None:
        return lookup(self.tree, path)

    def deletion(self, path: KeyPath) -> Prov | None:
        """The provenance of a deleted key, when `path` was removed by `!delete`."""
        if not path:
            return None
        parent = lookup(self.tree, path[:-1])
        key = path[-1]
        if parent is None or parent.kind != MAP or not parent.deleted or not isinstance(key, str):
            return None
        return parent.deleted.get(key)


class PlatformEngine:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.secrets = set(platform.spec.secrets)
        self._files: dict[Path, tuple[tuple[int, int], LayerDoc]] = {}
        self._buffers: dict[tuple[Path, str], LayerDoc] = {}
        self._latest: dict[Path, LayerDoc] = {}  # the last text parsed per layer file
        self._prefix: dict[tuple[int, ...], tuple[MNode | None, list[Diagnostic]]] = {}
        self._scopes: dict[tuple[Scope, tuple[int, ...]], ScopeResult] = {}
        self._resolved = ResolveCache()
        self._infra: dict[str, LayerDoc] = {}  # environment -> its infrastructure layer

    # -- the infrastructure state ---------------------------------------------------------
    def set_infrastructure(self, environment: str, values: InfraValues | None) -> bool:
        """Feed an environment's infrastructure state outputs (None: it has none), read
        by the caller: the layer `infra:<env>` right above base (docs/infrastructure.md).
        True when that changes what the environment's scopes merge."""
        old = self._infra.get(environment)
        if values is None or not values.outputs:
            return self._infra.pop(environment, None) is not None
        if old is not None and old.infra == values:
            return False
        ref = LayerRef("infra", environment)
        self._infra[environment] = LayerDoc(ref, Path(values.source), None, [], False, infra=values)
        return True

    def infrastructure(self, environment: str) -> InfraValues | None:
        doc = self._infra.get(environment)
        return doc.infra if doc is not None else None

    # -- layers ---------------------------------------------------------------------------
    def layer(self, ref: LayerRef, buffers: dict[Path, str] | None = None) -> LayerDoc:
        path = self.platform.layer_path(ref)
        if buffers and path in buffers:
            text = buffers[path]
            key = (path, text)
            doc = self._buffers.get(key)
            if doc is None:
                # the edited layer's text before the edit and the edit, and the other
                # unsaved layers' texts (a render of every scope reads them all)
                while len(self._buffers) >= max(2, len(buffers) + 1):
                    self._buffers.pop(next(iter(self._buffers)))
                doc = self._patch(ref, path, text) or self._parse(ref, path, text, True)
                self._buffers[key] = doc
                self._latest[path] = doc
            return doc
        try:
            st = os.stat(path)
        except FileNotFoundError:
            stamp = (-1, -1) if not files.exists(path) else (-2, -2)  # a dangling link
        except OSError:
            stamp = (-2, -2)  # a link loop, or worse: read_bytes says which
        else:
            stamp = (st.st_mtime_ns, st.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == stamp and stamp[0] >= 0:
            return cached[1]
        if stamp == (-1, -1):
            doc = LayerDoc(ref, path, None, [], exists=False)
        else:
            data, refused = files.read_bytes(path, self.platform.root)
            if refused is not None or data is None:
                doc = LayerDoc(ref, path, None, [refused] if refused else [], exists=True)
            else:
                decoded, derr = decode(data, str(path))
                if derr is not None or decoded is None:
                    doc = LayerDoc(ref, path, None, [derr] if derr else [], exists=True)
                else:
                    doc = self._parse(ref, path, decoded)
        self._files[path] = (stamp, doc)
        return doc

    def _parse(self, ref: LayerRef, path: Path, text: str, from_buffer: bool = False) -> LayerDoc:
        tree, errors = parse_text(text, str(path))
        errors = [_with_layer(e, ref.label) for e in errors]
        parse_ok = tree is not None and not errors
        if tree is not None:
            errors.extend(check_layer(tree, ref.label))
        doc = LayerDoc(ref, path, tree, errors, True, from_buffer, text, parse_ok)
        self._latest[path] = doc
        return doc

    def _patch(self, ref: LayerRef, path: Path, text: str) -> LayerDoc | None:
        """The keystroke fast path: a one-line scalar edit of the last text seen."""
        prev = self._latest.get(path)
        if prev is None or not prev.parse_ok or prev.tree is None or prev.text is None:
            return None
        patched = patch_one_line(prev.text, prev.tree, text, str(path))
        if patched is None:
            return None
        tree, replaced = patched
        for node in replaced:  # their memo entries can never hit again
            prev.memo.pop(id(node), None)
        errors = check_layer(tree, ref.label)
        return LayerDoc(ref, path, tree, errors, True, True, text, True, prev.memo, True)

    # -- scopes ---------------------------------------------------------------------------
    def scope(self, scope: Scope, buffers: dict[Path, str] | None = None) -> ScopeResult:
        refs = self.platform.layers_for(scope)
        docs = [self.layer(r, buffers) for r in refs]
        infra = self._infra.get(scope.environment)
        if infra is not None:
            docs.insert(1, infra)
        versions = tuple(d.version for d in docs)
        cached = self._scopes.get((scope, versions))
        if cached is not None:
            return cached
        merged, merge_errors = self._fold(docs)
        if merged is None:
            merged = MNode(MAP, {}, Prov("base", Mark(str(docs[0].path), 1, 1), "set", "{}"))
        context = self.platform.context(scope)
        tree, ref_errors = resolve(merged, context, self.secrets, scope.label, self._resolved)
        unreadable = [d for d in docs if d.exists and d.tree is None]
        if unreadable:  # a layer that cannot be read: its errors, not what its absence causes
            own = [e for d in unreadable for e in d.errors]
            result = ScopeResult(scope, docs, merged, tree, dedupe_locations(own))
            if not any(d.from_buffer for d in docs):
                self._scopes[(scope, versions)] = result
            return result
        # merge errors first: a kind conflict explains more than the layer's type error
        errors: list[Diagnostic] = list(merge_errors)
        for d in docs:
            errors.extend(d.errors)
        errors.extend(ref_errors)
        required = self._required_errors(tree, scope, docs)
        errors.extend(required)
        files = [d for d in docs if d.infra is None]
        layers_hint = ", ".join(str(self._rel(d.path)) for d in files[1:]) or str(
            self._rel(docs[0].path)
        )
        # the merged check repeats what a layer check already located: keep the layer's
        reported = {(e.code, e.path) for e in errors}
        placeholders = {e.path for e in required}
        errors.extend(
            e
            for e in check_complete(tree, scope.label, layers_hint)
            if (e.code, e.path) not in reported and e.path not in placeholders
        )
        errors.extend(self._component_errors(tree, scope))
        result = ScopeResult(scope, docs, merged, tree, dedupe_locations(errors))
        if not any(d.from_buffer for d in docs):  # buffers change per keystroke: not kept
            if len(self._scopes) > 4096:
                self._scopes.clear()
            self._scopes[(scope, versions)] = result
        return result

    def _fold(self, docs: list[LayerDoc]) -> tuple[MNode | None, list[Diagnostic]]:
        """Fold layers, reusing the cached fold of the longest known prefix."""
        n = len(docs)
        start, node = 0, None
        errors: list[Diagnostic] = []
        shared = 3 + sum(1 for d in docs if d.infra is not None)  # base<infra<env<team
        for k in range(n, 0, -1):
            hit = self._prefix.get(tuple(d.version for d in docs[:k]))
            if hit is not None:
                start, (node, errors) = k, hit
                errors = list(errors)
                break
        for k in range(start, n):
            d = docs[k]
            if d.infra is not None:
                values = d.infra
                node = overlay(
                    node,
                    "infrastructure",
                    [(o.name, o.value, Mark(values.source, o.line, o.col)) for o in values.outputs],
                    Prov(d.ref.label, Mark(values.source, 1, 1), PROVENANCE_OP, "{…}"),
                )
            elif d.tree is not None:
                lm = LayerMerge(d.ref, d.memo)
                node = lm.merge_root(node, d.tree)
                errors.extend(lm.errors)
            if k < shared and not any(x.from_buffer for x in docs[: k + 1]):  # shared prefixes
                if len(self._prefix) > 1024:
                    self._prefix.clear()
                self._prefix[tuple(x.version for x in docs[: k + 1])] = (node, list(errors))
        return node, errors

    def _rel(self, path: Path) -> Path:
        try:
            return path.relative_to(self.platform.root)
        except ValueError:  # pragma: no cover
            return path

    def _required_errors(self, tree: MNode, scope: Scope, docs: list[LayerDoc]) -> list[Diagnostic]:
        if not tree.flags & HAS_REQUIRED:
            return []
        out: list[Diagnostic] = []
        files = [d for d in docs[1:] if d.infra is None]
        could = " or ".join(str(self._rel(d.path)) for d in files) or "a higher layer"

        def visit(node: MNode, path: KeyPath) -> None:
            if not node.flags & HAS_REQUIRED:
                return
            if node.kind == REQUIRED:
                m = node.prov.mark
                what = f" ({node.value})" if node.value else ""
                out.append(
                    Diagnostic(
                        Code.REQUIRED_UNFILLED,
                        f"'{format_path(path)}'{what} is !required but no layer of "
                        f"{scope.label} sets it",
                        m.file,
                        m.line,
                        m.col,
                        format_path(path),
                        node.prov.layer,
                        f"set it in {could}",
                    )
                )
            elif node.kind == MAP:
                for k, v in node.value.items():
                    visit(v, (*path, k))
            elif node.kind == LIST:
                for i, v in enumerate(node.value):
                    visit(v, (*path, i))

        visit(tree, ())
        return out

    def _component_errors(self, tree: MNode, scope: Scope) -> list[Diagnostic]:
        """Every stack needs its orchestrator and artifact store; each team need must be
        defined in the team's scopes, or explicitly `!delete`d by the environment."""
        out: list[Diagnostic] = []
        comps = lookup(tree, ("components",))
        present = set(comps.value) if comps is not None and comps.kind == MAP else set()
        deleted = set(comps.deleted or {}) if comps is not None and comps.kind == MAP else set()
        for t in REQUIRED_STACK_TYPES:
            if t not in present:
                gone = comps.deleted.get(t) if comps is not None and comps.deleted else None
                where = (gone or (comps or tree).prov).mark
                out.append(
                    Diagnostic(
                        Code.MISSING_COMPONENT,
                        f"every ZenML stack needs an {t}, but {scope.label} defines no "
                        f"components.{t}",
                        where.file,
                        where.line,
                        where.col,
                        f"components.{t}",
                    )
                )
        if scope.team:
            team = self.platform.spec.teams[scope.team]
            for i, need in enumerate(team.components):
                if need in present or need in deleted:
                    continue
                line, col = self.platform.locate(("teams", scope.team, "components", i))
                out.append(
                    Diagnostic(
                        Code.MISSING_COMPONENT,
                        f"team '{scope.team}' needs a {need}, but {scope.label} defines no "
                        f"components.{need}",
                        str(self.platform.file),
                        line,
                        col,
                        f"components.{need}",
                        hint=f"define components.{need} in a layer, or `!delete` it in the "
                        "environment's layer where it does not exist",
                    )
                )
        return out

    def all_scopes(self) -> list[ScopeResult]:
        return [self.scope(s) for s in self.platform.scopes()]


def _with_layer(d: Diagnostic, layer: str) -> Diagnostic:
    if d.layer:
        return d
    return Diagnostic(d.code, d.message, d.file, d.line, d.col, d.path, layer, d.hint)
