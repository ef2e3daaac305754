"""Every message the app's workers post, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class MergeDone(Message):
    """A scope was merged (from files and the editor's buffer)."""

    result: Any  # ScopeResult
    generation: int


class TerraformEvents(Message):
    """Terraform's streamed JSON events are waiting in the app's queue (one message for
    however many arrived since the last: 10,000 events never flood the message queue)."""


@dataclass
class PlanDone(Message):
    outcome: Any  # PlanOutcome


@dataclass
class ApplyDone(Message):
    outcome: Any  # ApplyOutcome


@dataclass
class OperationFailed(Message):
    """A plan, apply or save failed; `diagnostics` are located config errors."""

    what: str
    message: str
    diagnostics: list[Any]


@dataclass
class ServerState(Message):
    """The environment's server: `report` is a StatusReport, or None with `problem`."""

    environment: str
    report: Any
    problem: str = ""


@dataclass
class WorkspaceReady(Message):
    """The environment's Terraform workspace is selected (created if it was new)."""

    environment: str
    workspace: str
