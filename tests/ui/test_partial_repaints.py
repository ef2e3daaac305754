"""Widgets that repaint only what changed (the plan's change list, the logs, the editor)
draw what a full repaint draws: after each step the screen, as drawn from each widget's
cached lines, is compared with the screen after every widget is repainted whole. A row
that a step changed and nobody repainted shows up as a difference."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget

from zenml_tui.ui.widgets.change_list import ChangeList
from zenml_tui.ui.widgets.scrollsize import QuietLog


def screen(app: App[None]) -> list[str]:
    update = app.screen._compositor.render_update(full=True)
    return [
        "".join(f"{seg.text}\x00{seg.style}" for strip in line for seg in strip)
        for line in update.strips  # type: ignore[union-attr]
    ]


async def same_as_full_repaint(app: App[None], pilot, what: str) -> None:
    await pilot.pause()
    partial = screen(app)
    for widget in app.query(Widget):
        widget.refresh()
    await pilot.pause()
    full = screen(app)
    for row, (a, b) in enumerate(zip(partial, full, strict=True)):
        assert a == b, f"{what}: screen row {row} was not repainted"


class Lists(App[None]):
    def compose(self) -> ComposeResult:
        yield ChangeList(id="changes")
        yield QuietLog(id="log")

    CSS = "ChangeList { height: 12; } QuietLog { height: 8; }"


async def test_the_change_list_repaints_the_rows_it_changes_when_scrolled() -> None:
    app = Lists()
    async with app.run_test(size=(60, 22)) as pilot:
        changes = app.query_one(ChangeList)
        changes.set_rows([("update", f"terraform_data.r[{i}]") for i in range(100)])
        changes.focus()
        await same_as_full_repaint(app, pilot, "filled")
        changes.scroll_to(y=50, animate=False)  # the wheel: the cursor stays on row 0
        await same_as_full_repaint(app, pilot, "scrolled")
        changes.move_cursor(55)  # visible already: no scrolling, two rows repainted
        await same_as_full_repaint(app, pilot, "cursor moved while scrolled")
        app.query_one(QuietLog).focus()  # the cursor row is drawn without focus
        await same_as_full_repaint(app, pilot, "blurred while scrolled")
        changes.focus()
        await same_as_full_repaint(app, pilot, "focused while scrolled")
        changes.set_rows([("update", "terraform_data.r[1]")])  # a filter: rows go
        await same_as_full_repaint(app, pilot, "filtered to one row")


async def test_a_log_cleared_and_written_again_shows_only_the_new_lines() -> None:
    app = Lists()
    async with app.run_test(size=(60, 22)) as pilot:
        log = app.query_one(QuietLog)
        log.write_lines([f"first run, line {i}" for i in range(6)])
        await same_as_full_repaint(app, pilot, "written")
        log.clear()
        log.write_lines(["second run, the only line"])
        await same_as_full_repaint(app, pilot, "cleared and written")
        log.write_lines(["a line wider than the log is, " * 4])  # the horizontal scrollbar
        await same_as_full_repaint(app, pilot, "a wide line")
