"""The Runs tab: plans and applies of the environment; select one to read its log. The
history and the logs are read off the event loop."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Log

from zenml_tui.errors import ZenMLTUIError
from zenml_tui.textsafe import line, visible
from zenml_tui.ui.messages import RunLog
from zenml_tui.ui.widgets.scrollsize import QuietLog

if TYPE_CHECKING:
    from zenml_tui.ops.history import Run
    from zenml_tui.ops.session import Session


class RunsPane(Vertical):
    def __init__(self, session: Session) -> None:
        super().__init__(id="runs")
        self.session = session
        self.shown: list[Run] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row")
        yield QuietLog(id="run-log", max_lines=5000)

    def on_mount(self) -> None:
        self.query_one("#runs-table", DataTable).add_columns(
            "run", "kind", "when", "outcome", "summary"
        )

    def show_runs(self, runs: list[Run]) -> None:
        self.shown = runs
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        for run in runs:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
            table.add_row(
                run.id, str(run.kind), when, str(run.outcome), Text(line(run.message)), key=run.id
            )

    @on(DataTable.RowSelected, "#runs-table")
    @on(DataTable.RowHighlighted, "#runs-table")
    def _show(self, event: DataTable.RowSelected | DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        self._load_log(event.row_key.value)

    @work(thread=True, exclusive=True, group="run-log")
    def _load_log(self, run_id: str) -> None:
        from zenml_tui.ops import history

        try:
            run = history.load_run(self.session, run_id)
            lines = [str(e.get("@message", "")) for e in history.events(self.session, run_id)]
        except (ZenMLTUIError, OSError):
            return  # removed meanwhile: nothing to show
        self.post_message(RunLog(run, lines))

    @on(RunLog)
    def _log_loaded(self, message: RunLog) -> None:
        run = message.run
        log = self.query_one("#run-log", Log)
        log.clear()
        head = f"{run.kind} {run.id} by {run.user}@{run.host}: {run.outcome}. {run.message}"
        log.write_line(visible(head))
        log.write_lines([visible(text) for text in message.lines])
