"""The Runs tab: plans and applies of the environment; select one to read its log."""

from __future__ import annotations

import time
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Log


class RunsPane(Vertical):
    def __init__(self) -> None:
        super().__init__(id="runs")
        self.store: Any = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row")
        yield Log(id="run-log", max_lines=5000)

    def on_mount(self) -> None:
        self.query_one("#runs-table", DataTable).add_columns(
            "run", "kind", "when", "outcome", "summary"
        )

    def refresh_runs(self, store: Any, environment: str) -> None:
        self.store = store
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        for run in store.list(environment):
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
            table.add_row(run.id, run.kind, when, run.outcome, run.message, key=run.id)

    @on(DataTable.RowSelected, "#runs-table")
    @on(DataTable.RowHighlighted, "#runs-table")
    def _show(self, event: Any) -> None:
        if self.store is None or event.row_key is None:
            return
        run = self.store.load(event.row_key.value)
        log = self.query_one("#run-log", Log)
        log.clear()
        if run is None:
            return
        head = f"{run.kind} {run.id} by {run.user}@{run.host}: {run.outcome}. {run.message}"
        log.write_line(head)
        log.write_lines([e.get("@message", "") for e in self.store.events(run.id)])
