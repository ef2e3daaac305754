"""The bundled example mirrors the seed guide and is valid ZenML (see the provider
reference's list of where the seed is not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli
from zenml_tui.bundled import example_platform
from zenml_tui.ops.config import merge_scope, tfvars, validate
from zenml_tui.ops.session import open_session

ENVS = ("local", "dev", "staging", "prod")


@pytest.fixture(scope="module")
def session():
    return open_session(example_platform())


def comps(session, env: str, team: str | None = None, project: str | None = None) -> dict:
    r = merge_scope(session, env, team, project)
    assert r.errors == []
    return r.plain()["components"]


def test_example_is_the_default_platform(tmp_path: Path) -> None:
    r = cli("validate", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("acme-ml:")


def test_example_validates_clean(session) -> None:
    assert validate(session) == []


def test_environments_and_their_settings(session) -> None:
    spec = session.platform.spec
    assert tuple(spec.environments) == ENVS
    assert [e.workspace for e in spec.environments.values()] == list(ENVS)
    assert [n for n, e in spec.environments.items() if e.protected] == ["prod"]
    assert {e.provider for e in spec.environments.values()} == {"bundled"}
    assert {e.server for e in spec.environments.values()} == {"local"}


def test_local_uses_local_flavors_and_no_cloud_auth(session) -> None:
    r = merge_scope(session, "local", "training")
    assert r.errors == []
    c = r.plain()["components"]
    assert c["artifact_store"]["flavor"] == "local" and c["orchestrator"]["flavor"] == "local"
    assert "step_operator" not in c and "container_registry" not in c
    assert "connector" not in r.plain()


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_cloud_environments_use_gcp_flavors(session, env: str) -> None:
    c = comps(session, env, "training")
    assert {t: v["flavor"] for t, v in c.items()} == {
        "artifact_store": "gcp",
        "container_registry": "gcp",
        "orchestrator": "vertex",
        "step_operator": "vertex",
        "experiment_tracker": "mlflow",
    }


def test_auth_methods_per_environment(session) -> None:
    def connector(env: str) -> dict:
        return merge_scope(session, env).plain()["connector"]

    assert connector("dev")["auth_method"] == "service-account"
    assert connector("dev")["configuration"]["service_account_json"] == "«secret:GCP_DEV_SA_JSON»"
    assert connector("prod")["auth_method"] == "external-account"
    assert (
        connector("prod")["configuration"]["external_account_json"]
        == "«secret:GCP_PROD_WIF_CONFIG»"
    )


def test_training_machines_dev_small_no_gpu_prod_large_with_gpu(session) -> None:
    dev = comps(session, "dev", "training")["step_operator"]["configuration"]
    prod = comps(session, "prod", "training")["step_operator"]["configuration"]
    assert dev["machine_type"] == "n1-standard-4" and "accelerator_count" not in dev
    assert prod["machine_type"] == "n1-standard-8" and prod["accelerator_count"] >= 1
    assert prod["accelerator_type"].startswith("NVIDIA_")


def test_base_sets_the_location(session) -> None:
    r = merge_scope(session, "prod")
    chain = r.node(("location",)).prov.chain()
    assert [p.layer for p in chain] == ["base"]


def test_project_artifact_stores_are_isolated(session) -> None:
    for env in ENVS:
        for project in ("fraud_detection", "recommendation"):
            path = comps(session, env, project=project)["artifact_store"]["configuration"]["path"]
            assert path.endswith(f"/projects/{project}/{env}")
            if env != "local":
                assert path.startswith("gs://acme-ml-zenml-artifacts/")


def test_common_labels(session) -> None:
    for env in ENVS:
        labels = merge_scope(session, env).plain()["labels"]
        assert labels == {"version": "1.2.0", "managed_by": "terraform", "environment": env}


def test_teams_and_their_needs(session) -> None:
    teams = session.platform.spec.teams
    assert set(teams) == {"training", "serving"}
    assert {"orchestrator", "experiment_tracker"} <= set(teams["training"].components)
    assert session.platform.spec.projects["fraud_detection"].team == "training"
    assert session.platform.spec.projects["recommendation"].team == "serving"


def test_no_invalid_seed_settings_reach_zenml(session) -> None:
    """The vertex orchestrator rejects machine_type and gpu_enabled; there is no
    workload-identity auth method."""
    for env in ENVS:
        data, errors = tfvars(session, env)
        assert errors == []
        stacks = [data["components"], *(t["components"] for t in data["teams"].values())]
        for components in stacks:
            orch = components.get("orchestrator", {})
            if orch.get("flavor") == "vertex":
                assert not {"machine_type", "gpu_enabled"} & set(orch.get("configuration", {}))
        assert (data.get("connector") or {}).get("auth_method") != "workload-identity"


def test_credentials_appear_only_as_secret_references() -> None:
    import re

    for f in sorted(example_platform().rglob("*.yaml")):
        for line in f.read_text().splitlines():
            m = re.match(r"\s*(\w*(json|token|password|secret)\w*):\s*(\S.*)$", line)
            if m and not line.strip().startswith("#") and m.group(1) != "secrets":
                assert m.group(3).startswith("${secret:"), f"{f.name}: {line}"
