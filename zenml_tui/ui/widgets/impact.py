"""The Config tab's speculative impact: what the unsaved edits would change in the
environment, from a plan of the unsaved buffers that is never applied. Marked as such
in its border, dimmed while it is older than the text, one line when there is no
impact to show (errors, missing secrets, a failure, a plan or apply running)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from zenml_tui.textsafe import line, shorten
from zenml_tui.ui.widgets.change_list import STYLE, SYMBOL

if TYPE_CHECKING:
    from zenml_tui.ops.speculative import Impact

TITLE = "speculative impact · unsaved edits, not applied"
MAX_ROWS = 8  # addresses listed; the rest counted (the Plan tab reviews them all)
PAUSED = "speculative impact paused while a plan/apply runs"


class ImpactPanel(Static):
    def __init__(self) -> None:
        super().__init__("", id="impact")
        self.border_title = TITLE
        self.display = False
        self.impact: Impact | None = None  # the impact shown, if one is
        self.state = "hidden"  # hidden | planning | impact | note
        self.text = ""  # the note shown, or the impact's summary

    def planning(self) -> None:
        """A plan of the text as it is now has started: an impact shown stays, dimmed,
        until the new one replaces it."""
        self.state = "planning"
        self.display = True
        if self.impact is None:
            self.update(Text("planning the unsaved edits…", style="dim italic"))
        self.stale()

    def stale(self) -> None:
        """The text changed since the impact shown was planned."""
        if not self.has_class("stale"):
            self.add_class("stale")

    def show_impact(self, impact: Impact) -> None:
        self.state, self.impact, self.display = "impact", impact, True
        self.text = impact.summary()
        self.remove_class("stale")
        # an address longer than the panel folds under itself, its symbol beside it
        table = Table.grid(padding=(0, 1))
        table.add_column(width=4, justify="right", no_wrap=True)
        table.add_column(ratio=1, overflow="fold")
        for action, address in impact.changes[:MAX_ROWS]:
            symbol = Text(SYMBOL.get(action, "?"), style=STYLE.get(action, ""))
            table.add_row(symbol, Text(line(shorten(address))))
        parts: list[RenderableType] = [Text(impact.summary(), style="bold"), table]
        hidden = len(impact.changes) - MAX_ROWS
        if hidden > 0:
            parts.append(Text(f"     … and {hidden} more (f5 plans them for review)", style="dim"))
        self.update(Group(*parts))

    def note(self, text: str, style: str = "") -> None:
        """One line instead of an impact (plain text: it may quote Terraform)."""
        self.state, self.impact, self.display = "note", None, True
        self.text = line(shorten(text, 300))
        self.remove_class("stale")
        self.update(Text(self.text, style=style))

    def hide(self) -> None:
        self.state, self.impact, self.display = "hidden", None, False
        self.text = ""
        self.remove_class("stale")
        self.update("")
