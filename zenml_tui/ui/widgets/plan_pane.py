"""The Plan tab: run a plan with live progress (cancellable), then review it: counts,
changes grouped by action with filter and search, each change's attribute diff, drift
and outputs.

Terraform's events arrive one message each (10,000 for a plan of 10,000 changes); they
are buffered and drawn together ten times a second, so the screen does one small update
per frame however fast Terraform reports."""

from __future__ import annotations

import gc
from collections import deque
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Log, Select, Static

from zenml_tui.textsafe import line, shorten, visible, wrapped
from zenml_tui.ui.messages import GoToOrigin
from zenml_tui.ui.widgets.change_list import STYLE, ChangeList
from zenml_tui.ui.widgets.scrollsize import QuietLog

if TYPE_CHECKING:
    from zenml_tui.ops.plans import AttrDiff, PlanModel, PlanOutcome, ResourceChange, Run

ORDER = ("create", "import", "update", "replace", "delete", "read", "no-op")
# planned changes are the list itself; the log keeps the rest of what Terraform says
LOGGED = (
    "apply_start",
    "apply_complete",
    "apply_errored",
    "change_summary",
    "diagnostic",
    "zenml_tui",  # zenml-tui's own word during a run (e.g. objects being adopted)
)
FLUSH_SECONDS = 0.1
LOG_LINES = 2000


NARROW = 110  # columns below which the list sits above the diff, each full width


class PlanPane(Vertical):
    BINDINGS = [
        Binding("g", "go_to_origin", "go to the layer value"),
        Binding("escape", "leave_search", "back to the list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="plan")
        self.model: PlanModel | None = None
        self.run: Run | None = None
        self._seen: set[str] = set()
        self._by_address: dict[str, ResourceChange] = {}
        self._groups: dict[str, list[ResourceChange]] = {}
        self._pending_rows: list[tuple[str, str]] = []
        self._pending_log: list[str] = []
        self._located: list[AttrDiff] = []  # the highlighted change's traced attributes
        self._log_env = ""  # the environment the log's lines are of
        self.logged: deque[str] = deque(maxlen=LOG_LINES)  # the log's lines, unwrapped
        self._matching = 0  # rows the filters leave, of `_total`
        self._total = 0

    def compose(self) -> ComposeResult:
        yield Static("press f5 (or p) to plan this environment", id="plan-summary")
        with Horizontal(id="plan-filters"):
            yield Input(placeholder="search addresses (/)", id="plan-search")
            yield Select([(a, a) for a in ORDER], prompt="all actions", id="plan-action")
        # the highlighted change's whole address (the list fits each to its width)
        yield Static("", id="plan-position")
        with Horizontal(id="plan-body"):
            yield ChangeList(id="changes")
            with Vertical(id="plan-detail"):
                with VerticalScroll(id="diff-box"):  # fixed size: a new diff moves nothing else
                    yield Static("", id="diff")
                yield QuietLog(id="plan-log", max_lines=LOG_LINES)

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self._flush)

    def on_resize(self) -> None:
        """Below NARROW columns the list takes the width, the diff goes under it: an
        address then has 66 columns at 80, not 26."""
        self.query_one("#plan-body").set_class(self.app.size.width < NARROW, "narrow")

    def started(self, environment: str) -> None:
        self.model, self.run = None, None
        self._seen, self._by_address = set(), {}
        self._pending_rows, self._pending_log = [], []
        self._matching = self._total = 0
        changes = self.query_one(ChangeList)
        changes.empty_text = ""
        changes.clear()
        self.query_one("#diff", Static).update("")
        self.query_one("#plan-position", Static).update("")
        if environment != self._log_env:  # another environment's log is not this one's
            self._log_env = environment
            self.query_one(Log).clear()
            self.logged.clear()
        self.query_one("#plan-summary", Static).update(
            Text(f"planning {environment}… (f8 cancels)", style="bold yellow")
        )

    def write_log(self, line: str) -> None:
        """Add a line to the log (drawn with the next flush)."""
        self._pending_log.append(line)

    def event(self, event: dict[str, Any]) -> None:
        """One streamed Terraform event: log it; a planned change becomes a row."""
        kind = event.get("type")
        if kind in LOGGED or event.get("@level") == "error":
            self._pending_log.append(event.get("@message", ""))
        if kind == "planned_change" and self.model is None:
            change = event.get("change") or {}
            address = (change.get("resource") or {}).get("addr", "")
            action = change.get("action", "")
            action = "no-op" if action == "noop" else action
            if address and address not in self._seen:
                self._seen.add(address)
                self._pending_rows.append((action, address))

    def _flush(self) -> None:
        if self._pending_rows:
            rows, self._pending_rows = self._pending_rows, []
            self.query_one(ChangeList).extend(rows)
        if self._pending_log:
            lines, self._pending_log = self._pending_log, []
            log = self.query_one(Log)
            shown = [visible(text) for text in lines]
            self.logged.extend(shown)
            width = max(20, log.scrollable_content_region.width - 1)
            log.write_lines([part for text in shown for part in wrapped(text, width)])

    def show(self, outcome: PlanOutcome) -> None:
        self._pending_rows = []
        self.run, self.model = run, model = outcome.run, outcome.model
        if model is None:
            self.query_one("#plan-summary", Static).update("plan cancelled")
            return
        self._by_address = {c.address: c for c in model.changes}
        self._groups = model.by_action()
        # the review lives until the next plan and is acyclic: out of the collector's way
        # (a full collection over 10,000 changes would stall the screen ~20 ms more)
        gc.freeze()
        counts = model.counts
        text = Text(f"plan {run.id}: ")
        for action in ORDER[:-1]:
            if action == "import" and not counts.get(action):
                continue  # imports appear only when a plan adopts what a run left behind
            text.append(f"{counts.get(action, 0)} {action}  ", style=STYLE[action])
        if model.drift:
            text.append(f"{len(model.drift)} drifted  ", style="bold red")
        text.append("(f6 applies)" if run.outcome == "changes" else "no changes", style="bold")
        self.query_one("#plan-summary", Static).update(text)
        self.refill()
        self.query_one(ChangeList).move_cursor(0)  # the review starts at its first change
        for change in model.drift:
            self.write_log(f"drift: {change.address} changed outside Terraform ({change.action})")
        for out in model.outputs:
            self.write_log(f"output {out.name}: {out.action}")
        self._flush()

    @on(Input.Changed, "#plan-search")
    @on(Select.Changed, "#plan-action")
    def refill(self) -> None:
        """Rows of the model grouped by action, narrowed by the filters (10,000 changes
        filter in a few milliseconds: a row is a tuple, drawn only when visible)."""
        if self.model is None:
            return
        needle = self.query_one("#plan-search", Input).value.strip()
        wanted = self.query_one("#plan-action", Select).value
        groups = self._groups
        rows: list[tuple[str, str]] = []
        for action in ORDER:
            if isinstance(wanted, str) and wanted != action:
                continue
            if action == "no-op" and not isinstance(wanted, str):
                continue
            rows.extend(
                (action, c.address)
                for c in groups.get(action, [])
                if not needle or needle in c.address
            )
        changes = self.query_one(ChangeList)
        self._total = sum(len(g) for a, g in groups.items() if a != "no-op" or wanted == a)
        self._matching = len(rows)
        if rows:
            changes.empty_text = ""
        elif needle:
            changes.empty_text = f"no change matches '{needle}'"
        elif isinstance(wanted, str):
            changes.empty_text = f"no {wanted} in this plan"
        else:
            changes.empty_text = "no changes: the environment is as the layers say"
        changes.set_rows(rows)

    @on(ChangeList.Highlighted, "#changes")
    def _diff(self, event: ChangeList.Highlighted) -> None:
        change = self._by_address.get(event.address) if event.address else None
        self._position(event.address)
        if change is None:
            self.query_one("#diff", Static).update("")
            return
        self.query_one("#diff", Static).update(self.describe(change))

    def _position(self, address: str | None) -> None:
        """`3 of 12 (of 40: 'team')  module.team["training"]…`: where the cursor is,
        how many the search leaves, and the whole address."""
        if self.model is None:
            return
        changes = self.query_one(ChangeList)
        text = Text()
        if self._matching:
            text.append(f"{changes.cursor_row + 1} of {self._matching}", style="bold")
        else:
            text.append("0 of 0", style="bold")
        if self._matching != self._total:
            text.append(f" (of {self._total} changes)", style="dim")
        if address:
            text.append("  " + line(address))
        self.query_one("#plan-position", Static).update(text)

    def action_leave_search(self) -> None:
        """Esc in the search (or the action filter): back to the list."""
        if self.query_one("#plan-search", Input).has_focus or self.screen.focused is self.query_one(
            "#plan-action"
        ):
            self.query_one(ChangeList).focus()

    def focus_search(self) -> None:
        self.query_one("#plan-search", Input).focus()

    def describe(self, change: ResourceChange) -> Text:
        """A change's attributes, before → after in Terraform's words, each with the
        layer value that makes it (g jumps to the first)."""
        from zenml_tui.ops.plans import shown

        text = Text(f"{line(change.address)}\n", style="bold")
        if change.reason:
            text.append(f"{change.reason}\n", style="magenta")
        self._located = []
        for d in change.diffs():
            # an absent side shows as ""; a huge value is cut for display
            before, after = line(shorten(shown(d.before))), line(shorten(shown(d.after)))
            text.append(f"  {line(d.path)}: ", style="bold")
            text.append(before, style="red")
            text.append(" → ")
            text.append(after, style="green")
            if d.forces_replace:
                text.append("  forces replacement", style="magenta")
            text.append("\n")
            origin = d.origin
            if origin is not None and origin.kind in ("layer", "secret", "module"):
                first = origin.located and not self._located
                if origin.located:
                    self._located.append(d)
                hint = "  (g goes there)" if first else ""
                text.append(f"      ← {line(origin.text)}{hint}\n", style="dim")
        return text

    def action_go_to_origin(self) -> None:
        if not self._located:
            self.app.notify("no layer value to go to for this change", markup=False)
            return
        origin = self._located[0].origin
        assert origin is not None
        self.post_message(GoToOrigin(origin.scope, origin.file, origin.line, origin.col))
