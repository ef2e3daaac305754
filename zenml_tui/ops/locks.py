"""Another run's lock on an environment's state: who holds it, and releasing it.

A lock outlives its run only where the backend stores it as an object (gcs, s3,
azurerm, http): a run killed there leaves it behind. Local and pg locks go with the
process or the database session that holds them. Releasing a live run's lock lets two
runs write the state at once, so `release` needs the lock's ID as it was shown."""

from __future__ import annotations

from dataclasses import dataclass

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.context import RunContext
from zenml_tui.ops.session import Session
from zenml_tui.terraform.workdir import Workdir, lock_age


@dataclass(frozen=True)
class HeldLock:
    id: str
    who: str
    operation: str
    created: str
    path: str

    @property
    def operation_name(self) -> str:
        """`apply`, `plan`, ... (Terraform says `OperationTypeApply`)."""
        return self.operation.removeprefix("OperationType").lower()

    @property
    def age(self) -> str:
        """How long it has been held, e.g. `12 s` (now, each time it is asked)."""
        return lock_age(self.created)

    def badge(self) -> str:
        """`locked by ana@build-7 (apply, 12 s)`: the app's header and Server tab."""
        details = ", ".join(d for d in (self.operation_name, self.age) if d)
        return f"locked by {self.who or 'another run'}" + (f" ({details})" if details else "")

    def describe(self) -> str:
        age = lock_age(self.created)
        operation = self.operation_name or "an operation"
        return (
            f"lock {self.id or '(no ID)'} on {self.path or 'the state'}: held by "
            f"{self.who or 'an unknown run'} for {operation}"
            + (f", since {self.created} ({age} ago)" if age else "")
        )


def of_error(error: ZenMLTUIError) -> HeldLock | None:
    """The lock a LOCK_HELD error met (None for any other error). Its fields are empty
    where the backend did not say who holds it."""
    if error.kind is not Kind.LOCK_HELD:
        return None
    info: dict[str, str] = getattr(error, "lock", None) or {}
    return _from_info(info)


def _from_info(info: dict[str, str]) -> HeldLock:
    return HeldLock(
        info.get("ID", ""),
        info.get("Who", ""),
        info.get("Operation", ""),
        info.get("Created", ""),
        info.get("Path", ""),
    )


async def held(
    session: Session, environment: str, ctx: RunContext | None = None
) -> HeldLock | None:
    """The lock another run holds on the environment's state, if any."""
    from zenml_tui.ops.plans import prepared_workdir

    wd, env = await prepared_workdir(session, environment, ctx or RunContext())
    return await _held(wd, env)


async def _held(wd: Workdir, env: dict[str, str]) -> HeldLock | None:
    info = await wd.lock_held(env)
    if info is None:
        return None
    return _from_info(info)


async def release(
    session: Session,
    environment: str,
    lock_id: str,
    ctx: RunContext | None = None,
    confirm_env: str | None = None,
) -> None:
    """`terraform force-unlock` of the lock `lock_id`, if it is still the one held (a
    protected environment needs `confirm_env` equal to its name)."""
    from zenml_tui.ops import confirm
    from zenml_tui.ops.plans import prepared_workdir

    confirm.require(session, environment, confirm_env, "unlock")
    wd, env = await prepared_workdir(session, environment, ctx or RunContext())
    lock = await _held(wd, env)
    if lock is None:
        raise ZenMLTUIError(f"the state of '{environment}' is not locked", kind=Kind.USAGE)
    if lock.id != lock_id:
        raise ZenMLTUIError(
            f"the state of '{environment}' is now locked by another run ({lock.describe()})",
            kind=Kind.LOCK_HELD,
            hint="look again: zenml-tui unlock --env " + environment,
        )
    await wd.force_unlock(env, lock_id)
