"""An environment's state backend: what platform.yaml may say, what a run passes to
Terraform (and what it never writes down). The backends themselves run in
integration/test_backends.py."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MINIMAL_PLATFORM
from zenml_tui.platform.backends import every_secret_variable, resolve
from zenml_tui.platform.definition import load_platform
from zenml_tui.terraform.workdir import Workdir


def _with_backend(make_platform, backend: str) -> Path:
    text = MINIMAL_PLATFORM.replace("    workspace: dev\n", "    workspace: dev\n" + backend, 1)
    return make_platform({"platform.yaml": text})


def _problems(root: Path) -> list[tuple[str, int, int]]:
    _, errors = load_platform(root)
    return [(e.message, e.line, e.col) for e in errors]


def test_a_pg_backend_with_its_credential_as_a_secret_is_valid(make_platform) -> None:
    root = _with_backend(
        make_platform,
        "    backend:\n      type: pg\n      config:\n        conn_str: ${secret:SA_JSON}\n",
    )
    platform, errors = load_platform(root)
    assert errors == [] and platform is not None
    backend = platform.spec.environments["dev"].backend
    assert backend.type == "pg" and backend.config == {"conn_str": "${secret:SA_JSON}"}
    assert platform.spec.environments["prod"].backend.type == "local"


def test_what_a_backend_may_not_say_is_located(make_platform) -> None:
    cases = {
        # a credential in a key the backend only reads from its (written) configuration
        "    backend:\n      type: gcs\n      config:\n        bucket: ${secret:SA_JSON}\n": (
            "environments.dev.backend: a gcs backend reads 'bucket' only from its "
            "configuration, which Terraform writes to disk: it cannot hold a secret (keys "
            "that can: credentials, access_token, encryption_key)",
            13,
            9,
        ),
        "    backend:\n      type: pg\n      config:\n        conn_str: ${secret:NOPE}\n": (
            "environments.dev.backend: secret 'NOPE' is not declared under secrets:",
            13,
            9,
        ),
        "    backend:\n      type: s3\n      config:\n        bucket: b\n": (
            "environments.dev.backend: a s3 backend needs 'region'",
            10,
            5,
        ),
        "    backend:\n      type: local\n      config:\n        path: x\n": (
            "environments.dev.backend: the local backend takes no configuration: zenml-tui "
            "keeps its state",
            10,
            5,
        ),
        "    backend:\n      type: pg\n      config:\n        conn_str: x${secret:SA_JSON}\n": (
            "environments.dev.backend: 'conn_str' must be a whole ${secret:NAME} reference "
            "or plain text",
            13,
            9,
        ),
    }
    for backend, want in cases.items():
        assert _problems(_with_backend(make_platform, backend)) == [want], backend


def test_an_unknown_backend_type_is_refused(make_platform) -> None:
    root = _with_backend(make_platform, "    backend:\n      type: consul\n")
    ((message, line, _),) = _problems(root)
    assert "'gcs'" in message and "'pg'" in message and line == 11


def test_a_run_passes_the_configuration_and_the_secret_apart() -> None:
    run = resolve(
        "pg",
        {"conn_str": "${secret:PG}", "schema_name": "mine"},
        "acme-ml",
        "registration",
        {"PG": "postgres://u:p@h/db"},
    )
    assert run.args == {"schema_name": "mine"}  # what -backend-config gets: no secret
    assert run.env == {"PG_CONN_STR": "postgres://u:p@h/db"}
    gcs = resolve("gcs", {"bucket": "b"}, "acme-ml", "infrastructure", {})
    assert gcs.args == {"prefix": "zenml-tui/acme-ml/infrastructure", "bucket": "b"}
    assert gcs.key != resolve("gcs", {"bucket": "c"}, "acme-ml", "infrastructure", {}).key
    # the key names the state, not the credential: a new token is the same state
    assert (
        run.key
        == resolve(
            "pg",
            {"conn_str": "${secret:PG}", "schema_name": "mine"},
            "acme-ml",
            "registration",
            {"PG": "other"},
        ).key
    )


def test_terraform_gets_only_its_own_backend_credential(tmp_path: Path, monkeypatch) -> None:
    from zenml_tui.terraform.engines import make_engine

    monkeypatch.setenv("PG_CONN_STR", "postgres://someone-else")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-terraform")
    run = resolve("pg", {"conn_str": "${secret:PG}"}, "acme-ml", "registration", {"PG": "mine"})
    wd = Workdir(tmp_path, "bundled", make_engine(None), tmp_path / "modules", run)
    env = wd.environment()
    assert env["PG_CONN_STR"] == "mine"
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["TF_DATA_DIR"].endswith(f"data/{run.key}")
    assert {"PG_CONN_STR", "AWS_SECRET_ACCESS_KEY"} <= every_secret_variable()
    local = Workdir(tmp_path, "bundled", make_engine(None), tmp_path / "modules")
    assert "PG_CONN_STR" not in local.environment() and "TF_DATA_DIR" not in local.environment()


def test_a_backend_is_described_without_any_credential() -> None:
    """What migrate-state and the refusal show: a secret as its reference, a credential
    written in plain text (which validate cannot tell) hidden, the defaults filled in."""
    from zenml_tui.platform.backends import describe

    shown = describe(
        "pg", {"conn_str": "postgres://u:pw-123@db/x"}, "acme-ml", "registration", "dev"
    )
    assert (
        shown == "pg (conn_str=«hidden», schema_name=zenml_tui_acme_ml_registration), workspace dev"
    )
    shown = describe(
        "gcs", {"bucket": "b", "access_token": "${secret:TOKEN}"}, "acme-ml", "registration", "dev"
    )
    assert "access_token=«secret:TOKEN»" in shown and "bucket=b" in shown
    assert describe("local", {}, "acme-ml", "registration", "dev") == (
        "local (.zenml-tui/state/dev/terraform.tfstate)"
    )


def test_a_protected_environment_migrates_its_state_only_with_its_name_typed(
    make_platform,
) -> None:
    """migrate-state of a protected environment without its typed name changes nothing
    and says how (before any Terraform runs)."""
    import asyncio

    import pytest

    from zenml_tui.errors import Kind, ZenMLTUIError
    from zenml_tui.ops import plans
    from zenml_tui.ops.session import open_session

    session = open_session(make_platform())
    with pytest.raises(ZenMLTUIError) as refused:
        asyncio.run(plans.migrate_state(session, "prod", confirm_env="prd"))
    assert refused.value.kind is Kind.NOT_CONFIRMED
    assert "--confirm-env prod" in refused.value.hint
    assert not (session.platform.state_dir / "terraform").exists()


def test_the_backend_record_holds_no_secret_value(tmp_path: Path) -> None:
    """`.zenml-tui/backends.json`: the configuration as platform.yaml writes it (0600); a
    record that cannot be read is no record."""
    from zenml_tui.ops import statehome

    used = statehome.UsedBackend("pg", {"conn_str": "${secret:PG}"}, "pg-abc")
    statehome.record(tmp_path, "dev", used)
    assert statehome.last_used(tmp_path, "dev") == used
    assert (tmp_path / "backends.json").stat().st_mode & 0o777 == 0o600
    (tmp_path / "backends.json").write_text("{not json")
    assert statehome.last_used(tmp_path, "dev") is None
    assert statehome.resource_count("") == 0
    assert statehome.resource_count('{"resources": [{"instances": [{}, {}]}]}') == 2
    assert statehome.resource_count("garbage") == 1  # never taken for an empty state
