"""Plan every environment at once: what `zenml-tui plan --all` and the app's matrix call.

A change to the base layer touches every environment, and a reviewer wants to see all
of them before any is applied. The environments are planned side by side, each as
`plans.plan` plans one (its own saved plan and run, applicable afterwards one
environment at a time), as many at once as the machine has cores. What they share is
made ready first, one at a time: the local ZenML server (started once), each Terraform
working directory (initialised once: environments with the same provider share one)
and each workspace. An environment whose last apply was cut off is planned alone
before the others, because its plan adopts objects through a file in the shared working
directory. One environment's failure is its row's error; the others still finish.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import adopt, plans
from zenml_tui.ops.context import RunContext
from zenml_tui.ops.servers import connect
from zenml_tui.ops.session import Session

COLUMNS = ("create", "update", "replace", "delete", "drift")

EnvEventSink = Callable[[str, dict[str, Any]], None]


@dataclass
class EnvPlan:
    """One row of the matrix: the environment's plan, or why it has none."""

    environment: str
    outcome: plans.PlanOutcome | None = None
    error: ZenMLTUIError | None = None
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        """create, import, update, replace, delete and drift: what the matrix shows."""
        model = self.outcome.model if self.outcome is not None else None
        if model is None:
            return {}
        counts = model.counts  # computed from the changes on each use: once here
        shown = {a: counts.get(a, 0) for a in ("create", "import", *COLUMNS[1:4])}
        return {**shown, "drift": len(model.drift)}

    @property
    def status(self) -> str:
        """ "changes", "no changes", "cancelled" or "error"."""
        if self.error is not None:
            return "cancelled" if self.error.kind is Kind.CANCELLED else "error"
        if self.outcome is None or self.outcome.model is None:
            return "cancelled"
        return "changes" if self.outcome.run.outcome is plans.RunOutcome.CHANGES else "no changes"


def default_jobs() -> int:
    """Plans at once: one per core (a plan is two busy Python processes, Terraform's and
    the provider's, for most of its time), at least two."""
    return max(2, os.cpu_count() or 1)


async def plan_all(
    session: Session,
    environments: list[str] | None = None,
    ctx: RunContext | None = None,
    jobs: int | None = None,
    on_event: EnvEventSink | None = None,
    on_done: Callable[[EnvPlan], object] | None = None,
) -> list[EnvPlan]:
    """Plan `environments` (default: all, in the platform's order); one EnvPlan each, in
    that order. `on_event(env, event)` gets each plan's events, `on_done` each row as
    it is ready. A cancel stops every plan."""
    ctx = ctx or RunContext()
    names = list(environments or session.platform.spec.environments)
    for name in names:
        session.environment(name)  # an unknown name is a usage error before anything runs
    rows = {name: EnvPlan(name) for name in names}

    def child(name: str) -> RunContext:
        sink = None if on_event is None else (lambda e, n=name: on_event(n, e))
        return ctx.child(sink)

    def finish(row: EnvPlan, started: float) -> None:
        row.seconds = time.monotonic() - started
        if on_done is not None:
            on_done(row)

    async def one(name: str) -> None:
        row, started = rows[name], time.monotonic()
        try:
            row.outcome = await plans.plan(session, name, child(name))
        except ZenMLTUIError as exc:
            row.error = exc
        finish(row, started)

    ready: list[str] = []
    servers_up: set[str] = set()
    store = plans.run_store(session)
    for name in names:  # what the plans share, one at a time
        ctx.check("plan --all")
        row, started = rows[name], time.monotonic()
        try:
            server = str(session.environment(name).server)
            if server not in servers_up:
                await ctx.call("plan --all", connect, session, name)
                servers_up.add(server)
            await plans.select_workspace(session, name, child(name))
        except ZenMLTUIError as exc:
            row.error = exc
            finish(row, started)
            continue
        if adopt.worth_a_look(store, name):
            await one(name)  # alone: its adoption writes into the shared working directory
        else:
            ready.append(name)
    limit = asyncio.Semaphore(max(1, jobs or default_jobs()))

    async def limited(name: str) -> None:
        async with limit:
            if ctx.cancelled:
                rows[name].error = ZenMLTUIError("plan cancelled", kind=Kind.CANCELLED)
                finish(rows[name], time.monotonic())
                return
            await one(name)

    await asyncio.gather(*(limited(n) for n in ready))
    return [rows[n] for n in names]
