"""A keystroke in the Config tab, as it reaches the screen: every visible value the edit
changes is drawn again (the preview relabels only the changed values and repaints their
rows), and garbage is collected in the pauses, not by CPython in the middle of a
keystroke (ui/gctune.py)."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from textual.widgets import TextArea, Tree

from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.gctune import COLLECTOR
from zenml_tui.ui.widgets.config_pane import ConfigPane


async def until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


def screen_text(app: ZenMLApp) -> str:
    """The screen as drawn from what each widget has cached: a row nobody repainted
    shows what it showed before."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join(
        "".join(seg.text for strip in line for seg in strip)
        for line in update.strips  # type: ignore[union-attr]
    )


async def test_an_edit_redraws_every_visible_value_it_changes(example_copy: Path) -> None:
    app = ZenMLApp(example_copy, "local", offline=True)
    async with app.run_test(size=(160, 80)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: pane.last_good is not None and app.ready)
        assert not gc.isenabled()  # the app collects in the pauses
        assert COLLECTOR.active
        tree = app.query_one("#preview", Tree)
        tree.root.expand_all()
        await pilot.pause(0.2)
        before = screen_text(app)
        assert 'artifact_root: "/tmp/zenml-tui/acme-ml"' in before
        assert 'path: "/tmp/zenml-tui/acme-ml/ar' in before
        editor = app.query_one("#editor", TextArea)
        row = editor.text.splitlines().index("  artifact_root: /tmp/zenml-tui/${platform}")
        editor.cursor_location = (row, len(editor.document.get_line(row)))
        editor.focus()
        await pilot.press("x", "y")
        assert "${platform}xy" in editor.text
        await until(pilot, lambda: pane._shown_generation == pane.generation)
        await pilot.pause(0.2)
        after = screen_text(app)
        # the value typed into, and the one that interpolates it, both drawn again
        assert 'artifact_root: "/tmp/zenml-tui/acme-mlxy"' in after
        assert 'path: "/tmp/zenml-tui/acme-mlxy/ar' in after
        assert '"/tmp/zenml-tui/acme-ml"' not in after
        assert '"/tmp/zenml-tui/acme-ml/' not in after
    assert gc.isenabled()  # CPython's own collection again once the app has gone
    assert gc.get_freeze_count() == 0  # and what it froze collectable again


async def test_a_server_poll_that_finds_nothing_new_lays_nothing_out() -> None:
    """The Server tab and the top bar are updated on every poll of the server (every two
    seconds); one that finds what they show already must not lay the screen out (a
    layout of the whole screen is 15-35 ms: it stalled plans and keystrokes)."""
    from textual.app import App, ComposeResult
    from textual.widget import Widget

    from zenml_tui.ops.drift import LiveObject, StatusReport
    from zenml_tui.ui.widgets.header import TopBar
    from zenml_tui.ui.widgets.server_pane import ServerPane

    class Panes(App[None]):
        def compose(self) -> ComposeResult:
            yield TopBar()
            yield ServerPane()

    def report() -> StatusReport:
        objects = [
            LiveObject(
                "stack", f"id{i}", f"acme-local-{i}", "stack", {}, True, f"zenml_stack.s[{i}]"
            )
            for i in range(5)
        ]
        return StatusReport("local", "http://127.0.0.1:1", "0.98.0", objects)

    layouts: list[str] = []
    refresh = Widget.refresh

    def counted(self, *regions, repaint=True, layout=False, recompose=False):
        if layout:
            layouts.append(type(self).__name__)
        return refresh(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

    app = Panes()
    async with app.run_test(size=(120, 30)) as pilot:
        bar, pane = app.query_one(TopBar), app.query_one(ServerPane)
        bar.show("acme-ml", "local", "green", False, "connected (ZenML 0.98.0)")
        pane.show(report(), "")
        await pilot.pause()
        assert "acme-local-4" in screen_text(app)  # type: ignore[arg-type]
        Widget.refresh = counted  # type: ignore[method-assign]
        try:
            bar.show("acme-ml", "local", "green", False, "connected (ZenML 0.98.0)")
            pane.show(report(), "")  # the next poll: the same objects
            await pilot.pause()
            assert layouts == []
            changed = report()
            changed.objects[0].drift = "labels.owner changed"
            pane.show(changed, "")  # a poll that finds drift shows it
            await pilot.pause()
            assert "labels.owner changed" in screen_text(app)  # type: ignore[arg-type]
        finally:
            Widget.refresh = refresh  # type: ignore[method-assign]
