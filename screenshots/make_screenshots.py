"""Make the README's screenshots (SVG) from the real app: a copy of the example platform,
its own local ZenML server, a real plan and apply through the bundled provider, then a
speculative plan of an unsaved edit.

    .venv/bin/python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual.widgets import TextArea  # noqa: E402

from zenml_tui.bundled import example_platform  # noqa: E402
from zenml_tui.ui.app import ZenMLApp  # noqa: E402
from zenml_tui.ui.screens.confirm import ConfirmApply  # noqa: E402
from zenml_tui.ui.screens.matrix import PlanMatrix  # noqa: E402
from zenml_tui.ui.widgets.config_pane import ConfigPane  # noqa: E402
from zenml_tui.ui.widgets.plan_pane import PlanPane  # noqa: E402

SIZE = (160, 48)


async def until(pilot, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there")
        await pilot.pause(0.1)


def save(app: ZenMLApp, name: str) -> None:
    app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"wrote screenshots/{name}.svg")


async def shoot(root: Path) -> None:
    app = ZenMLApp(root, "local")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(ConfigPane)
        editor = app.query_one("#editor", TextArea)
        editor.cursor_blink = False
        await until(pilot, lambda: "connected" in app._server_text and pane.last_good is not None)
        save(app, "main")
        editor.insert("broken: [\n", (0, 0))
        await until(pilot, lambda: bool(pane.errors))
        await pilot.pause(0.3)
        save(app, "config-error")
        editor.undo()
        await until(pilot, lambda: not pane.errors)

        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        await until(pilot, lambda: plan.model is not None)
        table = app.query_one("#changes")
        table.focus()
        table.move_cursor(row=3)
        await pilot.pause(0.3)
        save(app, "plan-review")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmApply))
        await pilot.pause(0.3)
        save(app, "apply-confirmation")
        await pilot.click("#yes")
        await until(pilot, lambda: app.running is None and plan.run.applied_by is not None)
        app.action_tab("server-tab")
        objects = app.query_one("#objects")
        made = {"local-base-stack", "local-fraud-detection-stack", "local-fraud-detection"}
        # the tab polls the server: wait for a poll after the apply, not for a row count
        await until(
            pilot,
            lambda: made <= {str(objects.get_row_at(i)[1]) for i in range(objects.row_count)},
        )
        # a label changed in the dashboard: drift, traced to the layer value that owns it
        from zenml_tui.ops.servers import local_server

        client = local_server(app.session).client()
        (tracker,) = client.list_all("/components", name="local-training-experiment-tracker")
        labels = client.get(f"/components/{tracker['id']}", hydrate="true")["metadata"]["labels"]
        client.put(f"/components/{tracker['id']}", {"labels": {**labels, "purpose": "research"}})
        await until(
            pilot,
            lambda: (
                tracker["id"] in objects.rows
                and "labels.purpose" in map(str, objects.get_row(tracker["id"]))
            ),
        )
        objects.focus()
        objects.move_cursor(row=objects.get_row_index(tracker["id"]))
        await pilot.pause(0.3)
        save(app, "server")
        client.put(f"/components/{tracker['id']}", {"labels": labels})  # as the layers say

        await pilot.press("f7")  # every environment: local is applied, the rest are new
        await until(pilot, lambda: isinstance(app.screen, PlanMatrix) and app.running is None)
        await pilot.pause(0.3)
        save(app, "plan-all")

        # an unsaved edit of the applied environment and its speculative impact
        await pilot.press("escape")
        app.action_tab("config")
        at = editor.text.splitlines().index("    flavor: mlflow") + 1
        editor.insert("    labels: {tier: gold}\n", (at, 0))
        panel = pane.impact_panel
        await until(pilot, lambda: panel.state == "impact")
        await pilot.pause(0.3)
        save(app, "config-impact")

        # a saved change of a configuration key, planned: the review shows the key's
        # before and after (Terraform masks the whole configuration) and its layer line
        editor.undo()
        lines = editor.text.splitlines()
        at = next(i for i, x in enumerate(lines) if x.strip().startswith("path: ${infra"))
        col = lines[at].index("/artifacts/")
        editor.insert("-v2", (at, col + len("/artifacts")))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not pane.unsaved)
        await pilot.press("f5")
        await until(pilot, lambda: plan.model is not None and app.running is None)
        table.focus()
        rows = [a for _, a in table.rows]
        table.move_cursor(rows.index('module.base.zenml_stack_component.base["artifact_store"]'))
        await pilot.pause(0.3)
        save(app, "plan-traced")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "acme-ml"
        shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
        rc = Path(tmp) / "terraformrc"
        rc.write_text("disable_checkpoint = true\n")
        os.environ["TF_CLI_CONFIG_FILE"] = str(rc)
        for name in (  # placeholders, so that every environment can be planned
            "ACME_GCP_DEV_SA_JSON",
            "ACME_GCP_STAGING_SA_JSON",
            "ACME_GCP_PROD_WIF_CONFIG",
            "ACME_MLFLOW_TRACKING_TOKEN",
        ):
            os.environ.setdefault(name, '{"type": "placeholder"}')
        try:
            asyncio.run(shoot(root))
        finally:
            from zenml_tui.ops.servers import local_server
            from zenml_tui.ops.session import open_session

            local_server(open_session(root)).down()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
