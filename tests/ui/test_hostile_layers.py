"""The nastiest layers opened in the app (tests/corpus/layers.py): the cursor moves over
every value shown; nothing crashes, no markup is interpreted, no control character
reaches the screen, and a layer the editor must not overwrite opens read-only. How fast
each key is answered is measured by bench/hostile.py (no timing here)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea, Tree

from tests.corpus.layers import BASE, LAYERS
from tests.ui.test_app_safety import until
from zenml_tui.bundled import example_platform
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import YesNo
from zenml_tui.ui.widgets.config_pane import ConfigPane

BASE_TEXT = BASE.decode()
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
KEYED = 12  # lines the cursor reaches by key; the rest of the tree is visited directly
EVERY = 120  # a tree this long is visited line by line; a longer one every tenth line


def screen_text(app: ZenMLApp) -> str:
    """What the terminal would be sent for the screen, as characters."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _platform(tmp_path: Path, data: bytes) -> Path:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    (root / "layers" / "env" / "local.yaml").write_bytes(data)
    return root


@pytest.mark.parametrize("name", list(LAYERS))
async def test_a_hostile_layer_in_the_app(tmp_path: Path, name: str) -> None:
    data, editable = LAYERS[name]
    root = _platform(tmp_path, data)
    app = ZenMLApp(root, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        assert editor.read_only is not editable
        if not editable:  # said, and nothing the editor could save over the file
            assert pane.current is None
            assert any(n.title == "cannot edit" for n in app._notifications)
        tree = app.query_one("#preview", Tree)
        tree.focus()
        await pilot.pause()
        seen: list[str] = []
        line, step = 0, 1 if tree.last_line <= EVERY else 10
        while line <= tree.last_line:
            if line < KEYED:
                await pilot.press("down")
            else:
                tree.cursor_line = line
                await pilot.pause()
            node = tree.cursor_node
            if node is not None and node.allow_expand and not node.is_expanded:
                node.expand()
                await pilot.pause()
            seen.append(str(app.query_one("#provenance", Static).render()))
            if line % 5 == 0:
                shown = screen_text(app)
                assert not CONTROL.search(shown), (line, shown)
            line += 1 if line < KEYED else step
        shown = screen_text(app)
        assert not CONTROL.search(shown)
        assert tree.last_line > 10
        provenance = "\n".join(seen)
        assert not CONTROL.search(provenance)
        if name == "markup in values and keys":
            # shown as typed, not obeyed: the brackets are on the screen
            labels = [str(n.label) for n in pane._tree_nodes.values()]
            assert '[bold red]K[/]: "[/]"' in "\n".join(labels) or any(
                "[bold red]K[/]" in label and "[/]" in label for label in labels
            )
            assert any("[link=https://e.example]x" in label for label in labels)
            assert "[bold]x[/bold]" in provenance and "[/]zz" in provenance
            for node in pane._tree_nodes.values():  # styles are the app's own, never a link
                label = node.label
                assert all("link" not in str(span.style) for span in label.spans)
            assert any("[/]zz" in e for e in pane._error_lines)
        if name == "control characters in keys and values":
            assert any("\\x1b[2Jlabelz" in e for e in pane._error_lines)
            assert "\\x9b2J" in provenance and "\\u202eevil" in provenance
        if name.startswith("a huge layer"):
            labels = [str(n.label) for n in pane._tree_nodes[("labels",)].children]
            assert "more not shown here" in labels[-1]
            assert tree.last_line < 1_000
        if editable:  # typing still works, and the preview follows
            editor.focus()
            editor.move_cursor((0, 0))
            before = pane.last_good
            await pilot.press("#")
            await until(pilot, lambda: pane.last_good is not before)
            assert editor.text.startswith("#") and pane.unsaved
        assert app.is_running


async def test_saving_a_crlf_layer_changes_only_the_edited_line(tmp_path: Path) -> None:
    """CRLF endings, a BOM and a missing final newline survive an edit and a save."""
    original = "\ufeff" + BASE_TEXT.rstrip("\n").replace("\n", "\r\n")
    root = _platform(tmp_path, original.encode("utf-8"))
    layer = root / "layers" / "env" / "local.yaml"
    app = ZenMLApp(root, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        assert not editor.read_only
        row = next(i for i, text in enumerate(editor.document.lines) if "artifact_root" in text)
        editor.focus()
        editor.move_cursor((row, len(editor.document.get_line(row))))
        await pilot.press("x")
        await until(pilot, lambda: layer in pane.buffers)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: layer not in pane.buffers)
    before = original.encode("utf-8").split(b"\r\n")
    after = layer.read_bytes().split(b"\r\n")
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [row]
    assert after[row] == before[row] + b"x"
    assert after[0].startswith(b"\xef\xbb\xbf") and not after[-1].endswith(b"\n")


async def test_saving_invalid_yaml_asks_first(tmp_path: Path) -> None:
    root = _platform(tmp_path, BASE_TEXT.encode())
    layer = root / "layers" / "env" / "local.yaml"
    app = ZenMLApp(root, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        editor.focus()
        editor.move_cursor((0, 0))
        await pilot.press("[", "enter")
        await until(pilot, lambda: bool(pane.invalid_yaml))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, YesNo))
        screen = app.screen
        assert isinstance(screen, YesNo) and "is not valid YAML" in screen.question
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, YesNo))
        assert layer.read_text() == BASE_TEXT and layer in pane.buffers
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, YesNo))
        await pilot.press("y")
        await until(pilot, lambda: layer not in pane.buffers)
    assert layer.read_text().startswith("[\n")
