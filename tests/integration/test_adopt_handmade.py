"""Adopting what was made by hand: a stack and its components registered through the REST
API on the platform's own local ZenML server, adopted with `zenml-tui adopt` (the layer
YAML that describes them, import blocks kept for the next plan), planned as imports and
nothing else, applied, and planned again with no change. Real Terraform, the bundled
provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, write_platform
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session

PLATFORM = {
    "platform.yaml": """\
        platform: handmade
        stack_version: "0.1.0"
        cloud: local
        environments:
          local:
            workspace: local
            server: local
            provider: bundled
        """,
    "layers/base.yaml": """\
        # the base layer: what the platform team wrote
        location: here
        labels:
          managed_by: terraform
        components:
          artifact_store:
            flavor: local
            configuration:
              path: /tmp/zenml-tui-handmade/artifacts  # the default place
          orchestrator:
            flavor: local
        """,
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = write_platform(tmp_path_factory.mktemp("handmade") / "platform", PLATFORM)
    saved = set_environ(terraform_environment(root.parent))
    try:
        yield root
    finally:
        local_server(open_session(root)).down()
        restore_environ(saved)


def by_hand(platform: Path) -> dict[str, str]:
    """A stack and its components registered the way someone would in the dashboard."""
    client = local_server(open_session(platform)).client()
    ids = {}
    for name, ctype, config, labels in (
        ("local-artifact-store", "artifact_store", {"path": "/tmp/by-hand/artifacts"},
         {"owner": "ml-team"}),
        ("local-orchestrator", "orchestrator", {}, {}),
        ("local-image-builder", "image_builder", {}, {}),
        ("my-orchestrator", "orchestrator", {}, {}),
    ):  # fmt: skip
        body = {"name": name, "type": ctype, "flavor": "local", "configuration": config,
                "labels": labels}  # fmt: skip
        ids[name] = client.post("/components", body)["id"]
    stack = {
        "name": "local-base-stack",
        "components": {
            t: [ids[f"local-{t.replace('_', '-')}"]]
            for t in ("artifact_store", "orchestrator", "image_builder")
        },
        "labels": {"made": "by-hand"},
    }
    ids["local-base-stack"] = client.post("/stacks", stack)["id"]
    return ids


def test_a_stack_made_by_hand_is_adopted_with_only_imports(platform: Path) -> None:
    r = cli("server", "up", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    ids = by_hand(platform)

    r = cli("adopt", "--env", "local", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    rows = {x.split()[1]: x for x in r.stdout.splitlines() if x.startswith("  ")}
    assert rows["local-base-stack"].split()[2] == "module.base.zenml_stack.base"
    assert 'module.base.zenml_stack_component.base["image_builder"]' in rows["local-image-builder"]
    assert "not adoptable: 'my-orchestrator' fits no slot of local" in rows["my-orchestrator"]
    assert "named local-orchestrator" in rows["my-orchestrator"]
    assert "not adoptable" in rows["default"]  # ZenML's own default stack

    r = cli("adopt", "--env", "local", "stack", "local-base-stack", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    assert "+++ b/layers/env/local.yaml" in r.stdout
    assert "local-base-stack's own labels (made) go with the import" in r.stdout
    env_layer = platform / "layers" / "env" / "local.yaml"
    assert not env_layer.exists()  # nothing written without --yes
    r = cli("adopt", "--env", "local", "stack", "local-base-stack", "--yes",
            "--platform", str(platform))  # fmt: skip
    assert r.returncode == 0, r.stderr
    # the environment's layer describes what differs from the base layer, which is kept
    assert env_layer.read_text() == (
        "components:\n"
        "  artifact_store:\n"
        "    configuration:\n"
        "      path: /tmp/by-hand/artifacts\n"
        "    labels:\n"
        "      owner: ml-team\n"
        "  image_builder:\n"
        "    flavor: local\n"
    )
    assert (platform / "layers" / "base.yaml").read_text().startswith("# the base layer")
    pending = platform / ".zenml-tui" / "adoptions" / "local.json"
    assert {o["id"] for o in json.loads(pending.read_text())} == {
        ids[n]
        for n in ("local-base-stack", "local-artifact-store", "local-orchestrator",
                  "local-image-builder")
    }  # fmt: skip

    # the plan imports the four and changes nothing else (the platform's labels added)
    r = cli("plan", "--env", "local", "--json", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    model = json.loads(r.stdout)
    assert model["counts"]["import"] == 4
    assert {a: n for a, n in model["counts"].items() if n and a != "import"} == {}
    # registered with no configuration: null in the imported state against the module's
    # {}, which ZenML holds as one (the apply writes it to the state alone)
    base = "module.base.zenml_stack_component.base"
    empty = {f'{base}["orchestrator"]', f'{base}["image_builder"]'}
    for change in model["changes"]:
        assert change["action"] == "import", change
        # the labels the modules add, and the time ZenML records for that update
        allowed = {"labels", "updated"} | (
            {"configuration"} if change["address"] in empty else set()
        )
        assert {a["path"].split(".")[0] for a in change["attributes"]} <= allowed, change
    r = cli("plan", "--env", "local", "--platform", str(platform))
    assert "4 to import, 0 to create, 0 to update, 0 to replace, 0 to delete" in r.stdout

    r = cli("apply", "--env", "local", "--yes", "--platform", str(platform))
    assert r.returncode == 0, r.stdout + r.stderr
    assert not pending.exists()  # the apply imported them: nothing left to adopt
    r = cli("plan", "--env", "local", "--detailed-exitcode", "--json", "--platform", str(platform))
    assert r.returncode == 0, r.stdout + r.stderr
    again = json.loads(r.stdout)
    assert again["changes"] == [] and again["drift"] == []
    client = local_server(open_session(platform)).client()
    stack = client.get(f"/stacks/{ids['local-base-stack']}", hydrate="true")
    assert stack["metadata"]["labels"]["platform"] == "handmade"  # managed now
    store = client.get(f"/components/{ids['local-artifact-store']}", hydrate="true")
    assert store["metadata"]["configuration"]["path"] == "/tmp/by-hand/artifacts"
    assert store["metadata"]["labels"]["owner"] == "ml-team"
    r = cli("status", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    assert r.returncode == 0, r.stdout
