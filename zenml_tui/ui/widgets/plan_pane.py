"""The Plan tab: run a plan with live progress (cancellable), then review it: counts,
changes grouped by action with filter and search, each change's attribute diff, drift
and outputs."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, RichLog, Select, Static

ORDER = ("create", "update", "replace", "delete", "read", "no-op")
STYLE = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "delete": "red",
    "read": "cyan",
    "no-op": "dim",
}
SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "read": "<=", "no-op": " "}


class PlanPane(Vertical):
    def __init__(self) -> None:
        super().__init__(id="plan")
        self.model: Any = None
        self.run: Any = None
        self._live_rows: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("press p to plan this environment", id="plan-summary")
        with Horizontal(id="plan-filters"):
            yield Input(placeholder="search addresses", id="plan-search")
            yield Select([(a, a) for a in ORDER], prompt="all actions", id="plan-action")
        with Horizontal():
            yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
            with Vertical(id="plan-detail"):
                yield Static("", id="diff")
                yield RichLog(id="plan-log", max_lines=2000, wrap=True)

    def on_mount(self) -> None:
        self.query_one("#changes", DataTable).add_columns("action", "address")

    def started(self, environment: str) -> None:
        self.model, self.run, self._live_rows = None, None, {}
        self.query_one("#changes", DataTable).clear()
        self.query_one("#diff", Static).update("")
        self.query_one("#plan-summary", Static).update(
            Text(f"planning {environment}… (ctrl+c cancels)", style="bold yellow")
        )

    def event(self, event: dict[str, Any]) -> None:
        """One streamed Terraform event: log it; a planned change fills in a row."""
        kind = event.get("type")
        message = event.get("@message", "")
        if (
            kind
            in ("planned_change", "apply_complete", "apply_errored", "change_summary", "diagnostic")
            or event.get("@level") == "error"
        ):
            self.query_one("#plan-log", RichLog).write(message)
        if kind == "planned_change":
            change = event.get("change") or {}
            address = (change.get("resource") or {}).get("addr", "")
            action = change.get("action", "")
            action = {"noop": "no-op", "replace": "replace"}.get(action, action)
            if address and address not in self._live_rows:
                self._live_rows[address] = action
                self.query_one("#changes", DataTable).add_row(
                    Text(SYMBOL.get(action, "?") + " " + action, style=STYLE.get(action, "")),
                    address,
                    key=address,
                )

    def show(self, outcome: Any) -> None:
        self.run, self.model = outcome.run, outcome.model
        if self.model is None:
            self.query_one("#plan-summary", Static).update("plan cancelled")
            return
        counts = self.model.counts
        text = Text(f"plan {self.run.id}: ")
        for action in ORDER[:-1]:
            text.append(f"{counts.get(action, 0)} {action}  ", style=STYLE[action])
        if self.model.drift:
            text.append(f"{len(self.model.drift)} drifted  ", style="bold red")
        text.append("(a applies)" if self.run.outcome == "changes" else "no changes", style="bold")
        self.query_one("#plan-summary", Static).update(text)
        self.refill()
        log = self.query_one("#plan-log", RichLog)
        for change in self.model.drift:
            log.write(
                Text(
                    f"drift: {change.address} changed outside Terraform ({change.action})",
                    style="red",
                )
            )
        for out in self.model.outputs:
            log.write(f"output {out.name}: {out.action}")

    @on(Input.Changed, "#plan-search")
    @on(Select.Changed, "#plan-action")
    def refill(self) -> None:
        if self.model is None:
            return
        self._fill_generation = getattr(self, "_fill_generation", 0) + 1
        self.query_one("#changes", DataTable).clear()
        self.run_worker(self._fill(self._fill_generation), exclusive=True, group="plan-table")

    async def _fill(self, generation: int) -> None:
        """Add the rows in slices, yielding to the event loop between them, so a plan of
        10,000 changes fills in without freezing the screen."""
        import gc

        # the rows are long-lived and acyclic: keep the collector off them while they are
        # made, then freeze them, so no collection walks 10,000 rows mid-review
        paused = gc.isenabled()
        gc.disable()
        try:
            await self._fill_rows(generation)
        finally:
            gc.freeze()
            if paused:
                gc.enable()

    async def _fill_rows(self, generation: int) -> None:
        import asyncio

        table = self.query_one("#changes", DataTable)
        needle = self.query_one("#plan-search", Input).value.strip()
        wanted = self.query_one("#plan-action", Select).value
        groups = self.model.by_action()
        batch = 0
        for action in ORDER:
            if isinstance(wanted, str) and wanted != action:
                continue
            if action == "no-op" and not isinstance(wanted, str):
                continue
            label = Text(SYMBOL[action] + " " + action, style=STYLE[action])
            for change in groups.get(action, []):
                if needle and needle not in change.address:
                    continue
                table.add_row(label, change.address, key=change.address)
                batch += 1
                if batch % 200 == 0:
                    await asyncio.sleep(0)
                    if generation != self._fill_generation:
                        return

    @on(DataTable.RowHighlighted, "#changes")
    def _diff(self, event: DataTable.RowHighlighted) -> None:
        if self.model is None or event.row_key is None:
            return
        address = event.row_key.value
        change = next((c for c in self.model.changes if c.address == address), None)
        if change is None:
            return
        text = Text(f"{change.address}\n", style="bold")
        if change.reason:
            text.append(f"{change.reason}\n", style="magenta")
        from zenml_tui.terraform.plan import _ABSENT

        for d in change.diffs():
            before = "" if d.before is _ABSENT else str(d.before)
            after = "" if d.after is _ABSENT else str(d.after)
            text.append(f"  {d.path}: ", style="bold")
            text.append(before, style="red")
            text.append(" → ")
            text.append(after, style="green")
            if d.forces_replace:
                text.append("  forces replacement", style="magenta")
            text.append("\n")
        self.query_one("#diff", Static).update(text)
