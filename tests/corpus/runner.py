"""`python -m tests.corpus.runner`: run corpus cases, each in a child process of its own
with a memory limit and a time limit, through the real headless commands (in-process
`zenml_tui.cli.main`) and as text typed into the editor (`ops.config.preview`).

Reads case names, one per line, on stdin; writes one JSON result per line on stdout.
The parent imports zenml-tui once; each case runs in a fork of it, so a case costs its
own work only."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

TIME_LIMIT = 5.0  # seconds per command
WORKERS = 2  # cases at a time (the machines have two cores)
MEMORY_LIMIT = 500 * 1024 * 1024  # bytes of address space a case may add


def _commands(env: str) -> list[list[str]]:
    return [
        ["validate"],
        ["render", "--env", env],
        ["render", "--env", env, "--tfvars"],
        ["explain", "--env", env, "location"],
    ]


class _Timeout(BaseException):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def _run_case(name: str) -> dict[str, object]:
    from tests.corpus.cases import CASES
    from zenml_tui.cli import main

    case = CASES[name]
    out: dict[str, object] = {"name": name, "commands": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = case.build(Path(tmp))
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        _, vm = _vm_size()
        resource.setrlimit(resource.RLIMIT_AS, (vm + MEMORY_LIMIT, hard))
        signal.signal(signal.SIGALRM, _alarm)
        os.chdir(tmp)
        results = []
        for argv in [*_commands(case.env), ["--typed"]]:
            stdout, stderr = io.StringIO(), io.StringIO()
            started = time.monotonic()
            code: object
            signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    if argv == ["--typed"]:
                        code = _typed(root, case)
                    else:
                        code = main([*argv, "--platform", str(root)])
            except _Timeout:
                code = "timeout"
            except MemoryError:
                code = "memory"
            except SystemExit as exc:
                code = exc.code
            except BaseException:
                code = "traceback"
                stderr.write(traceback.format_exc())
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            results.append(
                {
                    "argv": argv,
                    "code": code,
                    "seconds": round(time.monotonic() - started, 3),
                    "stdout": stdout.getvalue()[-20000:],
                    "stderr": stderr.getvalue()[-20000:],
                }
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out["commands"] = results
        out["memory"] = max(0, peak - base)
    return out


def _vm_size() -> tuple[int, int]:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmSize:"):
            return 0, int(row.split()[1]) * 1024
    return 0, 0


def _typed(root: Path, case: object) -> object:
    """The case's layer text typed into the editor: the preview's merge of the buffer."""
    from zenml_tui.ops.config import error_lines, preview
    from zenml_tui.ops.session import open_session

    layer = getattr(case, "typed", None)
    if layer is None:
        return 0
    path = root / "layers" / "env" / "dev.yaml"
    session = open_session(root)
    result = preview(session, session.scope("dev"), {path: layer})
    for row in error_lines(result.errors, root):  # as the editor lists them
        print(row)
    return 1 if result.errors else 0


def _warm_up(name: str | None) -> None:
    """Run the first case's commands once here, output dropped, so that what they import
    on first use (pydantic's validator, ~0.4 s) is imported once, not in every child."""
    from tests.corpus.cases import CASES
    from zenml_tui.cli import main

    if name is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = CASES[name].build(Path(tmp))
        for argv in _commands(CASES[name].env):
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.suppress(BaseException),
            ):
                main([*argv, "--platform", str(root)])


def main() -> int:
    import zenml_tui.cli
    import zenml_tui.ops.config
    import zenml_tui.platform.engine
    import zenml_tui.platform.render  # noqa: F401

    names = [n for n in sys.stdin.read().splitlines() if n]
    _warm_up(names[0] if names else None)
    running: dict[int, tuple[str, Path]] = {}
    with tempfile.TemporaryDirectory() as out_dir:
        while names or running:
            while names and len(running) < WORKERS:
                name = names.pop(0)
                result = Path(out_dir) / f"{len(names)}.json"
                pid = os.fork()
                if pid == 0:  # the case, in a child of its own
                    try:
                        payload = json.dumps(_run_case(name))
                    except BaseException:
                        payload = json.dumps(
                            {"name": name, "commands": [], "error": traceback.format_exc()}
                        )
                    result.write_text(payload)
                    os._exit(0)
                running[pid] = (name, result)
            pid, status = os.wait()
            name, result = running.pop(pid)
            data = result.read_text() if result.exists() else ""
            if not data:
                data = json.dumps(
                    {"name": name, "commands": [], "error": f"the case's process died ({status})"}
                )
            sys.stdout.write(data + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
