"""docs/layering.md, "References" and "Secrets": `${path}` and `${context}` references,
resolved after the full merge;
`${secret:NAME}` stays an opaque reference that is never resolved here.

Only subtrees flagged HAS_REFS are visited; everything else is shared unchanged. A
`ResolveCache` shared across scopes reuses a resolved string or map whenever its
references resolve to the very same nodes (most scopes of a platform differ in a few
values only), which also keeps the plain-value caches of those nodes warm.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import (
    HAS_REFS,
    HAS_REQUIRED,
    LIST,
    MAP,
    REQUIRED,
    SCALAR,
    SECRET,
    KeyPath,
    MNode,
    Prov,
    SecretRef,
    format_path,
    lookup,
    parse_path_cached,
)

MAX_REF_DEPTH = 128  # references followed, with nesting, to resolve one value
MAX_STRING = 1_000_000  # characters of one interpolated string
REF = re.compile(r"\$(\$)?\{([^{}]*)\}")
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONTEXT_NAMES = ("environment", "team", "project", "platform", "stack_version", "cloud")
_SCOPE_OF = {"team": "team and project scopes", "project": "project scopes"}


CacheKey = tuple[object, ...]  # node identities (and names) a resolution depends on
_Entry = tuple["weakref.ref[MNode]", list["weakref.ref[MNode]"], "MNode"]


@dataclass(frozen=True, slots=True)
class Template:
    """A string split into literal text and references."""

    parts: tuple[tuple[bool, str], ...]  # (is_ref, text); literal escapes already unescaped
    refs: tuple[str, ...]
    whole: bool  # exactly one reference and nothing else
    unterminated: int  # index of a `${` with no closing brace, or -1


@functools.lru_cache(maxsize=16384)
def template(text: str) -> Template:
    parts: list[tuple[bool, str]] = []
    refs: list[str] = []
    pos = 0
    matches = list(REF.finditer(text))
    for m in matches:
        if m.start() > pos:
            parts.append((False, text[pos : m.start()]))
        pos = m.end()
        if m.group(1) is not None:
            parts.append((False, "${" + m.group(2) + "}"))
        else:
            name = m.group(2).strip()
            parts.append((True, name))
            refs.append(name)
    if pos < len(text):
        parts.append((False, text[pos:]))
    whole = len(matches) == 1 and bool(refs) and matches[0].span() == (0, len(text))
    return Template(tuple(parts), tuple(refs), whole, _unterminated(text))


class ResolveCache:
    """Resolved strings and maps, reusable across scopes (keyed by node identity and the
    identity of what their references resolved to).

    Entries hold the template node and the dependencies weakly: when an editor re-parse
    drops an old tree, its entries go with it instead of keeping the tree alive.
    """

    def __init__(self) -> None:
        self.entries: dict[CacheKey, _Entry] = {}
        self.context_nodes: dict[tuple[str, str], MNode] = {}

    def get(self, key: CacheKey, node: MNode) -> MNode | None:
        hit = self.entries.get(key)
        if hit is None or hit[0]() is not node:
            return None
        for dep in hit[1]:
            if dep() is None:
                return None
        return hit[2]

    def put(self, key: CacheKey, node: MNode, deps: list[MNode], result: MNode) -> None:
        entries = self.entries
        if len(entries) > 200_000:
            entries.clear()

        def drop(_ref: weakref.ref[MNode], key: CacheKey = key) -> None:
            entries.pop(key, None)

        entries[key] = (weakref.ref(node, drop), [weakref.ref(d) for d in deps], result)

    def context_node(self, name: str, value: str, prov: Prov) -> MNode:
        key = (name, value)
        node = self.context_nodes.get(key)
        if node is None:
            node = MNode(SCALAR, value, prov, 0)
            self.context_nodes[key] = node
        return node


class _Unresolved(Exception):
    """A reference could not be resolved; the error is already recorded."""


class _Cycle(Exception):
    def __init__(self, path: KeyPath) -> None:
        self.path = path
        self.reported = False


class Resolver:
    def __init__(
        self,
        root: MNode,
        context: Mapping[str, str | None],
        secrets: set[str] | None,
        scope_label: str,
        cache: ResolveCache | None = None,
    ) -> None:
        self.root = root
        self.context = context
        self.secrets = secrets
        self.scope_label = scope_label
        self.cache = cache if cache is not None else ResolveCache()
        self.errors: list[Diagnostic] = []
        self.memo: dict[KeyPath, MNode | None] = {}
        self.stack: list[KeyPath] = []

    def err(self, code: Code, msg: str, prov: Prov, path: KeyPath, hint: str = "") -> None:
        m = prov.mark
        self.errors.append(
            Diagnostic(code, msg, m.file, m.line, m.col, format_path(path), prov.layer, hint)
        )

    # -- tree walk ----------------------------------------------------------------------
    def node(self, node: MNode, path: KeyPath) -> MNode | None:
        """The resolved node (None: unresolvable, error recorded)."""
        if not node.flags & HAS_REFS:
            return node
        if path in self.memo:
            return self.memo[path]
        if path in self.stack:
            raise _Cycle(path)
        if len(self.stack) >= MAX_REF_DEPTH:
            self.err(
                Code.REF_TOO_DEEP,
                f"resolving this value follows more than {MAX_REF_DEPTH} references and "
                "nested values",
                node.prov,
                path,
                "refer to the value itself rather than through a chain of references",
            )
            return None
        self.stack.append(path)
        try:
            result = self._node(node, path)
        finally:
            self.stack.pop()
        self.memo[path] = result
        return result

    def _node(self, node: MNode, path: KeyPath) -> MNode | None:
        # Resolved values are never re-scanned, so a rebuilt container keeps only the
        # HAS_REQUIRED flag of the original.
        if node.kind == SCALAR:
            return self.string(node, path) if isinstance(node.value, str) else node
        if node.kind not in (MAP, LIST):
            return node
        is_map = node.kind == MAP
        items = node.value.items() if is_map else enumerate(node.value)
        out_map: dict[str | int, MNode] = {}
        out_list: list[MNode] = []
        changed = failed = False
        key: list[object] = [id(node)]
        for k, v in items:
            if v.flags & HAS_REFS:
                r = self.node(v, (*path, k))
                if r is not v:
                    changed = True
                if r is None:
                    failed = True
                    continue
                key.append(id(r))
                v = r
            if is_map:
                out_map[k] = v
            else:
                out_list.append(v)
        if not changed:
            return node
        ckey = tuple(key)
        hit = self.cache.get(ckey, node)
        if hit is not None:
            return hit
        flags = node.flags & HAS_REQUIRED
        out: dict[str | int, MNode] | list[MNode] = out_map if is_map else out_list
        result = MNode(node.kind, out, node.prov, flags, node.deleted if is_map else None)
        if not failed:
            deps = list(out_map.values()) if is_map else out_list
            self.cache.put(ckey, node, deps, result)
        return result

    # -- one string -----------------------------------------------------------------------
    def string(self, node: MNode, path: KeyPath) -> MNode | None:
        tpl = template(node.value)
        prov = node.prov
        if tpl.unterminated >= 0:
            self.err(
                Code.REF_SYNTAX,
                f"unterminated reference at character {tpl.unterminated + 1}",
                prov,
                path,
                "close it with '}', or write $${ for a literal ${",
            )
            return None
        n_errors = len(self.errors)
        try:
            targets = [self.ref(name, node, path) for name in tpl.refs]
        except _Unresolved:
            return None
        key = (id(node), *(id(t) for t, _ in targets))
        hit = self.cache.get(key, node)
        if hit is not None:
            return hit
        try:
            result = self._compose(node, path, tpl, targets)
        except _Unresolved:
            return None
        if len(self.errors) == n_errors:
            self.cache.put(key, node, [t for t, _ in targets], result)
        return result

    def _compose(
        self, node: MNode, path: KeyPath, tpl: Template, targets: list[tuple[MNode, Prov | None]]
    ) -> MNode:
        prov = node.prov
        if not tpl.refs:  # only escapes
            return MNode(SCALAR, "".join(text for _, text in tpl.parts), prov, 0)
        used = tuple((name, tp) for name, (_, tp) in zip(tpl.refs, targets, strict=True))
        if tpl.whole:
            target = targets[0][0]
            if target.kind == SECRET:
                return target
            shown = None if target.kind == SCALAR else "{…}" if target.kind == MAP else "[…]"
            resolved = Prov(prov.layer, prov.mark, "interpolated", shown, prov, used, target.value)
            return MNode(target.kind, target.value, resolved, target.flags & HAS_REQUIRED, None)
        out: list[str] = []
        size = 0
        it = iter(targets)
        for is_ref, text in tpl.parts:
            if not is_ref:
                out.append(text)
                continue
            target = next(it)[0]
            if target.kind == SECRET:
                self.err(
                    Code.SECRET_EMBEDDED,
                    f"a secret reference must be the whole value, not part of a string "
                    f"(${{{text}}})",
                    prov,
                    path,
                    "put the whole credential in the secret, so Terraform receives it intact",
                )
                raise _Unresolved
            if target.kind != SCALAR or target.value is None:
                kind = "null" if target.kind == SCALAR else target.kind
                self.err(
                    Code.REF_TYPE,
                    f"${{{text}}} is {kind} and cannot be embedded in a string",
                    prov,
                    path,
                    "reference it as the whole value to keep its type",
                )
                raise _Unresolved
            out.append(_as_text(target.value))
            size += len(out[-1])
            if size > MAX_STRING:
                self.err(
                    Code.VALUE_TOO_LARGE,
                    f"the interpolated string grows past {MAX_STRING:,} characters",
                    prov,
                    path,
                    "references that repeat each other double the text at every step",
                )
                raise _Unresolved
        value = "".join(out)
        resolved = Prov(prov.layer, prov.mark, "interpolated", None, prov, used, value)
        return MNode(SCALAR, value, resolved, 0)

    def ref(self, name: str, node: MNode, path: KeyPath) -> tuple[MNode, Prov | None]:
        prov = node.prov
        if name.startswith("secret:"):
            sname = name[len("secret:") :].strip()
            if not SECRET_NAME.match(sname):
                self.err(Code.REF_SYNTAX, f"invalid secret name '{sname}'", prov, path)
                raise _Unresolved
            if self.secrets is not None and sname not in self.secrets:
                self.err(
                    Code.SECRET_UNDECLARED,
                    f"secret '{sname}' is not declared in platform.yaml",
                    prov,
                    path,
                    did_you_mean(sname, self.secrets)
                    or "declare it under `secrets:` with the environment variable that holds it",
                )
                raise _Unresolved
            skey = ("secret", id(node), sname)
            secret = self.cache.get(skey, node)
            if secret is None:
                secret = MNode(SECRET, SecretRef(sname), prov, 0)
                self.cache.put(skey, node, [], secret)
            return secret, prov
        if name in CONTEXT_NAMES:
            value = self.context.get(name)
            if value is None:
                self.err(
                    Code.REF_DANGLING,
                    f"${{{name}}} is only defined in {_SCOPE_OF.get(name, 'some scopes')}, "
                    f"not in {self.scope_label}",
                    prov,
                    path,
                    "set this value in a layer of that scope instead",
                )
                raise _Unresolved
            return self.cache.context_node(name, value, prov), None
        try:
            target_path = parse_path_cached(name)
        except ValueError as exc:
            self.err(Code.REF_SYNTAX, f"invalid reference ${{{name}}}: {exc}", prov, path)
            raise _Unresolved from None
        target = lookup(self.root, target_path)
        if target is None or target.kind == REQUIRED:
            if target is None:
                self.err(
                    Code.REF_DANGLING,
                    f"${{{name}}} refers to nothing in {self.scope_label}",
                    prov,
                    path,
                    self._near(target_path),
                )
            raise _Unresolved
        try:
            resolved = self.node(target, target_path)
        except _Cycle as cyc:
            if cyc.reported:
                raise _Unresolved from None
            start = self.stack.index(cyc.path)
            chain = [*self.stack[start:], cyc.path]
            cyc.reported = True
            self.err(
                Code.REF_CYCLE,
                "reference cycle: " + " -> ".join(format_path(p) for p in chain),
                prov,
                path,
            )
            raise _Unresolved from None
        if resolved is None:
            raise _Unresolved
        return resolved, target.prov

    def _near(self, target_path: KeyPath) -> str:
        parent: MNode | None = self.root
        depth = 0
        for seg in target_path:
            nxt = lookup(parent, (seg,)) if parent is not None else None
            if nxt is None:
                break
            parent, depth = nxt, depth + 1
        if parent is None or parent.kind != MAP or depth >= len(target_path):
            return ""
        seg = target_path[depth]
        names = list(parent.value)
        if depth == 0:
            names += list(CONTEXT_NAMES)
        return did_you_mean(str(seg), names)


def _unterminated(text: str) -> int:
    """Index of a `${` with no closing brace, or -1."""
    i = text.find("${")
    while i >= 0:
        close = text.find("}", i)
        if close < 0:
            return i
        i = text.find("${", close)
    return -1


def _as_text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def resolve(
    root: MNode,
    context: Mapping[str, str | None],
    secrets: set[str] | None = None,
    scope_label: str = "this scope",
    cache: ResolveCache | None = None,
) -> tuple[MNode, list[Diagnostic]]:
    """Resolve every reference in the tree. Unresolvable values are dropped (with errors)."""
    if not root.flags & HAS_REFS:
        return root, []
    r = Resolver(root, context, secrets, scope_label, cache)
    try:
        out = r.node(root, ())
    except _Cycle:  # pragma: no cover - a cycle through the root itself
        out = root
    return out or root, r.errors
