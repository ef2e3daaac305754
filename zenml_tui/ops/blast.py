"""The blast radius of an apply or a destroy: what on the server uses the stacks,
components and connectors it deletes or replaces (the pipelines that ran on the stacks
hit, with their latest run there, their schedules and deployments), for the
confirmation of both faces.

A deleted or replaced stack is hit itself; a component hits the stacks that hold it; a
connector the components that use it, and their stacks. Links to objects that are hit
anyway (a destroy deletes a stack and its components) are not repeated; one to an object
outside the environment's state (a stack made by hand that holds one of its components)
is named. The server has BLAST_TIMEOUT seconds for each query and BLAST_BUDGET for all;
past that, or when it cannot be reached, the radius is one line that says why, and the
apply is still possible.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import ZenMLTUIError
from zenml_tui.ops.drift import state_of
from zenml_tui.ops.history import events
from zenml_tui.ops.servers import connect
from zenml_tui.ops.session import Session
from zenml_tui.server import usage
from zenml_tui.server.rest import ZenMLClient
from zenml_tui.server.status import state_resources
from zenml_tui.terraform.plan import PlanModel
from zenml_tui.terraform.runs import Run, RunOutcome
from zenml_tui.textsafe import line

KINDS = {
    "zenml_stack": "stack",
    "zenml_stack_component": "component",
    "zenml_service_connector": "connector",
}
HITS = ("delete", "replace")  # the actions that take an object away from what uses it
DONE = {"delete": "deleted", "replace": "replaced"}
BLAST_TIMEOUT = 5.0  # seconds the server has to answer each query
BLAST_BUDGET = 15.0  # seconds for all of them: the rest of the stacks go unchecked
LIMIT = 5  # items of a kind shown; the rest are counted
CHECKING = "checking what uses them on the server…"
NOTHING = "nothing on the server uses them"

__all__ = [
    "CHECKING",
    "NOTHING",
    "BlastRadius",
    "Target",
    "destroy_count",
    "hits_anything",
    "of_destroy",
    "of_plan",
    "of_plan_run",
    "targets_of_plan",
]


@dataclass(frozen=True)
class Target:
    """A stack, component or connector the run deletes or replaces."""

    kind: str  # stack | component | connector
    id: str
    name: str
    action: str  # delete | replace


@dataclass
class HitStack:
    use: usage.StackUse
    why: str  # "deleted", "holds component X, which is replaced", ...
    managed: bool = True  # in the environment's state


@dataclass
class BlastRadius:
    targets: list[Target]
    stacks: list[HitStack] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # to objects outside the state
    unchecked: int = 0  # stacks left unchecked when the budget ran out
    error: str = ""  # why the server could not be asked

    @property
    def found(self) -> bool:
        return bool(self.links or any(s.use.used for s in self.stacks))

    def lines(self, limit: int = LIMIT) -> list[str]:
        """The radius as lines of plain text, each a line whatever the server's names
        hold (their control characters shown, not obeyed)."""
        return [line(x) for x in self._lines(limit)]

    def _lines(self, limit: int) -> list[str]:
        if self.error:
            return [f"could not check what uses them: {self.error}"]
        out = [f"  {link}" for link in _bounded(self.links, limit, "objects")]
        used = [s for s in self.stacks if s.use.used]
        for hit in used[:limit]:
            out.extend(_stack_lines(hit, limit))
        if len(used) > limit:
            out.append(f"  and {len(used) - limit} more stacks in use")
        if self.unchecked:
            out.append(f"  {self.unchecked} stacks not checked: the server took too long")
        if not out:
            return [NOTHING]
        return ["what uses them on the server:", *out]


def _bounded(items: list[str], limit: int, what: str) -> list[str]:
    if len(items) <= limit:
        return items
    return [*items[:limit], f"and {len(items) - limit} more {what}"]


def when(created: str) -> str:
    """An ISO time from the server (UTC) to the minute."""
    return f"{created[:16].replace('T', ' ')} UTC" if len(created) >= 16 else created or "?"


def _stack_lines(hit: HitStack, limit: int) -> list[str]:
    use = hit.use
    outside = "" if hit.managed else ", not in this environment's state"
    out = [f"  stack {use.name} ({hit.why}{outside}):"]
    for r in use.latest[:limit]:
        out.append(
            f"    pipeline {r.pipeline}: latest run {r.run}, {r.status}, {when(r.created)}"
            f" (project {r.project})"
        )
    more = len(use.latest) - limit
    if more > 0:
        out.append(f"    and {'at least ' if use.partial else ''}{more} more pipelines")
    elif use.partial:
        out.append(f"    (its newest {usage.PAGE} runs read: older ones may be of other pipelines)")
    if use.runs:
        out.append(f"    {use.runs} run{'s' if use.runs != 1 else ''} on it in all")
    for s in use.schedules[:limit]:
        state = "active" if s.active else "inactive"
        out.append(
            f"    schedule {s.name}: {s.timing}, {state}, of pipeline {s.pipeline}"
            f" (project {s.project})"
        )
    if len(use.schedules) > limit:
        out.append(f"    and {len(use.schedules) - limit} more schedules")
    for d in use.deployments[:limit]:
        at = f" at {d.url}" if d.url else ""
        out.append(
            f"    deployment {d.name}: {d.status}{at}, of pipeline {d.pipeline}"
            f" (project {d.project})"
        )
    if len(use.deployments) > limit:
        out.append(f"    and {len(use.deployments) - limit} more deployments")
    return out


# -- what a run hits ----------------------------------------------------------------------
def targets_of_plan(model: PlanModel) -> list[Target]:
    """The stacks, components and connectors a reviewed plan deletes or replaces; each
    one's id and name from the plan's `before` (the state)."""
    out = []
    for change in model.changes:
        if change.type not in KINDS or change.action not in HITS:
            continue
        before = (change.raw.get("change") or {}).get("before") or {}
        if before.get("id"):
            out.append(
                Target(
                    KINDS[change.type], str(before["id"]), str(before.get("name")), change.action
                )
            )
    return out


def _managed_ids(state: Path | str) -> set[str]:
    return set(state_resources(state))


def _targets_of_events(recorded: Iterable[dict[str, Any]], state: Path | str) -> list[Target]:
    """The same from a recorded plan's event stream (its planned changes name addresses;
    the state gives their ids)."""
    by_address = {
        address: (oid, attrs) for oid, (_, address, attrs) in state_resources(state).items()
    }
    out = []
    for event in recorded:
        if event.get("type") != "planned_change":
            continue
        change = event.get("change") or {}
        resource = change.get("resource") or {}
        kind = KINDS.get(str(resource.get("resource_type")))
        found = by_address.get(str(resource.get("addr")))
        if kind and found and change.get("action") in HITS:
            out.append(Target(kind, found[0], str(found[1].get("name")), str(change["action"])))
    return out


def _targets_of_state(state: Path | str) -> list[Target]:
    """A destroy deletes every object of the state."""
    return [
        Target(kind, oid, str(attrs.get("name")), "delete")
        for oid, (kind, _, attrs) in state_resources(state).items()
        if kind in KINDS.values()
    ]


# -- asking the server --------------------------------------------------------------------
def hits_anything(model: PlanModel) -> bool:
    """Does the plan delete or replace a stack, component or connector? (Cheap: what the
    app asks on its event loop before it starts a worker for `of_plan`.)"""
    return any(c.type in KINDS and c.action in HITS for c in model.changes)


def of_plan(
    session: Session, environment: str, model: PlanModel, start: bool = False
) -> BlastRadius | None:
    """For the app's confirmation of a reviewed plan (run it in a worker); None when the
    plan deletes or replaces none of those objects."""
    targets = targets_of_plan(model)
    if not targets:
        return None
    managed = {
        str(((c.raw.get("change") or {}).get("before") or {}).get("id"))
        for c in model.changes
        if c.type in KINDS
    }
    return _radius(session, environment, targets, managed, start)


def of_plan_run(session: Session, environment: str, run: Run) -> BlastRadius | None:
    """For `apply`: the recorded plan's deletes and replaces; None when there are none
    (or the plan is not one `apply` would carry out: it then says why)."""
    if run.environment != environment or run.applied_by or run.outcome is not RunOutcome.CHANGES:
        return None
    try:
        state = state_of(session, environment)
    except ZenMLTUIError as exc:
        return BlastRadius([], error=f"the state could not be read: {exc.message}")
    targets = _targets_of_events(events(session, run.id), state)
    if not targets:
        return None
    return _radius(session, environment, targets, _managed_ids(state), start=True)


def of_destroy(session: Session, environment: str) -> BlastRadius | None:
    """For `destroy`: every object in the state; None when it holds none of them."""
    try:
        state = state_of(session, environment)
    except ZenMLTUIError as exc:
        return BlastRadius([], error=f"the state could not be read: {exc.message}")
    targets = _targets_of_state(state)
    if not targets:
        return None
    return _radius(session, environment, targets, _managed_ids(state), start=True)


STATE_KINDS = ("stack", "component", "connector", "project", "secret")


def destroy_count(session: Session, environment: str) -> str | None:
    """What a destroy removes, from the state: `14 objects (5 stacks, 7 components, 2
    projects)`, or `no objects`; None when the state cannot be read (the destroy then
    says why itself)."""
    try:
        state = state_of(session, environment)
    except ZenMLTUIError:
        return None
    kinds = Counter(kind for kind, _, _ in state_resources(state).values())
    total = sum(kinds.values())
    if not total:
        return "no objects"
    parts = [f"{kinds[k]} {k}{'s' if kinds[k] != 1 else ''}" for k in STATE_KINDS if kinds[k]]
    return f"{total} object{'s' if total != 1 else ''} ({', '.join(parts)})"


def _radius(
    session: Session, environment: str, targets: list[Target], managed: set[str], start: bool
) -> BlastRadius:
    radius = BlastRadius(targets)
    try:
        client = connect(session, environment, start=start, timeout=BLAST_TIMEOUT)
        _ask(client, radius, managed, time.monotonic() + BLAST_BUDGET)
    except ZenMLTUIError as exc:
        radius.error = exc.message
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # not ZenML's shape
        radius.error = f"the server's answer was not understood ({type(exc).__name__}: {exc})"
    return radius


def _ask(client: ZenMLClient, radius: BlastRadius, managed: set[str], deadline: float) -> None:
    hit_ids = {t.id for t in radius.targets}
    everywhere = usage.stacks(client)
    hit: dict[str, tuple[str, str]] = {}  # stack id -> (name, why)

    def holding(component: str, why: str) -> None:
        for sid, (name, held) in everywhere.items():
            if component in held and sid not in hit_ids:
                hit.setdefault(sid, (name, why))

    for t in radius.targets:
        if t.kind == "stack":
            hit.setdefault(t.id, (t.name, DONE[t.action]))
        elif t.kind == "component":
            holding(t.id, f"holds component {t.name}, which is {DONE[t.action]}")
    connectors = {t.id: t for t in radius.targets if t.kind == "connector"}
    for cid, (comp, connector_id) in usage.components_using(client, list(connectors)).items():
        via = connectors.get(connector_id)
        if via is None or cid in hit_ids:
            continue
        done = DONE[via.action]
        if cid not in managed:
            radius.links.append(
                f"component {comp}, not in this environment's state, uses connector "
                f"{via.name} ({done})"
            )
        holding(cid, f"holds component {comp}, whose connector {via.name} is {done}")
    active = usage.in_use(client, list(hit), usage.projects(client))
    for sid, (name, why) in sorted(hit.items(), key=lambda kv: kv[1][0]):
        if time.monotonic() > deadline:
            radius.unchecked += 1
            continue
        use = usage.stack_use(client, sid, name, active.get(sid, {}))
        radius.stacks.append(HitStack(use, why, sid in managed))
        if sid not in managed and not use.used:
            radius.links.append(f"stack {name}, not in this environment's state, {why}")
