"""Child processes that die with their parent: Terraform and the provider never outlive
the zenml-tui process that needs them (an orphaned Terraform keeps running, holds the
state lock and dies later, its work unrecorded)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> int:
    """Have the kernel send `sig` to this process when its parent goes away (Linux's
    PR_SET_PDEATHSIG; it survives exec). Returns the parent's pid as it is now: the
    signal also comes when the parent's *thread* that started us ends, so a handler
    should check `os.getppid()` against it before it acts."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), sig)
    return parent


def parent_gone(parent: int) -> bool:
    return os.getppid() != parent


def process_started(pid: int) -> int:
    """When the process started (clock ticks after boot), 0 when there is none: with the
    pid it names one process, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return 0  # a zombie has ended
    return int(fields[19])
