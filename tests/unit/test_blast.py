"""The blast radius as both faces show it, the objects a plan takes away, and a
connector's expiry and verdict as shown: no server (the answers are built here; the
live ones are tests/ui/test_blast_radius.py's)."""

from __future__ import annotations

from datetime import UTC, datetime

from zenml_tui.ops.blast import NOTHING, BlastRadius, HitStack, Target, targets_of_plan
from zenml_tui.ops.connectors import Verification, expiry_text, summary
from zenml_tui.ops.plans import PlanModel
from zenml_tui.server.connectors import Reach
from zenml_tui.server.usage import DeploymentSeen, RunSeen, ScheduleSeen, StackUse


def _use(name: str, pipelines: int, runs: int = 0, partial: bool = False) -> StackUse:
    use = StackUse(f"id-{name}", name, runs=runs or pipelines, partial=partial)
    use.latest = [
        RunSeen(f"p{i}", f"p{i}-run", "completed", f"2026-01-0{i % 9 + 1}T10:00:00", "default")
        for i in range(pipelines)
    ]
    return use


def test_nothing_found_and_no_answer_are_one_line() -> None:
    target = [Target("stack", "s1", "lonely", "delete")]
    assert BlastRadius(target, stacks=[HitStack(StackUse("s1", "lonely"), "deleted")]).lines() == [
        NOTHING
    ]
    failed = BlastRadius(target, error="GET /api/v1/stacks: the server did not answer within 5 s")
    assert failed.lines() == [
        "could not check what uses them: GET /api/v1/stacks: the server did not answer within 5 s"
    ]
    assert not failed.found


def test_each_kind_is_bounded_and_the_rest_counted() -> None:
    busy = _use("busy", 7, runs=300, partial=True)
    busy.schedules = [
        ScheduleSeen(f"s{i}", "p0", "default", i % 2 == 0, "every 60 s") for i in range(6)
    ]
    busy.deployments = [DeploymentSeen("api", "p0", "default", "running", "")]
    stacks = [HitStack(busy, "deleted")] + [
        HitStack(_use(f"other-{i}", 1), "holds component c, which is replaced") for i in range(6)
    ]
    lines = BlastRadius([], stacks=stacks).lines(limit=5)
    assert lines[:2] == ["what uses them on the server:", "  stack busy (deleted):"]
    assert (
        lines[2]
        == "    pipeline p0: latest run p0-run, completed, 2026-01-01 10:00 UTC (project default)"
    )
    assert "    and at least 2 more pipelines" in lines  # 300 runs: older ones unread
    assert "    300 runs on it in all" in lines
    assert "    schedule s1: every 60 s, inactive, of pipeline p0 (project default)" in lines
    assert "    and 1 more schedules" in lines
    assert "    deployment api: running, of pipeline p0 (project default)" in lines
    assert sum(line.startswith("  stack ") for line in lines) == 5
    assert lines[-1] == "  and 2 more stacks in use"


def test_names_from_the_server_are_shown_not_obeyed() -> None:
    use = StackUse("s1", "evil\x1b[2J\nstack", runs=1)
    use.latest = [RunSeen("p\u202e", "r\x07", "completed", "2026-01-01T00:00:00", "x")]
    lines = BlastRadius([], stacks=[HitStack(use, "deleted")]).lines()
    assert lines[1] == "  stack evil\\x1b[2J\\nstack (deleted):"
    assert lines[2].startswith("    pipeline p\\u202e: latest run r\\x07, ")
    assert all("\x1b" not in x and "\n" not in x for x in lines)


def _change(kind: str, actions: list[str], before: dict | None) -> dict:
    return {
        "address": f"{kind}.x",
        "type": kind,
        "name": "x",
        "change": {"actions": actions, "before": before, "after": None},
    }


def test_a_plan_takes_away_the_stacks_components_and_connectors_it_deletes_or_replaces() -> None:
    doc = {
        "resource_changes": [
            _change("zenml_stack", ["delete"], {"id": "s1", "name": "old-stack"}),
            _change("zenml_stack_component", ["delete", "create"], {"id": "c1", "name": "orch"}),
            _change("zenml_service_connector", ["create", "delete"], {"id": "k1", "name": "gcp"}),
            _change("zenml_stack", ["update"], {"id": "s2", "name": "kept"}),
            _change("zenml_stack", ["create"], None),
            _change("zenml_project", ["delete"], {"id": "p1", "name": "project"}),
        ]
    }
    assert targets_of_plan(PlanModel.from_json(doc)) == [
        Target("stack", "s1", "old-stack", "delete"),
        Target("component", "c1", "orch", "replace"),
        Target("connector", "k1", "gcp", "replace"),
    ]


def test_a_connectors_expiry_as_shown() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert expiry_text("never", now) == "never"
    assert expiry_text("", now) == "never"
    assert expiry_text("2026-05-31T23:59:00", now) == "2026-05-31 23:59 UTC (expired)"
    assert expiry_text("2026-06-02T08:00:00.123456", now) == "2026-06-02 08:00 UTC"
    assert expiry_text("2026-06-02T10:00:00+02:00", now) == "2026-06-02 08:00 UTC"
    assert expiry_text("soon", now) == "soon"


def test_a_verdict_as_shown() -> None:
    many = Reach("gcs-bucket", ("a", "b", "c", "d", "e"))
    assert (
        summary(Verification("c", True, reach=(many,))) == "valid (gcs-bucket: a, b, c and 2 more)"
    )
    partly = (Reach("gcs-bucket", ("a",)), Reach("kubernetes-cluster", (), "access denied"))
    assert summary(Verification("c", True, reach=partly)) == (
        "valid (gcs-bucket: a; kubernetes-cluster: access denied)"
    )
    refused = Verification("c", False, "NotImplementedError: Service connector type gcp is ...")
    assert summary(refused) == "invalid: NotImplementedError: Service connector type gcp is ..."
    assert summary(Verification("c", False, reach=(Reach("x", (), "no"),))) == "invalid: x: no"


def test_a_verdict_never_shows_a_declared_secret(example_copy, monkeypatch) -> None:
    from zenml_tui.ops.connectors import masked
    from zenml_tui.ops.session import open_session

    value = '{"key": "UNIT-SA-KEY-0c3f"}'
    monkeypatch.setenv("ACME_GCP_DEV_SA_JSON", value)
    quoted = '{\\"key\\": \\"UNIT-SA-KEY-0c3f\\"}'  # as a JSON error would quote it
    answer = Verification(
        "c", False, f"bad credentials {value}", (Reach("gcs-bucket", (), f"denied: {quoted}"),)
    )
    shown = masked(open_session(example_copy), answer)
    assert shown.error == "bad credentials «secret:GCP_DEV_SA_JSON»"
    assert shown.reach[0].error == "denied: «secret:GCP_DEV_SA_JSON»"
