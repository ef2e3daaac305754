"""The matrix of `plan --all` (f7): every environment's counts by action and its drift,
filled in as each plan finishes; a cell opens that environment's review, narrowed to
the cell's action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from zenml_tui.ops.plan_all import COLUMNS
from zenml_tui.textsafe import line
from zenml_tui.ui.widgets.change_list import STYLE

if TYPE_CHECKING:
    from zenml_tui.ops.plan_all import EnvPlan

_RESULT_STYLE = {"changes": "bold", "no changes": "green", "error": "bold red"}


Choice = tuple[str, str | None]  # the environment, and the action to narrow its review to


class PlanMatrix(ModalScreen[Choice | None]):
    """Rows are environments; enter on a cell opens that environment's review."""

    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("f8", "cancel_run", "cancel"),
    ]

    def __init__(self, environments: list[str], rows: dict[str, EnvPlan], running: bool) -> None:
        super().__init__()
        self.environments = environments
        self.rows = dict(rows)
        self.running = running

    def compose(self) -> ComposeResult:
        with Vertical(id="matrix-box"):
            yield Static(Text("plan --all: every environment", style="bold"), id="matrix-title")
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=True)
            yield Static("", id="matrix-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("environment", key="environment")
        for column in COLUMNS:
            table.add_column(Text(column, style=STYLE.get(column, "bold red")), key=column)
        table.add_column("result", key="result")
        for env in self.environments:
            table.add_row(*self._cells(env), key=env)
        self._hint()
        table.focus()

    def _cells(self, env: str) -> list[str | Text]:
        row = self.rows.get(env)
        name = Text(line(env), style="bold")
        if row is None:
            return [name, *("…" for _ in COLUMNS), Text("planning…", style="yellow")]
        counts = row.counts
        cells: list[str | Text] = [name]
        for column in COLUMNS:
            n = counts.get(column, 0) if counts else None
            if n is None:
                cells.append("–")
            else:
                text = (
                    str(n)
                    if column != "create" or not counts.get("import")
                    else (f"{n} +{counts['import']} import")
                )
                cells.append(Text(text, style=STYLE.get(column, "bold red") if n else "dim"))
        if row.error is not None:
            result = Text(line(f"{row.status}: {row.error.message}"), style="bold red")
        else:
            result = Text(row.status, style=_RESULT_STYLE.get(row.status, ""))
        cells.append(result)
        return cells

    def update_row(self, row: EnvPlan) -> None:
        self.rows[row.environment] = row
        table = self.query_one(DataTable)
        keys = ["environment", *COLUMNS, "result"]
        for key, value in zip(keys, self._cells(row.environment), strict=True):
            table.update_cell(row.environment, key, value, update_width=True)
        self._hint()

    def finished(self) -> None:
        self.running = False
        self._hint()

    def _hint(self) -> None:
        done = len(self.rows)
        if self.running:
            text = f"planning {len(self.environments) - done} of {len(self.environments)}… "
            text += "(f8 cancels; escape hides this, f7 shows it again)"
        else:
            text = "enter on a cell opens that environment's review · escape closes"
        self.query_one("#matrix-hint", Static).update(Text(text, style="dim"))

    @on(DataTable.CellSelected)
    def _chosen(self, event: DataTable.CellSelected) -> None:
        env = str(event.cell_key.row_key.value)
        row = self.rows.get(env)
        if row is None:
            self.notify(f"{env} is still being planned", severity="warning")
            return
        if row.outcome is None or row.outcome.model is None:
            message = row.error.one_line() if row.error is not None else "no plan"
            self.notify(line(f"{env}: {message}"), severity="error", markup=False)
            return
        column = str(event.cell_key.column_key.value)
        self.dismiss((env, column if column in COLUMNS and column != "drift" else None))

    def action_close(self) -> None:
        self.dismiss(None)

    async def action_cancel_run(self) -> None:
        await self.app.run_action("cancel_run")
