"""The platform's configuration: validate it, merge a scope (the editor's preview), render
it for Terraform, explain where a value comes from."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_tui.errors import Diagnostic, Kind, ZenMLTUIError, file_error
from zenml_tui.ops.session import Session
from zenml_tui.platform.definition import Scope
from zenml_tui.platform.errors import dedupe, sort_key
from zenml_tui.zenml_vocab import FlavorSchemas

if TYPE_CHECKING:  # imported where used: the app's first frame needs none of them
    from zenml_tui.platform.engine import ScopeResult
    from zenml_tui.platform.explain import Explanation


__all__ = [
    "FlavorSchemas",
    "cached_flavors",
    "explain_in",
    "explain_value",
    "merge_scope",
    "preview",
    "render_scope",
    "tfvars",
    "tfvars_text",
    "validate",
    "write_output",
]


def cached_flavors(session: Session) -> FlavorSchemas | None:
    """The flavor schemas last fetched from the platform's ZenML server, if any: checks
    against them work while the server is down."""
    from zenml_tui.server.flavors import cached

    return cached(session.platform.state_dir / "cache")


def validate(session: Session, flavors: FlavorSchemas | None = None) -> list[Diagnostic]:
    """Every layer of every scope, plus each environment's projection onto the module,
    plus (given the server's flavor schemas, e.g. from the cache) every component."""
    from zenml_tui.ops.infra import feed
    from zenml_tui.platform.flavorcheck import check_environment
    from zenml_tui.platform.render import build_tfvars

    errors = list(session.load_errors)
    for env in session.platform.spec.environments:
        feed(session, env, remote=False)  # a local infrastructure state; remote as cached
    with session.lock:
        for env in session.platform.spec.environments:
            _, env_errors = build_tfvars(session.layering, env)
            errors.extend(env_errors)
            if flavors and not env_errors:
                errors.extend(check_environment(session.layering, env, flavors))
    return sorted(dedupe(errors), key=sort_key)


def merge_scope(
    session: Session,
    environment: str,
    team: str | None = None,
    project: str | None = None,
    buffers: dict[Path, str] | None = None,
) -> ScopeResult:
    """The merged scope (raises ScopeError for unknown names); `buffers` are unsaved
    texts of layer files that replace what is on disk. Reads the environment's
    infrastructure state first (ops/infra.py: cached, so rarely)."""
    from zenml_tui.ops.infra import feed

    scope = session.scope(environment, team, project)
    feed(session, environment)
    return preview(session, scope, buffers)


def preview(
    session: Session,
    scope: Scope,
    buffers: dict[Path, str] | None = None,
    flavors: FlavorSchemas | None = None,
) -> ScopeResult:
    """What the editor shows: the scope merged from the files and the unsaved buffers,
    its errors, and (given the server's flavor schemas) its components checked. Never
    pulls a remote infrastructure state (the keystroke path); reads a local one once
    per change of its file."""
    from zenml_tui.ops.infra import feed

    # on failure the values as last read: a plan or a render says what is wrong
    with contextlib.suppress(ZenMLTUIError):
        feed(session, scope.environment, remote=False)
    with session.lock:
        result = session.layering.scope(scope, buffers)
    if flavors and not result.errors:
        from zenml_tui.platform.flavorcheck import check_scope

        result.errors.extend(check_scope(result, flavors))
    return result


def error_lines(errors: list[Diagnostic], root: Path) -> list[str]:
    """The errors as the editor lists them: one located line each, control characters
    shown escaped (a key may hold any text)."""
    from zenml_tui.textsafe import line

    return [line(f"{d.location(root)}: {d.code.value} {d.message}") for d in errors]


def tfvars(
    session: Session, environment: str, buffers: dict[Path, str] | None = None
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Exactly the variables Terraform receives for the environment (its infrastructure
    state's outputs included), and the errors; `buffers` are unsaved texts of layer
    files that replace what is on disk (a speculative plan's)."""
    from zenml_tui.ops.infra import feed
    from zenml_tui.platform.render import build_tfvars

    session.scope(environment)
    feed(session, environment)
    with session.lock:
        data, errors = build_tfvars(session.layering, environment, buffers=buffers)
    return data, sorted(dedupe([*session.load_errors, *errors]), key=sort_key)


def tfvars_text(session: Session, environment: str, buffers: dict[Path, str] | None = None) -> str:
    """The tfvars as deterministic JSON (raises a CONFIG error with the diagnostics)."""
    from zenml_tui.platform.render import dump_json

    data, errors = tfvars(session, environment, buffers)
    if errors:
        raise ZenMLTUIError(
            f"the configuration of '{environment}' has errors",
            kind=Kind.CONFIG,
            hint="fix the errors above",
            diagnostics=errors,
        )
    return dump_json(data)


def render_scope(
    session: Session,
    environment: str,
    team: str | None = None,
    project: str | None = None,
    fmt: str = "yaml",
) -> str:
    """The merged configuration of a scope as YAML or JSON (secrets as «secret:NAME»)."""
    from zenml_tui.platform.render import render_scope as render

    if session.load_errors:
        raise _config_error("the platform definition has errors", session.load_errors)
    result = merge_scope(session, environment, team, project)
    if result.errors:
        raise _config_error(f"the {result.scope.label} has errors", result.errors)
    return render(result, fmt)


def _config_error(message: str, errors: list[Diagnostic]) -> ZenMLTUIError:
    return ZenMLTUIError(message, kind=Kind.CONFIG, hint="fix the errors above", diagnostics=errors)


def write_output(path: Path, text: str) -> None:
    """Write a rendered result atomically: the old file stays whole if this fails."""
    from zenml_tui.fsutil import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise file_error(exc, "write the output", path) from None


def explain_value(
    session: Session,
    environment: str,
    path: str,
    team: str | None = None,
    project: str | None = None,
) -> Explanation:
    """A value and its provenance chain, lowest layer first (raises ExplainError)."""
    return explain_in(merge_scope(session, environment, team, project), path)


def explain_in(result: ScopeResult, path: str) -> Explanation:
    """The provenance of one path of a merged scope (the preview's highlighted value)."""
    from zenml_tui.platform.explain import explain

    return explain(result, path)
