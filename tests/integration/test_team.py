"""Team scale on the example platform: `plan --all` (a row per environment with the
counts each single plan has), the review as Markdown for a pull-request comment (a
snapshot of prod's, no secret value in it), and an apply that records its approver and
the platform repository's git commit. Its own local ZenML server, real Terraform."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.conftest import cli
from tests.integration.test_e2e_platform import FAKE_SECRETS, MARKS
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.ops import history
from zenml_tui.ops.servers import local_server
from zenml_tui.ops.session import open_session

ENVIRONMENTS = ["local", "dev", "staging", "prod"]


class MarkdownSnapshot(SingleFileSnapshotExtension):
    """A snapshot kept as a readable .md file (update: pytest --snapshot-update)."""

    _write_mode = WriteMode.TEXT
    _file_extension = "md"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from zenml_tui.bundled import example_platform

    root = tmp_path_factory.mktemp("team") / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "platform")
    saved = set_environ({**FAKE_SECRETS, **terraform_environment(root.parent)})
    try:
        yield root
    finally:
        local_server(open_session(root)).down()
        restore_environ(saved)


def no_secret_in(text: str) -> None:
    for name, mark in MARKS.items():
        assert mark not in text, name
        assert FAKE_SECRETS[name] not in text, name


def test_plan_all_rows_match_the_single_plans(platform: Path, snapshot) -> None:
    r = cli("plan", "--all", "--json", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["environments"]
    assert [row["environment"] for row in rows] == ENVIRONMENTS
    assert all(row["status"] == "changes" and row["error"] is None for row in rows)
    creates = {row["environment"]: row["counts"]["create"] for row in rows}
    assert creates == {"local": 14, "dev": 20, "staging": 20, "prod": 20}
    assert all(row["counts"]["drift"] == row["counts"]["update"] == 0 for row in rows)
    runs = {row["environment"]: row["run"] for row in rows}
    assert len(set(runs.values())) == 4  # four plans, each applicable on its own

    # prod planned alone: the same counts; its review as a pull-request comment
    out = platform.parent / "prod.md"
    r = cli("plan", "--env", "prod", "--format", "markdown", "-o", str(out),
            "--platform", str(platform))  # fmt: skip
    assert r.returncode == 0, r.stderr
    session = open_session(platform)
    single = history.latest_plan(session, "prod")
    assert single is not None and single.id != runs["prod"]
    prod_row = next(row for row in rows if row["environment"] == "prod")
    wanted = {a: n for a, n in prod_row["counts"].items() if a != "drift"}
    assert {a: single.summary.get(a, 0) for a in wanted} == wanted
    assert single.commit == git(platform, "rev-parse", "HEAD")  # the plan names its commit
    markdown = out.read_text()
    no_secret_in(markdown)
    assert "<i>«secret:GCP_PROD_WIF_CONFIG»</i>" in markdown
    head = git(platform, "rev-parse", "HEAD")[:12]
    assert f"commit <code>{head}</code>" in markdown  # the one part that differs per run
    assert markdown.replace(head, "COMMIT") == snapshot(extension_class=MarkdownSnapshot)


def test_apply_records_approver_and_commit_then_matrix_shows_update_and_drift(
    platform: Path,
) -> None:
    r = cli("plan", "--env", "local", "--platform", str(platform))
    assert r.returncode == 0, r.stderr
    (platform / "layers" / "base.yaml").write_text(
        (platform / "layers" / "base.yaml").read_text() + "\n# reviewed\n"
    )  # an edit that renders the same: the run's commit says "+dirty"
    r = cli("apply", "--env", "local", "--yes", "--approver", "alice",
            "--platform", str(platform))  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    session = open_session(platform)
    applied = next(x for x in history.list_runs(session, "local") if x.kind == "apply")
    assert applied.approver == "alice"
    assert applied.commit == git(platform, "rev-parse", "HEAD") + "+dirty"
    r = cli("runs", "--env", "local", "--platform", str(platform))
    assert "approved by alice" in r.stdout

    # a label changed behind Terraform's back: drift, and the update that restores it
    client = local_server(session).client()
    (store,) = client.list_all("/components", name="local-artifact-store")
    full = client.get(f"/components/{store['id']}", hydrate="true")
    labels = {**full["metadata"]["labels"], "managed_by": "someone-by-hand"}
    client.put(f"/components/{store['id']}", {"labels": labels})

    r = cli("plan", "--all", "--format", "markdown", "--detailed-exitcode",
            "--platform", str(platform))  # fmt: skip
    assert r.returncode == 2, r.stderr
    no_secret_in(r.stdout)
    lines = r.stdout.splitlines()
    head = lines.index(next(x for x in lines if x.startswith("| environment |")))
    assert lines[head] == "| environment | create | update | replace | delete | drift | result |"
    assert lines[head + 2] == "| <code>local</code> | 0 | 1 | 0 | 0 | 1 | changes |"
    assert lines[head + 5] == "| <code>prod</code> | 20 | 0 | 0 | 0 | 0 | changes |"
    assert "someone-by-hand" in r.stdout and "#### drift (1 changed outside Terraform)" in r.stdout

    r = cli("plan", "--all", "--platform", str(platform))
    text = r.stdout.splitlines()
    assert text[0].split() == ["environment", "create", "update", "replace", "delete",
                               "drift", "result"]  # fmt: skip
    assert text[1].split()[:7] == ["local", "0", "1", "0", "0", "1", "changes"]


STEP = 'module.team["training"].zenml_stack_component.team["step_operator"]'
TRACKER = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
ROTATED = '{"type": "external_account", "key": "ROTATED-PRD-3e5f"}'


def position(path: Path, needle: str) -> tuple[int, int]:
    for i, text in enumerate(path.read_text().splitlines(), 1):
        if needle in text:
            return i, text.index(needle) + 1
    raise AssertionError(needle)


def test_a_changed_setting_is_traced_to_its_layer_and_a_secret_only_named(platform: Path) -> None:
    """Terraform marks a component's whole configuration sensitive; the review shows the
    one key that changed, before -> after, with the layer line that set it. A key backed
    by a secret shows only «secret:NAME», in every output and every file of the run."""
    args = ("--env", "prod", "--platform", str(platform))
    assert cli("plan", *args).returncode == 0
    r = cli("apply", *args, "--yes", "--confirm-env", "prod")
    assert r.returncode == 0, r.stdout + r.stderr
    prod = platform / "layers" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("n1-standard-8", "n1-highmem-16"))
    line, col = position(prod, "n1-highmem-16")

    r = cli("plan", *args, "--json")
    assert r.returncode == 0, r.stderr
    (step,) = [c for c in json.loads(r.stdout)["changes"] if c["address"] == STEP]
    config = [a for a in step["attributes"] if a["path"].startswith("configuration")]
    assert [(a["path"], a["before"], a["after"]) for a in config] == [
        ("configuration.machine_type", "n1-standard-8", "n1-highmem-16")
    ]
    origin = config[0]["origin"]
    assert (origin["layer"], origin["line"], origin["col"]) == ("env:prod", line, col)
    assert origin["file"] == str(prod) and origin["scope"] == "prod/training"
    r = cli("plan", *args)
    assert 'configuration.machine_type: "n1-standard-8" -> "n1-highmem-16"' in r.stdout
    assert f"<- env:prod layers/env/prod.yaml:{line}:{col}" in r.stdout

    # prod's credential rotated, and the tracker's token moved onto it
    prod.write_text(
        prod.read_text()
        + "  experiment_tracker:\n    configuration:\n"
        + "      tracking_token: ${secret:GCP_PROD_WIF_CONFIG}\n"
    )
    saved = set_environ({"ACME_GCP_PROD_WIF_CONFIG": ROTATED})
    try:
        outputs = [cli("plan", *args, "--format", f).stdout for f in ("json", "markdown")]
        r = cli("plan", *args)
        outputs.append(r.stdout + r.stderr)
        confirm = cli("apply", *args)  # not confirmed: prints the review it asks about
        outputs.append(confirm.stdout + confirm.stderr)
    finally:
        restore_environ(saved)
    body = json.loads(outputs[0])
    by_address = {c["address"]: c for c in body["changes"]}
    (token,) = by_address[TRACKER]["attributes"][:1]
    assert (token["path"], token["before"], token["after"]) == (
        "configuration.tracking_token",
        "«secret:MLFLOW_TRACKING_TOKEN»",
        "«secret:GCP_PROD_WIF_CONFIG»",
    )
    assert token["origin"]["secret"] == "GCP_PROD_WIF_CONFIG"
    connector = {
        a["path"]: a
        for a in by_address["module.base.zenml_service_connector.base[0]"]["attributes"]
    }["configuration.external_account_json"]
    assert connector["after"] == "«secret:GCP_PROD_WIF_CONFIG»"
    assert connector["before"] == "(sensitive value)"  # the old value is no layer's
    created = by_address['zenml_secret.component["GCP_PROD_WIF_CONFIG"]']
    assert {a["path"]: a["after"] for a in created["attributes"]}["values.value"] == (
        "«secret:GCP_PROD_WIF_CONFIG»"
    )
    assert (
        "«secret:GCP_PROD_WIF_CONFIG»" in outputs[1]
        and "«secret:GCP_PROD_WIF_CONFIG»" in outputs[3]
    )
    session = open_session(platform)
    run = history.latest_plan(session, "prod")
    assert run is not None
    files = [
        p.read_text(errors="replace")
        for p in (session.platform.state_dir / "runs" / run.id).iterdir()
        if p.name != "plan.tfplan"  # Terraform's own saved plan, 0600
    ]
    for text in outputs + files:
        no_secret_in(text)
        assert "ROTATED-PRD-3e5f" not in text
