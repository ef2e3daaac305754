"""The Textual app through Textual's pilot, on a copy of the example platform, with its
real local ZenML server, real Terraform and the bundled provider: one copy and server
for the module, its tests in order (the speculative impact's apply `local` if it is not
yet)."""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

import pytest
from textual.widgets import DataTable, OptionList, TextArea, Tree

from zenml_tui.bundled import example_platform
from zenml_tui.platform.explain import explain
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import ConfirmApply
from zenml_tui.ui.widgets.config_pane import IMPACT_PAUSE, ConfigPane
from zenml_tui.ui.widgets.impact import PAUSED, ImpactPanel
from zenml_tui.ui.widgets.plan_pane import PlanPane
from zenml_tui.ui.widgets.server_pane import ServerPane

FAKE_SECRETS = {
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "token-for-tests",
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from tests.tfharness import restore_environ, set_environ, terraform_environment

    root = tmp_path_factory.mktemp("app") / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ({**FAKE_SECRETS, **terraform_environment(root.parent)})
    try:
        yield root
    finally:
        from zenml_tui.ops.servers import local_server
        from zenml_tui.ops.session import open_session

        local_server(open_session(root)).down()
        restore_environ(saved)


async def until(pilot, condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.1)


async def test_edit_preview_provenance_and_yaml_error(platform: Path) -> None:
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: pane.last_good is not None)
        assert pane.current == platform / "layers" / "env" / "local.yaml"
        editor = app.query_one("#editor", TextArea)
        editor.insert("location: asia-east1\n", (0, 0))
        await until(pilot, lambda: pane.last_good.plain()["location"] == "asia-east1")
        chain = explain(pane.last_good, "location").chain
        assert [p.layer for p in chain] == ["base", "env:local"]
        assert chain[-1].mark.line == 1
        leaves = [str(n.label) for n in pane._walk_nodes(app.query_one("#preview", Tree).root)]
        assert any(
            label.startswith('location: "asia-east1"') and "env:local" in label for label in leaves
        )
        assert (
            (platform / "layers" / "env" / "local.yaml").read_text().startswith("# local")
        )  # unsaved
        draft = pane.draft_path(pane.current)  # written right after the preview
        await until(pilot, lambda: draft.is_file())
        assert draft.read_text().startswith("location: asia-east1")

        # invalid YAML: the last good preview stays, dimmed; the error is located
        editor.insert("broken: [\n", (1, 0))
        await until(pilot, lambda: app.query_one("#preview", Tree).has_class("stale"))
        errors = app.query_one("#errors", OptionList)
        first = str(errors.get_option_at_index(0).prompt)
        assert "layers/env/local.yaml:" in first and "YAML_SYNTAX" in first
        errors.highlighted = 0
        errors.action_select()
        await pilot.pause(0.2)
        assert editor.cursor_location[0] == pane.errors[0].line - 1
        editor.undo()
        await until(pilot, lambda: not app.query_one("#preview", Tree).has_class("stale"))

        # save writes the file and drops the draft
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert (
            (platform / "layers" / "env" / "local.yaml")
            .read_text()
            .startswith("location: asia-east1")
        )
        assert not pane.draft_path(pane.current).exists()


async def test_switch_environment_and_back(platform: Path) -> None:
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: pane.last_good is not None)
        app.switch_env("dev")
        await until(
            pilot, lambda: pane.last_good is not None and pane.last_good.scope.environment == "dev"
        )
        assert app.env == "dev" and "DEV" in str(app.query_one("#topbar").render())
        assert pane.current == platform / "layers" / "env" / "dev.yaml"
        assert pane.last_good.plain()["connector"]["auth_method"] == "service-account"
        assert app.running == "workspace selection"  # a second switch waits for it
        await until(pilot, lambda: app.running is None)
        assert (pane.session.platform.state_dir / "state" / "dev").is_dir()
        assert "workspace 'dev' selected" in str(app.query_one("#plan-summary").render())
        app.switch_env("local")
        await until(pilot, lambda: pane.last_good.scope.environment == "local")
        assert "connector" not in pane.last_good.plain()


async def test_plan_review_apply_and_server_tab(platform: Path) -> None:
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        await until(pilot, lambda: plan.model is not None or plan.run is not None)
        assert plan.model is not None, app.query_one("#plan-summary").render()
        assert plan.model.counts["create"] == 14
        table = app.query_one("#changes")
        assert table.row_count == 14
        await pilot.pause(0.2)
        assert table.cursor_row == 0  # the review starts at its first change
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause(0.2)
        assert "known after apply" in str(app.query_one("#diff").render())

        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmApply))
        await pilot.click("#yes")
        await until(pilot, lambda: app.running is None and plan.run.applied_by is not None)
        # the toast says what happened once ("apply local: applied", then Terraform's words)
        (toast,) = [n for n in app._notifications if "Apply complete!" in n.message]
        assert toast.title == "apply local: applied"
        assert toast.message.startswith("Apply complete! Resources: 14 added")
        server = app.query_one(ServerPane)
        objects = app.query_one("#objects", DataTable)

        def shown() -> set[str]:
            return {str(objects.get_row_at(i)[1]) for i in range(objects.row_count)}

        # the tab polls the server: it shows what the apply made once it has polled after it
        expected = {
            "local-base-stack",
            "local-training-stack",
            "local-fraud-detection-stack",
            "local-fraud-detection",  # the project's ZenML project
        }
        await until(pilot, lambda: expected <= shown())
        kinds = {str(objects.get_row_at(i)[0]) for i in range(objects.row_count)}
        assert {"stack", "component", "project"} <= kinds
        assert server is not None


async def test_protected_environment_needs_the_typed_name(platform: Path) -> None:
    app = ZenMLApp(platform, "prod")
    async with app.run_test(size=(160, 48)) as pilot:
        assert "PROTECTED" in str(app.query_one("#topbar").render())
        await until(pilot, lambda: app.ready)
        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        await until(pilot, lambda: plan.model is not None)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmApply))
        dialog = app.screen
        assert dialog.query_one("#yes").disabled
        await pilot.click("#yes")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmApply) and app.running is None
        dialog.query_one("#typed").value = "prd"
        await pilot.pause(0.1)
        assert dialog.query_one("#yes").disabled
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmApply)
        assert app.running is None and plan.run.applied_by is None


async def test_review_filters_searches_and_walks_the_changes(platform: Path) -> None:
    """The review on a captured plan (every action): the action filter and the address
    search narrow the list, the keys move the cursor and the diff follows it."""
    from textual.widgets import Input, Select

    from tests.ui.test_snapshots import _Outcome

    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.ready)
        app.action_tab("plan-tab")
        pane = app.query_one(PlanPane)
        pane.show(_Outcome())
        await pilot.pause(0.1)
        changes = app.query_one("#changes")
        assert app.focused is changes  # a tab shown from the keyboard takes the keyboard
        assert [a for a, _ in changes.rows] == [
            "create", "update", "update", "replace", "delete", "read",
        ]  # fmt: skip
        diff = app.query_one("#diff")
        assert "terraform_data.created" in str(diff.render())
        changes.focus()
        await pilot.press("down", "down", "down")
        assert changes.rows[changes.cursor_row][1] == "terraform_data.replaced"
        await pilot.pause(0.1)
        assert "forces replacement" in str(diff.render())
        app.query_one("#plan-action", Select).value = "update"
        await pilot.pause(0.1)
        assert {a for a, _ in changes.rows} == {"update"} and changes.row_count == 2
        app.query_one("#plan-action", Select).value = "no-op"
        await pilot.pause(0.1)
        assert changes.rows == [("no-op", "terraform_data.kept")]
        app.query_one("#plan-action", Select).clear()
        app.query_one("#plan-search", Input).value = "remove"
        await pilot.pause(0.1)
        assert changes.rows == [("delete", "terraform_data.removed")]
        await pilot.pause(0.1)
        assert "terraform_data.removed" in str(diff.render())
        app.query_one("#plan-search", Input).value = "no such address"
        await pilot.pause(0.1)
        assert changes.row_count == 0 and str(diff.render()) == ""


async def test_the_app_cannot_apply_a_protected_environment_without_its_typed_name(
    platform: Path,
) -> None:
    """The app's apply goes through the application layer, which refuses without the
    name, whatever the app does; the one error handler says so; nothing runs."""
    from textual.widgets import Log

    app = ZenMLApp(platform, "prod", offline=True)
    runs = app.session.platform.state_dir / "runs"
    before = sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        log = app.query_one("#plan-log", Log)
        logged = app.plan_pane.logged  # whole lines: the log wraps what it draws
        for typed in (None, "prd"):
            app.apply_plan("prod", "20260101-000000-plan-0000", typed)
            await until(pilot, lambda: any("prod is protected" in line for line in logged), 30)
            await until(pilot, lambda: app.running is None, 30)
            assert "apply failed" in str(app.query_one("#plan-summary").render())
            log.clear()
            logged.clear()
    after = sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []
    assert after == before  # no run was recorded, Terraform never started


async def test_the_app_plans_with_the_terraform_binary_it_was_given(
    platform: Path, tmp_path: Path
) -> None:
    """`zenml-tui --terraform-bin PATH`: the app's plan runs that binary (here a script
    that speaks Terraform's command line by handing it to the embedded Terraform, and
    writes down how it was called)."""
    import os
    import sys

    calls = tmp_path / "calls.log"
    fake = tmp_path / "terraform"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, subprocess, sys\n"
        "with open(os.environ['FAKE_TERRAFORM_LOG'], 'a') as log:\n"
        "    log.write(' '.join(sys.argv[1:]) + '\\n')\n"
        "argv = json.dumps(sys.argv[1:]).encode()\n"
        "cmd = [sys.executable, '-m', 'zenml_tui.terraform.embedded']\n"
        "sys.exit(subprocess.run(cmd, input=argv).returncode)\n"
    )
    fake.chmod(0o755)
    os.environ["FAKE_TERRAFORM_LOG"] = str(calls)
    try:
        app = ZenMLApp(platform, "local", terraform_bin=str(fake))
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.ready)
            plan = app.query_one(PlanPane)
            await pilot.press("f5")
            await until(pilot, lambda: app.running is None and plan.run is not None)
            assert plan.model is not None, app.query_one("#plan-summary").render()
            assert plan.run is not None and plan.run.engine == "binary"
    finally:
        del os.environ["FAKE_TERRAFORM_LOG"]
    commands = [line.split()[0] for line in calls.read_text().splitlines()]
    assert "plan" in commands and "init" in commands
    assert any(
        line.startswith("plan -input=false -json") for line in calls.read_text().splitlines()
    )


TRACKER = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
TOKEN = "MLFLOW-TOKEN-5d1a"


def _runs(root: Path) -> list[str]:
    runs = root / ".zenml-tui" / "runs"
    return sorted(p.name for p in runs.iterdir())


def _scratch_left() -> list[str]:
    return [p.name for p in Path(tempfile.gettempdir()).glob("zenml-tui-speculative-*")]


def _tracker_line(editor: TextArea) -> int:
    """The line after `flavor: mlflow` of the experiment tracker in layers/env/local.yaml."""
    return editor.text.splitlines().index("    flavor: mlflow") + 1


def _type_in_label(editor: TextArea, char: str) -> None:
    """One character more at the end of the label's value (`{tier: gold}`)."""
    at = _tracker_line(editor)
    editor.insert(char, (at, editor.document.get_line(at).index("}")))


def _shown(panel: ImpactPanel) -> str:
    """The panel's text as drawn."""
    return "\n".join(s.text for s in panel.render_lines(panel.region.reset_offset))


def _locked(state: IO[str]) -> bool:
    """Take the lock Terraform's local backend takes (fcntl, on the state file)."""
    try:
        fcntl.lockf(state, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


async def _applied(root: Path) -> None:
    """`local` applied as its files say (the impact of an edit is then the update it
    makes, not the first creates), whatever the tests before did; no drafts left."""
    from zenml_tui.ops import plans
    from zenml_tui.ops.session import open_session

    shutil.rmtree(root / ".zenml-tui" / "drafts", ignore_errors=True)
    session = open_session(root)
    outcome = await plans.plan(session, "local")
    if outcome.run.outcome == "changes":
        await plans.apply(session, "local", outcome.run.id)


# -- the speculative impact (Config tab): the unsaved edits planned after a pause in typing,
# with no lock and no run, never applied; a keystroke or a real plan (f5) cancels it
async def test_typing_shows_the_speculative_impact_without_lock_or_run(platform: Path) -> None:
    await _applied(platform)
    state = platform / ".zenml-tui" / "state" / "local" / "terraform.tfstate"
    runs_before = _runs(platform)
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        panel = pane.impact_panel
        assert panel.state == "hidden"  # nothing unsaved: nothing to plan

        # the state's lock is held (as Terraform's local backend takes it) all along:
        # a plan that took it would fail; the speculative one takes none
        with open(state, "r+") as held:
            await until(pilot, lambda: _locked(held))  # (the app's own lock check ends)
            editor.insert("    labels: {tier: gold}\n", (_tracker_line(editor), 0))
            await until(pilot, lambda: panel.state == "impact", timeout=60)
            assert panel.impact is not None
            assert panel.impact.changes == (("update", TRACKER),)
            shown = _shown(panel)
            assert "1 to update, 0 to replace" in shown, shown
            assert '~ module.team["training"].zenml_stack_component' in shown, shown
            assert app.speculation.counts["impact"] == 1, app.speculation.counts

            # a keystroke while Terraform plans cancels that plan; the next pause plans
            # the newer text
            _type_in_label(editor, "x")
            await until(pilot, lambda: app.speculation.planning, timeout=30)
            started = app.speculation.counts["started"]
            _type_in_label(editor, "y")
            assert panel.has_class("stale")  # the impact shown is of an older text
            await until(pilot, lambda: app.speculation.counts["cancelled"] >= 1, timeout=30)
            await until(pilot, lambda: app.speculation.counts["impact"] == 2, timeout=60)
            assert app.speculation.counts["started"] == started + 1
            assert panel.impact.changes == (("update", TRACKER),)
            assert not panel.has_class("stale")
        assert panel.border_title and "not applied" in panel.border_title
        assert not _scratch_left()
        assert _runs(platform) == runs_before  # no run recorded: never listed by `runs`
        assert not (state.parent / ".terraform.tfstate.lock.info").exists()

        # f5 while a speculative plan runs: it is cancelled first, the real plan (of the
        # saved files, no change) takes the lock and succeeds; the impact comes back
        _type_in_label(editor, "z")
        await until(pilot, lambda: app.speculation.planning, timeout=30)
        cancelled = app.speculation.counts["cancelled"]
        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        assert app.running == "plan" and (panel.state, panel.text) == ("note", PAUSED)
        await until(pilot, lambda: app.running is None and plan.run is not None, timeout=60)
        assert plan.model is not None, app.query_one("#plan-summary").render()
        assert plan.run.outcome == "no-changes"
        assert app.speculation.counts["cancelled"] == cancelled + 1
        await until(pilot, lambda: panel.state == "impact", timeout=60)
        assert _runs(platform) == sorted([*runs_before, plan.run.id])


async def test_no_plan_while_the_edits_have_errors_or_miss_a_secret(
    platform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _applied(platform)
    monkeypatch.delenv("ACME_MLFLOW_TRACKING_TOKEN")
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        panel = pane.impact_panel

        # invalid YAML: the errors panel says why, nothing is planned
        editor.insert("broken: [\n", (0, 0))
        await until(pilot, lambda: panel.state == "note", timeout=30)
        assert re.search(r"not planned: \d+ errors? in the configuration", _shown(panel))
        assert app.speculation.counts["started"] == 0
        editor.undo()
        await until(pilot, lambda: panel.state == "hidden", timeout=30)  # nothing unsaved

        # a secret the edit references is not exported: said instead of planning
        at = _tracker_line(editor)
        editor.insert(
            "    configuration:\n      tracking_token: ${secret:MLFLOW_TRACKING_TOKEN}\n", (at, 0)
        )
        await until(pilot, lambda: panel.state == "note", timeout=60)
        shown = _shown(panel)
        assert "not planned" in shown and "MLFLOW_TRACKING_TOKEN" in shown, shown
        assert app.speculation.counts["note"] == 1

        # exported: planned, and the secret's value is nowhere on the screen
        monkeypatch.setenv("ACME_MLFLOW_TRACKING_TOKEN", TOKEN)
        editor.insert("\n", (at + 2, 0))
        await until(pilot, lambda: panel.state == "impact", timeout=60)
        # the component's credential becomes a ZenML secret it references
        secret = 'zenml_secret.component["MLFLOW_TRACKING_TOKEN"]'
        assert set(panel.impact.changes) == {("create", secret), ("update", TRACKER)}
        assert panel.text == "1 to create, 1 to update, 0 to replace"
        assert TOKEN not in app.export_screenshot()

        # switching environment cancels the plan in flight; local's draft is not dev's
        # concern (dev never reads layers/env/local.yaml): nothing is planned for it
        editor.insert("\n", (at + 2, 0))
        await until(pilot, lambda: app.speculation.planning, timeout=30)
        cancelled = app.speculation.counts["cancelled"]
        app.switch_env("dev")
        await until(pilot, lambda: app.speculation.counts["cancelled"] == cancelled + 1, 30)
        await until(pilot, lambda: panel.state == "hidden", timeout=30)
        started = app.speculation.counts["started"]
        await pilot.pause(IMPACT_PAUSE + 0.5)
        assert app.speculation.counts["started"] == started and panel.state == "hidden"
        # an edit of a layer dev reads is planned against dev, whose connector's
        # credential is not exported here
        assert pane.current in pane.layer_paths and "local" not in pane.current.name
        editor.insert("# reviewed\n", (0, 0))
        await until(pilot, lambda: "GCP_DEV_SA_JSON" in panel.text, timeout=60)
        assert panel.text.startswith("not planned: 'dev' needs these secrets"), panel.text


async def test_a_failing_speculative_plan_is_one_line(platform: Path, tmp_path: Path) -> None:
    """Terraform fails (here a `--terraform-bin` that refuses plans without a lock): the
    panel says so in one line; no notification, no dialog, the app stays as it was."""
    import sys

    shutil.rmtree(platform / ".zenml-tui" / "drafts", ignore_errors=True)
    fake = tmp_path / "terraform"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, subprocess, sys\n"
        "if '-lock=false' in sys.argv:\n"
        "    sys.exit('Error: this Terraform refuses to plan\\nwithout the state lock')\n"
        "cmd = [sys.executable, '-m', 'zenml_tui.terraform.embedded']\n"
        "sys.exit(subprocess.run(cmd, input=json.dumps(sys.argv[1:]).encode()).returncode)\n"
    )
    fake.chmod(0o755)
    app = ZenMLApp(platform, "local", terraform_bin=str(fake))
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: app.ready and pane.last_good is not None)
        editor = app.query_one("#editor", TextArea)
        editor.insert("    labels: {tier: gold}\n", (_tracker_line(editor), 0))
        panel = pane.impact_panel
        await until(pilot, lambda: panel.state == "note", timeout=60)
        assert panel.text.startswith("speculative plan failed: terraform plan failed: "), panel.text
        assert "refuses to plan" in panel.text and "\n" not in panel.text
        assert app.screen is app.screen_stack[0]  # no dialog
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_a_drifted_row_shows_its_origin_and_a_accepts_into_the_config_tab(
    platform: Path,
) -> None:
    """A label changed through the REST API: the Server tab's row names the layer value
    that owns it; "a" puts the server's value into that layer as an unsaved edit, opened
    in the Config tab (the team's scope), and records the server's values in the state."""
    from tests.conftest import run_cli as cli
    from zenml_tui.ops.drift import status
    from zenml_tui.ops.servers import local_server
    from zenml_tui.ops.session import open_session

    # the module's earlier tests leave drafts of what they typed: none here
    shutil.rmtree(platform / ".zenml-tui" / "drafts", ignore_errors=True)
    r = cli("plan", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    if r.returncode == 2:  # alone, or after the tests that apply: applied either way
        r = cli("apply", "--env", "local", "--yes", "--platform", str(platform))
    assert r.returncode == 0, r.stdout + r.stderr
    session = open_session(platform)
    client = local_server(session).client()
    (found,) = client.list_all("/components", name="local-training-experiment-tracker")
    full = client.get(f"/components/{found['id']}", hydrate="true")
    client.put(f"/components/{found['id']}", {"labels": {**full["metadata"]["labels"],
                                                         "purpose": "research"}})  # fmt: skip
    layer = platform / "layers" / "team" / "training.yaml"
    saved = layer.read_text()
    line = next(i for i, x in enumerate(saved.splitlines(), 1) if "purpose: experiments" in x)

    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        await pilot.press("4")
        objects = app.query_one("#objects", DataTable)
        await until(pilot, lambda: found["id"] in objects.rows)
        row = [str(c) for c in objects.get_row(found["id"])]
        assert row[3] == "labels.purpose"
        assert row[5] == f"team:training layers/team/training.yaml:{line}:16"
        objects.move_cursor(row=objects.get_row_index(found["id"]))
        await pilot.pause(0.2)
        detail = str(app.query_one("#server-detail").render())
        assert 'labels.purpose: "experiments" in the state, "research" on the server' in detail
        assert "a accept" in detail and "r restore" in detail
        await pilot.press("a")
        pane = app.query_one(ConfigPane)
        await until(pilot, lambda: pane.current == layer and layer in pane.buffers)
        assert app.query_one("TabbedContent").active == "config"
        assert app.scope.team == "training"
        assert pane.buffers[layer] == saved.replace("purpose: experiments", "purpose: research")
        assert pane.unsaved == [layer] and layer.read_text() == saved  # not saved
        editor = app.query_one("#editor", TextArea)
        assert editor.cursor_location == (line - 1, 15)
        await until(pilot, lambda: app.running is None)
        assert not status(session, "local").drifted  # the state records the server's value

        # a component made by hand: "i" describes it in the environment's layer (unsaved)
        # and keeps its import for the next plan
        made = client.post("/components", {"name": "local-image-builder", "type":
                           "image_builder", "flavor": "local", "configuration": {}})  # fmt: skip
        await pilot.press("4")
        await until(pilot, lambda: made["id"] in objects.rows, timeout=30)
        objects.focus()
        objects.move_cursor(row=objects.get_row_index(made["id"]))
        await pilot.pause(0.2)
        assert "i adopt" in str(app.query_one("#server-detail").render())
        await pilot.press("i")
        env_layer = platform / "layers" / "env" / "local.yaml"
        await until(pilot, lambda: env_layer in pane.buffers and app.running is None)
        assert "  image_builder:\n    flavor: local\n" in pane.buffers[env_layer]
        assert pane.current == env_layer and app.scope.team is None
        pending = session.platform.state_dir / "adoptions" / "local.json"
        assert [o["id"] for o in json.loads(pending.read_text())] == [made["id"]]
