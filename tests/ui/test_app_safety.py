"""The app never acts on what is not shown, never contacts a server offline, and never
loses an edit when saving fails (part of the fault suite, tests/README.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from textual.widgets import TextArea, Tree

from tests.conftest import fill, small_filesystem
from tests.integration.faults import processes
from zenml_tui.bundled import example_platform
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import YesNo
from zenml_tui.ui.widgets.config_pane import ConfigPane


def _copy(root: Path) -> Path:
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    return root


async def until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


async def test_keys_pressed_while_the_tree_is_hidden_never_switch_environment(
    tmp_path: Path,
) -> None:
    app = ZenMLApp(_copy(tmp_path / "acme-ml"), "local", offline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.ready)
        tree = app.query_one("#scope-tree", Tree)
        assert not tree.display
        for keys in (("down",) * 5 + ("enter",), ("tab",) * 6 + ("down", "down", "enter")):
            await pilot.press("escape", *keys)
            await pilot.pause(0.2)
            assert app.env == "local"
            assert app.focused is not tree
        # shown again with f3, the tree can be used; hidden again, it lets go of the keys
        await pilot.press("f3")
        tree.focus()
        await pilot.pause(0.1)
        assert app.focused is tree
        await pilot.press("f3")
        await pilot.pause(0.1)
        assert app.focused is not tree and app.env == "local"


def _servers_of(root: Path) -> list[int]:
    found = []
    for pid in processes(lambda c: "zen_server_api" in c):
        try:
            if os.readlink(f"/proc/{pid}/cwd").startswith(str(root)):
                found.append(pid)
        except OSError:
            continue
    return found


async def test_offline_never_starts_a_server(tmp_path: Path) -> None:
    root = _copy(tmp_path / "acme-ml")
    app = ZenMLApp(root, "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert app.running is None  # nothing planned: a plan needs the server
        await pilot.press("4", "f6")
        app.switch_env("dev")  # selecting a workspace needs Terraform, not a server
        await until(pilot, lambda: app.running is None, 120)
        await pilot.pause(6)  # a polling interval and more
        assert "offline" in str(app.query_one("#topbar").render())
    assert _servers_of(root) == []
    assert not (root / ".zenml-tui" / "server").exists()


@pytest.mark.parametrize("fault", ["read-only platform", "full disk"])
async def test_a_failed_save_keeps_the_edit(tmp_path: Path, monkeypatch, fault: str) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a read-only platform's state
    with small_filesystem(tmp_path / "fs", size="4m") as fs:
        root = _copy(fs / "acme-ml")
        layer = root / "layers" / "env" / "local.yaml"
        before = layer.read_text()
        if fault == "read-only platform":
            subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        app = ZenMLApp(root, "local", offline=True)
        async with app.run_test(size=(160, 48)) as pilot:
            pane = app.query_one(ConfigPane)
            await until(pilot, lambda: pane.last_good is not None)
            if fault == "full disk":
                fill(fs)
            editor = app.query_one("#editor", TextArea)
            editor.insert("location: asia-east1\n", (0, 0))
            await until(pilot, lambda: pane.last_good.plain()["location"] == "asia-east1")
            await pilot.press("ctrl+s")
            await pilot.pause(0.5)
            assert pane.unsaved == [layer]  # still unsaved, still what was typed
            assert editor.text.startswith("location: asia-east1")
            assert layer.read_text() == before  # the file is whole, as it was
            errors = [n for n in app._notifications if n.severity == "error"]
            expected = "Read-only file system" if fault != "full disk" else "No space left"
            assert any(expected in n.message for n in errors), [n.message for n in errors]
            if fault == "read-only platform":  # the draft lives with the state, elsewhere
                draft = pane.draft_path(layer)
                await until(pilot, lambda: draft.is_file())
                assert draft.read_text().startswith("location: asia-east1")
            app.switch_env("dev")
            await until(pilot, lambda: app.running is None, 120)
            app.switch_env("local")
            await until(pilot, lambda: app.running is None, 120)
            assert editor.text.startswith("location: asia-east1")  # not the file's old text
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, YesNo))  # it asks
            await pilot.press("escape")
        if fault == "read-only platform":
            subprocess.run(["mount", "-o", "remount,rw", str(fs)], check=True)


@pytest.mark.parametrize("size", [(160, 48), (80, 24), (60, 20)])
async def test_a_protected_environment_is_unmistakable_at_every_width(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(_copy(tmp_path / "acme-ml"), "prod", offline=True)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.ready)
        shown = app.query_one("#topbar").render_line(0).text
        assert "PROD" in shown and "PROTECTED" in shown, shown


async def test_a_question_about_a_run_goes_when_the_run_ends(tmp_path: Path) -> None:
    from zenml_tui.ui.screens.confirm import RunQuestion

    app = ZenMLApp(_copy(tmp_path / "acme-ml"), "local", offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        app.switch_env("dev")  # a workspace selection: a run of Terraform
        assert app.running
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, RunQuestion))
        await until(pilot, lambda: app.running is None, 120)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, RunQuestion) and app.is_running


def test_a_crash_exits_1_with_a_report_that_holds_no_locals_and_no_secret(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ACME_GCP_DEV_SA_JSON", "SECRET-CRASH-4411")
    root = _copy(tmp_path / "acme-ml")

    class Crashing(ZenMLApp):
        def on_mount(self) -> None:
            super().on_mount()
            layer_text = "THE-LAYER-TEXT-8832"  # a local the report must not show
            raise RuntimeError(f"a bug near SECRET-CRASH-4411 ({len(layer_text)})")

    app = Crashing(root, "local", offline=True)
    app.run(headless=True, size=(80, 24))
    assert app.return_code == 1
    (report,) = (root / ".zenml-tui" / "crashes").glob("*.txt")
    text = report.read_text()
    assert "RuntimeError: a bug near «secret:GCP_DEV_SA_JSON» (19)" in text
    assert "in on_mount" in text  # the frames are there
    assert "THE-LAYER-TEXT-8832" not in text and "SECRET-CRASH-4411" not in text
    assert report.stat().st_mode & 0o777 == 0o600
