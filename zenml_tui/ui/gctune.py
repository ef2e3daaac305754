"""Garbage collection for an interactive process: in the pauses, not in a keystroke.

CPython collects the young generation whenever allocations outrun deallocations by a
threshold, wherever that happens to fall. At 2,000 leaves a keystroke's merge and redraw
allocate some 40,000 objects, so with the thresholds the app used (10,000, 10, 10) each
keystroke paid several young collections (2-9 ms each) and every tenth one a middle one
(~25 ms) before its preview was painted: a third of the median, most of the p95
(bench/tui.py). Reference counting frees almost everything the moment it is dropped;
collection only finds cycles, which can wait a few milliseconds.

So the app freezes what start-up created, turns automatic collection off and collects
(`collect_due`) the young generation when a keystroke's preview has been painted (the
gap before the next key), everything that is due from a timer once input has paused for
IDLE_SECONDS (older generations as CPython would: every tenth time), and the young
generation at once, idle or not, when more than CAP objects wait (a paste, a held key,
a worker building a 10,000-change review): memory stays bounded. The headless commands
keep CPython's own settings.
"""

from __future__ import annotations

import gc
import time

YOUNG = 10_000  # net allocations before a young collection is due
CAP = 400_000  # ... before one happens whatever the user is doing
IDLE_SECONDS = 0.2  # no input for this long: the user is not waiting on the screen
TICK_SECONDS = 0.25  # how often the app's timer calls `tick`
OLDER_EVERY = 10  # one middle collection every ten young ones, one full every ten middle
OVERDUE = 5  # ... or at once, when input has not paused for five times that


class Collector:
    """The app's garbage collector: `start` once the app has loaded, `input_seen` on
    every key or mouse event, `tick` from a timer, `collect_due` after a frame."""

    def __init__(self) -> None:
        self.users = 0  # apps running in this process (tests run two at once)
        self.last_input = 0.0
        self.middle_runs = 0
        self.collections = [0, 0, 0]  # by generation, for the benchmarks

    @property
    def active(self) -> bool:
        return self.users > 0

    def start(self) -> None:
        """Move everything alive now out of the collector's way; collect only here."""
        gc.collect()
        gc.freeze()
        gc.disable()
        self.users += 1

    def stop(self) -> None:
        """Back to CPython's automatic collection once the last app has closed, with
        what was frozen collectable again (a process that goes on, a test run, would
        otherwise keep every app's cycles)."""
        if self.users > 0:
            self.users -= 1
            if self.users == 0:
                gc.unfreeze()
                gc.enable()

    def input_seen(self) -> None:
        self.last_input = time.monotonic()

    def tick(self) -> None:
        """The timer's call: when input has paused, collect what is due (the older
        generations too); while it goes on, only when too much waits."""
        if not self.active:
            return
        if time.monotonic() - self.last_input >= IDLE_SECONDS:
            self.collect_due()
        elif gc.get_count()[0] >= CAP:
            self.collect_due(young_only=True)

    def collect_due(self, young_only: bool = False) -> int | None:
        """Collect if a collection is due: the generation collected, or None. With
        `young_only` (after a frame, when the next key may be 50 ms away) a middle or
        full collection (25 ms and more) waits for a pause in the input, unless it has
        waited OVERDUE times its turn."""
        if not self.active:
            return None
        young, middle, _ = gc.get_count()  # middle: young collections since the last
        generation = None
        if middle >= OLDER_EVERY and (not young_only or middle >= OLDER_EVERY * OVERDUE):
            generation = 1
            if self.middle_runs % OLDER_EVERY == OLDER_EVERY - 1:
                generation = 2
            self.middle_runs += 1
        elif young >= YOUNG:
            generation = 0
        if generation is None:
            return None
        gc.collect(generation)
        self.collections[generation] += 1
        return generation


COLLECTOR = Collector()  # one per process: the collector's switch is process-wide
