"""What uses the objects an apply or destroy takes away, and connector health, against a
real ZenML server: the example's `prod` applied with real Terraform, then pipelines,
runs, a schedule and a deployment registered on one of its stacks through the REST API
(as ZenML's client registers them), and the project that stack belongs to retired in
platform.yaml, so the next plan deletes the stack. The server is reached through a proxy
that can stop answering. The CLI and the app (Pilot) are asked."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from tests.conftest import cli
from tests.integration.faults import SlowProxy, proxied_platform, started_server
from tests.tfharness import restore_environ, set_environ
from tests.ui.test_app import until
from zenml_tui.ops import plans
from zenml_tui.ops.session import open_session
from zenml_tui.server.rest import ZenMLClient
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import ConfirmApply
from zenml_tui.ui.widgets.plan_pane import PlanPane

KEY_ENV = "BLAST_ZENML_API_KEY"
WIF_KEY = "BLAST-WIF-KEY-5e1d"  # distinctive: it must never be shown
SECRETS = {
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account", "key": "' + WIF_KEY + '"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "BLAST-MLFLOW-TOKEN-77aa",
}
STACK = "prod-fraud-detection-stack"
PROJECT = "prod-fraud-detection"  # the ZenML project the platform makes for it


@dataclass
class World:
    root: Path
    proxy: SlowProxy
    client: ZenMLClient


def _run(client: ZenMLClient, project: str, snapshot: str, name: str, status: str) -> None:
    """A pipeline run as ZenML's client makes one: started running, then finished."""
    made = client.post(
        "/runs", {"name": name, "snapshot": snapshot, "status": "running", "project": project}
    )
    run = made[0] if isinstance(made, list) else made  # get-or-create: (run, created)
    client.put(f"/runs/{run['id']}", {"status": status})


def _register_usage(client: ZenMLClient) -> None:
    """Two pipelines with runs on STACK (train-fraud's latest failed), a schedule and a
    deployment of train-fraud there."""
    (stack,) = client.list_all("/stacks", name=STACK)
    (project,) = client.list_all("/projects", name=PROJECT)
    pid = project["id"]

    def snapshot(pipeline: str, **extra: Any) -> str:
        made = client.post(
            "/pipeline_snapshots",
            {
                "run_name_template": f"{pipeline}-{{date}}",
                "pipeline_configuration": {"name": pipeline},
                "step_configurations": {},
                "client_version": "0.98.0",
                "server_version": "0.98.0",
                "project": pid,
                "stack": stack["id"],
                "pipeline": pipelines[pipeline],
                **extra,
            },
        )
        return str(made["id"])

    pipelines = {
        name: client.post("/pipelines", {"name": name, "project": pid})["id"]
        for name in ("train-fraud", "score-fraud")
    }
    train = snapshot("train-fraud")
    _run(client, pid, train, "train-fraud-1", "completed")
    _run(client, pid, snapshot("score-fraud"), "score-fraud-1", "completed")
    _run(client, pid, train, "train-fraud-2", "failed")
    (orchestrator,) = [c for c in client.list_all("/components", name="prod-training-orchestrator")]
    schedule = client.post(
        "/schedules",
        {
            "name": "nightly-fraud",
            "active": True,
            "cron_expression": "0 3 * * *",
            "orchestrator_id": orchestrator["id"],
            "pipeline_id": pipelines["train-fraud"],
            "project": pid,
        },
    )
    snapshot("train-fraud", schedule=schedule["id"])
    deployer = client.post(
        "/components",
        {"name": "blast-deployer", "type": "deployer", "flavor": "local", "configuration": {}},
    )
    client.post(
        "/deployments",
        {
            "name": "fraud-api",
            "snapshot_id": snapshot("train-fraud"),
            "deployer_id": deployer["id"],
            "project": pid,
        },
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("blast")
    with started_server(base / "server-home" / ".zenml-tui" / "server") as server:
        running = server.running()
        creds = server.load_credentials()
        assert running is not None and creds is not None
        proxy = SlowProxy(running[1])
        root = proxied_platform(base / "acme-ml", proxy.url, KEY_ENV, environments=("prod",))
        saved = set_environ({**SECRETS, KEY_ENV: creds.api_key})
        try:
            session = open_session(root)
            outcome = asyncio.run(plans.plan(session, "prod"))
            asyncio.run(plans.apply(session, "prod", outcome.run.id, confirm_env="prod"))
            client = server.client()
            _register_usage(client)
            # retire the project: the next plan deletes its stack (and its artifact store)
            spec = root / "platform.yaml"
            text = spec.read_text()
            assert "  fraud_detection:\n    team: training\n" in text
            spec.write_text(text.replace("  fraud_detection:\n    team: training\n", ""))
            (root / "layers" / "project" / "fraud_detection.yaml").unlink()
            yield World(root, proxy, client)
        finally:
            restore_environ(saved)
            proxy.close()


EXPECTED = [
    f"  stack {STACK} (deleted):",
    f"    pipeline train-fraud: latest run train-fraud-2, failed, TIME (project {PROJECT})",
    f"    pipeline score-fraud: latest run score-fraud-1, completed, TIME (project {PROJECT})",
    "    3 runs on it in all",
    "    schedule nightly-fraud: cron 0 3 * * *, active, of pipeline train-fraud "
    f"(project {PROJECT})",
    f"    deployment fraud-api: unknown, of pipeline train-fraud (project {PROJECT})",
]
_TIME = re.compile(r"\b20\d\d-\d\d-\d\d \d\d:\d\d UTC\b")


def _radius_of(text: str) -> list[str]:
    """The blast-radius lines of an output, with each time (of today) as TIME."""
    lines = _TIME.sub("TIME", text).splitlines()
    start = lines.index("what uses them on the server:")
    out = []
    for shown in lines[start + 1 :]:
        if not shown.startswith("  "):
            break
        out.append(shown)
    return out


def test_apply_and_destroy_list_what_uses_them(world: World) -> None:
    root = str(world.root)
    # destroy: every object goes; only the stack with pipelines on it is listed
    r = cli("destroy", "--env", "prod", "--platform", root)
    assert r.returncode == 1 and "prod is protected: nothing was changed" in r.stderr
    assert _radius_of(r.stdout) == EXPECTED, r.stdout
    assert len(_TIME.findall(r.stdout)) == 2  # each latest run with its time
    # the reviewed plan that retires the project deletes its stack: the same radius
    r = cli("plan", "--env", "prod", "--platform", root)
    assert r.returncode == 0 and "delete (3):" in r.stdout, r.stdout + r.stderr
    r = cli("apply", "--env", "prod", "--platform", root)
    assert r.returncode == 1 and "prod is protected" in r.stderr
    assert r.stdout.startswith("plan ") and "3 delete" in r.stdout.splitlines()[0]
    assert _radius_of(r.stdout) == EXPECTED, r.stdout
    assert world.client.list_all("/stacks", name=STACK)  # nothing was changed
    assert WIF_KEY not in r.stdout + r.stderr


def _blast_text(app: ZenMLApp) -> str:
    return str(app.screen.query_one("#blast", Static).render())


async def test_the_apply_dialog_lists_what_uses_them(world: World) -> None:
    app = ZenMLApp(world.root, "prod")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        await until(pilot, lambda: plan.model is not None, timeout=120)
        assert plan.model is not None and plan.model.counts["delete"] == 3
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmApply))
        await until(pilot, lambda: "what uses them on the server:" in _blast_text(app))
        shown = _blast_text(app)
        assert _radius_of(shown) == EXPECTED, shown
        assert WIF_KEY not in shown
        # the typed name of a protected environment is asked as before
        dialog = app.screen
        assert dialog.query_one("#yes").disabled
        dialog.query_one("#typed", Input).value = "prod"
        await pilot.pause(0.1)
        assert not dialog.query_one("#yes").disabled
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmApply))
        assert plan.run is not None and plan.run.applied_by is None

        # a server that stops answering: checking..., then one line; the apply stays possible
        world.proxy.hung.set()
        try:
            await pilot.press("f6")
            await until(pilot, lambda: isinstance(app.screen, ConfirmApply))
            assert "checking what uses them" in _blast_text(app)
            await until(pilot, lambda: "could not check" in _blast_text(app), timeout=30)
            shown = _blast_text(app)
            assert shown.startswith("could not check what uses them: ")
            assert "did not answer within 5 s" in shown and "\n" not in shown
            app.screen.query_one("#typed", Input).value = "prod"
            await pilot.pause(0.1)
            assert not app.screen.query_one("#yes").disabled
            await pilot.press("escape")
        finally:
            world.proxy.hung.clear()


def test_a_connector_verified_through_the_cli(world: World) -> None:
    root = str(world.root)
    client = world.client
    for name, extra in (("blast-docker", {}), ("blast-docker-old", {"expires_at": "2020-01-01"})):
        client.post(
            "/service_connectors",
            {
                "name": name,
                "connector_type": "docker",
                "auth_method": "password",
                "configuration": {
                    "username": "ci",
                    "password": "BLAST-DOCKER-PW-9c1f",
                    "registry": "registry.blast.test",
                },
                **extra,
            },
        )
    # the platform's own GCP connector: the local server has no GCP implementation, and
    # says so; that is its answer
    r = cli("connector", "verify", "--env", "prod", "prod-base-connector", "--platform", root)
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("prod-base-connector: invalid: NotImplementedError: Service ")
    assert "connector type gcp is not available locally" in r.stdout
    r = cli("connector", "verify", "--env", "prod", "blast-docker", "--platform", root)
    assert (r.returncode, r.stdout) == (
        0,
        "blast-docker: valid (docker-registry: registry.blast.test)\n",
    )
    r = cli("connector", "verify", "--env", "prod", "blast-docker-old", "--platform", root)
    assert r.returncode == 1
    assert (
        r.stdout
        == "blast-docker-old: invalid: the connector's authentication credentials have expired.\n"
    )
    r = cli("connector", "verify", "--env", "prod", "no-such", "--platform", root)
    assert r.returncode == 1 and "no service connector 'no-such'" in r.stderr
    r = cli("status", "--env", "prod", "--platform", root)
    rows = {ln.split()[1]: ln for ln in r.stdout.splitlines() if ln.startswith("  connector")}
    assert rows["prod-base-connector"].endswith("managed  expires never")
    assert rows["blast-docker-old"].endswith("other    expires 2020-01-01 00:00 UTC (expired)")
    for secret in (WIF_KEY, "BLAST-DOCKER-PW-9c1f"):
        assert secret not in r.stdout


async def test_a_connector_verified_in_the_server_tab(world: World) -> None:
    app = ZenMLApp(world.root, "prod")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.ready)
        await pilot.press("4")
        table = app.query_one("#objects", DataTable)

        def row_of(name: str) -> int | None:
            for i in range(table.row_count):
                if str(table.get_row_at(i)[1]) == name:
                    return i
            return None

        await until(pilot, lambda: row_of("prod-base-connector") is not None)
        expires = [str(c.label) for c in table.ordered_columns].index("expires")
        verdict = app.query_one("#server-verify", Static)
        for name, answer in (
            ("prod-base-connector", "invalid: NotImplementedError: Service connector type gcp"),
            ("blast-docker", "valid (docker-registry: registry.blast.test)"),
        ):
            row = row_of(name)
            assert row is not None
            assert str(table.get_row_at(row)[expires]) == "never"
            table.move_cursor(row=row)
            await pilot.press("v")
            await until(
                pilot, lambda n=name, a=answer: f"connector {n}: {a}" in str(verdict.render())
            )
            assert WIF_KEY not in str(verdict.render())
        old = row_of("blast-docker-old")
        assert old is not None
        assert str(table.get_row_at(old)[expires]) == "2020-01-01 00:00 UTC (expired)"
        # a row that is no connector: the key says what it is for
        stack = row_of("prod-base-stack")
        assert stack is not None
        table.move_cursor(row=stack)
        await pilot.press("v")
        await until(pilot, lambda: "select a connector's row" in str(verdict.render()))
