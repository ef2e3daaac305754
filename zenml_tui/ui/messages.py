"""Every message the app's workers post, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from zenml_tui.errors import Kind, ZenMLTUIError

if TYPE_CHECKING:
    from zenml_tui.ops.drift import LayerEdit, StatusReport
    from zenml_tui.ops.history import Run
    from zenml_tui.ops.locks import HeldLock
    from zenml_tui.ops.plan_all import EnvPlan
    from zenml_tui.ops.plans import ApplyOutcome, PlanOutcome
    from zenml_tui.ops.speculative import Impact
    from zenml_tui.platform.engine import ScopeResult


@dataclass
class MergeDone(Message):
    """A scope was merged (from files and the editor's buffer)."""

    result: ScopeResult
    generation: int


@dataclass
class DraftsChanged(Message):
    """Which layers have unsaved edits (drafts) changed, or which layer is open: the
    scope tree and the Config tab's title mark them."""

    drafted: frozenset[Path]
    current: Path | None


class TerraformEvents(Message):
    """Terraform's streamed JSON events are waiting in the app's queue (one message for
    however many arrived since the last: 10,000 events never flood the message queue)."""


@dataclass
class GoToOrigin(Message):
    """Show the layer value behind a change: scope (env[/team[/project]]), file:line:col."""

    scope: str
    file: str
    line: int
    col: int


@dataclass
class PlanDone(Message):
    outcome: PlanOutcome


@dataclass
class ApplyDone(Message):
    outcome: ApplyOutcome


@dataclass
class OperationFailed(Message):
    """Any worker's failure, for the app's one error handler (a bug arrives as an error
    of kind INTERNAL)."""

    what: str
    error: ZenMLTUIError


@dataclass
class ServerState(Message):
    """The environment's server: `report`, or None with the `problem`."""

    environment: str
    report: StatusReport | None
    problem: str = ""
    starting: bool = False
    kind: Kind | None = None  # what went wrong, when it did
    lock: HeldLock | None = None  # another run's lock on the state, when it was checked
    lock_checked: bool = False


@dataclass
class WorkspaceReady(Message):
    """The environment's Terraform workspace is selected (created if it was new)."""

    environment: str
    workspace: str


@dataclass
class RunsLoaded(Message):
    """The environment's run history, read off the event loop."""

    environment: str
    runs: list[Run]


@dataclass
class RunLog(Message):
    """One run's record and event log, for the Runs tab."""

    run: Run
    lines: list[str]


@dataclass
class MatrixRow(Message):
    """plan --all: one environment's plan is over."""

    row: EnvPlan


@dataclass
class MatrixDone(Message):
    """plan --all: every environment's plan is over."""

    rows: list[EnvPlan]


@dataclass
class ImpactDone(Message):
    """A speculative plan of the unsaved edits is over: its impact, or one line saying
    why there is none (`cancelled`: a newer edit or a real run stopped it)."""

    token: int  # which request it answers: only the newest is shown
    impact: Impact | None = None
    note: str = ""
    style: str = ""
    cancelled: bool = False


@dataclass
class EditsReady(Message):
    """Layer edits made for the user (accepting drift, adopting objects), for the Config
    tab's unsaved buffers: `edits` are ops' LayerEdits, `refused` what could not be."""

    what: str
    environment: str
    edits: list[LayerEdit]
    refused: list[str]


@dataclass
class RepairDone(Message):
    """An accept or adopt is over: what it did, in a sentence."""

    what: str
    environment: str
    message: str
