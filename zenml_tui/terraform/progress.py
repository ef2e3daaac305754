"""What an apply did, read from Terraform's event stream: the changes it finished, the
ones that failed, those cut off in flight and those it never started. A cancelled or
interrupted run is described from this, not guessed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApplyProgress:
    done: list[str] = field(default_factory=list)  # addresses, in the order they finished
    failed: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)  # started, never finished

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]]) -> ApplyProgress:
        started: dict[str, None] = {}
        out = cls()
        for event in events:
            kind = event.get("type")
            if kind not in ("apply_start", "apply_complete", "apply_errored"):
                continue
            address = ((event.get("hook") or {}).get("resource") or {}).get("addr", "")
            if kind == "apply_start":
                started[address] = None
            else:
                started.pop(address, None)
                (out.done if kind == "apply_complete" else out.failed).append(address)
        out.in_flight = list(started)
        return out

    def describe(self, planned: int) -> str:
        """`3 of 12 changes done, 1 failed, 1 cut off in flight (addr), 7 not started`."""
        parts = [f"{len(self.done)} of {planned} changes done"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed ({_some(self.failed)})")
        if self.in_flight:
            parts.append(f"{len(self.in_flight)} cut off in flight ({_some(self.in_flight)})")
        rest = planned - len(self.done) - len(self.failed) - len(self.in_flight)
        if rest > 0:
            parts.append(f"{rest} not started")
        return ", ".join(parts)


def _some(addresses: list[str], n: int = 3) -> str:
    shown = ", ".join(addresses[:n])
    return shown + (f" and {len(addresses) - n} more" if len(addresses) > n else "")
