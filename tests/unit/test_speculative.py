"""What a speculative plan is made from and what it shows: the tfvars of the unsaved
buffers (the files untouched), and the impact read from Terraform's event stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.config import tfvars_text
from zenml_tui.ops.session import open_session
from zenml_tui.ops.speculative import Impact


def _event(action: str, address: str) -> dict:
    return {"type": "planned_change", "change": {"resource": {"addr": address}, "action": action}}


def test_the_tfvars_of_unsaved_buffers_leave_the_files_as_they_are(example_copy: Path) -> None:
    session = open_session(example_copy)
    team = example_copy / "layers" / "team" / "training.yaml"
    saved = team.read_text()
    edited = saved.replace("purpose: experiments", "purpose: speculation")
    assert edited != saved
    before = json.loads(tfvars_text(session, "local"))
    after = json.loads(tfvars_text(session, "local", {team: edited}))
    tracker = ("teams", "training", "components", "experiment_tracker", "labels", "purpose")

    def purpose(tfvars: dict) -> str:
        for key in tracker:
            tfvars = tfvars[key]
        return str(tfvars)

    assert (purpose(before), purpose(after)) == ("experiments", "speculation")
    assert team.read_text() == saved
    assert json.loads(tfvars_text(session, "local")) == before  # the files' again
    # a buffer that breaks another scope of the environment: no tfvars, its error
    with pytest.raises(ZenMLTUIError) as broken:
        tfvars_text(session, "local", {team: saved + "components: [\n"})
    assert broken.value.kind is Kind.CONFIG
    assert any(d.file == str(team) for d in broken.value.diagnostics)


def test_the_impact_from_the_planned_changes() -> None:
    events = [
        {"type": "version", "terraform": "1.15.5"},
        _event("update", "a.b"),
        _event("noop", "a.kept"),
        _event("read", "data.a.read"),
        _event("move", "a.moved"),  # moved, nothing else: no change, as the review has it
        _event("replace", "a.c"),
        _event("create", "a.d"),
        _event("remove", "a.forgotten"),
        _event("delete", "a.e"),
        {"type": "change_summary", "changes": {"add": 2, "change": 1, "remove": 3}},
    ]
    impact = Impact.of_events("local", events)
    assert impact.changes == (
        ("update", "a.b"),
        ("replace", "a.c"),
        ("create", "a.d"),
        ("delete", "a.forgotten"),
        ("delete", "a.e"),
    )
    assert impact.summary() == "1 to create, 1 to update, 1 to replace, 2 to delete"
    assert Impact.of_events("local", [_event("update", "a.b")]).summary() == (
        "1 to update, 0 to replace"
    )
    assert Impact.of_events("local", [_event("noop", "a.kept")]).summary() == "no changes"
