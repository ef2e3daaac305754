"""The editor's merge thread: requests made during a run coalesce into one more run."""

from __future__ import annotations

import threading
import time

from zenml_tui.ui.latest import LatestJob


def test_pokes_during_a_run_coalesce_into_one_run_that_sees_the_newest_state() -> None:
    state = {"text": "a"}
    seen: list[str] = []
    started, release = threading.Event(), threading.Event()

    def job() -> None:
        seen.append(state["text"])
        started.set()
        release.wait(5)

    latest = LatestJob("test", job)
    latest.poke()
    assert started.wait(5)
    for text in ("ab", "abc", "abcd"):  # typing while the first merge runs
        state["text"] = text
        latest.poke()
    release.set()
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    latest.stop()
    assert seen == ["a", "abcd"]
