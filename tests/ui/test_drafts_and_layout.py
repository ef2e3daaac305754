"""Drafts (unsaved edits kept across sessions) marked and discardable, the errors panel
that takes room only with errors, the preview's cursor row kept in view and the editor's
colours following the app's theme: the offline app on a copy of the example (no server,
no Terraform), at 160x48 and 80x24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList, Select, TextArea, Tree

from zenml_tui.bundled import example_platform
from zenml_tui.ops import layers
from zenml_tui.ops.session import open_session
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import YesNo
from zenml_tui.ui.widgets.config_pane import ConfigPane

SIZES = [(160, 48), (80, 24)]
IDS = ["160x48", "80x24"]


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    return root


def _leave_draft(root: Path, relative: str, text: str) -> Path:
    """A draft as an earlier session leaves it (the editor's draft thread's file)."""
    draft = layers.draft_path(open_session(root), root / relative)
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text(text)
    return draft


def _screen(app: ZenMLApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _messages(app: ZenMLApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _merged(app: ZenMLApp, pilot) -> ConfigPane:
    """The tabs mounted, the first merge shown and the draft thread past it."""
    pane = app.query_one(ConfigPane)
    while not app.ready or pane._shown_generation != pane.generation:
        await pilot.pause(0.05)
    await pilot.pause(0.3)
    return pane


def _tab_title(app: ZenMLApp) -> str:
    from textual.widgets import TabbedContent

    return app.query_one(TabbedContent).get_tab("config").label.plain


def _picker(app: ZenMLApp) -> str:
    select = app.query_one("#layer", Select)
    return next(str(prompt) for prompt, value in select._options if value == select.value)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_drafts_of_earlier_sessions_are_said_kept_and_marked(
    platform: Path, size: tuple[int, int]
) -> None:
    base = _leave_draft(platform, "layers/base.yaml", "location: asia-east1\n")
    prod = (platform / "layers/env/prod.yaml").read_text()
    _leave_draft(platform, "layers/env/prod.yaml", "# reviewed\n" + prod)
    _leave_draft(platform, "layers/team/training.yaml", "# later\n")
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        pane = await _merged(app, pilot)
        # the draft of the scope's other layer is kept (it was deleted, unread, once
        # the draft thread ran) and merged
        assert base.is_file() and base.read_text() == "location: asia-east1\n"
        assert _messages(app) == [
            "drafts of 3 layers: layers/base.yaml, layers/env/prod.yaml, "
            "layers/team/training.yaml (ctrl+s saves, 'discard draft' drops)"
        ]
        assert pane.last_good is not None and pane.last_good.plain()["location"] == "asia-east1"
        assert _tab_title(app) == "Config ○ 3 drafts"
        assert "Config ○ 3 drafts" in _screen(app)
        assert _picker(app) == "env:local  layers/env/local.yaml"  # the open one: none
        tree = app.query_one("#scope-tree", Tree)
        labels = {str(n.data): n.label.plain for n in pane._walk_nodes(tree.root)}
        assert labels["('env', 'prod')"] == "● prod"
        assert labels["('team', 'training')"] == "● training"
        assert labels["('env', 'local')"] == "local"
        assert tree.root.label.plain == "acme-ml  ● base draft"

        app.query_one("#editor", TextArea).insert("# mine\n", (0, 0))
        await pilot.pause(0.3)
        assert _tab_title(app) == "Config ● draft (+3 others)"
        assert _picker(app) == "env:local ● draft  layers/env/local.yaml"
        shown = _screen(app)
        assert "Config ● draft (+3 others)" in shown and "env:local ● draft" in shown
        labels = {str(n.data): n.label.plain for n in pane._walk_nodes(tree.root)}
        assert labels["('env', 'local')"] == "● local"
        if size[0] >= 110:  # the scope tree is shown
            assert "● prod" in shown and "● local" in shown


async def test_another_environments_draft_is_not_planned_here(platform: Path) -> None:
    """The speculative impact plans the unsaved edits this environment reads: a draft
    of prod's layer, restored at launch, is not planned with local's edits."""
    prod = (platform / "layers/env/prod.yaml").read_text()
    _leave_draft(platform, "layers/env/prod.yaml", "# reviewed\n" + prod)
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _merged(app, pilot)
        asked: list[dict[Path, str] | None] = []
        pane.on_impact = asked.append  # the app's planner hook (offline: none)
        app.query_one("#editor", TextArea).insert("# mine\n", (0, 0))
        for _ in range(50):  # the pause in typing is 0.7 s
            if any(asked):
                break
            await pilot.pause(0.1)
        planned = [a for a in asked if a]
        assert [sorted(p.name for p in a) for a in planned] == [["local.yaml"]]
        assert platform / "layers/env/prod.yaml" in pane.unsaved  # still a draft


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_discard_draft_asks_then_puts_the_file_back(
    platform: Path, size: tuple[int, int]
) -> None:
    layer = platform / "layers/env/local.yaml"
    on_disk = layer.read_text()
    draft = _leave_draft(platform, "layers/env/local.yaml", "# mine\n" + on_disk)
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        pane = await _merged(app, pilot)
        editor = app.query_one("#editor", TextArea)
        assert editor.text == "# mine\n" + on_disk and _tab_title(app) == "Config ● draft"
        editor.focus()
        await pilot.press("ctrl+r")  # from the editor
        await pilot.pause()
        assert isinstance(app.screen, YesNo) and "layers/env/local.yaml" in app.screen.question
        await pilot.press("escape")  # no: nothing is lost
        await pilot.pause()
        assert editor.text.startswith("# mine") and draft.is_file()
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.3)
        assert editor.text == on_disk and pane.unsaved == []
        assert not draft.exists() and layer.read_text() == on_disk
        assert _tab_title(app) == "Config" and _picker(app) == "env:local  layers/env/local.yaml"
        assert "Config ● draft" not in _screen(app)
        assert _messages(app)[-1].startswith("discarded the draft of layers/env/local.yaml")
        editor.undo()  # the edits come back, as a draft again
        await pilot.pause(0.3)
        assert editor.text.startswith("# mine") and _tab_title(app) == "Config ● draft"
        assert draft.read_text() == editor.text


async def test_revert_from_the_palette_rereads_a_file_changed_on_disk(platform: Path) -> None:
    layer = platform / "layers/env/local.yaml"
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _merged(app, pilot)
        layer.write_text("# changed by git pull\n" + layer.read_text())
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"revert layer")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, YesNo)  # no edits to lose: no question
        editor = app.query_one("#editor", TextArea)
        assert editor.text == layer.read_text()
        assert _messages(app)[-1] == "reloaded layers/env/local.yaml: it changed on disk"
        assert _tab_title(app) == "Config"


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_errors_panel_takes_room_only_with_errors(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        pane = await _merged(app, pilot)
        errors = app.query_one("#errors", OptionList)
        preview = app.query_one("#preview", Tree)
        assert not errors.display
        roomy = preview.region.height
        side = app.query_one("#preview-side").region
        # all the column below the state line but the provenance's edge
        assert roomy >= side.height - 3
        editor = app.query_one("#editor", TextArea)
        editor.insert("x: 1\n", (0, 0))
        while not pane.errors:
            await pilot.pause(0.05)
        await pilot.pause()
        assert errors.display and errors.option_count == 1 and errors.region.height >= 3
        assert preview.region.height < roomy
        editor.undo()
        while pane.errors:
            await pilot.pause(0.05)
        await pilot.pause()
        assert not errors.display and preview.region.height == roomy


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_preview_cursor_row_stays_above_the_scrollbar(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        pane = await _merged(app, pilot)
        tree = app.query_one("#preview", Tree)
        for node in list(pane._walk_nodes(tree.root)):
            node.expand()  # enough rows to scroll at 160x48 too
        tree.focus()
        await pilot.pause()
        assert tree.show_horizontal_scrollbar  # long values: the bar takes the last row
        hidden = []
        for step in range(tree.last_line + 1):
            await pilot.press("down")
            await pilot.pause()
            row = tree.cursor_line - tree.scroll_offset.y
            if not 0 <= row < tree.scrollable_content_region.height:
                hidden.append((step, tree.cursor_line, tree.scroll_offset.y))
        assert tree.cursor_line == tree.last_line
        assert hidden == []


async def test_the_editor_follows_the_app_theme(platform: Path) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await _merged(app, pilot)
        editor = app.query_one("#editor", TextArea)
        assert editor.theme == "monokai"
        dark = editor.styles.background
        app.theme = "textual-light"
        await pilot.pause()
        assert editor.theme == "github_light"
        assert editor.styles.background != dark and editor.styles.background.brightness > 0.5
        app.theme = "textual-dark"
        await pilot.pause()
        assert editor.theme == "monokai"
