"""The headless commands: output format and exit codes (in this process; the first test
runs the real entry point in a child process)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import MINIMAL_BASE, cli, run_cli

LOC = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z_]+) ", re.M)


def test_validate_example_is_clean() -> None:
    r = run_cli("validate")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "acme-ml: 20 scopes in 4 environments are valid" in r.stdout


def test_render_scope_yaml_and_json() -> None:
    r = cli("render", "--env", "prod", "--project", "fraud_detection")
    assert r.returncode == 0, r.stderr
    assert "path: gs://acme-ml-zenml-artifacts/projects/fraud_detection/prod" in r.stdout
    assert "external_account_json: «secret:GCP_PROD_WIF_CONFIG»" in r.stdout
    r = cli("render", "--env", "dev", "--team", "training", "--format", "json")
    data = json.loads(r.stdout)
    assert data["components"]["step_operator"]["configuration"]["machine_type"] == "n1-standard-4"


def test_render_tfvars_is_deterministic_and_secret_free(tmp_path) -> None:
    secret_env = {
        "ACME_GCP_PROD_WIF_CONFIG": "WIF-VALUE-0123",
        "ACME_MLFLOW_TRACKING_TOKEN": "TOKEN-VALUE-4567",
    }
    out = tmp_path / "prod.tfvars.json"
    a = cli("render", "--env", "prod", "--tfvars", env=secret_env)
    b = cli("render", "--env", "prod", "--tfvars", "-o", str(out), env=secret_env)
    assert a.returncode == b.returncode == 0, a.stderr
    assert a.stdout == out.read_text()
    assert "WIF-VALUE" not in a.stdout and "TOKEN-VALUE" not in a.stdout
    data = json.loads(a.stdout)
    assert list(data) == sorted(data)
    assert (
        data["connector"]["configuration"]["external_account_json"]
        == "«secret:GCP_PROD_WIF_CONFIG»"
    )
    assert set(data["teams"]) == {"training", "serving"}
    assert data["projects"]["recommendation"]["artifact_store"]["configuration"]["path"] == (
        "gs://acme-ml-zenml-artifacts/projects/recommendation/prod"
    )


def test_explain_shows_the_chain_lowest_first() -> None:
    r = cli(
        "explain",
        "--env",
        "prod",
        "--team",
        "training",
        "components.step_operator.configuration.machine_type",
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == 'components.step_operator.configuration.machine_type = "n1-standard-8"'
    assert "base" in lines[2] and "layers/base.yaml" in lines[2] and "!required" in lines[2]
    assert "env:prod" in lines[3] and "layers/env/prod.yaml" in lines[3]


def test_explain_json_and_unknown_path() -> None:
    r = cli("explain", "--env", "local", "connector", "--json")
    data = json.loads(r.stdout)
    assert data["kind"] == "deleted" and data["chain"][-1]["op"] == "deleted"
    r = cli("explain", "--env", "local", "components.orchestratr")
    assert r.returncode == 1 and "did you mean 'orchestrator'" in r.stderr


def test_unknown_environment_is_a_usage_error() -> None:
    r = cli("render", "--env", "prd")
    assert r.returncode == 2 and "did you mean 'prod'" in r.stderr and "Traceback" not in r.stderr


BAD_INPUTS = {
    "malformed YAML": ({"layers/env/dev.yaml": "location: [a, b\n"}, "YAML_SYNTAX", "dev.yaml"),
    "tab-indented file": ({"layers/env/dev.yaml": "labels:\n\tteam: x\n"}, "YAML_TAB", "dev.yaml"),
    "non-UTF-8 file": ({"layers/env/dev.yaml": b"location: caf\xe9\n"}, "ENCODING", "dev.yaml"),
    "empty file": ({"layers/env/dev.yaml": ""}, "EMPTY_LAYER", "dev.yaml"),
    "layer for unknown environment": ({"layers/env/qa.yaml": "{}\n"}, "UNKNOWN_LAYER", "qa.yaml"),
    "layer for unknown team": ({"layers/team/ops.yaml": "{}\n"}, "UNKNOWN_LAYER", "ops.yaml"),
    "layer for unknown project": ({"layers/project/x.yaml": "{}\n"}, "UNKNOWN_LAYER", "x.yaml"),
    "unknown key": ({"layers/env/dev.yaml": "locaton: x\n"}, "UNKNOWN_KEY", "dev.yaml"),
    "kind conflict": ({"layers/env/dev.yaml": "labels: [a]\n"}, "KIND_CONFLICT", "dev.yaml"),
    "dangling reference": (
        {"layers/env/dev.yaml": "location: ${nowhere}\n"},
        "REF_DANGLING",
        "dev.yaml",
    ),
    "cyclic reference": (
        {"layers/env/dev.yaml": "location: ${labels.a}\nlabels: {a: '${location}'}\n"},
        "REF_CYCLE",
        "dev.yaml",
    ),
    "delete of a missing key": (
        {"layers/env/dev.yaml": "labels:\n  nope: !delete\n"},
        "DELETE_MISSING",
        "dev.yaml",
    ),
    "unknown tag": ({"layers/env/dev.yaml": "location: !rplace x\n"}, "UNKNOWN_TAG", "dev.yaml"),
    "leftover !required": (
        {"layers/base.yaml": MINIMAL_BASE.replace("location: europe-west1", "location: !required")},
        "REQUIRED_UNFILLED",
        "base.yaml",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_located_with_exit_1_and_no_traceback(case: str, make_platform) -> None:
    files, code, file = BAD_INPUTS[case]
    root = make_platform({k: v for k, v in files.items() if isinstance(v, str)})
    for rel, data in files.items():
        if isinstance(data, bytes):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    for args in (("validate",), ("render", "--env", "dev")):
        r = cli(*args, "--platform", str(root))
        assert r.returncode == 1, (case, args, r.stdout, r.stderr)
        assert "Traceback" not in r.stdout + r.stderr
        found = [(m["code"], m["file"].rsplit("/", 1)[-1]) for m in LOC.finditer(r.stdout)]
        assert (code, file) in found, (case, args, r.stdout)


def test_every_error_line_has_the_stable_format(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": "locaton: x\nlabels: [a]\nfoo: !bar 1\n"})
    r = cli("validate", "--platform", str(root))
    assert r.returncode == 1
    first_lines = [line for line in r.stdout.splitlines() if not line.startswith("    hint:")]
    assert first_lines and all(LOC.match(line) for line in first_lines), r.stdout
    codes = [LOC.match(line)["code"] for line in first_lines]
    assert codes == ["UNKNOWN_KEY", "KIND_CONFLICT", "UNKNOWN_KEY", "UNKNOWN_TAG"]


def test_broken_platform_yaml(make_platform) -> None:
    root = make_platform({"platform.yaml": "platform: x\nenvironments: [\n"})
    r = cli("validate", "--platform", str(root))
    assert r.returncode == 1 and "platform.yaml:" in r.stdout and "YAML_SYNTAX" in r.stdout


def test_missing_platform_dir(tmp_path) -> None:
    r = cli("validate", "--platform", str(tmp_path / "nope"))
    assert r.returncode == 1 and "FILE_MISSING" in r.stdout and "Traceback" not in r.stderr


def test_platform_from_current_directory(make_platform) -> None:
    root = make_platform()
    r = cli("validate", cwd=root)
    assert r.returncode == 0 and r.stdout.startswith("tiny:")


def test_app_on_a_broken_platform_prints_the_errors(make_platform) -> None:
    root = make_platform({"platform.yaml": "platform: x\nenvironments: [\n"})
    r = cli("--platform", str(root))
    assert r.returncode == 1 and "YAML_SYNTAX" in r.stdout and "Traceback" not in r.stderr


def test_options_before_the_command_count(make_platform) -> None:
    """`zenml-tui --platform DIR validate` is `zenml-tui validate --platform DIR` (the
    subcommand's own, unset option used to hide the one given before it)."""
    root = make_platform()
    for args in (("--platform", str(root), "validate"), ("validate", "--platform", str(root))):
        r = cli(*args)
        assert r.returncode == 0 and r.stdout.startswith("tiny:"), (args, r.stdout, r.stderr)
    r = cli("--terraform-bin", "/no/such/tofu", "plan", "--env", "local")
    assert r.returncode == 1 and "/no/such/tofu" in r.stderr
