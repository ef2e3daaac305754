"""plan --all in the app (f7): the matrix fills in as each environment's plan ends, a
failing environment is its row's error, and a cell opens that environment's review
narrowed to the cell's action. Then a review that traces each change to its layer line
(g goes there in the editor), with a rotated secret only named. A copy of the example
with its own local ZenML server, real Terraform and the bundled provider."""

from __future__ import annotations

import os
import shutil

import pytest
from textual.widgets import DataTable, Select, Static, TabbedContent, TextArea

from tests.tfharness import restore_environ, set_environ
from tests.ui.test_app import until
from zenml_tui.bundled import example_platform
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.matrix import PlanMatrix
from zenml_tui.ui.widgets.config_pane import ConfigPane
from zenml_tui.ui.widgets.plan_pane import PlanPane

# prod's and the tracking server's credentials only: dev and staging cannot be planned
SECRETS = {
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account", "key": "PROD-KEY-31f7"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "MLFLOW-TOKEN-8c2e",
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One copy and one server for the module's tests, which run in order."""
    from tests.tfharness import restore_environ, set_environ, terraform_environment

    tmp_path = tmp_path_factory.mktemp("plan-all")
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ({**SECRETS, **terraform_environment(tmp_path)})
    for key in ("ACME_GCP_DEV_SA_JSON", "ACME_GCP_STAGING_SA_JSON"):
        saved[key] = os.environ.pop(key, None)
    try:
        yield root
    finally:
        from zenml_tui.ops.servers import local_server
        from zenml_tui.ops.session import open_session

        local_server(open_session(root)).down()
        restore_environ(saved)


async def test_plan_all_matrix_and_a_cell_opens_its_review(platform) -> None:
    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PlanMatrix))
        assert app.running == "plan --all"
        await until(pilot, lambda: app.running is None, timeout=180)
        screen = app.screen
        assert isinstance(screen, PlanMatrix)
        table = screen.query_one(DataTable)
        assert [str(k.value) for k in table.rows] == ["local", "dev", "staging", "prod"]

        def row(env: str) -> list[str]:
            return [str(c) for c in table.get_row(env)]

        assert row("local")[:7] == ["local", "14", "0", "0", "0", "0", "changes"]
        assert row("prod")[:7] == ["prod", "20", "0", "0", "0", "0", "changes"]
        for env, secret in (("dev", "DEV_SA_JSON"), ("staging", "STAGING_SA_JSON")):
            assert row(env)[1:6] == ["–"] * 5
            assert row(env)[6].startswith("error:") and f"GCP_{secret}" in row(env)[6]
        for value in SECRETS.values():
            assert all(value not in " ".join(row(e)) for e in app._matrix)

        # a failed row's cell says why instead of opening anything
        table.move_cursor(row=1, column=1)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, PlanMatrix) and app.env == "local"

        # the prod row's "create" cell: prod selected, its review narrowed to creates
        table.move_cursor(row=3, column=1)
        await pilot.press("enter")
        await until(pilot, lambda: app.env == "prod" and app.running is None)
        plan = app.query_one(PlanPane)
        await until(pilot, lambda: plan.model is not None)
        assert plan.run is not None and plan.run.environment == "prod"
        assert plan.run.id == app._matrix["prod"].outcome.run.id
        assert plan.model.counts["create"] == 20
        assert app.query_one("#plan-action", Select).value == "create"
        changes = app.query_one("#changes")
        assert changes.row_count == 20 and {a for a, _ in changes.rows} == {"create"}


STEP = 'module.team["training"].zenml_stack_component.team["step_operator"]'
CONNECTOR = "module.base.zenml_service_connector.base[0]"
ROTATED = '{"type": "external_account", "key": "ROTATED-KEY-66d1"}'


async def test_a_traced_change_goes_to_its_layer_line(platform) -> None:
    from zenml_tui.ops import plans
    from zenml_tui.ops.session import open_session

    session = open_session(platform)
    await plans.plan(session, "prod")
    done = await plans.apply(session, "prod", None, confirm_env="prod")
    assert done.run.outcome is plans.RunOutcome.APPLIED, done.run.message
    prod = platform / "layers" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("n1-standard-8", "n1-highmem-16"))
    line = next(i for i, t in enumerate(prod.read_text().splitlines()) if "n1-highmem-16" in t)
    col = prod.read_text().splitlines()[line].index("n1-highmem-16")
    saved = set_environ({"ACME_GCP_PROD_WIF_CONFIG": ROTATED})
    app = ZenMLApp(platform, "prod")
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.ready)
            await pilot.press("f5")
            plan = app.query_one(PlanPane)
            await until(pilot, lambda: plan.model is not None and app.running is None)
            changes = app.query_one("#changes")
            addresses = [a for _, a in changes.rows]
            diff = app.query_one("#diff", Static)

            changes.move_cursor(addresses.index(CONNECTOR))
            await pilot.pause(0.2)
            shown = str(diff.render())
            assert "configuration.external_account_json: (sensitive value) → «secret:" in shown
            assert "«secret:GCP_PROD_WIF_CONFIG»" in shown
            for text in (shown, app.export_screenshot()):
                assert "ROTATED-KEY-66d1" not in text and "PROD-KEY-31f7" not in text

            changes.move_cursor(addresses.index(STEP))
            await pilot.pause(0.2)
            shown = str(diff.render())
            assert 'configuration.machine_type: "n1-standard-8" → "n1-highmem-16"' in shown
            assert f"← env:prod layers/env/prod.yaml:{line + 1}:{col + 1}  (g goes there)" in shown

            changes.focus()
            await pilot.press("g")
            await pilot.pause(0.3)
            pane = app.query_one(ConfigPane)
            editor = app.query_one("#editor", TextArea)
            assert app.query_one(TabbedContent).active == "config"
            assert app.scope.short == "prod/training"  # the scope the line configures
            assert pane.current == prod and editor.has_focus
            assert editor.cursor_location == (line, col)
    finally:
        restore_environ(saved)
