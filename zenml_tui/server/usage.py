"""What uses a stack, a component or a connector on a ZenML server: the pipelines that ran
on a stack (each with its latest run there), its schedules and its deployments.

Runs and pipeline snapshots are project-scoped in ZenML 0.98 (`GET /api/v1/runs` needs a
`project`), stacks, components and connectors are not: each project is asked about each
stack. A schedule and a deployment belong to a snapshot, and a snapshot to a stack (what
`zenml pipeline schedule` and `deploy` make), so both are found through the snapshots of
the stack (`schedule_id=isnotnull:`, `deployed=true`). Every query is one page: the
newest PAGE runs of a stack are enough to name its pipelines, and the count of all its
runs says when there are more. Deployments are never hydrated (their metadata holds the
deployment's auth key).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from zenml_tui.server.rest import ZenMLClient

PAGE = 100  # items one query asks for


@dataclass(frozen=True)
class RunSeen:
    """A pipeline's latest run on a stack."""

    pipeline: str
    run: str
    status: str
    created: str  # ISO 8601 (UTC), as the server gives it
    project: str


@dataclass(frozen=True)
class ScheduleSeen:
    name: str
    pipeline: str
    project: str
    active: bool
    timing: str  # "cron 0 3 * * *", "every 3600 s", "once at ..."


@dataclass(frozen=True)
class DeploymentSeen:
    name: str
    pipeline: str
    project: str
    status: str
    url: str


@dataclass
class StackUse:
    """What runs on one stack."""

    id: str
    name: str
    latest: list[RunSeen] = field(default_factory=list)  # one per pipeline, newest first
    runs: int = 0  # runs on the stack in all, in every project
    partial: bool = False  # more runs than one page: an older pipeline may be unnamed
    schedules: list[ScheduleSeen] = field(default_factory=list)
    deployments: list[DeploymentSeen] = field(default_factory=list)

    @property
    def used(self) -> bool:
        return bool(self.runs or self.schedules or self.deployments)


def _name(item: dict[str, Any] | None, fallback: str = "(unnamed)") -> str:
    if not item:
        return fallback
    return str(item.get("name") or fallback)


def _resource(item: dict[str, Any], key: str) -> dict[str, Any] | None:
    found = (item.get("resources") or {}).get(key)
    return found if isinstance(found, dict) else None


def projects(client: ZenMLClient) -> dict[str, str]:
    """id -> name of every project."""
    return {p["id"]: _name(p) for p in client.list_all("/projects")}


def stacks(client: ZenMLClient) -> dict[str, tuple[str, frozenset[str]]]:
    """id -> (name, ids of its components) of every stack (one list: stacks are few, and
    which hold a component is then known for every component)."""
    out = {}
    for stack in client.list_all("/stacks", hydrate="true"):
        comps = (stack.get("metadata") or {}).get("components") or {}
        held = frozenset(str(c.get("id")) for group in comps.values() for c in group or [])
        out[str(stack["id"])] = (_name(stack), held)
    return out


def components_using(client: ZenMLClient, connector_ids: list[str]) -> dict[str, tuple[str, str]]:
    """component id -> (name, connector id) of the components that reach their resources
    through one of the connectors."""
    if not connector_ids:
        return {}
    out = {}
    items = client.list_all("/components", connector_id=_oneof(connector_ids), hydrate="true")
    for comp in items:
        connector = (comp.get("metadata") or {}).get("connector") or {}
        out[str(comp["id"])] = (_name(comp), str(connector.get("id")))
    return out


def _oneof(ids: list[str]) -> str:
    return "oneof:" + json.dumps(sorted(ids))


def in_use(
    client: ZenMLClient, stack_ids: list[str], in_projects: dict[str, str]
) -> dict[str, dict[str, str]]:
    """stack id -> the projects (id -> name) with a pipeline snapshot on it: every run,
    schedule and deployment on a stack has one, so only these need asking about it (one
    query per project; where a project has more than a page of them, every stack is
    asked)."""
    out: dict[str, dict[str, str]] = {}
    if not stack_ids:
        return out
    for pid, name in in_projects.items():
        data = client.get(
            "/pipeline_snapshots", project=pid, stack=_oneof(stack_ids), page=1, size=PAGE
        )
        if int(data.get("total_pages") or 1) > 1:
            on = set(stack_ids)
        else:
            on = {str((_resource(s, "stack") or {}).get("id")) for s in data.get("items", [])}
        for sid in on & set(stack_ids):
            out.setdefault(sid, {})[pid] = name
    return out


def _timing(body: dict[str, Any]) -> str:
    if body.get("cron_expression"):
        return f"cron {body['cron_expression']}"
    if body.get("interval_second"):
        return f"every {float(body['interval_second']):g} s"
    if body.get("run_once_start_time"):
        return f"once at {body['run_once_start_time']}"
    return "no timing"


def stack_use(
    client: ZenMLClient, stack_id: str, name: str, in_projects: dict[str, str]
) -> StackUse:
    """The pipelines (latest run each), schedules and deployments on a stack, in every
    project of `in_projects` (id -> name)."""
    use = StackUse(stack_id, name)
    for project_id, project in in_projects.items():
        runs = client.get(
            "/runs",
            project=project_id,
            stack_id=stack_id,
            sort_by="desc:created",
            page=1,
            size=PAGE,
        )
        use.runs += int(runs.get("total") or 0)
        use.partial = use.partial or int(runs.get("total_pages") or 1) > 1
        seen = {(r.project, r.pipeline) for r in use.latest}
        for run in runs.get("items", []):
            pipeline = _name(_resource(run, "pipeline"), "(no pipeline)")
            if (project, pipeline) in seen:
                continue
            seen.add((project, pipeline))
            body = run.get("body") or {}
            use.latest.append(
                RunSeen(
                    pipeline,
                    _name(run),
                    str(body.get("status") or "unknown"),
                    str(body.get("created") or ""),
                    project,
                )
            )
        _snapshots(client, use, project_id, project)
    use.latest.sort(key=lambda r: r.created, reverse=True)
    return use


def _snapshots(client: ZenMLClient, use: StackUse, project_id: str, project: str) -> None:
    """The schedules and deployments of the stack's snapshots in one project."""
    scheduled = client.get(
        "/pipeline_snapshots",
        project=project_id,
        stack=use.id,
        schedule_id="isnotnull:",
        page=1,
        size=PAGE,
    )
    known = {(s.project, s.name) for s in use.schedules}
    for snap in scheduled.get("items", []):
        schedule = _resource(snap, "schedule")
        if schedule is None or (project, _name(schedule)) in known:
            continue
        body = schedule.get("body") or {}
        if body.get("is_archived"):
            continue
        known.add((project, _name(schedule)))
        use.schedules.append(
            ScheduleSeen(
                _name(schedule),
                _name(_resource(snap, "pipeline"), "(no pipeline)"),
                project,
                bool(body.get("active")),
                _timing(body),
            )
        )
    deployed = client.get(
        "/pipeline_snapshots", project=project_id, stack=use.id, deployed="true", page=1, size=PAGE
    )
    for snap in deployed.get("items", []):
        deployment = _resource(snap, "deployment")
        if deployment is None:
            continue
        body = deployment.get("body") or {}
        use.deployments.append(
            DeploymentSeen(
                _name(deployment),
                _name(_resource(snap, "pipeline"), "(no pipeline)"),
                project,
                str(body.get("status") or "unknown"),
                _without_userinfo(str(body.get("url") or "")),
            )
        )


def _without_userinfo(url: str) -> str:
    """A URL as shown: any user and password in it left out."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
