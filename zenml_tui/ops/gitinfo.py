"""The git commit a run was made from, so a plan or an apply in the history (and the
pull-request comment of a CI run) says which revision of the platform repository it
reviewed or changed."""

from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path

GIT_TIMEOUT = 5.0  # seconds: a wedged repository must not hold a plan up


def platform_commit(root: Path) -> str:
    """HEAD of the repository holding the platform, with "+dirty" when a file of the
    platform differs from it (the app's own .zenml-tui/ does not count); "" when the
    platform is not in a git repository or git is missing."""
    base = ["git", "-C", str(root)]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        head = subprocess.run(
            [*base, "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        if head.returncode != 0 or not head.stdout.strip():
            return ""
        status = subprocess.run(
            [*base, "status", "--porcelain", "--", ".", ":(exclude).zenml-tui"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = head.stdout.strip()
    return commit + ("+dirty" if status.returncode == 0 and status.stdout.strip() else "")


def operator() -> str:
    """Who runs this process (the default approver of what they confirm)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry for the uid (a container)
        return str(os.getuid())
