"""Drift traced back to its layer and repaired, and objects made by hand adopted, on a
copy of the example platform with its own local ZenML server, the bundled provider and
real Terraform: labels edited through the REST API, `status` naming the layer value
that owns each, "accept" writing the server's value into that layer (the next plan is
empty), "restore" planning the layer's value back (the server has it again after the
apply); a stack and its components registered through the REST API for a second,
small platform on the same server, adopted with `zenml-tui adopt` (the layer YAML that
describes them, import blocks kept for the next plan), planned as imports and nothing
else, applied, and planned again with no change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import cli, write_platform
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


HANDMADE = {
    "platform.yaml": """\
        platform: handmade
        stack_version: "0.1.0"
        cloud: local
        environments:
          lab:
            workspace: lab
            server:
              url: SERVER_URL
              api_key_env: HANDMADE_API_KEY
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


def by_hand(client) -> dict[str, str]:
    """A stack and its components registered the way someone would in the dashboard."""
    ids = {}
    for name, ctype, config, labels in (
        ("lab-artifact-store", "artifact_store", {"path": "/tmp/by-hand/artifacts"},
         {"owner": "ml-team"}),
        ("lab-orchestrator", "orchestrator", {}, {}),
        ("lab-image-builder", "image_builder", {}, {}),
        ("my-orchestrator", "orchestrator", {}, {}),
    ):  # fmt: skip
        body = {"name": name, "type": ctype, "flavor": "local", "configuration": config,
                "labels": labels}  # fmt: skip
        ids[name] = client.post("/components", body)["id"]
    stack = {
        "name": "lab-base-stack",
        "components": {
            t: [ids[f"lab-{t.replace('_', '-')}"]]
            for t in ("artifact_store", "orchestrator", "image_builder")
        },
        "labels": {"made": "by-hand"},
    }
    ids["lab-base-stack"] = client.post("/stacks", stack)["id"]
    return ids


def test_a_stack_made_by_hand_is_adopted_with_only_imports(
    platform: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = local_server(open_session(platform))  # the example's: one server for both
    client = server.client()
    given = server.environment()
    monkeypatch.setenv("HANDMADE_API_KEY", given["ZENML_API_KEY"])
    files = dict(HANDMADE)
    url = given["ZENML_SERVER_URL"]
    files["platform.yaml"] = files["platform.yaml"].replace("SERVER_URL", url)
    root = write_platform(tmp_path / "handmade", files)
    ids = by_hand(client)

    r = cli("adopt", "--env", "lab", "--platform", str(root))
    assert r.returncode == 0, r.stderr
    rows = {x.split()[1]: x for x in r.stdout.splitlines() if x.startswith("  ")}
    assert rows["lab-base-stack"].split()[2] == "module.base.zenml_stack.base"
    assert 'module.base.zenml_stack_component.base["image_builder"]' in rows["lab-image-builder"]
    assert "not adoptable: 'my-orchestrator' fits no slot of lab" in rows["my-orchestrator"]
    assert "named lab-orchestrator" in rows["my-orchestrator"]
    assert "not adoptable" in rows["default"]  # ZenML's own default stack

    r = cli("adopt", "--env", "lab", "stack", "lab-base-stack", "--platform", str(root))
    assert r.returncode == 0, r.stderr
    assert "+++ b/layers/env/lab.yaml" in r.stdout
    assert "lab-base-stack's own labels (made) go with the import" in r.stdout
    env_layer = root / "layers" / "env" / "lab.yaml"
    assert not env_layer.exists()  # nothing written without --yes
    r = cli("adopt", "--env", "lab", "stack", "lab-base-stack", "--yes",
            "--platform", str(root))  # fmt: skip
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
    assert (root / "layers" / "base.yaml").read_text().startswith("# the base layer")
    pending = root / ".zenml-tui" / "adoptions" / "lab.json"
    assert {o["id"] for o in json.loads(pending.read_text())} == {
        ids[n]
        for n in ("lab-base-stack", "lab-artifact-store", "lab-orchestrator",
                  "lab-image-builder")
    }  # fmt: skip

    # the plan imports the four and changes nothing else (the platform's labels added)
    r = cli("plan", "--env", "lab", "--json", "--platform", str(root))
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
    r = cli("plan", "--env", "lab", "--platform", str(root))
    assert "4 to import, 0 to create, 0 to update, 0 to replace, 0 to delete" in r.stdout

    r = cli("apply", "--env", "lab", "--yes", "--platform", str(root))
    assert r.returncode == 0, r.stdout + r.stderr
    assert not pending.exists()  # the apply imported them: nothing left to adopt
    r = cli("plan", "--env", "lab", "--detailed-exitcode", "--json", "--platform", str(root))
    assert r.returncode == 0, r.stdout + r.stderr
    again = json.loads(r.stdout)
    assert again["changes"] == [] and again["drift"] == []
    stack = client.get(f"/stacks/{ids['lab-base-stack']}", hydrate="true")
    assert stack["metadata"]["labels"]["platform"] == "handmade"  # managed now
    store = client.get(f"/components/{ids['lab-artifact-store']}", hydrate="true")
    assert store["metadata"]["configuration"]["path"] == "/tmp/by-hand/artifacts"
    assert store["metadata"]["labels"]["owner"] == "ml-team"
    r = cli("status", "--env", "lab", "--detailed-exitcode", "--platform", str(root))
    assert r.returncode == 0, r.stdout
