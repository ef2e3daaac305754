"""The Server tab: live stacks, components and connectors of the environment's ZenML
server, which this platform manages, drift and each connector's expiry; "v" on a
connector's row asks the server to verify it; and who holds the state's lock, when
another run does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from zenml_tui.errors import ZenMLTUIError
from zenml_tui.textsafe import line

if TYPE_CHECKING:
    from zenml_tui.ops.connectors import Verification
    from zenml_tui.ops.drift import StatusReport
    from zenml_tui.ops.locks import HeldLock


class Verified(Message):
    """A connector's verdict (or why there is none), from the pane's worker."""

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text


class ServerPane(Vertical):
    BINDINGS = [Binding("v", "verify", "verify connector")]

    def __init__(self, verify: Callable[[str], Verification] | None = None) -> None:
        """`verify`: asks the server about a connector by id (run in a worker)."""
        super().__init__(id="server")
        self._verify = verify
        self._connectors: dict[str, str] = {}  # id -> name, of the rows shown

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="server-state")
        lock = Static("", id="server-lock")
        lock.display = False  # shown while another run holds the state's lock
        yield lock
        verified = Static("", id="server-verify")
        verified.display = False  # shown once a connector has been verified
        yield verified
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#objects", DataTable).add_columns(
            "kind", "name", "type", "managed", "expires", "drift"
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
        from zenml_tui.ops.connectors import expiry_text

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
        self._connectors = {o.id: o.name for o in report.objects if o.kind == "connector"}
        for obj in report.objects:
            managed = Text("managed", style="green") if obj.managed else Text("other", style="dim")
            expires = expiry_text(obj.expires) if obj.kind == "connector" else ""
            table.add_row(
                Text(line(obj.kind)),
                Text(line(obj.name)),
                Text(line(obj.detail)),
                managed,
                Text(expires, style="red" if expires.endswith("(expired)") else ""),
                Text(line(obj.drift), style="red"),
                key=obj.id,
            )
        for gone in report.missing:
            table.add_row(
                Text(line(gone.kind)),
                Text(line(gone.name)),
                Text(line(gone.address)),
                Text("managed", style="green"),
                Text(""),
                Text(line(gone.drift), style="red"),
                key=gone.id,
            )

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
