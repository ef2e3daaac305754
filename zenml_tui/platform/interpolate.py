"""Rule 10 and 11: `${path}` and `${context}` references, resolved after the full merge;
`${secret:NAME}` stays an opaque reference that is never resolved here.

Only subtrees flagged HAS_REFS are visited; everything else is shared unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zenml_tui.platform.errors import Code, Diagnostic, did_you_mean
from zenml_tui.platform.nodes import (
    HAS_REFS,
    HAS_REQUIRED,
    LIST,
    MAP,
    REQUIRED,
    SCALAR,
    SECRET,
    MNode,
    Prov,
    SecretRef,
    display,
    format_path,
    lookup,
    parse_path_cached,
)

REF = re.compile(r"\$(\$)?\{([^{}]*)\}")
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONTEXT_NAMES = ("environment", "team", "project", "platform", "stack_version", "cloud")
_SCOPE_OF = {"team": "team and project scopes", "project": "project scopes"}


class _Unresolved(Exception):
    """A reference could not be resolved; the error is already recorded."""


class Resolver:
    def __init__(
        self,
        root: MNode,
        context: Mapping[str, str | None],
        secrets: set[str] | None,
        scope_label: str,
    ) -> None:
        self.root = root
        self.context = context
        self.secrets = secrets
        self.scope_label = scope_label
        self.errors: list[Diagnostic] = []
        self.memo: dict[tuple, MNode | None] = {}
        self.stack: list[tuple] = []

    def err(self, code: Code, msg: str, prov: Prov, path: tuple, hint: str = "") -> None:
        m = prov.mark
        self.errors.append(
            Diagnostic(code, msg, m.file, m.line, m.col, format_path(path), prov.layer, hint)
        )

    # -- tree walk ----------------------------------------------------------------------
    def node(self, node: MNode, path: tuple) -> MNode | None:
        """The resolved node (None: unresolvable, error recorded)."""
        if not node.flags & HAS_REFS:
            return node
        if path in self.memo:
            return self.memo[path]
        if path in self.stack:
            raise _Cycle(path)
        self.stack.append(path)
        try:
            result = self._node(node, path)
        finally:
            self.stack.pop()
        self.memo[path] = result
        return result

    def _node(self, node: MNode, path: tuple) -> MNode | None:
        # Resolved values are never re-scanned, so a rebuilt container keeps only the
        # HAS_REQUIRED flag of the original.
        if node.kind == MAP:
            changed = False
            children: dict[str, MNode] = {}
            for k, v in node.value.items():
                if not v.flags & HAS_REFS:
                    children[k] = v
                    continue
                r = self.node(v, (*path, k))
                if r is not v:
                    changed = True
                if r is not None:
                    children[k] = r
            if not changed:
                return node
            return MNode(MAP, children, node.prov, node.flags & HAS_REQUIRED, node.deleted)
        if node.kind == LIST:
            items: list[MNode] = []
            changed = False
            for i, v in enumerate(node.value):
                if not v.flags & HAS_REFS:
                    items.append(v)
                    continue
                r = self.node(v, (*path, i))
                if r is not v:
                    changed = True
                if r is not None:
                    items.append(r)
            if not changed:
                return node
            return MNode(LIST, items, node.prov, node.flags & HAS_REQUIRED)
        if node.kind == SCALAR and isinstance(node.value, str):
            return self.string(node, path)
        return node

    # -- one string -----------------------------------------------------------------------
    def string(self, node: MNode, path: tuple) -> MNode | None:
        text: str = node.value
        prov = node.prov
        matches = list(REF.finditer(text))
        refs = [m for m in matches if m.group(1) is None]
        unterminated = _unterminated(text)
        if unterminated >= 0:
            self.err(
                Code.REF_SYNTAX,
                f"unterminated reference at character {unterminated + 1}",
                prov,
                path,
                "close it with '}', or write $${ for a literal ${",
            )
            return None
        if not refs:  # only escapes
            return MNode(SCALAR, text.replace("$${", "${"), prov, 0)
        whole = len(matches) == 1 and refs and refs[0].span() == (0, len(text))
        try:
            if whole:
                target, tprov = self.ref(refs[0].group(2).strip(), node, path, whole=True)
                if target.kind == SECRET:
                    return target
                resolved = Prov(
                    prov.layer,
                    prov.mark,
                    "interpolated",
                    display(target.value)
                    if target.kind == SCALAR
                    else "{…}"
                    if target.kind == MAP
                    else "[…]",
                    prov,
                    ((refs[0].group(2).strip(), tprov),),
                )
                return MNode(target.kind, target.value, resolved, target.flags, None)
            parts: list[str] = []
            pos = 0
            used: list[tuple[str, Prov | None]] = []
            for m in matches:
                parts.append(text[pos : m.start()])
                pos = m.end()
                if m.group(1) is not None:
                    parts.append("${" + m.group(2) + "}")
                    continue
                name = m.group(2).strip()
                target, tprov = self.ref(name, node, path, whole=False)
                used.append((name, tprov))
                if target.kind == SECRET:
                    self.err(
                        Code.SECRET_EMBEDDED,
                        f"a secret reference must be the whole value, not part of a string "
                        f"(${{{name}}})",
                        prov,
                        path,
                        "put the whole credential in the secret, so Terraform receives it intact",
                    )
                    raise _Unresolved
                if target.kind != SCALAR or target.value is None:
                    kind = "null" if target.kind == SCALAR else target.kind
                    self.err(
                        Code.REF_TYPE,
                        f"${{{name}}} is {kind} and cannot be embedded in a string",
                        prov,
                        path,
                        "reference it as the whole value to keep its type",
                    )
                    raise _Unresolved
                parts.append(_as_text(target.value))
            parts.append(text[pos:])
            value = "".join(parts)
            resolved = Prov(
                prov.layer, prov.mark, "interpolated", display(value), prov, tuple(used)
            )
            return MNode(SCALAR, value, resolved, 0)
        except _Unresolved:
            return None

    def ref(self, name: str, node: MNode, path: tuple, whole: bool) -> tuple[MNode, Prov | None]:
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
            return MNode(SECRET, SecretRef(sname), prov, 0), prov
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
            return MNode(SCALAR, value, prov, 0), None
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

    def _near(self, target_path: tuple) -> str:
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


class _Cycle(Exception):
    def __init__(self, path: tuple) -> None:
        self.path = path
        self.reported = False


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
) -> tuple[MNode, list[Diagnostic]]:
    """Resolve every reference in the tree. Unresolvable values are dropped (with errors)."""
    if not root.flags & HAS_REFS:
        return root, []
    r = Resolver(root, context, secrets, scope_label)
    try:
        out = r.node(root, ())
    except _Cycle:  # pragma: no cover - a cycle through the root itself
        out = root
    return out or root, r.errors
