"""The app's keys from every widget, the help that lists them by tab, the focused panel
visible, the Server tab's columns at 80 columns and the header while the local server
starts: the offline app on a copy of the example (no server, no Terraform), at the two
sizes people use, 160x48 and 80x24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, TextArea

from zenml_tui.bundled import example_platform
from zenml_tui.errors import Kind
from zenml_tui.server.status import Changed, LiveObject, StatusReport
from zenml_tui.ui import keys
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.messages import ServerState
from zenml_tui.ui.screens.confirm import HelpScreen
from zenml_tui.ui.widgets.config_pane import ConfigPane
from zenml_tui.ui.widgets.server_pane import ServerPane

SIZES = [(160, 48), (80, 24)]


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    return root


def _messages(app: ZenMLApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _ready(app: ZenMLApp, pilot) -> None:
    while not app.ready:
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_f_keys_work_from_the_editor_and_the_footer_says_so(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        await _ready(app, pilot)
        editor = app.query_one("#editor", TextArea)
        editor.focus()
        await pilot.pause()
        before = (editor.text, editor.selection)
        shown = {key: b.binding.action for key, b in app.screen.active_bindings.items()}
        assert shown.get("f6") == "apply" and shown.get("f7") == "plan_all"
        await pilot.press("f6")  # the editor's own f6 selects the line
        await pilot.pause()
        assert (editor.text, editor.selection) == before
        assert any(m.startswith("offline: an apply needs the ZenML server") for m in _messages(app))
        await pilot.press("f7")  # the editor's own f7 selects everything
        await pilot.pause()
        assert editor.selection == before[1]
        assert any(m.startswith("offline: a plan needs") for m in _messages(app))


async def test_the_app_keys_rest_under_a_dialog(platform: Path) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f6", "f5", "f2")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and len(app.screen_stack) == 2
        assert _messages(app) == []  # neither the apply nor the plan was asked
        await pilot.press("f1")  # closes it
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_f1_lists_the_current_tabs_keys_first_and_every_binding(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        await _ready(app, pilot)
        await pilot.press("escape")  # out of the editor: digits switch tabs
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert screen.sections[0].title == "Server tab"
        text = str(screen.query_one("#help-text").render())
        assert text.index("Server tab") < text.index("Everywhere") < text.index("Plan tab")
        # the help scrolls inside the screen rather than running off it
        box = screen.query_one("#help-keys")
        assert box.region.bottom <= size[1]
        assert box.virtual_size.height >= sum(len(s.rows) + 1 for s in keys.SECTIONS)


def _help_keys() -> set[str]:
    listed: set[str] = set()
    for section in keys.SECTIONS:
        for key, _ in section.rows:
            for part in key.replace(",", " ").replace(" / ", " ").split():
                listed.add(part)
    return listed


def test_every_key_bound_in_the_app_and_its_tabs_is_in_the_help() -> None:
    from zenml_tui.ui.widgets.change_list import ChangeList
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    names = {
        "question_mark": "?",
        "slash": "/",
        "pageup": "pgup",
        "pagedown": "pgdn",
        "escape": "esc",
    }
    bound: set[str] = set()
    for owner in (ZenMLApp, ServerPane, PlanPane, ChangeList, ConfigPane):
        for binding in owner.BINDINGS:
            assert not isinstance(binding, tuple)
            for key in binding.key.split(","):
                bound.add(names.get(key, key))
    missing = bound - _help_keys()
    assert not missing, f"keys bound but not in zenml_tui/ui/keys.py: {sorted(missing)}"


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_esc_from_the_editor_leaves_a_visibly_focused_panel(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        await _ready(app, pilot)
        editor = app.query_one("#editor", TextArea)
        editor.insert("x: 1\n", (0, 0))  # an error: the errors panel is shown only then
        while not app.query_one("#errors").display:
            await pilot.pause(0.05)
        editor.focus()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        focused = app.focused
        assert focused is not None and focused.id == "preview"
        assert focused.region.width > 0 and focused.region.right <= size[0]
        unfocused = app.query_one("#errors")
        edge, other = focused.styles.border_left, unfocused.styles.border_left
        assert edge[0] == "tall" and edge[1] != other[1]  # the accent bar, not the plain edge
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is unfocused and unfocused.styles.border_left[1] == edge[1]


def _report() -> StatusReport:
    """A server's objects as the Server tab gets them (the real poll is tested with a
    real server in tests/ui/test_app.py): long names, one drifted, one in sync, one
    made by hand."""
    long = "acme-ml-prod-training-vertex-step-operator-with-a-long-name"
    return StatusReport(
        "prod",
        "http://127.0.0.1:1",
        "0.98.0",
        [
            LiveObject(
                "component",
                "c1",
                long,
                "step_operator/vertex",
                {},
                True,
                address='module.team["training"].zenml_stack_component.team["step_operator"]',
                drift="changed on the server: labels.owner",
                changes=[Changed("labels.owner", "a", "b")],
            ),
            LiveObject(
                "stack",
                "s1",
                long.replace("step-operator", "stack"),
                "stack",
                {},
                True,
                address="zenml_stack.env",
            ),
            LiveObject("component", "c2", "made-by-hand", "orchestrator/local", {}, False),
        ],
    )


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_server_tab_shows_managed_and_drift_and_in_sync(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "prod", offline=True)
    async with app.run_test(size=size) as pilot:
        await _ready(app, pilot)
        await pilot.press("escape", "4")
        pane = app.server_pane
        pane.show(_report(), "")
        await pilot.pause()
        table = pane.query_one("#objects", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:4] == ["kind", "name", "managed", "drift"]
        widths = [c.get_render_width(table) for c in table.columns.values()]
        assert sum(widths[:4]) <= table.region.width  # visible without scrolling
        cells = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert cells[0][3] == "labels.owner" and cells[1][3] == "in sync"
        assert cells[2][3] == ""  # not managed: nothing to be in sync with
        assert cells[0][1].startswith("acme-ml-prod-") and cells[0][1].endswith("long-name")
        assert "…" in cells[0][1]  # cut in the middle, the line below has it whole
        detail = str(pane.query_one("#server-detail").render())
        assert "acme-ml-prod-training-vertex-step-operator-with-a-long-name" in detail


async def test_the_header_says_starting_while_the_local_server_comes_up(
    platform: Path,
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(app, pilot)
        app.post_message(ServerState("local", None, "starting the local ZenML server…", True))
        await pilot.pause()
        assert app._server_text == "starting…"
        state = str(app.server_pane.query_one("#server-state").render())
        assert state == "starting the local ZenML server…"  # not "server unavailable"
        # its first answers time out: still starting, retried soon, not backed off
        problem = "the ZenML server at http://127.0.0.1:1 did not answer within 4 s"
        app.post_message(ServerState("local", None, problem, kind=Kind.SERVER_HUNG))
        await pilot.pause()
        assert app._server_text.startswith("starting…")
        assert app._failures == 0
