"""Plan, apply and destroy an environment, and select its workspace: what `zenml-tui
plan/apply/destroy` and the app's Plan tab both call.

A plan renders the environment's tfvars, reaches (or starts) its ZenML server, checks the
components against the server's flavor schemas, selects the environment's workspace,
plans to a saved plan file with streamed events, reads the plan back as a `PlanModel`
and records a run. An apply executes exactly a recorded plan, after checking that
nothing it was made from has changed since; a protected environment is applied or
destroyed only with its name typed, whoever calls.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenml_tui.errors import Diagnostic, Kind, ZenMLTUIError, file_error
from zenml_tui.fsutil import make_private, write_atomic
from zenml_tui.ops import adopt, confirm, review, statehome
from zenml_tui.ops.config import tfvars_text
from zenml_tui.ops.context import EventSink, RunContext
from zenml_tui.ops.gitinfo import operator, platform_commit
from zenml_tui.ops.servers import connect, explained, terraform_credentials
from zenml_tui.ops.session import Session
from zenml_tui.ops.tfenv import backend_of, backend_run, secret_values, withheld_variables
from zenml_tui.platform.backends import BackendRun
from zenml_tui.platform.backends import describe as describe_backend
from zenml_tui.server.rest import ZenMLClient, ZenMLError
from zenml_tui.terraform.engines import Engine, Result
from zenml_tui.terraform.plan import (
    ABSENT,
    SENSITIVE,
    SYMBOL,
    UNKNOWN,
    AttrDiff,
    Masks,
    PlanModel,
    ResourceChange,
    shown,
)
from zenml_tui.terraform.planread import read_saved
from zenml_tui.terraform.progress import ApplyProgress
from zenml_tui.terraform.runs import (
    Run,
    RunKind,
    RunOutcome,
    RunStore,
    fingerprint,
    fingerprint_parts,
)
from zenml_tui.terraform.workdir import Workdir

__all__ = [
    "ABSENT",
    "SENSITIVE",
    "SYMBOL",
    "UNKNOWN",
    "ApplyOutcome",
    "AttrDiff",
    "PlanModel",
    "PlanOutcome",
    "ResourceChange",
    "Run",
    "RunKind",
    "RunOutcome",
    "apply",
    "destroy",
    "plan",
    "run_store",
    "select_workspace",
    "shown",
]

_SECRET_MARK = re.compile(r"«secret:([A-Za-z_][A-Za-z0-9_]*)»")


@dataclass
class PlanOutcome:
    run: Run
    model: PlanModel | None  # None: Terraform was cancelled


@dataclass
class ApplyOutcome:
    run: Run
    plan_run: Run


def secure_state(session: Session) -> None:
    """Make the state, the runs and the plans private (0700/0600) where an older
    version or a umask left them readable by others."""
    make_private(session.platform.state_dir / "state", session.platform.state_dir / "runs")


def run_store(session: Session) -> RunStore:
    """Where the platform's runs are recorded (`.zenml-tui/runs/`)."""
    return RunStore(session.platform.state_dir / "runs")


def _workdir(
    session: Session, environment: str, engine: Engine, backend: BackendRun | None = None
) -> Workdir:
    """The environment's working directory for its backend (or for `backend`)."""
    from zenml_tui.bundled import modules_dir

    envdef = session.environment(environment)
    backend = backend or backend_run(session, environment)
    return Workdir(session.platform.state_dir, envdef.provider, engine, modules_dir(), backend)


@dataclass
class Prepared:
    workdir: Workdir
    workspace: str
    tfvars_text: str
    parts: dict[str, str]
    env: dict[str, str]
    client: ZenMLClient


def _secrets_environment(session: Session, environment: str, text: str) -> dict[str, str]:
    """TF_VAR_secrets with the values of the secrets the tfvars reference."""
    values = secret_values(session, set(_SECRET_MARK.findall(text)), f"'{environment}'")
    return {"TF_VAR_secrets": json.dumps(values)}


async def prepare(
    session: Session,
    environment: str,
    ctx: RunContext,
    engine: Engine,
    need_secrets: bool,
    what: str,
    buffers: dict[Path, str] | None = None,
) -> Prepared:
    """Render, connect, check flavors, init and select the workspace. With `buffers`
    (the editor's unsaved layer texts: a speculative plan, never applied) the
    configuration is theirs, and the backend is only checked, never recorded."""
    from zenml_tui.provider.mirror import plugin_dir_for

    envdef = session.environment(environment)
    text = tfvars_text(session, environment, buffers)
    extra = _secrets_environment(session, environment, text) if need_secrets else {}
    ctx.check(what)
    client = await ctx.call(what, _connect_saying_so, session, environment, ctx)
    try:
        flavor_errors = await ctx.call(what, _flavor_errors, session, environment, client, buffers)
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None
    if flavor_errors:
        raise ZenMLTUIError(
            f"the components of '{environment}' do not match their ZenML flavors",
            kind=Kind.CONFIG,
            hint="fix the errors above",
            diagnostics=flavor_errors,
        )
    extra.update(terraform_credentials(client))
    ctx.check(what)
    wd = _workdir(session, environment, engine)
    env = wd.environment(extra, withheld_variables(session))
    secure_state(session)
    plugin_dir = (
        plugin_dir_for(session.platform.state_dir) if envdef.provider == "bundled" else None
    )
    await wd.init(env, plugin_dir)
    await wd.select_workspace(envdef.workspace, env)
    ctx.check(what)
    if buffers is None:
        await _check_backend_switch(session, environment, ctx, wd, env)
    else:
        _refuse_unrecorded_backend(session, environment, wd)
    parts = fingerprint_parts(text, wd.sync_modules(), envdef.provider, envdef.workspace)
    if not wd.backend.local:
        parts["backend"] = wd.backend.key  # a plan applies to the state it was made against
    env = {**env, **wd.workspace_environment(envdef.workspace)}
    return Prepared(wd, envdef.workspace, text, parts, env, client)


def _connect_saying_so(session: Session, environment: str, ctx: RunContext) -> ZenMLClient:
    """`connect`, saying when it starts the local server and when that is ready (it takes
    seconds: a plan must not sit silent meanwhile)."""
    started: list[float] = []

    def starting() -> None:
        started.append(time.monotonic())
        say(ctx, f"starting the local ZenML server for {environment}…")

    client = connect(session, environment, on_starting=starting)
    if started:
        say(ctx, f"the local ZenML server is ready ({time.monotonic() - started[0]:.1f} s)")
    return client


def say(ctx: RunContext, message: str) -> None:
    """zenml-tui's own word during a run, where Terraform's events go (the CLI's stderr,
    the app's plan log)."""
    ctx.event({"type": "zenml_tui", "@level": "info", "@message": message})


@dataclass(frozen=True)
class Migration:
    """The environment's state is in `source` (its previous backend), and its backend now,
    `target`, has none: what `zenml-tui migrate-state` copies."""

    environment: str
    source: str  # described for people: no credential
    target: str
    resources: int  # in the source's state


def _used(session: Session, environment: str, wd: Workdir) -> statehome.UsedBackend:
    spec = session.environment(environment).backend
    return statehome.UsedBackend(spec.type, dict(spec.config), wd.backend.key)


def _previous(session: Session, environment: str) -> statehome.UsedBackend | None:
    """The backend the environment's state was last used in: as recorded, else the local
    one where a local state exists (every environment's state starts there)."""
    state_dir = session.platform.state_dir
    used = statehome.last_used(state_dir, environment)
    if used is not None:
        return used
    workspace = session.environment(environment).workspace
    if (state_dir / "state" / workspace / "terraform.tfstate").is_file():
        from zenml_tui.platform.backends import LOCAL

        return statehome.UsedBackend("local", {}, LOCAL.key)
    return None


def _describe(session: Session, environment: str, used: statehome.UsedBackend) -> str:
    workspace = session.environment(environment).workspace
    return describe_backend(
        used.type, used.config, session.platform.name, "registration", workspace
    )


async def _state_text(wd: Workdir, workspace: str, env: dict[str, str]) -> str:
    state = await current_state(wd, workspace, env)
    if isinstance(state, str):
        return state
    return state.read_text() if state.is_file() else ""


async def _state_in(
    session: Session, environment: str, ctx: RunContext, used: statehome.UsedBackend
) -> str:
    """The environment's state in the backend `used` (initialised for it, needing no
    server)."""
    backend = backend_of(session, environment, used.type, used.config)
    wd, env = await prepared_workdir(session, environment, ctx, backend)
    return await _state_text(wd, session.environment(environment).workspace, env)


async def _migration(
    session: Session, environment: str, ctx: RunContext, wd: Workdir, env: dict[str, str]
) -> tuple[Migration, str] | None:
    """The migration the environment needs (and its previous state's text), when its
    state is in a previous backend and its backend now (`wd`) has none."""
    previous = _previous(session, environment)
    if previous is None or previous.key == wd.backend.key:
        return None
    old = await _state_in(session, environment, ctx, previous)
    count = statehome.resource_count(old)
    if not count:
        return None  # nothing was in it: the new backend starts the state
    workspace = session.environment(environment).workspace
    new = await _state_text(wd, workspace, env)
    if statehome.resource_count(new):
        return None  # moved already (by another operator): that state is the one now
    target = _describe(session, environment, _used(session, environment, wd))
    source = _describe(session, environment, previous)
    return Migration(environment, source, target, count), old


async def _check_backend_switch(
    session: Session, environment: str, ctx: RunContext, wd: Workdir, env: dict[str, str]
) -> None:
    """Refuse to run against a new backend while the state is still in the previous one
    (a plan would create every object again); else record the backend as the one used."""
    found = await _migration(session, environment, ctx, wd, env)
    if found is not None:
        m = found[0]
        raise ZenMLTUIError(
            f"the state of '{environment}' ({m.resources} resources) is in its previous "
            f"backend, {m.source}; platform.yaml now names {m.target}, which holds no state "
            "of it: a plan there would create every object again",
            kind=Kind.STATE_TO_MIGRATE,
            hint=f"move the state there: zenml-tui migrate-state --env {environment} "
            "(or put the previous backend back in platform.yaml)",
        )
    statehome.record(session.platform.state_dir, environment, _used(session, environment, wd))


def _refuse_unrecorded_backend(session: Session, environment: str, wd: Workdir) -> None:
    """A speculative plan runs only against the backend the state was last used in (or
    where there is none yet): it never reads a previous backend's state, and a plan
    against an empty new backend would show every object created again."""
    previous = _previous(session, environment)
    if previous is not None and previous.key != wd.backend.key:
        raise ZenMLTUIError(
            f"the backend of '{environment}' changed since its state was last used",
            kind=Kind.STATE_TO_MIGRATE,
            hint=f"plan it (f5, zenml-tui plan --env {environment}) to see what to do",
        )


async def pending_migration(
    session: Session, environment: str, ctx: RunContext | None = None
) -> Migration | None:
    """What `migrate_state` would copy, if anything."""
    ctx = ctx or RunContext()
    wd, env = await prepared_workdir(session, environment, ctx)
    found = await _migration(session, environment, ctx, wd, env)
    return found[0] if found else None


async def migrate_state(
    session: Session,
    environment: str,
    ctx: RunContext | None = None,
    confirm_env: str | None = None,
) -> Migration | None:
    """Copy the environment's state from its previous backend into its backend now (a
    protected environment needs `confirm_env` equal to its name); None when there is
    nothing to copy. The previous backend keeps its copy."""
    confirm.require(session, environment, confirm_env, "migrate-state")
    ctx = ctx or RunContext()
    wd, env = await prepared_workdir(session, environment, ctx)
    found = await _migration(session, environment, ctx, wd, env)
    if found is None:
        return None
    migration, text = found
    scratch = (wd.data or wd.base) / "migrate.tfstate"  # the state holds secret values
    write_atomic(scratch, text, mode=0o600)
    try:
        # -force: the new workspace's empty state has a lineage of its own
        await wd.state_push(env, scratch, force=True)
    finally:
        scratch.unlink(missing_ok=True)
    workspace = session.environment(environment).workspace
    moved = statehome.resource_count(await _state_text(wd, workspace, env))
    if moved != migration.resources:
        raise ZenMLTUIError(
            f"the state of '{environment}' in {migration.target} holds {moved} resources "
            f"after the copy, not {migration.resources}",
            kind=Kind.TERRAFORM,
            hint="nothing was removed from the previous backend; try again",
        )
    statehome.record(session.platform.state_dir, environment, _used(session, environment, wd))
    session.pulled.pop(environment, None)
    return migration


async def current_state(wd: Workdir, workspace: str, env: dict[str, str]) -> Path | str:
    """The environment's state: its file for the local backend, else what `terraform
    state pull` gives (nothing of it is written to disk)."""
    if wd.backend.local:
        return wd.workspaces / workspace / "terraform.tfstate"
    return await wd.state_pull({**env, **wd.workspace_environment(workspace)})


async def prepared_workdir(
    session: Session, environment: str, ctx: RunContext, backend: BackendRun | None = None
) -> tuple[Workdir, dict[str, str]]:
    """The environment's working directory (for its backend, or for `backend`),
    initialised and in its workspace, and the environment its state commands run with
    (no server needed)."""
    from zenml_tui.provider.mirror import plugin_dir_for

    envdef = session.environment(environment)
    wd = _workdir(session, environment, ctx.attach(session.terraform()), backend)
    env = wd.environment({}, withheld_variables(session))
    bundled = envdef.provider == "bundled"
    await wd.init(env, plugin_dir_for(session.platform.state_dir) if bundled else None)
    await wd.select_workspace(envdef.workspace, env)
    return wd, {**env, **wd.workspace_environment(envdef.workspace)}


async def pull_state(session: Session, environment: str, ctx: RunContext | None = None) -> str:
    """The environment's state from its remote backend."""
    wd, env = await prepared_workdir(session, environment, ctx or RunContext())
    return await wd.state_pull(env)


def _flavor_errors(
    session: Session,
    environment: str,
    client: ZenMLClient,
    buffers: dict[Path, str] | None = None,
) -> list[Diagnostic]:
    """Check every component against the server's flavor schemas (cached per version)."""
    from zenml_tui.platform.flavorcheck import check_environment
    from zenml_tui.server.flavors import fetch

    schemas = fetch(client, session.platform.state_dir / "cache")
    with session.lock:
        return check_environment(session.layering, environment, schemas, buffers)


async def select_workspace(
    session: Session, environment: str, ctx: RunContext | None = None
) -> str:
    """Initialise the environment's working directory and select (or create) its
    workspace: what switching to an environment does in the app. Needs no server."""
    from zenml_tui.provider.mirror import plugin_dir_for

    ctx = ctx or RunContext()
    envdef = session.environment(environment)
    try:
        wd = _workdir(session, environment, ctx.attach(session.terraform()))
        env = wd.environment({}, withheld_variables(session))
        bundled = envdef.provider == "bundled"
        plugin_dir = plugin_dir_for(session.platform.state_dir) if bundled else None
        await wd.init(env, plugin_dir)
        ctx.check("workspace selection")
        await wd.select_workspace(envdef.workspace, env)
    except OSError as exc:
        raise file_error(exc, f"prepare the Terraform working directory of {environment}") from None
    await _read_infrastructure(session, environment, ctx)
    return envdef.workspace


async def _read_infrastructure(session: Session, environment: str, ctx: RunContext) -> None:
    """Read the environment's infrastructure state outputs for the editor's preview (which
    never pulls a remote state itself); a failure is said, not fatal to the switch."""
    from zenml_tui.ops import infra

    try:
        await infra.refresh(session, environment, ctx)
    except ZenMLTUIError as exc:
        if exc.kind is Kind.CANCELLED:
            raise
        ctx.event({"type": "zenml_tui", "@level": "warn", "@message": exc.one_line()})


LOCK_RETRY = 2.0  # seconds between attempts while another run holds the lock


async def _waiting_for_lock(
    ctx: RunContext, what: str, attempt: Callable[[], Awaitable[Result]]
) -> Result:
    """`attempt()`; while another run holds the state's lock, again every LOCK_RETRY
    seconds until `ctx.lock_timeout` has passed, saying who holds it and how long the
    wait has left (a cancel ends the wait at once). Then the lock error, as it is."""
    deadline = time.monotonic() + ctx.lock_timeout
    while True:
        try:
            return await attempt()
        except ZenMLTUIError as exc:
            left = deadline - time.monotonic()
            if exc.kind is not Kind.LOCK_HELD or left <= 0:
                raise
            holder = exc.message.split(": ", 1)[-1]
            ctx.event(
                {
                    "type": "zenml_tui",
                    "@level": "info",
                    "@message": f"{holder}; waiting {math.ceil(left)} s more for it (Ctrl-C stops)",
                    # for a countdown: who holds it, and the seconds the wait has left
                    "lock_wait": {"holder": holder, "left": left},
                }
            )
            await ctx.sleep(what, min(LOCK_RETRY, left))


def _recorder(store: RunStore, run: Run, ctx: RunContext) -> EventSink:
    def sink(event: dict[str, Any]) -> None:
        store.append_event(run, event)
        ctx.event(event)

    return sink


async def plan(
    session: Session,
    environment: str,
    ctx: RunContext | None = None,
    destroy: bool = False,
) -> PlanOutcome:
    """Plan the environment to a saved plan and record the run (a destroy plan with
    `destroy`). The outcome's model is None when Terraform was cancelled."""
    ctx = ctx or RunContext()
    try:
        return await _plan(session, environment, ctx, destroy)
    except OSError as exc:
        raise file_error(exc, f"plan {environment}") from None


async def _plan(session: Session, environment: str, ctx: RunContext, destroy: bool) -> PlanOutcome:
    engine = ctx.attach(session.terraform())
    prep = await prepare(session, environment, ctx, engine, need_secrets=True, what="plan")
    store = run_store(session)
    envdef = session.environment(environment)
    run = store.new(RunKind.PLAN, environment, prep.workspace, engine.name, envdef.provider)
    run.destroy = destroy
    run.commit = platform_commit(session.platform.root)
    run.fingerprint_parts = prep.parts
    run.fingerprint = fingerprint(prep.parts)
    d = store.dir(run.id)
    tfvars_path, plan_path = d / "tfvars.json", d / "plan.tfplan"
    write_atomic(tfvars_path, prep.tfvars_text, mode=0o600)
    try:
        if not destroy and adopt.worth_a_look(store, environment):
            await _adopt(session, environment, ctx, prep, tfvars_path, d / "adopt.tfplan")
        result = await _waiting_for_lock(
            ctx,
            "plan",
            lambda: prep.workdir.plan(
                prep.env, tfvars_path, plan_path, _recorder(store, run, ctx), destroy
            ),
        )
    except ZenMLTUIError as exc:
        run.finish(
            RunOutcome.CANCELLED if exc.kind is Kind.CANCELLED else RunOutcome.FAILED, str(exc)
        )
        store.save(run)
        raise
    finally:
        adopt.clear(prep.workdir.root)  # the saved plan holds the imports it planned
    if result.cancelled:
        run.finish(RunOutcome.CANCELLED, "plan cancelled")
        store.save(run)
        return PlanOutcome(run, None)
    if plan_path.exists():
        os.chmod(plan_path, 0o600)
    drifted = any(e.get("type") == "resource_drift" for e in result.events)
    if result.retcode == 0 and not drifted:  # nothing to review: the stream says it all
        model = PlanModel.from_events(result.events)
    else:
        try:
            masks = _masks(session, environment, prep, store)
            model, run.reader = await read_saved(prep.workdir, prep.env, plan_path, masks)
        except ZenMLTUIError as exc:
            run.finish(RunOutcome.FAILED, str(exc))
            store.save(run)
            raise
    review.traced(model, session, environment)
    detailed = len(model.changes) <= REVIEW_DETAIL_LIMIT
    write_atomic(d / REVIEW_FILE, json.dumps(model.to_dict(detailed)), mode=0o600)
    run.summary = model.counts
    outcome = RunOutcome.CHANGES if result.retcode == 2 else RunOutcome.NO_CHANGES
    run.finish(outcome, ("destroy: " if destroy else "") + model.summary())
    store.save(run)
    return PlanOutcome(run, model)


async def _adopt(
    session: Session,
    environment: str,
    ctx: RunContext,
    prep: Prepared,
    tfvars_path: Path,
    scratch: Path,
) -> None:
    """After a run that may have left objects behind: plan once to learn the address of
    each create, and import the objects the server already has instead (ops/adopt.py)."""
    what = "plan"
    state = await current_state(prep.workdir, prep.workspace, prep.env)
    found = await ctx.call(
        what, adopt.find_orphans, prep.client, session.platform.name, environment, state
    )
    state_dir = session.platform.state_dir
    chosen = await ctx.call(what, adopt.live_pending, prep.client, state_dir, environment, state)
    if found:
        ctx.event(
            {
                "type": "zenml_tui",
                "@level": "info",
                "@message": f"{len(found)} objects of {environment} are on the server but not "
                "in the state (left by an interrupted run): planning to adopt them",
            }
        )
    if chosen:
        ctx.event(
            {
                "type": "zenml_tui",
                "@level": "info",
                "@message": f"{len(chosen)} objects made by hand are to be adopted "
                f"(zenml-tui adopt): planning to import them",
            }
        )
    found = [*found, *(o for o in chosen if o.id not in {f.id for f in found})]
    if not found:
        return
    try:
        result = await _waiting_for_lock(
            ctx, what, lambda: prep.workdir.plan(prep.env, tfvars_path, scratch)
        )
        if result.cancelled:
            ctx.check(what)
            raise ZenMLTUIError("plan cancelled", kind=Kind.CANCELLED)
        masks = _masks(session, environment, prep)
        model, _ = await read_saved(prep.workdir, prep.env, scratch, masks)
    finally:
        scratch.unlink(missing_ok=True)
    addresses = adopt.imports(model, found)
    if addresses:
        adopt.write_imports(prep.workdir.root, addresses)
    for o in chosen:
        if o.id not in addresses.values():
            ctx.event(
                {
                    "type": "zenml_tui",
                    "@level": "warn",
                    "@message": f"the adoption of {o.name} waits: the configuration does not "
                    "make it yet (save the layer edits that describe it, then plan again)",
                }
            )


REVIEW_FILE = "review.json"  # the plan's review as shown (masked), for the apply's confirmation
REVIEW_DETAIL_LIMIT = 500  # above this many changes the saved review lists addresses only


def _masks(
    session: Session, environment: str, prep: Prepared, store: RunStore | None = None
) -> Masks:
    secret_values = json.loads(prep.env.get("TF_VAR_secrets", "{}"))
    return review.masks(session, environment, json.loads(prep.tfvars_text), secret_values, store)


def saved_review(session: Session, run: Run) -> dict[str, Any] | None:
    """The review a plan run showed (masked, with origins), or None (older runs)."""
    try:
        data: dict[str, Any] = json.loads(
            (run_store(session).dir(run.id) / REVIEW_FILE).read_text()
        )
    except (OSError, ValueError):
        return None
    return data


def _stale_reasons(before: dict[str, str], now: dict[str, str]) -> list[str]:
    words = {
        "tfvars": "the configuration (rendered tfvars) changed",
        "modules": "the Terraform modules changed",
        "provider_source": "the provider source changed",
        "workspace": "the workspace changed",
        "backend": "the state's backend changed",
    }
    return [words.get(k, k) for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]


def _stale(message: str, environment: str) -> ZenMLTUIError:
    return ZenMLTUIError(
        message, kind=Kind.STALE_PLAN, hint=f"review a new plan: zenml-tui plan --env {environment}"
    )


async def apply(
    session: Session,
    environment: str,
    run_id: str | None = None,
    ctx: RunContext | None = None,
    confirm_env: str | None = None,
    approver: str | None = None,
) -> ApplyOutcome:
    """Apply exactly the recorded plan `run_id` (default: the environment's latest).
    A protected environment needs `confirm_env` equal to its name. The run records
    `approver` (default: the operator) and the platform's git commit."""
    confirm.require(session, environment, confirm_env, "apply")
    ctx = ctx or RunContext()
    try:
        return await _apply(session, environment, run_id, ctx, RunKind.APPLY, approver)
    except OSError as exc:
        raise file_error(exc, f"apply {environment}") from None


def _plan_to_apply(store: RunStore, environment: str, run_id: str | None, kind: RunKind) -> Run:
    plan_run = store.load(run_id) if run_id else store.latest_plan(environment)
    if plan_run is None or plan_run.kind is not RunKind.PLAN:
        raise ZenMLTUIError(
            f"no plan to apply for '{environment}'"
            + (f": {run_id} is not a recorded plan" if run_id else ""),
            kind=Kind.NO_PLAN,
            hint=f"plan first: zenml-tui plan --env {environment}",
        )
    if plan_run.environment != environment:
        raise ZenMLTUIError(
            f"run {plan_run.id} is a plan for '{plan_run.environment}', not '{environment}'",
            kind=Kind.USAGE,
            hint=f"apply it with --env {plan_run.environment}",
        )
    if plan_run.destroy != (kind is RunKind.DESTROY):
        what = "a destroy plan" if plan_run.destroy else "not a destroy plan"
        raise ZenMLTUIError(
            f"plan {plan_run.id} is {what}",
            kind=Kind.USAGE,
            hint=f"zenml-tui {'destroy' if plan_run.destroy else 'plan'} --env {environment}",
        )
    if plan_run.applied_by:
        raise _stale(
            f"plan {plan_run.id} was already applied by {plan_run.applied_by}", environment
        )
    if plan_run.outcome is RunOutcome.NO_CHANGES:
        raise ZenMLTUIError(
            f"plan {plan_run.id} has no changes to apply",
            kind=Kind.NO_PLAN,
            hint="nothing to do",
        )
    if plan_run.outcome is not RunOutcome.CHANGES:
        raise ZenMLTUIError(
            f"plan {plan_run.id} did not finish ({plan_run.outcome})",
            kind=Kind.NO_PLAN,
            hint=f"plan again: zenml-tui plan --env {environment}",
        )
    return plan_run


async def _apply(
    session: Session,
    environment: str,
    run_id: str | None,
    ctx: RunContext,
    kind: RunKind,
    approver: str | None,
) -> ApplyOutcome:
    store = run_store(session)
    plan_run = _plan_to_apply(store, environment, run_id, kind)
    engine = ctx.attach(session.terraform())
    prep = await prepare(session, environment, ctx, engine, need_secrets=False, what=str(kind))
    reasons = _stale_reasons(plan_run.fingerprint_parts, prep.parts)
    if reasons:
        raise _stale(
            f"plan {plan_run.id} is stale: {'; '.join(reasons)} since it was made", environment
        )
    newer = [
        r
        for r in store.list_runs(environment)
        if r.kind in (RunKind.APPLY, RunKind.DESTROY)
        and r.started > plan_run.started
        and r.outcome.changed_state
    ]
    if newer:
        raise _stale(
            f"plan {plan_run.id} is stale: {newer[0].kind} {newer[0].id} changed the state "
            "after it was made",
            environment,
        )
    run = store.new(kind, environment, prep.workspace, engine.name, plan_run.provider_source)
    run.approver = approver or operator()
    run.commit = platform_commit(session.platform.root)
    run.plan_run, run.fingerprint, run.fingerprint_parts = (
        plan_run.id,
        plan_run.fingerprint,
        plan_run.fingerprint_parts,
    )
    store.save(run)
    plan_path = store.dir(plan_run.id) / "plan.tfplan"
    try:
        result = await _waiting_for_lock(
            ctx,
            str(kind),
            lambda: prep.workdir.apply(prep.env, plan_path, _recorder(store, run, ctx)),
        )
    except ZenMLTUIError as exc:
        locked = exc.kind is Kind.LOCK_HELD  # nothing ran: the plan still holds
        run.finish(RunOutcome.LOCKED if locked else RunOutcome.FAILED, str(exc))
        if not locked:
            plan_run.applied_by = run.id
        store.save(run)
        store.save(plan_run)
        raise
    if result.cancelled:
        progress = ApplyProgress.of(result.events)
        planned = sum(n for a, n in plan_run.summary.items() if a not in ("no-op", "read"))
        adopt = (
            "; the next plan adopts what the server made of the changes cut off"
            if progress.in_flight
            else ""
        )
        run.finish(
            RunOutcome.CANCELLED,
            f"{kind} cancelled: {progress.describe(planned)}; Terraform saved the state"
            f"{adopt}. Plan again to see what is left",
        )
    else:
        summary = next(
            (e for e in reversed(result.events) if e.get("type") == "change_summary"), None
        )
        run.summary = (summary or {}).get("changes") or {}
        run.finish(RunOutcome.APPLIED, (summary or {}).get("@message", ""))
        await _settle_adoptions(session, environment, prep)
    plan_run.applied_by = run.id
    store.save(run)
    store.save(plan_run)
    session.pulled.pop(environment, None)  # the Server tab reads the new state
    return ApplyOutcome(run, plan_run)


async def _settle_adoptions(session: Session, environment: str, prep: Prepared) -> None:
    """After an apply: the pending adoptions it imported are done."""
    if adopt.pending(session.platform.state_dir, environment):
        state = await current_state(prep.workdir, prep.workspace, prep.env)
        adopt.settle(session.platform.state_dir, environment, state)


async def destroy(
    session: Session,
    environment: str,
    ctx: RunContext | None = None,
    confirm_env: str | None = None,
    approver: str | None = None,
) -> ApplyOutcome:
    """Plan a destroy and apply it at once (the caller confirms before calling; a
    protected environment needs `confirm_env` equal to its name)."""
    confirm.require(session, environment, confirm_env, "destroy")
    ctx = ctx or RunContext()
    try:
        outcome = await _plan(session, environment, ctx, destroy=True)
        if outcome.model is None:
            raise ZenMLTUIError("destroy cancelled while planning", kind=Kind.CANCELLED)
        if outcome.run.outcome is RunOutcome.NO_CHANGES:
            return ApplyOutcome(outcome.run, outcome.run)
        return await _apply(session, environment, outcome.run.id, ctx, RunKind.DESTROY, approver)
    except OSError as exc:
        raise file_error(exc, f"destroy {environment}") from None


def plan_file(session: Session, run: Run) -> Path:
    return run_store(session).dir(run.id) / "plan.tfplan"


async def refresh(
    session: Session, environment: str, addresses: list[str], ctx: RunContext | None = None
) -> Run:
    """Record in the state what the server has for `addresses` (`terraform apply
    -refresh-only -target=...`): what accepting drift does, so that once the layer says
    the same, state, server and configuration agree and the next plan is empty. Changes
    nothing on the server; recorded as an apply run (it changes the state, so a plan
    made before it is stale)."""
    ctx = ctx or RunContext()
    try:
        engine = ctx.attach(session.terraform())
        prep = await prepare(session, environment, ctx, engine, need_secrets=True, what="apply")
        store = run_store(session)
        envdef = session.environment(environment)
        run = store.new(RunKind.APPLY, environment, prep.workspace, engine.name, envdef.provider)
        run.approver = operator()
        run.commit = platform_commit(session.platform.root)
        store.save(run)
        tfvars_path = store.dir(run.id) / "tfvars.json"
        write_atomic(tfvars_path, prep.tfvars_text, mode=0o600)
        what = f"refresh of {', '.join(addresses)}"
        try:
            result = await _waiting_for_lock(
                ctx,
                "apply",
                lambda: prep.workdir.refresh_only(
                    prep.env, tfvars_path, addresses, _recorder(store, run, ctx)
                ),
            )
        except ZenMLTUIError as exc:
            locked = exc.kind is Kind.LOCK_HELD
            run.finish(RunOutcome.LOCKED if locked else RunOutcome.FAILED, str(exc))
            store.save(run)
            raise
        if result.cancelled:
            run.finish(RunOutcome.CANCELLED, f"{what} cancelled")
        else:
            run.finish(RunOutcome.APPLIED, f"{what}: the server's values recorded in the state")
        store.save(run)
        session.pulled.pop(environment, None)
        return run
    except OSError as exc:
        raise file_error(exc, f"refresh {environment}") from None
