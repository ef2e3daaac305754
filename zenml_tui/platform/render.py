"""Rendering: a scope's merged tree as JSON/YAML, and an environment's tfvars.

The tfvars of an environment project the environment scope onto the root module's
variables, plus one slice per team and per project from their own scopes
(docs/layering.md, "Rendering for Terraform").
Secret references stay «secret:NAME» markers: their values reach Terraform only through
TF_VAR_secrets in the process environment ("Secrets").
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from zenml_tui.errors import Code, Diagnostic
from zenml_tui.platform.definition import Platform, Scope
from zenml_tui.platform.engine import PlatformEngine, ScopeResult
from zenml_tui.platform.errors import dedupe
from zenml_tui.platform.hcltypes import Report, conform, read_variables
from zenml_tui.platform.nodes import KeyPath, MNode, deepest, format_path, to_plain

CONTEXT_VARIABLES = ("platform", "environment", "stack_version")
COMPOSED_VARIABLES = ("teams", "projects")
ENV_ONLY_VARIABLES = ("secrets",)


def dump_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def render_scope(result: ScopeResult, fmt: str = "yaml") -> str:
    data = result.plain()
    return dump_json(data) if fmt == "json" else dump_yaml(data)


def effective_component(comp: Mapping[str, Any]) -> dict[str, Any]:
    """A component as Terraform receives it: `by_flavor[flavor]` applied over
    `configuration`, then dropped."""
    out = {k: v for k, v in comp.items() if k != "by_flavor"}
    extra = (comp.get("by_flavor") or {}).get(comp.get("flavor"), {})
    if extra:
        out["configuration"] = {**(comp.get("configuration") or {}), **extra}
    return out


def build_tfvars(
    engine: PlatformEngine,
    environment: str,
    module_dir: Path | None = None,
    buffers: dict[Path, str] | None = None,
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The tfvars of one environment and every error of every scope in it; `buffers`
    are unsaved texts of layer files that replace what is on disk (the editor's)."""
    from zenml_tui.bundled import root_module

    platform = engine.platform
    module = module_dir or root_module()
    try:
        variables = read_variables(module)
    except Exception as exc:  # a broken variables.tf: say where, never crash
        file = str(module / "variables.tf")
        line = getattr(exc, "line", 1) or 1
        col = getattr(exc, "column", 1) or 1
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {}, [
            Diagnostic(
                Code.MODULE_INVALID, f"cannot read the root module: {message}", file, line, col
            )
        ]
    env_res = engine.scope(Scope(environment), buffers)
    errors: list[Diagnostic] = list(env_res.errors)
    scope_errors = bool(errors)
    out: dict[str, Any] = {}
    tree = env_res.tree
    ctx = platform.context(Scope(environment))
    for name in CONTEXT_VARIABLES:
        if name in variables:
            out[name] = ctx[name]

    def reporter(
        root: MNode, prefix: int, fallback: tuple[str, int, int], comp_base: KeyPath = ()
    ) -> Report:
        def report(kind: str, path: KeyPath, message: str) -> None:
            if scope_errors:
                return  # projecting an invalid scope only repeats its errors
            tree_path = (*comp_base, *path[prefix:])
            node = deepest(root, tree_path)
            if node is not None:
                m, layer = node.prov.mark, node.prov.layer
                file, line, col = m.file, m.line, m.col
            else:
                (file, line, col), layer = fallback, ""
            code = {"undeclared": Code.UNDECLARED_VARIABLE, "missing": Code.MISSING_FIELD}.get(
                kind, Code.WRONG_TYPE
            )
            errors.append(Diagnostic(code, message, file, line, col, format_path(path), layer))

        return report

    pfile = str(platform.file)
    for key, node in tree.value.items():
        var = variables.get(key)
        if var is None or key in CONTEXT_VARIABLES + COMPOSED_VARIABLES + ENV_ONLY_VARIABLES:
            if scope_errors:
                continue
            m = node.prov.mark
            errors.append(
                Diagnostic(
                    Code.UNDECLARED_VARIABLE,
                    f"'{key}' is not a variable of the root module",
                    m.file,
                    m.line,
                    m.col,
                    key,
                    node.prov.layer,
                )
            )
            continue
        value = to_plain(node)
        if key == "components" and isinstance(value, dict):
            value = {t: effective_component(c) for t, c in value.items()}
        out[key] = conform(value, var.type, (key,), reporter(tree, 0, (pfile, 1, 1)))

    spec = platform.spec
    teams: dict[str, Any] = {}
    for team_name, team in spec.teams.items():
        res = engine.scope(Scope(environment, team_name), buffers)
        errors.extend(res.errors)
        scope_errors = scope_errors or bool(res.errors)
        plain = res.plain()
        comps = plain.get("components", {})
        needs = [n for n in team.components if n in comps]
        teams[team_name] = {
            "needs": needs,
            "labels": plain.get("labels", {}),
            "connector": plain.get("connector"),
            "components": {n: effective_component(comps[n]) for n in needs},
        }
    projects: dict[str, Any] = {}
    for project_name, proj in spec.projects.items():
        if proj.team not in spec.teams:
            scope_errors = True  # platform.yaml's error says which team is unknown
            continue
        res = engine.scope(Scope(environment, proj.team, project_name), buffers)
        errors.extend(res.errors)
        scope_errors = scope_errors or bool(res.errors)
        plain = res.plain()
        store = plain.get("components", {}).get("artifact_store")
        projects[project_name] = {
            "team": proj.team,
            "labels": plain.get("labels", {}),
            "artifact_store": effective_component(store) if store else None,
        }
    for name, value in (("teams", teams), ("projects", projects)):
        var = variables.get(name)
        if var is None:
            continue
        for item, item_value in value.items():
            if name == "teams":
                root = engine.scope(Scope(environment, item), buffers).tree
            else:
                p = spec.projects[item]
                root = engine.scope(Scope(environment, p.team, item), buffers).tree
            line, col = platform.locate((name, item))
            assert var.type.elem is not None
            # paths inside a slice map back into the scope's own tree
            conformed: dict[str, Any] = {}
            for attr, attr_value in item_value.items():
                at = var.type.elem.attrs.get(attr)
                if at is None:
                    continue
                base = ("components", "artifact_store") if attr == "artifact_store" else (attr,)
                rep = reporter(root, 3, (pfile, line, col), base)
                conformed[attr] = conform(attr_value, at, (name, item, attr), rep)
            value[item] = conformed
        out[name] = value
    for var in variables.values():
        if var.required and var.name not in out:
            errors.append(
                Diagnostic(
                    Code.MISSING_FIELD,
                    f"the root module requires variable '{var.name}', which no layer sets",
                    pfile,
                    1,
                    1,
                    var.name,
                )
            )
    return out, dedupe(errors)


def secret_environment(
    platform: Platform, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """`TF_VAR_secrets` for a Terraform run, read from the declared environment
    variables. Returns (extra environment, names of secrets whose variable is unset).
    The result is handed to the Terraform process only: never logged or written."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[str] = []
    for name, source in platform.spec.secrets.items():
        v = env.get(source.env)
        if v is None:
            missing.append(name)
        else:
            values[name] = v
    return {"TF_VAR_secrets": json.dumps(values, sort_keys=True)}, missing
