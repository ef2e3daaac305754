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
    from pathlib import Path

    from zenml_tui.platform.engine import PlatformEngine


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
        if _lax(value, types):  # a boolean or a number written as text
            return True
        if {"object", "array"} & set(types):
            try:
                return isinstance(json.loads(value.strip()), dict | list)
            except ValueError:
                return False
        return False
    return value is None


_KIND = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "a list",
    "object": "a map",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def shape_problem(value: Any, shape: dict[str, Any], where: str = "") -> str | None:
    """What the server's validation would refuse in `value` (decoded JSON or YAML), as
    one sentence, or None. `shape` is `server.flavors.shape` of the field's schema."""
    alternatives = shape.get("anyOf") or shape.get("oneOf")
    if alternatives:
        problems = [shape_problem(value, alt, where) for alt in alternatives]
        if any(p is None for p in problems):
            return None
        return next((p for p in problems if p), None)
    at = f" at {where}" if where else ""
    if "enum" in shape and value not in shape["enum"]:
        return f"{value!r}{at} is not one of {', '.join(map(repr, shape['enum']))}"
    types = shape.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        kind = _json_type(value)
        if kind == "string" and _lax(value, types):  # pydantic's lax mode converts it
            kind = types[0]
        if kind not in types and not (kind == "integer" and "number" in types):
            wanted = " or ".join(str(_KIND.get(t, t)) for t in types)
            return f"{wanted} is expected{at}, not {_KIND[kind]}"
    if isinstance(value, list):
        n, low, high = len(value), shape.get("minItems"), shape.get("maxItems")
        if low is not None and low == high and n != low:
            return f"exactly {low} items are expected{at}, not {n}"
        if low is not None and n < low:
            return f"at least {low} items are expected{at}, not {n}"
        if high is not None and n > high:
            return f"at most {high} items are expected{at}, not {n}"
        prefix = shape.get("prefixItems") or []
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else shape.get("items")
            if sub:
                problem = shape_problem(item, sub, f"{where}[{i}]")
                if problem:
                    return problem
    if isinstance(value, dict) and isinstance(shape.get("additionalProperties"), dict):
        for key, item in value.items():
            problem = shape_problem(item, shape["additionalProperties"], f"{where}.{key}")
            if problem:
                return problem
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in shape and value < shape["minimum"]:
            return f"at least {shape['minimum']} is expected{at}, not {value}"
        if "maximum" in shape and value > shape["maximum"]:
            return f"at most {shape['maximum']} is expected{at}, not {value}"
    return None


def _lax(text: str, types: list[str]) -> bool:
    if "boolean" in types and text.strip().lower() in ("true", "false"):
        return True
    if {"integer", "number"} & set(types):
        try:
            float(text)
        except ValueError:
            return False
        return True
    return False


def _decoded(value: Any, types: list[str]) -> Any:
    """The value as ZenML reads it: a string given for a list or a map is JSON."""
    if isinstance(value, str) and "string" not in types and {"array", "object"} & set(types):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


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
                continue
            field_shape = (schema.get("shapes") or {}).get(key)
            decoded = _decoded(value, props[key])
            if field_shape and not isinstance(decoded, str):  # (a string fits, as above)
                problem = shape_problem(decoded, field_shape)
                if problem:
                    out.append(
                        _err(
                            Code.WRONG_TYPE,
                            f"'{key}' of the {flavor} {kind}: {problem}",
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
    engine: PlatformEngine,
    environment: str,
    schemas: FlavorSchemas,
    buffers: dict[Path, str] | None = None,
) -> list[Diagnostic]:
    """Every scope of the environment (with the editor's unsaved `buffers`): the
    components each scope actually registers."""
    from zenml_tui.platform.definition import Scope
    from zenml_tui.platform.engine import BASE_STACK_TYPES
    from zenml_tui.platform.errors import dedupe

    platform = engine.platform
    spec = platform.spec
    errors = check_scope(engine.scope(Scope(environment), buffers), schemas, set(BASE_STACK_TYPES))
    for team_name, team in spec.teams.items():
        errors += check_scope(
            engine.scope(Scope(environment, team_name), buffers), schemas, set(team.components)
        )
    for project, p in spec.projects.items():
        errors += check_scope(
            engine.scope(Scope(environment, p.team, project), buffers), schemas, {"artifact_store"}
        )
    return dedupe(errors)
