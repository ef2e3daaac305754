"""A background thread for work where only the newest request matters.

The editor's merge and its draft write run here rather than in a Textual worker per
keystroke: a worker is created on the event loop and reports its state in three
messages, ~5 ms before the merge even starts (bench/tui.py's keystroke path); this
thread is already waiting. Requests made while a run is in progress coalesce into one
more run, which reads the newest state: the preview never lags more than one merge
behind the typing, and a draft is never older than the text it follows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class LatestJob:
    def __init__(self, name: str, job: Callable[[], None]) -> None:
        self._name = name
        self._job = job
        self._wanted = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Run the job (again) as soon as the thread is free."""
        self._wanted.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        self._wanted.set()

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopped:
                return
            self._job()  # the job reports its own errors
