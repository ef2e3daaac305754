"""docs/layering.md, "Validation": each layer checked on its own, the merged scope
checked as complete.

Messages never quote a value that could be a credential: type errors name the kind of
value found, not the value, and pydantic's `input` is never used.
"""

from __future__ import annotations

from pydantic import ValidationError

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import (
    LIST,
    MAP,
    SCALAR,
    SECRET,
    KeyPath,
    LNode,
    Mark,
    MNode,
    Prov,
    deepest,
    format_path,
    lookup,
    to_plain,
    walk,
)
from zenml_tui.platform.schema import CREDENTIAL_KEYS, ROOT_SPEC, PlatformConfig, Spec

_TYPE_WORD = {bool: "a boolean (true/false)", int: "an integer", float: "a number", str: "a string"}


def _kind_word(ln_kind: str, value: object) -> str:
    if ln_kind == MAP:
        return "a map"
    if ln_kind == LIST:
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _expected(spec: Spec) -> str:
    if spec.kind in ("object", "map"):
        return "a map"
    if spec.kind == "enum":
        return "one of " + ", ".join(str(v) for v in spec.values)
    return " or ".join(dict.fromkeys(_TYPE_WORD[t] for t in spec.types))


def check_layer(root: LNode, layer: str, spec: Spec = ROOT_SPEC) -> list[Diagnostic]:
    """Structural check of one layer: keys known, kinds right, literal values allowed."""
    errors: list[Diagnostic] = []

    def err(
        code: Code, msg: str, node: LNode, path: KeyPath, hint: str = "", mark: Mark | None = None
    ) -> None:
        m = mark or node.mark
        errors.append(Diagnostic(code, msg, m.file, m.line, m.col, format_path(path), layer, hint))

    def visit(ln: LNode, s: Spec, path: KeyPath) -> None:
        if ln.tag in ("delete", "required", "invalid"):
            return
        if s.kind == "any":
            return
        if s.kind in ("object", "map"):
            if ln.kind != MAP:
                if ln.kind == SCALAR and ln.value is None and s.nullable:
                    return
                err(
                    Code.WRONG_TYPE,
                    f"expected a map, found {_kind_word(ln.kind, ln.value)}",
                    ln,
                    path,
                )
                return
            marks = ln.key_marks or {}
            for key, child in ln.value.items():
                cpath = (*path, key)
                if s.kind == "object":
                    sub = s.fields.get(key)
                    if sub is None:
                        err(
                            Code.UNKNOWN_KEY,
                            f"unknown key '{key}'" + (f" in {format_path(path)}" if path else ""),
                            child,
                            cpath,
                            did_you_mean(key, s.fields) or "known keys: " + ", ".join(s.fields),
                            marks.get(key),
                        )
                        continue
                else:
                    if s.keys and key not in s.keys:
                        err(
                            Code.UNKNOWN_KEY,
                            f"unknown key '{key}' in {format_path(path)}",
                            child,
                            cpath,
                            did_you_mean(key, s.keys) or "known keys: " + ", ".join(s.keys),
                            marks.get(key),
                        )
                        continue
                    sub = s.value or Spec("any")
                visit(child, sub, cpath)
            return
        # enum or scalar
        if ln.kind != SCALAR:
            err(
                Code.WRONG_TYPE,
                f"expected {_expected(s)}, found {_kind_word(ln.kind, None)}",
                ln,
                path,
            )
            return
        value = ln.value
        if value is None:
            if not s.nullable:
                err(Code.WRONG_TYPE, f"expected {_expected(s)}, found null", ln, path)
            return
        if isinstance(value, str) and "${" in value:
            return  # checked once resolved
        if s.kind == "enum":
            if value not in s.values:
                shown = (
                    f"'{value}'" if isinstance(value, str) and len(value) <= 40 else "this value"
                )
                err(
                    Code.INVALID_VALUE,
                    f"{shown} is not allowed here; expected {_expected(s)}",
                    ln,
                    path,
                    did_you_mean(str(value), [str(v) for v in s.values]),
                )
            return
        ok = isinstance(value, s.types) and not (isinstance(value, bool) and bool not in s.types)
        if not ok:
            hint = "quote it to make it a string" if str in s.types else ""
            err(
                Code.WRONG_TYPE,
                f"expected {_expected(s)}, found {_kind_word(SCALAR, value)}",
                ln,
                path,
                hint,
            )

    visit(root, spec, ())
    return errors


def check_complete(root: MNode, scope_label: str, layers_hint: str) -> list[Diagnostic]:
    """Validate the merged, resolved tree of one scope as complete."""
    errors: list[Diagnostic] = []
    try:
        PlatformConfig.model_validate(to_plain(root))
    except ValidationError as exc:
        seen: set[KeyPath] = set()
        for e in exc.errors(include_url=False, include_input=False, include_context=True):
            loc = tuple(e["loc"])
            if loc in seen:
                continue
            seen.add(loc)
            node = deepest(
                root, tuple(p for p in loc if not (isinstance(p, str) and p.startswith("[")))
            )
            prov = node.prov if node is not None else root.prov
            full = format_path([p for p in loc if not (isinstance(p, str) and p.startswith("["))])
            etype = e["type"]
            if etype == "missing":
                code = Code.MISSING_FIELD
                msg = f"'{full}' is required in {scope_label} but no layer sets it"
                hint = f"set it in {layers_hint}"
            elif etype == "extra_forbidden":
                code, msg, hint = Code.UNKNOWN_KEY, f"unknown key '{full}'", ""
            elif etype == "literal_error":
                code = Code.INVALID_VALUE
                msg = f"'{full}' must be {e.get('ctx', {}).get('expected', 'an allowed value')}"
                hint = ""
            elif etype == "value_error":
                code = Code.INVALID_VALUE
                msg = str(e.get("ctx", {}).get("error", e["msg"]))
                hint = (
                    "GCP workload identity federation is the 'external-account' method"
                    if "workload-identity" in msg
                    else ""
                )
            else:
                code = Code.WRONG_TYPE
                msg = f"'{full}': {e['msg'].replace('Input should be', 'expected')}"
                hint = ""
            m = prov.mark
            errors.append(Diagnostic(code, msg, m.file, m.line, m.col, full, prov.layer, hint))
    errors.extend(_credential_errors(root))
    errors.extend(_secret_placement_errors(root))
    return errors


SECRET_MARKER = "«secret:"


def _credential_place(path: KeyPath) -> bool:
    """Where a credential may go: a connector's or a component's configuration (and a
    component's per-flavor settings, which are configuration)."""
    if len(path) >= 3 and path[0] == "connector" and path[1] == "configuration":
        return True
    return len(path) >= 4 and path[0] == "components" and path[2] in ("configuration", "by_flavor")


def _secret_placement_errors(root: MNode) -> list[Diagnostic]:
    """A secret reference only where a credential goes (in a label or a name it would be
    registered as its placeholder text); the placeholder itself never as a literal."""
    out: list[Diagnostic] = []
    for path, node in walk(root):
        p: Prov = node.prov
        if node.kind == SECRET and not _credential_place(path):
            full = format_path(path)
            out.append(
                Diagnostic(
                    Code.SECRET_MISPLACED,
                    f"a secret reference cannot go in '{full}': secrets belong in a "
                    "connector's or a component's configuration",
                    p.mark.file,
                    p.mark.line,
                    p.mark.col,
                    full,
                    p.layer,
                    "move it into the configuration that needs the credential",
                )
            )
        elif node.kind == SCALAR and isinstance(node.value, str) and SECRET_MARKER in node.value:
            full = format_path(path)
            out.append(
                Diagnostic(
                    Code.SECRET_LITERAL,
                    f"'{full}' holds the text «secret:…», which is how zenml-tui shows a "
                    "secret, not a reference to one",
                    p.mark.file,
                    p.mark.line,
                    p.mark.col,
                    full,
                    p.layer,
                    "write ${secret:NAME} to reference the secret NAME",
                )
            )
    return out


def _credential_errors(root: MNode) -> list[Diagnostic]:
    """Credentials must be ${secret:NAME} references, never literals in a layer file."""
    out: list[Diagnostic] = []
    holders: list[tuple[KeyPath, MNode | None]] = [(("connector",), lookup(root, ("connector",)))]
    comps = lookup(root, ("components",))
    if comps is not None and comps.kind == MAP:
        holders += [(("components", k), v) for k, v in comps.value.items()]
    for path, holder in holders:
        cfg = lookup(holder, ("configuration",)) if holder is not None else None
        if cfg is None or cfg.kind != MAP:
            continue
        for key in CREDENTIAL_KEYS & cfg.value.keys():
            leaf = cfg.value[key]
            if leaf.kind != SECRET and leaf.value is not None:
                p: Prov = leaf.prov
                full = format_path((*path, "configuration", key))
                out.append(
                    Diagnostic(
                        Code.SECRET_LITERAL,
                        f"'{full}' holds a credential and must be a ${{secret:NAME}} reference",
                        p.mark.file,
                        p.mark.line,
                        p.mark.col,
                        full,
                        p.layer,
                        "declare the secret in platform.yaml and reference it here; "
                        "never commit the value",
                    )
                )
    return out
