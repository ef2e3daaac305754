"""Plan, apply and destroy an environment: what `zenml-tui plan/apply/destroy` and the
app's Plan tab both call.

A plan renders the environment's tfvars, starts (or reaches) its ZenML server, selects
the environment's workspace (creating it), plans to a saved plan file with streamed
events, reads the plan back as a `PlanModel` and records a run. An apply executes exactly
a recorded plan, after checking that nothing it was made from has changed since.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenml_tui.fsutil import write_atomic
from zenml_tui.platform.errors import Diagnostic
from zenml_tui.platform.operations import Session, tfvars
from zenml_tui.platform.render import dump_json
from zenml_tui.terraform.engines import Engine, LibterraformEngine
from zenml_tui.terraform.plan import PlanModel
from zenml_tui.terraform.planread import PlanReadError, read_plan
from zenml_tui.terraform.runs import Run, RunStore, fingerprint, fingerprint_parts
from zenml_tui.terraform.workdir import TerraformError, Workdir

EventSink = Callable[[dict[str, Any]], None]
_SECRET_MARK = re.compile(r"«secret:([A-Za-z_][A-Za-z0-9_]*)»")


class OperationError(Exception):
    """The operation cannot run; `diagnostics` holds located config errors, if any."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class StalePlanError(OperationError):
    """The plan was made from inputs that have changed since."""


@dataclass
class PlanOutcome:
    run: Run
    model: PlanModel | None


@dataclass
class ApplyOutcome:
    run: Run
    plan_run: Run


def runs(session: Session) -> RunStore:
    return RunStore(session.platform.state_dir / "runs")


def _workdir(session: Session, environment: str, engine: Engine) -> Workdir:
    from zenml_tui.resources import modules_dir

    source = session.platform.spec.environments[environment].provider
    return Workdir(session.platform.state_dir, source, engine, modules_dir())


def _referenced_secrets(tfvars_text: str) -> set[str]:
    return set(_SECRET_MARK.findall(tfvars_text))


@dataclass
class _Prepared:
    workdir: Workdir
    workspace: str
    tfvars_text: str
    parts: dict[str, str]
    env: dict[str, str]


async def _prepare(
    session: Session, environment: str, engine: Engine, need_secrets: bool
) -> _Prepared:
    """Render, connect, init and select the workspace."""
    from zenml_tui.provider.mirror import plugin_dir_for
    from zenml_tui.server.connection import connect, terraform_credentials
    from zenml_tui.server.local import ServerError

    platform = session.platform
    envdef = platform.spec.environments[environment]
    data, errors = tfvars(session, environment)
    if errors:
        raise OperationError(f"the configuration of '{environment}' has errors", errors)
    text = dump_json(data)
    extra: dict[str, str] = {}
    if need_secrets:
        names = _referenced_secrets(text)
        missing = sorted(
            f"{name} (${platform.spec.secrets[name].env})"
            for name in names
            if platform.spec.secrets[name].env not in os.environ
        )
        if missing:
            raise OperationError(
                f"'{environment}' needs these secrets in the environment: {', '.join(missing)}"
            )
        values = {n: os.environ[platform.spec.secrets[n].env] for n in sorted(names)}
        extra["TF_VAR_secrets"] = json.dumps(values)
    try:
        client = await asyncio.to_thread(connect, platform, environment)
    except ServerError as exc:
        raise OperationError(str(exc)) from None
    flavor_errors = await asyncio.to_thread(_flavor_errors, session, environment, client)
    if flavor_errors:
        raise OperationError(
            f"the components of '{environment}' do not match their ZenML flavors", flavor_errors
        )
    extra.update(terraform_credentials(client))
    wd = _workdir(session, environment, engine)
    env = wd.environment(extra)
    plugin_dir = plugin_dir_for(platform.state_dir) if envdef.provider == "bundled" else None
    try:
        await wd.init(env, plugin_dir)
        await wd.select_workspace(envdef.workspace, env)
    except TerraformError as exc:
        raise OperationError(str(exc)) from None
    parts = fingerprint_parts(text, wd.sync_modules(), envdef.provider, envdef.workspace)
    return _Prepared(wd, envdef.workspace, text, parts, {**env, "TF_WORKSPACE": envdef.workspace})


async def select_workspace(session: Session, environment: str, engine: Engine) -> str:
    """Initialise the environment's working directory and select (or create) its
    workspace: what switching to an environment does in the app. Needs no server."""
    from zenml_tui.provider.mirror import plugin_dir_for

    envdef = session.platform.spec.environments[environment]
    wd = _workdir(session, environment, engine)
    env = wd.environment({})
    bundled = envdef.provider == "bundled"
    plugin_dir = plugin_dir_for(session.platform.state_dir) if bundled else None
    try:
        await wd.init(env, plugin_dir)
        await wd.select_workspace(envdef.workspace, env)
    except TerraformError as exc:
        raise OperationError(str(exc)) from None
    return envdef.workspace


def _flavor_errors(session: Session, environment: str, client: Any) -> list[Diagnostic]:
    """Check every component against the server's flavor schemas (cached per version)."""
    from zenml_tui.platform.flavorcheck import check_environment
    from zenml_tui.server.flavors import fetch

    schemas = fetch(client, session.platform.state_dir / "cache")
    with session.lock:
        return check_environment(session.engine, environment, schemas)


def _recorder(store: RunStore, run: Run, on_event: EventSink | None) -> EventSink:
    def sink(event: dict[str, Any]) -> None:
        store.append_event(run, event)
        if on_event is not None:
            on_event(event)

    return sink


async def plan(
    session: Session,
    environment: str,
    engine: Engine | None = None,
    on_event: EventSink | None = None,
    destroy: bool = False,
) -> PlanOutcome:
    engine = engine or LibterraformEngine()
    prep = await _prepare(session, environment, engine, need_secrets=True)
    store = runs(session)
    envdef = session.platform.spec.environments[environment]
    run = store.new("plan", environment, prep.workspace, engine.name, envdef.provider)
    run.fingerprint_parts = prep.parts
    run.fingerprint = fingerprint(prep.parts)
    d = store.dir(run.id)
    tfvars_path, plan_path = d / "tfvars.json", d / "plan.tfplan"
    write_atomic(tfvars_path, prep.tfvars_text, mode=0o600)
    try:
        result = await prep.workdir.plan(
            prep.env, tfvars_path, plan_path, _recorder(store, run, on_event), destroy
        )
    except TerraformError as exc:
        run.outcome, run.message, run.finished = "failed", str(exc), time.time()
        store.save(run)
        raise OperationError(str(exc)) from None
    if result.cancelled:
        run.outcome, run.message, run.finished = "cancelled", "plan cancelled", time.time()
        store.save(run)
        return PlanOutcome(run, None)
    if plan_path.exists():
        os.chmod(plan_path, 0o600)
    drifted = any(e.get("type") == "resource_drift" for e in result.events)
    if result.retcode == 0 and not drifted:  # nothing to review: the stream says it all
        model = PlanModel.from_events(result.events)
    else:
        secret_values = set(json.loads(prep.env.get("TF_VAR_secrets", "{}")).values())
        text = await prep.workdir.show(prep.env, plan_path)
        try:
            model = read_plan(text, secret_values)
        except PlanReadError as exc:
            run.outcome, run.message, run.finished = "failed", str(exc), time.time()
            store.save(run)
            raise OperationError(str(exc)) from None
    run.summary = model.counts
    run.outcome = "changes" if result.retcode == 2 else "no-changes"
    run.message = ("destroy: " if destroy else "") + model.summary()
    run.finished = time.time()
    store.save(run)
    return PlanOutcome(run, model)


def _stale_reasons(before: dict[str, str], now: dict[str, str]) -> list[str]:
    words = {
        "tfvars": "the configuration (rendered tfvars) changed",
        "modules": "the Terraform modules changed",
        "provider_source": "the provider source changed",
        "workspace": "the workspace changed",
    }
    return [words.get(k, k) for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]


async def apply(
    session: Session,
    environment: str,
    run_id: str | None = None,
    engine: Engine | None = None,
    on_event: EventSink | None = None,
) -> ApplyOutcome:
    """Apply exactly the recorded plan `run_id` (default: the environment's latest)."""
    engine = engine or LibterraformEngine()
    store = runs(session)
    plan_run = store.load(run_id) if run_id else store.latest_plan(environment)
    if plan_run is None or plan_run.kind != "plan":
        raise OperationError(
            f"no plan to apply for '{environment}': run zenml-tui plan --env {environment}"
        )
    if plan_run.environment != environment:
        raise OperationError(
            f"run {plan_run.id} is a plan for '{plan_run.environment}', not '{environment}'"
        )
    if plan_run.applied_by:
        raise StalePlanError(
            f"plan {plan_run.id} was already applied by {plan_run.applied_by}; plan again"
        )
    if plan_run.outcome == "no-changes":
        raise OperationError(f"plan {plan_run.id} has no changes to apply")
    if plan_run.outcome != "changes":
        raise OperationError(f"plan {plan_run.id} did not finish ({plan_run.outcome})")
    prep = await _prepare(session, environment, engine, need_secrets=False)
    reasons = _stale_reasons(plan_run.fingerprint_parts, prep.parts)
    if reasons:
        raise StalePlanError(
            f"plan {plan_run.id} is stale: {'; '.join(reasons)} since it was made. "
            f"Review a new plan: zenml-tui plan --env {environment}"
        )
    newer = [
        r
        for r in store.list(environment)
        if r.kind in ("apply", "destroy")
        and r.started > plan_run.started
        and r.outcome in ("applied", "cancelled", "failed")
    ]
    if newer:
        raise StalePlanError(
            f"plan {plan_run.id} is stale: {newer[0].kind} {newer[0].id} changed the state "
            "after it was made"
        )
    run = store.new("apply", environment, prep.workspace, engine.name, plan_run.provider_source)
    run.plan_run, run.fingerprint, run.fingerprint_parts = (
        plan_run.id,
        plan_run.fingerprint,
        plan_run.fingerprint_parts,
    )
    store.save(run)
    plan_path = store.dir(plan_run.id) / "plan.tfplan"
    try:
        result = await prep.workdir.apply(prep.env, plan_path, _recorder(store, run, on_event))
    except TerraformError as exc:
        run.outcome, run.message, run.finished = "failed", str(exc), time.time()
        plan_run.applied_by = run.id
        store.save(run)
        store.save(plan_run)
        raise OperationError(str(exc)) from None
    applied = [e for e in result.events if e.get("type") == "apply_complete"]
    if result.cancelled:
        run.outcome = "cancelled"
        run.message = (
            f"apply cancelled: Terraform finished the {len(applied)} operations in progress and "
            "saved the state, which is consistent; plan again to see what is left"
        )
    else:
        run.outcome = "applied"
        summary = next(
            (
                e.get("changes")
                for e in reversed(result.events)
                if e.get("type") == "change_summary"
            ),
            None,
        )
        run.summary = summary or {}
        run.message = next(
            (
                e.get("@message", "")
                for e in reversed(result.events)
                if e.get("type") == "change_summary"
            ),
            "",
        )
    run.finished = time.time()
    plan_run.applied_by = run.id
    store.save(run)
    store.save(plan_run)
    return ApplyOutcome(run, plan_run)


async def destroy(
    session: Session,
    environment: str,
    engine: Engine | None = None,
    on_event: EventSink | None = None,
) -> ApplyOutcome:
    """Plan a destroy and apply it at once (the caller confirms before calling)."""
    outcome = await plan(session, environment, engine, on_event, destroy=True)
    if outcome.model is None:
        raise OperationError("destroy cancelled while planning")
    if outcome.run.outcome == "no-changes":
        return ApplyOutcome(outcome.run, outcome.run)
    result = await apply(session, environment, outcome.run.id, engine, on_event)
    result.run.kind = "destroy"
    runs(session).save(result.run)
    return result


def plan_file(session: Session, run: Run) -> Path:
    return runs(session).dir(run.id) / "plan.tfplan"


def status(session: Session, environment: str) -> Any:
    """The environment's live server objects and their drift from its Terraform state."""
    from zenml_tui.server.connection import connect
    from zenml_tui.server.status import environment_status

    platform = session.platform
    workspace = platform.spec.environments[environment].workspace
    state_file = platform.state_dir / "state" / workspace / "terraform.tfstate"
    client = connect(platform, environment, start=False)
    return environment_status(client, platform.name, environment, state_file)
