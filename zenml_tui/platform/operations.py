"""The operations both faces call: the headless commands and the TUI.

Each returns data plus diagnostics and never prints, so the CLI and the app format the
same results their own way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_tui.platform.definition import Platform, Scope, find_platform, load_platform
from zenml_tui.platform.errors import Diagnostic, dedupe, sort_key

if TYPE_CHECKING:  # imported where used: the app's first frame needs none of them
    from zenml_tui.platform.engine import PlatformEngine, ScopeResult
    from zenml_tui.platform.explain import Explanation


class PlatformLoadError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} error(s) in the platform definition")
        self.diagnostics = diagnostics


@dataclass
class Session:
    """A loaded platform with its engine (made on first use: the layering engine and the
    layer schema are not needed to show the platform); kept for the app's lifetime."""

    platform: Platform
    load_errors: list[Diagnostic] = field(default_factory=list)
    _engine: PlatformEngine | None = field(default=None, repr=False)
    # the engine's caches are not thread-safe: the app's editor merges and a plan's
    # rendering run in different threads and take turns
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def engine(self) -> PlatformEngine:
        if self._engine is None:
            from zenml_tui.platform.engine import PlatformEngine

            self._engine = PlatformEngine(self.platform)
        return self._engine


def open_platform(explicit: str | Path | None = None) -> Session:
    root = find_platform(explicit)
    platform, errors = load_platform(root)
    if platform is None:
        raise PlatformLoadError(errors)
    return Session(platform, errors)


def validate(session: Session, flavors: dict | None = None) -> list[Diagnostic]:
    """Every layer of every scope, plus each environment's projection onto the module,
    plus (given the server's flavor schemas, e.g. from the cache) every component."""
    from zenml_tui.platform.flavorcheck import check_environment
    from zenml_tui.platform.render import build_tfvars

    errors = list(session.load_errors)
    with session.lock:
        for env in session.platform.spec.environments:
            _, env_errors = build_tfvars(session.engine, env)
            errors.extend(env_errors)
            if flavors and not env_errors:
                errors.extend(check_environment(session.engine, env, flavors))
    return sorted(dedupe(errors), key=sort_key)


def cached_flavors(session: Session) -> dict | None:
    """The flavor schemas last fetched from the platform's ZenML server, if any."""
    from zenml_tui.server.flavors import cached

    return cached(session.platform.state_dir / "cache")


def merge_scope(
    session: Session,
    environment: str,
    team: str | None = None,
    project: str | None = None,
    buffers: dict[Path, str] | None = None,
) -> ScopeResult:
    scope: Scope = session.platform.scope(environment, team, project)
    with session.lock:
        return session.engine.scope(scope, buffers)


def tfvars(session: Session, environment: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    from zenml_tui.platform.render import build_tfvars

    session.platform.scope(environment)
    with session.lock:
        data, errors = build_tfvars(session.engine, environment)
    return data, sorted(dedupe([*session.load_errors, *errors]), key=sort_key)


def explain_value(
    session: Session,
    environment: str,
    path: str,
    team: str | None = None,
    project: str | None = None,
) -> Explanation:
    from zenml_tui.platform.explain import explain

    return explain(merge_scope(session, environment, team, project), path)
