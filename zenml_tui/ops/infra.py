"""Infrastructure, then registration (docs/infrastructure.md): plan and apply an
environment's infrastructure root (`modules/base_infra`, the google provider) in a state
of its own, and feed that state's outputs to the environment's `infrastructure:` values.

Reading the outputs needs no provider: `terraform state pull` runs in a root of nothing
but the infrastructure backend. The values reach the layering engine as data
(`PlatformEngine.set_infrastructure`), cached in the session: a local state is read
again only when its file changes, a remote one at most every `REMOTE_EVERY` seconds, and
the editor's preview never reads a remote state (the workspace selection and every
command that renders do).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from zenml_tui.errors import Kind, ZenMLTUIError, file_error
from zenml_tui.fsutil import make_private, write_atomic
from zenml_tui.ops import confirm
from zenml_tui.ops.context import RunContext
from zenml_tui.ops.session import Session
from zenml_tui.ops.tfenv import backend_run, withheld_variables
from zenml_tui.platform.backends import BackendRun
from zenml_tui.platform.definition import Scope
from zenml_tui.platform.infrastate import InfraValues, StateUnreadable, from_state
from zenml_tui.terraform.engines import Engine, Result
from zenml_tui.terraform.workdir import TerraformError, Workdir, modules_hash

__all__ = ["InfraPlan", "apply", "feed", "plan", "read", "refresh"]

STATES = "infra-state"  # the local backend's directory, beside `state/` (registration)
ROOT = "base_infra"
READER = "zenml_tui_state_reader"  # a root of nothing but the backend block
REMOTE_EVERY = 20.0  # seconds a remote state's outputs are reused before a new pull
INIT_TIMEOUT = 60.0  # seconds `terraform init` may look for providers (a DNS that hangs)
_NO_REGISTRY = (
    "registry.terraform.io",
    "Failed to query available provider packages",
    "Failed to install provider",
    "could not connect to",
)
T = TypeVar("T")


def _backend(session: Session, environment: str) -> BackendRun:
    return backend_run(session, environment, "infrastructure")


def _workdir(
    session: Session,
    environment: str,
    engine: Engine,
    reader: bool,
    modules: Path | None = None,
) -> Workdir:
    from zenml_tui.bundled import modules_dir

    return Workdir(
        session.platform.state_dir,
        "infrastructure",
        engine,
        modules or modules_dir(),
        _backend(session, environment),
        root_name=READER if reader else ROOT,
        copy_name="infrastructure-reader" if reader else "infrastructure",
        states=STATES,
        declare_backend=True,
    )


def state_file(session: Session, environment: str) -> Path:
    """Where the local backend keeps the environment's infrastructure state."""
    workspace = session.environment(environment).workspace
    return session.platform.state_dir / STATES / workspace / "terraform.tfstate"


def _source(session: Session, environment: str, backend: BackendRun) -> str:
    """Where the state is, for provenance: its file, or the backend's address for it
    (`-backend-config` values never hold a secret)."""
    workspace = session.environment(environment).workspace
    if backend.local:
        return str(state_file(session, environment))
    a = backend.args
    if backend.kind == "gcs":
        return f"gs://{a.get('bucket', '')}/{a.get('prefix', '')}/{workspace}.tfstate"
    if backend.kind == "s3":
        prefix = a.get("workspace_key_prefix", "env:")
        return f"s3://{a.get('bucket', '')}/{prefix}/{workspace}/{a.get('key', '')}"
    if backend.kind == "http":
        return a.get("address", "http")
    named = ", ".join(f"{k}={v}" for k, v in sorted(a.items()) if "://" not in v)
    return f"{backend.kind} backend ({named}), workspace {workspace}"


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


async def read(
    session: Session, environment: str, ctx: RunContext | None = None
) -> InfraValues | None:
    """The environment's infrastructure state outputs, or None when it has no such state
    (the default: nothing was applied). Runs `terraform state pull` in the reader root;
    the pulled text (which holds any sensitive value) stays in memory and is dropped."""
    ctx = ctx or RunContext()
    backend = _backend(session, environment)
    if backend.local and _stamp(state_file(session, environment)) is None:
        return None
    wd = _workdir(session, environment, ctx.attach(session.terraform()), reader=True)
    workspace = session.environment(environment).workspace
    env = wd.environment({}, withheld_variables(session))
    source = _source(session, environment, backend)
    try:
        await wd.init(env, None)
        text = await wd.state_pull({**env, **wd.workspace_environment(workspace)})
        return from_state(text, source)
    except TerraformError as exc:
        raise ZenMLTUIError(
            f"cannot read the infrastructure state of '{environment}' ({source}): "
            f"{exc.message.removeprefix('terraform ')}",
            kind=exc.kind,
            hint=exc.hint or "check the infrastructure_backend of the environment",
        ) from None
    except StateUnreadable as exc:
        raise ZenMLTUIError(
            f"cannot read the infrastructure state of '{environment}' ({source}): {exc}",
            kind=Kind.TERRAFORM,
            hint="the state must be one Terraform 1.x wrote",
        ) from None
    except OSError as exc:
        raise file_error(exc, f"read the infrastructure state of {environment}") from None


async def refresh(
    session: Session, environment: str, ctx: RunContext | None = None, remote: bool = True
) -> InfraValues | None:
    """Read the environment's outputs unless the session's copy is still good, and feed
    them to the layering engine. `remote=False` (the editor's preview) never pulls a
    remote state: it keeps what was read last."""
    return _feed_from(session, environment, remote, lambda: read(session, environment, ctx))


def feed(session: Session, environment: str, remote: bool = True) -> InfraValues | None:
    """`refresh` for callers without an event loop (render, explain, the preview)."""
    return _feed_from(session, environment, remote, lambda: read(session, environment))


def _feed_from(
    session: Session,
    environment: str,
    remote: bool,
    reader: Any,
) -> InfraValues | None:
    session.environment(environment)  # an unknown environment: a usage error, first
    with session.infra_lock:
        cached = session.infra.get(environment)
        local = session.environment(environment).infrastructure_backend.type == "local"
        if local:
            stamp: object = _stamp(state_file(session, environment))
            fresh = cached is not None and cached[0] == stamp
        else:
            pulled = cached[0] if cached is not None else None
            fresh = cached is not None and (
                not remote
                or (isinstance(pulled, float) and time.monotonic() - pulled < REMOTE_EVERY)
            )
            stamp = time.monotonic()
        if fresh:
            assert cached is not None
            values = cached[1]
        elif local and stamp is None:
            values = None  # no state: the layers alone, no Terraform run
        elif not local and not remote:
            values = None
        else:
            values = _await(reader())
            if local:
                stamp = _stamp(state_file(session, environment))
        if not (not local and not remote and cached is None):
            session.infra[environment] = (stamp, values)
    with session.lock:
        session.layering.set_infrastructure(environment, values)
    return values


def _await(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end from sync code, also from a thread whose loop is running
    (a plan's worker renders inside its event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed back to the caller as it is
            box["error"] = exc

    thread = threading.Thread(target=run, name="zenml-tui: infrastructure state")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


# -- the infrastructure step --------------------------------------------------------------


@dataclass
class InfraPlan:
    """A saved plan of the infrastructure root: its counts and what it was made from."""

    environment: str
    changes: dict[str, int] = field(default_factory=dict)
    message: str = ""
    has_changes: bool = False
    plan_file: Path | None = None


def _runs(session: Session, environment: str) -> Path:
    return session.platform.state_dir / "infra-runs" / environment


def infra_tfvars(session: Session, environment: str) -> dict[str, Any]:
    """The variables of modules/base_infra from the environment's scope: the GCP project
    (`infrastructure.project_id`), the region (`location`), the labels."""
    with session.lock:
        result = session.layering.scope(Scope(environment))
    if result.errors:
        raise ZenMLTUIError(
            f"the configuration of '{environment}' has errors",
            kind=Kind.CONFIG,
            hint="fix the errors above",
            diagnostics=result.errors,
        )
    plain = result.plain()
    project = (plain.get("infrastructure") or {}).get("project_id")
    region = plain.get("location")
    if not isinstance(project, str) or not project:
        raise ZenMLTUIError(
            f"the infrastructure root of '{environment}' needs infrastructure.project_id",
            kind=Kind.CONFIG,
            hint="set it in layers/base.yaml or the environment's layer",
        )
    labels = {k: v for k, v in (plain.get("labels") or {}).items() if isinstance(v, str)}
    return {"project_id": project, "region": region, "environment": environment, "labels": labels}


def _provider_unavailable(environment: str, reason: str) -> ZenMLTUIError:
    return ZenMLTUIError(
        f"the infrastructure root of '{environment}' needs the hashicorp/google provider, "
        f"which cannot be installed here (no access to registry.terraform.io): {reason}; "
        "the registration step still runs from the values in the layers",
        kind=Kind.PROVIDER_UNAVAILABLE,
        hint=f"run `zenml-tui infra plan --env {environment}` where registry.terraform.io "
        "(or a provider mirror in your Terraform CLI configuration) is reachable; "
        f"`zenml-tui plan --env {environment}` registers from the layers meanwhile",
    )


def _reason(text: str) -> str:
    """Terraform's reason in one line: the paragraph that names the registry, from
    `could not connect` on, down to its last cause (`dial tcp: ... no such host`)."""
    for paragraph in text.split("\n\n"):
        flat = " ".join(paragraph.split())
        if "could not connect to" in flat:
            provider = flat.split("for provider ", 1)[-1].split(":", 1)[0]
            cause = flat.rsplit("dial tcp: ", 1)[-1] if "dial tcp: " in flat else ""
            where = flat[flat.index("could not connect to") :].split(":", 1)[0]
            shown = f"{provider}: {where}" if "/" in provider else where
            return f"{shown} ({cause})" if cause else shown
        if "registry.terraform.io" in flat or "Failed to install provider" in flat:
            return flat[:300]
    first = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith("Error")), "")
    return first or "terraform init failed"


async def _init(wd: Workdir, env: dict[str, str], environment: str, engine: Engine) -> None:
    """`terraform init` of the infrastructure root, bounded: offline it fails at once
    where DNS answers, and is stopped after INIT_TIMEOUT where it does not."""
    loop = asyncio.get_running_loop()
    timed_out = False

    def stop() -> None:
        nonlocal timed_out
        timed_out = True
        engine.kill()

    timer = loop.call_later(INIT_TIMEOUT, stop)
    try:
        await wd.init(env, None)
    except ZenMLTUIError as exc:
        if timed_out:
            raise _provider_unavailable(
                environment, f"terraform init found no provider within {INIT_TIMEOUT:g} s"
            ) from None
        text = exc.result.error_text() if isinstance(exc, TerraformError) else exc.message
        if any(s in text for s in _NO_REGISTRY):
            raise _provider_unavailable(environment, _reason(text)) from None
        raise
    finally:
        timer.cancel()


async def _prepared(
    session: Session, environment: str, ctx: RunContext, modules: Path | None
) -> tuple[Workdir, dict[str, str], str]:
    engine = ctx.attach(session.terraform())
    wd = _workdir(session, environment, engine, reader=False, modules=modules)
    workspace = session.environment(environment).workspace
    env = wd.environment({}, withheld_variables(session))
    state_dir = session.platform.state_dir
    make_private(state_dir / STATES, state_dir / "infra-runs")  # states and plans
    await _init(wd, env, environment, engine)
    ctx.check("infrastructure plan")
    await wd.select_workspace(workspace, env)
    return wd, {**env, **wd.workspace_environment(workspace)}, modules_hash(wd.bundled_modules)


def _fingerprint(tfvars_text: str, module_hash: str, backend: BackendRun) -> str:
    import hashlib

    return hashlib.sha256(f"{tfvars_text}\0{module_hash}\0{backend.key}".encode()).hexdigest()


async def plan(
    session: Session,
    environment: str,
    ctx: RunContext | None = None,
    modules: Path | None = None,
) -> InfraPlan:
    """Plan the environment's infrastructure root to a saved plan (`modules` replaces
    the bundled modules' directory: tests run a root without the google provider)."""
    ctx = ctx or RunContext()
    await refresh(session, environment, ctx)
    from zenml_tui.platform.render import dump_json

    text = dump_json(infra_tfvars(session, environment))
    try:
        wd, env, module_hash = await _prepared(session, environment, ctx, modules)
        d = _runs(session, environment)
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o700)
        tfvars, plan_file = d / "tfvars.json", d / "plan.tfplan"
        write_atomic(tfvars, text, mode=0o600)
        (d / "plan.json").unlink(missing_ok=True)
        result: Result = await wd.plan(env, tfvars, plan_file, ctx.event)
    except OSError as exc:
        raise file_error(exc, f"plan the infrastructure of {environment}") from None
    if result.cancelled:
        raise ZenMLTUIError("infrastructure plan cancelled", kind=Kind.CANCELLED)
    if plan_file.exists():
        os.chmod(plan_file, 0o600)
    summary = next((e for e in result.events if e.get("type") == "change_summary"), {})
    outcome = InfraPlan(
        environment,
        dict(summary.get("changes") or {}),
        str(summary.get("@message", "")),
        result.retcode == 2,
        plan_file,
    )
    record = {
        "fingerprint": _fingerprint(text, module_hash, wd.backend),
        "changes": outcome.has_changes,
        "message": outcome.message,
    }
    write_atomic(d / "plan.json", json.dumps(record), mode=0o600)
    return outcome


async def apply(
    session: Session,
    environment: str,
    ctx: RunContext | None = None,
    confirm_env: str | None = None,
    modules: Path | None = None,
) -> InfraValues | None:
    """Apply exactly the environment's saved infrastructure plan, then read the new
    outputs; refuses a plan whose inputs changed since (Terraform itself refuses one
    whose state moved). A protected environment needs `confirm_env`."""
    confirm.require(session, environment, confirm_env, "infra apply")
    ctx = ctx or RunContext()
    d = _runs(session, environment)
    try:
        record = json.loads((d / "plan.json").read_text())
    except (OSError, ValueError):
        record = None
    plan_file = d / "plan.tfplan"
    if not isinstance(record, dict) or not plan_file.is_file():
        raise ZenMLTUIError(
            f"no infrastructure plan to apply for '{environment}'",
            kind=Kind.NO_PLAN,
            hint=f"plan first: zenml-tui infra plan --env {environment}",
        )
    if not record.get("changes"):
        raise ZenMLTUIError(
            f"the infrastructure plan of '{environment}' has no changes to apply",
            kind=Kind.NO_PLAN,
            hint="nothing to do",
        )
    await refresh(session, environment, ctx)
    from zenml_tui.platform.render import dump_json

    text = dump_json(infra_tfvars(session, environment))
    try:
        wd, env, module_hash = await _prepared(session, environment, ctx, modules)
        if _fingerprint(text, module_hash, wd.backend) != record.get("fingerprint"):
            raise ZenMLTUIError(
                f"the infrastructure plan of '{environment}' is stale: its configuration "
                "or the module changed since it was made",
                kind=Kind.STALE_PLAN,
                hint=f"review a new plan: zenml-tui infra plan --env {environment}",
            )
        result = await wd.apply(env, plan_file, ctx.event)
    except OSError as exc:
        raise file_error(exc, f"apply the infrastructure of {environment}") from None
    finally:
        session.infra.pop(environment, None)  # the state changed (or may have)
    plan_file.unlink(missing_ok=True)  # Terraform applies a saved plan once
    (d / "plan.json").unlink(missing_ok=True)
    if result.cancelled:
        raise ZenMLTUIError(
            "infrastructure apply cancelled; Terraform saved the state", kind=Kind.CANCELLED
        )
    return await refresh(session, environment, ctx)
