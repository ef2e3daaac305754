"""Garbage-collector settings for an interactive process.

A keystroke that re-parses a large layer allocates tens of thousands of small, acyclic
objects; with CPython's default thresholds that triggers frequent full collections which
stall every thread (the UI's too) for up to ~100 ms at 2,000 leaves (bench/merge.py).
Freezing what start-up created and collecting the young generation less often keeps
those stalls near 25 ms. The app calls this once it has loaded; the headless commands
do not need it.
"""

from __future__ import annotations

import gc

INTERACTIVE_THRESHOLDS = (10_000, 10, 10)


def tune_for_interactive() -> None:
    """Move everything alive now out of the collector's way; collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*INTERACTIVE_THRESHOLDS)
