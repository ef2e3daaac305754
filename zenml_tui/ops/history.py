"""The history of plans, applies and destroys, as both faces list and show it."""

from __future__ import annotations

from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.plans import run_store
from zenml_tui.ops.session import Session
from zenml_tui.terraform.runs import Run

__all__ = ["Run", "events", "latest_plan", "list_runs", "load_run"]


def list_runs(session: Session, environment: str | None = None) -> list[Run]:
    """Newest first; all environments when `environment` is None."""
    return run_store(session).list_runs(environment)


def load_run(session: Session, run_id: str) -> Run:
    run = run_store(session).load(run_id)
    if run is None:
        raise ZenMLTUIError(
            f"no run {run_id}", kind=Kind.NOT_FOUND, hint="list them: zenml-tui runs"
        )
    return run


def events(session: Session, run_id: str) -> list[dict[str, Any]]:
    """Terraform's event stream of the run, as recorded."""
    return run_store(session).events(run_id)


def latest_plan(session: Session, environment: str) -> Run | None:
    return run_store(session).latest_plan(environment)
