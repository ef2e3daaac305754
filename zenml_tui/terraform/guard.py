"""`python -m zenml_tui.terraform.guard BINARY ARGS...`: run a user's `terraform` or
`tofu` so that it dies with zenml-tui (SIGINT when its parent goes, as a Ctrl-C would,
so it still saves the state) and creates only private files (umask 077)."""

from __future__ import annotations

import os
import signal
import sys

from zenml_tui.procutil import die_with_parent


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python -m zenml_tui.terraform.guard BINARY [ARGS...]", file=sys.stderr)
        return 2
    os.umask(0o077)
    die_with_parent(signal.SIGINT)
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    except OSError as exc:
        print(f"cannot run {sys.argv[1]}: {exc.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    raise SystemExit(main())
