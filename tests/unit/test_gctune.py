"""The app's garbage collector (ui/gctune.py): collections happen where it says (after a
frame, in pauses, at the cap), older generations wait for a pause, and cyclic garbage
stays bounded while input never pauses."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest

from zenml_tui.ui import gctune
from zenml_tui.ui.gctune import OLDER_EVERY, OVERDUE, Collector


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    c.start()
    try:
        yield c
    finally:
        c.stop()
        assert gc.isenabled()


def _allocate(n: int) -> list[list[int]]:
    return [[i] for i in range(n)]  # containers: counted by the collector


def test_automatic_collection_is_off_while_started(collector: Collector) -> None:
    assert not gc.isenabled()
    kept = _allocate(gctune.YOUNG * 3)
    assert gc.get_count()[0] >= gctune.YOUNG * 3  # nothing collected them meanwhile
    assert collector.collect_due(young_only=True) == 0
    assert gc.get_count()[0] < gctune.YOUNG
    assert collector.collect_due(young_only=True) is None  # nothing due any more
    del kept


def test_older_generations_wait_for_a_pause_unless_overdue(collector: Collector) -> None:
    kept = []
    for _ in range(OLDER_EVERY):
        kept.append(_allocate(gctune.YOUNG))
        assert collector.collect_due(young_only=True) == 0
    kept.append(_allocate(gctune.YOUNG))
    # a middle collection is due, but the user may be typing: the young one only
    assert collector.collect_due(young_only=True) == 0
    assert gc.get_count()[1] > OLDER_EVERY
    assert collector.collect_due() == 1  # in a pause it goes
    assert gc.get_count()[1] == 0
    for _ in range(OLDER_EVERY * OVERDUE):
        kept.append(_allocate(gctune.YOUNG))
        collector.collect_due(young_only=True)
    kept.append(_allocate(gctune.YOUNG))
    assert collector.collect_due(young_only=True) == 1  # overdue: no more waiting
    assert collector.collections[1] == 2


def test_tick_collects_in_pauses_and_at_the_cap(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gctune, "CAP", gctune.YOUNG * 5)
    kept = _allocate(gctune.YOUNG * 2)
    collector.input_seen()  # typing
    collector.tick()
    assert gc.get_count()[0] >= gctune.YOUNG * 2  # not while the user types
    collector.last_input = time.monotonic() - gctune.IDLE_SECONDS
    collector.tick()
    assert gc.get_count()[0] < gctune.YOUNG  # the pause
    collector.input_seen()
    kept.append(_allocate(gctune.YOUNG * 5))
    collector.tick()
    assert gc.get_count()[0] < gctune.YOUNG  # the cap, typing or not
    del kept


class Cycle:
    alive = 0

    def __init__(self) -> None:
        self.me = self
        Cycle.alive += 1

    def __del__(self) -> None:
        Cycle.alive -= 1


def test_cyclic_garbage_stays_bounded_while_input_never_pauses(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reference counting never frees a cycle: only collections do. With automatic
    collection off and the user never pausing, the cap's collections keep them bounded."""
    monkeypatch.setattr(gctune, "CAP", 50_000)
    Cycle.alive = 0
    most = 0
    for _ in range(300):  # 300,000 cycles made and dropped
        for _ in range(1000):
            Cycle()
        collector.input_seen()
        collector.tick()  # the app's timer, while keys keep coming
        most = max(most, Cycle.alive)
    assert most <= 2 * 50_000, most
    collector.collect_due()
    gc.collect()
    assert Cycle.alive == 0


def test_two_apps_in_one_process_share_the_switch() -> None:
    """Automatic collection comes back when the last app closes, not the first."""
    c = Collector()
    c.start()
    c.start()
    try:
        c.stop()
        assert not gc.isenabled() and c.active
    finally:
        c.stop()
    assert gc.isenabled() and not c.active
    assert gc.get_freeze_count() == 0  # what the apps froze is collectable again
    c.stop()  # once more: nothing to undo
    assert gc.isenabled()
