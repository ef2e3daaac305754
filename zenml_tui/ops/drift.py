"""The live state of an environment's ZenML server: its stacks, components and
connectors, which this platform manages, and their drift from the Terraform state."""

from __future__ import annotations

from collections.abc import Callable

from zenml_tui.ops.servers import connect
from zenml_tui.ops.session import Session
from zenml_tui.server.status import LiveObject, Missing, StatusReport, environment_status

__all__ = ["LiveObject", "Missing", "StatusReport", "status"]


def status(
    session: Session,
    environment: str,
    start: bool = False,
    on_starting: Callable[[], None] | None = None,
) -> StatusReport:
    """Read the live objects and compare them with the environment's state file. The
    local server is started first only with `start` (the app does; `status` does not)."""
    platform = session.platform
    workspace = session.environment(environment).workspace
    state_file = platform.state_dir / "state" / workspace / "terraform.tfstate"
    client = connect(session, environment, start=start, on_starting=on_starting)
    return environment_status(client, platform.name, environment, state_file)
