"""Drift traced back to its layer and repaired, on a copy of the example platform with its
own local ZenML server, the bundled provider and real Terraform: labels edited through
the REST API, `status` naming the layer value that owns each, "accept" writing the
server's value into that layer (the next plan is empty), "restore" planning the layer's
value back (the server has it again after the apply)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import cli
from tests.integration.test_e2e_platform import FAKE_SECRETS
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session

TRACKER = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
STORE = 'module.project["fraud_detection"].zenml_stack_component.artifact_store'


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from zenml_tui.bundled import example_platform

    root = tmp_path_factory.mktemp("drift") / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ({**FAKE_SECRETS, **terraform_environment(root.parent)})
    try:
        r = cli("plan", "--env", "local", "--platform", str(root))
        assert r.returncode == 0, r.stderr
        r = cli("apply", "--env", "local", "--yes", "--platform", str(root))
        assert r.returncode == 0, r.stdout + r.stderr
        yield root
    finally:
        local_server(open_session(root)).down()
        restore_environ(saved)


def component(platform: Path, name: str) -> dict:
    client = local_server(open_session(platform)).client()
    (found,) = client.list_all("/components", name=name)
    return client.get(f"/components/{found['id']}", hydrate="true")


def relabel(platform: Path, name: str, **changes: str | None) -> None:
    """Change labels of a component on the server, behind Terraform's back."""
    client = local_server(open_session(platform)).client()
    full = component(platform, name)
    labels = {**full["metadata"]["labels"], **changes}
    client.put(f"/components/{full['id']}", {"labels": {k: v for k, v in labels.items() if v}})


def plan_json(platform: Path) -> dict:
    r = cli("plan", "--env", "local", "--json", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_accept_writes_the_servers_value_into_the_owning_layer(platform: Path) -> None:
    layer = platform / "layers" / "team" / "training.yaml"
    original = layer.read_text()
    line = next(i for i, x in enumerate(original.splitlines(), 1) if "purpose: experiments" in x)
    relabel(platform, "local-training-experiment-tracker", purpose="research", owner="alice")

    r = cli("status", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    assert r.returncode == 2, r.stderr
    out = r.stdout
    assert "changed on the server: labels.owner, labels.purpose" in out
    assert '      labels.purpose: "experiments" in the state, "research" on the server' in out
    assert f"        owned by team:training layers/team/training.yaml:{line}:16" in out
    assert '      labels.owner: (none) in the state, "alice" on the server' in out
    assert "        owned by no layer sets labels.owner in local/training" in out
    assert f"--accept '{TRACKER}' labels.purpose" in out
    data = json.loads(cli("status", "--env", "local", "--json", "--platform", str(platform)).stdout)
    (tracker,) = [o for o in data["objects"] if o["address"] == TRACKER]
    purpose = next(c for c in tracker["changes"] if c["attribute"] == "labels.purpose")
    assert purpose["origin"]["file"] == str(layer) and purpose["origin"]["line"] == line

    # the edit as a diff: nothing written yet
    r = cli("status", "--env", "local", "--accept", TRACKER, "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    assert (
        "-      purpose: experiments\n+      purpose: research\n+      owner: alice\n" in r.stdout
    )
    assert "--- a/layers/team/training.yaml" in r.stdout
    assert "team:training applies in every environment" in r.stdout
    assert layer.read_text() == original

    r = cli("status", "--env", "local", "--accept", TRACKER, "--write", "--platform", str(platform))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "wrote layers/team/training.yaml" in r.stdout
    edited = layer.read_text()
    assert edited == original.replace(
        "purpose: experiments\n", "purpose: research\n      owner: alice\n"
    )  # the comments and the rest of the layer as they were
    # state, server and layers agree: no drift, an empty plan
    r = cli("status", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    assert r.returncode == 0, r.stdout
    model = plan_json(platform)
    assert model["changes"] == [] and model["drift"] == []
    assert (
        component(platform, "local-training-experiment-tracker")["metadata"]["labels"]["owner"]
        == "alice"
    )


def test_what_the_module_makes_cannot_be_accepted(platform: Path) -> None:
    relabel(platform, "local-artifact-store", managed_by="by-hand")
    r = cli("status", "--env", "local", "--platform", str(platform))
    assert "        owned by added by the module from platform.yaml (managed_by)" in r.stdout
    assert "accept: no, added by the module from platform.yaml (managed_by), not by a layer" in (
        r.stdout
    )
    address = 'module.base.zenml_stack_component.base["artifact_store"]'
    r = cli("status", "--env", "local", "--accept", address, "--platform", str(platform))
    assert r.returncode == 1
    assert "nothing of" in r.stderr and "restore it" in r.stderr


def test_restore_plans_the_layers_value_back(platform: Path) -> None:
    layer = (platform / "layers" / "project" / "fraud_detection.yaml").read_text().splitlines()
    line = next(i for i, x in enumerate(layer, 1) if "data_classification" in x)
    relabel(platform, "local-fraud-detection-artifact-store", data_classification="public")
    r = cli("status", "--env", "local", "--platform", str(platform))
    where = f"owned by project:fraud_detection layers/project/fraud_detection.yaml:{line}:28"
    assert where in r.stdout, r.stdout
    assert "restore what drifted: zenml-tui plan --env local" in r.stdout
    model = plan_json(platform)
    updates = {c["address"] for c in model["changes"] if c["action"] == "update"}
    assert STORE in updates
    assert STORE in {d["address"] for d in model["drift"]}
    r = cli("apply", "--env", "local", "--yes", "--platform", str(platform))
    assert r.returncode == 0, r.stdout + r.stderr
    labels = component(platform, "local-fraud-detection-artifact-store")["metadata"]["labels"]
    assert labels["data_classification"] == "confidential"
    assert component(platform, "local-artifact-store")["metadata"]["labels"]["managed_by"] == (
        "terraform"
    )
    r = cli("status", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    assert r.returncode == 0, r.stdout
