"""The Server tab: live stacks, components and connectors of the environment's ZenML
server, which this platform manages, drift with the layer value that owns each drifted
attribute, and each connector's expiry; who holds the state's lock, when another run
does. On a drifted row "r" restores (a plan, as f5) and "a" accepts the server's values
into the owning layer (an unsaved edit in the Config tab); on an object the platform
does not manage "i" adopts it (its layer YAML as unsaved edits, and import blocks for
the next plan); "v" on a connector's row asks the server to verify it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from zenml_tui.errors import ZenMLTUIError
from zenml_tui.textsafe import line, middle, shorten
from zenml_tui.ui.widgets.shown import content_key, update_if_changed

if TYPE_CHECKING:
    from zenml_tui.ops.connectors import Verification
    from zenml_tui.ops.drift import StatusReport
    from zenml_tui.ops.locks import HeldLock

ORIGIN_CHARS = 50  # the "owned by" column; the line below the table shows it whole
# the name column, cut in the middle beyond this (the line below the table shows it
# whole): at 80 columns kind, name, managed and drift fit, at 160 expiry and owner too
NAME_CHARS_NARROW = 30
NAME_CHARS = 44
WIDE = 120  # columns from which the wide name fits


class Verified(Message):
    """A connector's verdict (or why there is none), from the pane's worker."""

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text


class ServerPane(Vertical):
    DEFAULT_CSS = """
    ServerPane #server-detail {
        height: auto;
        max-height: 8;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("r", "repair('restore')", "restore", show=False),
        Binding("a", "repair('accept')", "accept", show=False),
        Binding("i", "repair('adopt')", "adopt", show=False),
        Binding("v", "verify", "verify connector"),
    ]

    @dataclass
    class Repair(Message):
        """A key on a row: restore (plan), accept (into the layers) or adopt."""

        what: str
        object_id: str
        report: StatusReport

    def __init__(self, verify: Callable[[str], Verification] | None = None) -> None:
        """`verify`: asks the server about a connector by id (run in a worker)."""
        super().__init__(id="server")
        self.report: StatusReport | None = None
        self._verify = verify
        self._connectors: dict[str, str] = {}  # id -> name, of the rows shown
        self._rows: list[tuple[list[Any], str]] = []  # the table's rows, as content keys

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="server-state")
        lock = Static("", id="server-lock")
        lock.display = False  # shown while another run holds the state's lock
        yield lock
        verified = Static("", id="server-verify")
        verified.display = False  # shown once a connector has been verified
        yield verified
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)
        yield Static("", id="server-detail")

    def on_mount(self) -> None:
        self.query_one("#objects", DataTable).add_columns(
            "kind", "name", "managed", "drift", "expires", "owned by", "type"
        )

    def show_lock(self, lock: HeldLock | None) -> None:
        """Another run's lock on the environment's state (its holder, operation, age and
        ID), or nothing when it is free."""
        shown = self.query_one("#server-lock", Static)
        shown.display = lock is not None
        if lock is not None:
            text = Text(line(f"state {lock.badge()}"), style="bold black on yellow")
            text.append(line(f"  lock {lock.id or '(no ID)'}"), style="yellow")
            update_if_changed(shown, text)

    def show(self, report: StatusReport | None, problem: str, starting: bool = False) -> None:
        """The objects of `report`; without one what is wrong (`problem`), or that the
        local server is `starting`."""
        state = self.query_one("#server-state", Static)
        if report is None:
            shown = line(problem) if starting else f"server unavailable: {line(problem)} (retrying)"
            update_if_changed(state, Text(shown, style="bold yellow"))
            return
        self.report = report
        self._fill(report)

    def on_resize(self) -> None:
        if self.report is not None:  # the name column's width follows the pane's
            self._fill(self.report)

    def _fill(self, report: StatusReport) -> None:
        """The table of `report`'s objects; a poll that finds what is shown already
        changes nothing on the screen."""
        from zenml_tui.ops.connectors import expiry_text

        state = self.query_one("#server-state", Static)
        names = NAME_CHARS if self.size.width >= WIDE else NAME_CHARS_NARROW
        drifted = len(report.drifted)
        text = Text(
            f"ZenML {line(report.version)} at {line(report.url)}: {len(report.objects)} objects, "
        )
        text.append(f"{drifted} drifted", style="bold red" if drifted else "green")
        update_if_changed(state, text)
        rows: list[tuple[list[Text], str]] = []
        for obj in report.objects:
            managed = Text("managed", style="green") if obj.managed else Text("other", style="dim")
            expires = expiry_text(obj.expires) if obj.kind == "connector" else ""
            traced = report.traced.get(obj.id, [])
            owner = traced[0].origin.text if traced else ""
            if len(traced) > 1:
                owner += f" (+{len(traced) - 1})"
            drift = _drift_cell(obj)
            cells = [
                Text(line(obj.kind)),
                Text(middle(line(obj.name), names)),
                managed,
                Text(line(drift), style="green" if drift == IN_SYNC else "red" if drift else ""),
                Text(expires, style="red" if expires.endswith("(expired)") else ""),
                Text(shorten(line(owner), ORIGIN_CHARS), style="cyan"),
                Text(line(obj.detail)),
            ]
            rows.append((cells, obj.id))
        for gone in report.missing:
            cells = [
                Text(line(gone.kind)),
                Text(middle(line(gone.name), names)),
                Text("managed", style="green"),
                Text("deleted on the server", style="red"),
                Text(""),
                Text(""),
                Text(line(gone.address)),
            ]
            rows.append((cells, gone.id))
        self._connectors = {o.id: o.name for o in report.objects if o.kind == "connector"}
        shown = [([content_key(c) for c in cells], key) for cells, key in rows]
        if shown != self._rows:
            self._rows = shown
            table = self.query_one("#objects", DataTable)
            keep = self.selected
            table.clear()
            for cells, key in rows:
                table.add_row(*cells, key=key)
            if keep is not None and keep in table.rows:  # a poll keeps the user's row
                table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._detail()

    @property
    def selected(self) -> str | None:
        """The id of the object on the highlighted row."""
        table = self.query_one("#objects", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # no such cell (an empty table)
            return None
        return str(key.value) if key.value is not None else None

    @on(DataTable.RowHighlighted, "#objects")
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        """The highlighted object's drift, attribute by attribute, and its repairs."""
        detail = self.query_one("#server-detail", Static)
        report, chosen = self.report, self.selected
        if report is None or chosen is None:
            update_if_changed(detail, "")
            return
        out = Text()
        obj = next((o for o in report.objects if o.id == chosen), None)
        gone = next((m for m in report.missing if m.id == chosen), None)
        seen = obj or gone
        if seen is not None:  # whole, as the table may cut it
            out.append(line(f"{seen.kind} {seen.name}"), style="bold")
            if seen.address:
                out.append(line(f"  {seen.address}"), style="dim")
            out.append("\n")
        if obj is not None and report.traced.get(obj.id):
            for d in report.traced[obj.id]:
                out.append(line(f"{d.attribute}: "), style="bold")
                out.append(
                    line(f"{_shown(d.state)} in the state, {_shown(d.server)} on the server")
                )
                out.append(line(f"  owned by {d.origin.text}"), style="cyan")
                out.append("\n")
            acceptable = any(d.acceptable for d in report.traced[obj.id])
            out.append("r", style="bold")
            out.append(" restore (a plan puts the layers' values back)   ")
            if acceptable:
                out.append("a", style="bold")
                out.append(" accept the server's values into the owning layer (unsaved)")
            else:
                reason = report.traced[obj.id][0].refusal
                out.append(line(f"accept: no, {reason}"), style="dim")
        elif gone is not None:
            out.append("r", style="bold")
            out.append(" restore (the plan creates it again)")
        elif (
            obj is not None and not obj.address and (obj.managed or not obj.labels.get("platform"))
        ):
            out.append("i", style="bold")
            out.append(" adopt: describe it in the layers and import it with the next plan")
        update_if_changed(detail, out)

    def action_repair(self, what: str) -> None:
        chosen = self.selected
        if self.report is None or chosen is None:
            return
        self.post_message(self.Repair(what, chosen, self.report))

    # -- verifying a connector ----------------------------------------------------------
    def action_verify(self) -> None:
        """Verify the connector of the row under the cursor (the server answers)."""
        table = self.query_one("#objects", DataTable)
        key = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        name = self._connectors.get(str(key)) if key is not None else None
        if key is None or name is None or self._verify is None:
            self.verified(Text("v verifies a connector: select a connector's row", style="dim"))
            return
        self.verified(Text(line(f"connector {name}: verifying on the server…"), style="yellow"))
        self._verify_worker(str(key), name)

    @work(thread=True, exclusive=True, group="verify")
    def _verify_worker(self, connector_id: str, name: str) -> None:
        from zenml_tui.ops.connectors import summary

        assert self._verify is not None
        try:
            answer = self._verify(connector_id)
        except ZenMLTUIError as exc:
            text = Text(line(f"connector {name}: not verified: {exc.one_line()}"), style="yellow")
        except Exception as exc:  # a bug: said, and the app stays up
            problem = f"internal error: {type(exc).__name__}: {exc}"
            text = Text(line(f"connector {name}: not verified: {problem}"), style="bold red")
        else:
            shown = line(f"connector {answer.connector}: {summary(answer)}")
            text = Text(shown, style="green" if answer.valid else "bold red")
        self.post_message(Verified(text))  # thread-safe; dropped once the app is gone

    @on(Verified)
    def _answered(self, message: Verified) -> None:
        self.verified(message.text)

    def verified(self, text: Text) -> None:
        """The server's answer (or why there is none) on the status line."""
        shown = self.query_one("#server-verify", Static)
        shown.display = True
        shown.update(text)


IN_SYNC = "in sync"


def _drift_cell(obj: Any) -> str:
    """The drift, short enough to leave room for the layer value that owns it; a
    managed object without drift is "in sync" (one the platform does not manage has
    nothing to be in sync with: blank)."""
    if obj.changes:
        return ", ".join(c.attribute for c in obj.changes)
    if obj.drift and not obj.address:
        return "not in the state"
    if not obj.drift and obj.managed:
        return IN_SYNC
    return str(obj.drift)


def _shown(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)
