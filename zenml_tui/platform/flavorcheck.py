"""Component configuration checked against the flavor schemas the server reports, before
Terraform runs: unknown flavors, unknown keys (with "did you mean"), missing required
keys and values of the wrong type, each located in the layer that set it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.engine import ScopeResult
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import MAP, KeyPath, MNode, Prov, format_path, lookup
from zenml_tui.zenml_vocab import FlavorSchemas

if TYPE_CHECKING:
    from zenml_tui.platform.engine import PlatformEngine

_JSON_TYPES = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


def _fits(value: Any, types: list[str]) -> bool:
    if not types or ("null" in types and value is None):
        return True
    if isinstance(value, bool):
        return "boolean" in types or "string" in types
    if isinstance(value, int):
        return bool({"integer", "number", "string"} & set(types))
    if isinstance(value, float):
        return bool({"number", "string"} & set(types))
    if isinstance(value, dict):
        return "object" in types
    if isinstance(value, list):
        return "array" in types
    if isinstance(value, str):
        if "string" in types:
            return True
        text = value.strip()
        if "boolean" in types and text.lower() in ("true", "false"):
            return True
        if {"integer", "number"} & set(types):
            try:
                float(text)
                return True
            except ValueError:
                pass
        if {"object", "array"} & set(types):
            try:
                return isinstance(json.loads(text), dict | list)
            except ValueError:
                return False
        return False
    return value is None


def _err(code: Code, msg: str, prov: Prov, path: KeyPath, hint: str = "") -> Diagnostic:
    m = prov.mark
    return Diagnostic(code, msg, m.file, m.line, m.col, format_path(path), prov.layer, hint)


def check_scope(
    result: ScopeResult, schemas: FlavorSchemas, only: set[str] | None = None
) -> list[Diagnostic]:
    """Flavor errors of one scope's components (`only`: these component types)."""
    out: list[Diagnostic] = []
    comps = lookup(result.tree, ("components",))
    if comps is None or comps.kind != MAP:
        return out
    for kind, comp in comps.value.items():
        if (only is not None and kind not in only) or comp.kind != MAP:
            continue
        flavor_node = comp.value.get("flavor")
        flavor = flavor_node.value if flavor_node is not None else None
        known = schemas.get(kind, {})
        if not isinstance(flavor, str):
            continue
        schema = known.get(flavor)
        base = ("components", kind)
        if schema is None:
            out.append(
                _err(
                    Code.INVALID_VALUE,
                    f"'{flavor}' is not a {kind} flavor this ZenML server knows",
                    flavor_node.prov,
                    (*base, "flavor"),
                    did_you_mean(flavor, known) or f"known: {', '.join(sorted(known))}",
                )
            )
            continue
        props: dict[str, list[str]] = schema["properties"]
        entries: dict[str, tuple[MNode, KeyPath]] = {}
        cfg = comp.value.get("configuration")
        if cfg is not None and cfg.kind == MAP:
            for key, node in cfg.value.items():
                entries[key] = (node, (*base, "configuration", key))
        by_flavor = lookup(comp, ("by_flavor", flavor))
        if by_flavor is not None and by_flavor.kind == MAP:
            for key, node in by_flavor.value.items():
                entries[key] = (node, (*base, "by_flavor", flavor, key))
        for key, (node, path) in entries.items():
            if key not in props:  # ZenML refuses any key its config class lacks
                out.append(
                    _err(
                        Code.UNKNOWN_KEY,
                        f"the {flavor} {kind} has no setting '{key}'",
                        node.prov,
                        path,
                        did_you_mean(key, props) or "",
                    )
                )
                continue
            from zenml_tui.platform.nodes import to_plain

            value = to_plain(node)
            if not _fits(value, props[key]):
                out.append(
                    _err(
                        Code.WRONG_TYPE,
                        f"'{key}' of the {flavor} {kind} expects {' or '.join(props[key])}",
                        node.prov,
                        path,
                    )
                )
        for key in schema.get("required", []):
            if key not in entries:
                out.append(
                    _err(
                        Code.MISSING_FIELD,
                        f"the {flavor} {kind} requires '{key}'",
                        comp.prov,
                        (*base, "configuration", key),
                        f"set components.{kind}.configuration.{key}",
                    )
                )
    return out


def check_environment(
    engine: PlatformEngine, environment: str, schemas: FlavorSchemas
) -> list[Diagnostic]:
    """Every scope of the environment: the components each scope actually registers."""
    from zenml_tui.platform.definition import Scope
    from zenml_tui.platform.engine import BASE_STACK_TYPES
    from zenml_tui.platform.errors import dedupe

    platform = engine.platform
    spec = platform.spec
    errors = check_scope(engine.scope(Scope(environment)), schemas, set(BASE_STACK_TYPES))
    for team_name, team in spec.teams.items():
        errors += check_scope(
            engine.scope(Scope(environment, team_name)), schemas, set(team.components)
        )
    for project, p in spec.projects.items():
        errors += check_scope(
            engine.scope(Scope(environment, p.team, project)), schemas, {"artifact_store"}
        )
    return dedupe(errors)
