"""The Server tab: live stacks, components and connectors of the environment's ZenML
server, which this platform manages, and drift; and who holds the state's lock, when
another run does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from zenml_tui.textsafe import line

if TYPE_CHECKING:
    from zenml_tui.ops.drift import StatusReport
    from zenml_tui.ops.locks import HeldLock


class ServerPane(Vertical):
    def __init__(self) -> None:
        super().__init__(id="server")

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="server-state")
        lock = Static("", id="server-lock")
        lock.display = False  # shown while another run holds the state's lock
        yield lock
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#objects", DataTable).add_columns(
            "kind", "name", "type", "managed", "drift"
        )

    def show_lock(self, lock: HeldLock | None) -> None:
        """Another run's lock on the environment's state (its holder, operation, age and
        ID), or nothing when it is free."""
        shown = self.query_one("#server-lock", Static)
        shown.display = lock is not None
        if lock is not None:
            text = Text(line(f"state {lock.badge()}"), style="bold black on yellow")
            text.append(line(f"  lock {lock.id or '(no ID)'}"), style="yellow")
            shown.update(text)

    def show(self, report: StatusReport | None, problem: str) -> None:
        state = self.query_one("#server-state", Static)
        if report is None:
            shown = f"server unavailable: {line(problem)} (retrying)"
            state.update(Text(shown, style="bold yellow"))
            return
        drifted = len(report.drifted)
        text = Text(
            f"ZenML {line(report.version)} at {line(report.url)}: {len(report.objects)} objects, "
        )
        text.append(f"{drifted} drifted", style="bold red" if drifted else "green")
        state.update(text)
        table = self.query_one("#objects", DataTable)
        table.clear()
        for obj in report.objects:
            managed = Text("managed", style="green") if obj.managed else Text("other", style="dim")
            table.add_row(
                Text(line(obj.kind)),
                Text(line(obj.name)),
                Text(line(obj.detail)),
                managed,
                Text(line(obj.drift), style="red"),
                key=obj.id,
            )
        for gone in report.missing:
            table.add_row(
                Text(line(gone.kind)),
                Text(line(gone.name)),
                Text(line(gone.address)),
                Text("managed", style="green"),
                Text(line(gone.drift), style="red"),
                key=gone.id,
            )
