"""Component configuration against the flavor schemas a real ZenML server reports."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from zenml_tui.bundled import example_platform
from zenml_tui.errors import Code, Kind, ZenMLTUIError
from zenml_tui.ops import plans
from zenml_tui.ops.session import open_session
from zenml_tui.platform.flavorcheck import check_environment
from zenml_tui.server.flavors import cache_path, cached, fetch


@pytest.fixture
def remote_platform(tmp_path: Path, zenml_server, monkeypatch) -> Path:
    """The example, with dev pointed at the test server as a remote server."""
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    env = zenml_server.environment()
    monkeypatch.setenv("ACME_TEST_ZENML_KEY", env["ZENML_API_KEY"])
    text = (root / "platform.yaml").read_text()
    text = text.replace(
        "  dev:\n    workspace: dev\n    server: local\n",
        f"  dev:\n    workspace: dev\n    server:\n      url: {env['ZENML_SERVER_URL']}\n"
        "      api_key_env: ACME_TEST_ZENML_KEY\n",
    )
    (root / "platform.yaml").write_text(text)
    return root


def typo(root: Path, layer: str, old: str, new: str) -> None:
    path = root / "layers" / layer
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_schemas_are_fetched_once_per_version_and_cached(zenml_server, tmp_path: Path) -> None:
    client = zenml_server.client()
    schemas = fetch(client, tmp_path)
    assert cache_path(tmp_path, "0.98.0").is_file()
    assert "machine_type" not in schemas["orchestrator"]["vertex"]["properties"]
    assert "machine_type" in schemas["step_operator"]["vertex"]["properties"]
    assert schemas["artifact_store"]["gcp"]["required"] == ["path"]
    assert cached(tmp_path) == schemas == fetch(client, tmp_path)


def test_typos_are_located_in_the_layer_that_set_them(remote_platform: Path, zenml_server) -> None:
    typo(
        remote_platform,
        "env/dev.yaml",
        "      machine_type: n1-standard-4",
        "      machine_typ: n1-standard-4",
    )
    typo(
        remote_platform,
        "team/training.yaml",
        "        memory_limit: 16G",
        "        memory_limimt: 16G",
    )
    typo(remote_platform, "base.yaml", "      synchronous: true", "      synchronous: maybe")
    typo(
        remote_platform,
        "env/dev.yaml",
        "components:\n",
        "components:\n  container_registry:\n    configuration: !replace {}\n",
    )
    session = open_session(remote_platform)
    schemas = fetch(zenml_server.client(), remote_platform / ".zenml-tui" / "cache")
    errors = check_environment(session.layering, "dev", schemas)
    got = {(e.code, Path(e.file).name, e.path): e for e in errors}
    key = got[(Code.UNKNOWN_KEY, "dev.yaml", "components.step_operator.configuration.machine_typ")]
    assert key.hint == "did you mean 'machine_type'?" and key.line == 12
    limit = got[
        (
            Code.UNKNOWN_KEY,
            "training.yaml",
            "components.orchestrator.by_flavor.vertex.memory_limimt",
        )
    ]
    assert limit.hint == "did you mean 'memory_limit'?"
    assert (
        Code.WRONG_TYPE,
        "base.yaml",
        "components.orchestrator.configuration.synchronous",
    ) in got
    assert (
        Code.MISSING_FIELD,
        "dev.yaml",
        "components.container_registry.configuration.uri",
    ) in got


def test_value_shapes_are_checked_as_the_server_will(remote_platform: Path, zenml_server) -> None:
    """A tuple of two strings given three (as a JSON string and as a YAML list): the
    server would answer HTTP 422; the check says so first, located. Two is fine."""
    typo(
        remote_platform,
        "env/dev.yaml",
        "components:\n",
        "components:\n  orchestrator:\n    configuration:\n"
        '      node_selector_constraint: \'["gpu", "t4", "extra"]\'\n',
    )
    typo(
        remote_platform,
        "team/training.yaml",
        "        memory_limit: 16G",
        "        memory_limit: 16G\n        node_selector_constraint: [a, b, c]",
    )
    session = open_session(remote_platform)
    schemas = fetch(zenml_server.client(), remote_platform / ".zenml-tui" / "cache")
    errors = check_environment(session.layering, "dev", schemas)
    shapes = [e for e in errors if "node_selector_constraint" in e.path]
    assert {(Path(e.file).name, e.code) for e in shapes} == {
        ("dev.yaml", Code.WRONG_TYPE),
        ("training.yaml", Code.WRONG_TYPE),
    }
    assert all("exactly 2 items are expected, not 3" in e.message for e in shapes)
    dev = next(e for e in shapes if Path(e.file).name == "dev.yaml")
    assert dev.line == 10 and dev.col == 33
    typo(remote_platform, "env/dev.yaml", '"t4", "extra"', '"t4"')
    typo(remote_platform, "team/training.yaml", "[a, b, c]", "[a, b]")
    errors = check_environment(open_session(remote_platform).layering, "dev", schemas)
    assert not [e for e in errors if "node_selector_constraint" in e.path]


def test_a_plan_is_refused_while_flavor_errors_exist(remote_platform: Path, monkeypatch) -> None:
    monkeypatch.setenv("ACME_GCP_DEV_SA_JSON", '{"type": "service_account"}')
    monkeypatch.setenv("ACME_MLFLOW_TRACKING_TOKEN", "token-for-tests")
    typo(
        remote_platform,
        "base.yaml",
        "      synchronous: true",
        "      synchronous: true\n      machine_type: n1-standard-8",
    )
    session = open_session(remote_platform)
    with pytest.raises(ZenMLTUIError) as err:
        asyncio.run(plans.plan(session, "dev"))
    assert err.value.kind is Kind.CONFIG
    assert [(d.code, Path(d.file).name, d.path) for d in err.value.diagnostics] == [
        (Code.UNKNOWN_KEY, "base.yaml", "components.orchestrator.configuration.machine_type")
    ]
    assert not (remote_platform / ".zenml-tui" / "runs").exists()  # Terraform never ran

    # the cached schemas let `validate` catch it offline
    r = run_cli("validate", "--platform", str(remote_platform))
    assert r.returncode == 1
    assert "UNKNOWN_KEY the vertex orchestrator has no setting 'machine_type'" in r.stdout


def test_unknown_flavor_suggests_the_close_one(remote_platform: Path, zenml_server) -> None:
    typo(
        remote_platform,
        "base.yaml",
        "    flavor: vertex\n    configuration:\n      location",
        "    flavor: vertx\n    configuration:\n      location",
    )
    session = open_session(remote_platform)
    schemas = fetch(zenml_server.client(), remote_platform / ".zenml-tui" / "cache")
    errors = check_environment(session.layering, "dev", schemas)
    (flavor,) = [e for e in errors if e.path == "components.orchestrator.flavor"]
    assert flavor.code == Code.INVALID_VALUE and flavor.hint == "did you mean 'vertex'?"
