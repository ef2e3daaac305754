"""The live state of an environment's ZenML server: its stacks, components and
connectors, which this platform manages, and their drift from the Terraform state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zenml_tui.ops.servers import connect, explained
from zenml_tui.ops.session import Session
from zenml_tui.server.rest import ZenMLError
from zenml_tui.server.status import LiveObject, Missing, StatusReport, environment_status

__all__ = ["LiveObject", "Missing", "StatusReport", "state_of", "status"]


def status(
    session: Session,
    environment: str,
    start: bool = False,
    on_starting: Callable[[], None] | None = None,
    timeout: float | None = None,
) -> StatusReport:
    """Read the live objects and compare them with the environment's state file. The
    local server is started first only with `start` (the app does; `status` does not);
    `timeout` overrides the session's for each request (the app's polling is short, so
    that a server that stops answering shows as such within seconds)."""
    state = state_of(session, environment)
    client = connect(session, environment, start=start, on_starting=on_starting, timeout=timeout)
    try:
        return environment_status(client, session.platform.name, environment, state)
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None


def state_of(session: Session, environment: str) -> Path | str:
    """The environment's state: its file on the local backend, else the remote state's
    text (pulled at most every PULL_EVERY seconds)."""
    envdef = session.environment(environment)
    if envdef.backend.type != "local":
        return _remote_state(session, environment)
    return session.platform.state_dir / "state" / envdef.workspace / "terraform.tfstate"


PULL_EVERY = 20.0  # seconds a remote state pulled for the Server tab is reused


def _remote_state(session: Session, environment: str) -> str:
    """The remote state, pulled at most every PULL_EVERY seconds (a poll of the Server
    tab must not run Terraform each time)."""
    import asyncio
    import time

    from zenml_tui.ops.plans import pull_state

    when, text = session.pulled.get(environment, (0.0, ""))
    if time.monotonic() - when > PULL_EVERY:
        text = asyncio.run(pull_state(session, environment))
        session.pulled[environment] = (time.monotonic(), text)
    return text
