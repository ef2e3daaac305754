"""The live state of an environment's ZenML server: its stacks, components and
connectors, which this platform manages, and their drift from the Terraform state."""

from __future__ import annotations

from collections.abc import Callable

from zenml_tui.ops.servers import connect, explained
from zenml_tui.ops.session import Session
from zenml_tui.server.rest import ZenMLError
from zenml_tui.server.status import LiveObject, Missing, StatusReport, environment_status

__all__ = ["LiveObject", "Missing", "StatusReport", "status"]


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
    platform = session.platform
    workspace = session.environment(environment).workspace
    state_file = platform.state_dir / "state" / workspace / "terraform.tfstate"
    client = connect(session, environment, start=start, on_starting=on_starting, timeout=timeout)
    try:
        return environment_status(client, platform.name, environment, state_file)
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None
