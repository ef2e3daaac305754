"""The protected-environment rule, in one place: applying or destroying an environment
marked `protected: true` needs its name typed. `plans.apply` and `plans.destroy` enforce
it whoever calls them; the faces use `needs_typed_name` and `matches` to ask."""

from __future__ import annotations

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.session import Session


def needs_typed_name(session: Session, environment: str) -> bool:
    return session.environment(environment).protected


def matches(environment: str, typed: str | None) -> bool:
    """Is `typed` the environment's name (surrounding blanks ignored)?"""
    return typed is not None and typed.strip() == environment


def require(session: Session, environment: str, typed: str | None, action: str) -> None:
    """Refuse (NOT_CONFIRMED) a protected environment whose name was not typed."""
    if needs_typed_name(session, environment) and not matches(environment, typed):
        raise ZenMLTUIError(
            f"{environment} is protected: nothing was changed",
            kind=Kind.NOT_CONFIRMED,
            hint=f"type its name to {action} it (zenml-tui {action} --confirm-env {environment})",
        )
