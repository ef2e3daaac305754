"""The history of plans, applies and destroys, as both faces list and show it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.plans import run_store
from zenml_tui.ops.session import Session
from zenml_tui.terraform.runs import Run, RunKind

__all__ = [
    "Run",
    "describe",
    "event_lines",
    "events",
    "latest_plan",
    "list_runs",
    "load_run",
]


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


# -- one run, for a reader (`runs --show`) ----------------------------------------------------
def local_time(epoch: float) -> str:
    """ISO 8601 in the local time zone, to the second (run.json keeps epoch seconds)."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def duration(seconds: float) -> str:
    """`7.2 s`, `3 min 05 s`, `2 h 01 min`: as long as it took, read at a glance."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def counts_text(summary: dict[str, int]) -> str:
    """`14 create, 1 replace`: what the run planned or did, the no-ops left out."""
    done = [f"{n} {action}" for action, n in summary.items() if n and action != "no-op"]
    return ", ".join(done) or "no changes"


def describe(run: Run) -> list[str]:
    """The record as `label: value` lines (the raw record is `runs --show ID --json`)."""
    ended = "still running"
    if run.finished is not None:
        ended = f"{local_time(run.finished)} ({duration(run.finished - run.started)})"
    fields = [
        ("kind", str(run.kind) + (" (destroy plan)" if run.destroy else "")),
        ("environment", f"{run.environment} (workspace {run.workspace})"),
        ("status", str(run.outcome)),
        ("started", local_time(run.started)),
        ("ended", ended),
        ("by", f"{run.user}@{run.host}"),
    ]
    if run.kind is not RunKind.PLAN:
        fields.append(("approver", run.approver or "(not recorded)"))
    fields.append(("git commit", run.commit or "(none recorded: not in a git repository)"))
    fields.append(("counts", counts_text(run.summary) if run.summary else "(none recorded)"))
    if run.plan_run:
        fields.append(("plan", run.plan_run))
    if run.applied_by:
        fields.append(("applied by", run.applied_by))
    fields.append(("engine", f"{run.engine}, provider {run.provider_source}"))
    fields.append(("message", run.message or "(none)"))
    width = max(len(label) for label, _ in fields) + 1
    return [f"run {run.id}"] + [f"  {label + ':':<{width}} {value}" for label, value in fields]


def event_lines(recorded: list[dict[str, Any]]) -> list[str]:
    """Each event as `HH:MM:SS  message` in local time, a warning or an error said so,
    a diagnostic's detail indented below it."""
    out: list[str] = []
    for event in recorded:
        message = str(event.get("@message", ""))
        level = event.get("@level")
        if level in ("warn", "error") and not message.lower().startswith(("warning", "error")):
            message = f"{'warning' if level == 'warn' else 'error'}: {message}"
        head, *rest = message.splitlines() or [""]
        out.append(f"  {_clock(event.get('@timestamp'))}  {head}")
        diagnostic = event.get("diagnostic")
        detail = diagnostic.get("detail") if isinstance(diagnostic, dict) else None
        rest += str(detail).splitlines() if detail else []
        out += [f"            {text}" for text in rest if text.strip()]
    return out


def _clock(stamp: object) -> str:
    """A Terraform `@timestamp` (UTC, ISO 8601) as local HH:MM:SS; blanks when there is
    none (zenml-tui's own events carry none)."""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return " " * 8
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%H:%M:%S")
