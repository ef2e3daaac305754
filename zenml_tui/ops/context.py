"""The context of one long operation: where Terraform's events go and how the caller
stops it, from any thread (the app's f8, the CLI's Ctrl-C)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zenml_tui.errors import Kind, ZenMLTUIError

if TYPE_CHECKING:
    from zenml_tui.terraform.engines import Engine

EventSink = Callable[[dict[str, Any]], None]


class Cancelled(ZenMLTUIError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} cancelled", kind=Kind.CANCELLED)


class RunContext:
    """Given to `plans.plan`, `apply`, `destroy` and `select_workspace`. `cancel()` stops
    the Terraform command in flight (SIGINT: Terraform saves its state and frees the
    lock) and makes the operation stop before its next step."""

    def __init__(self, on_event: EventSink | None = None) -> None:
        self.on_event = on_event
        self._lock = threading.Lock()
        self._cancelled = False
        self._engine: Engine | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> bool:
        """Ask the operation to stop; True the first time (nothing to do afterwards)."""
        with self._lock:
            first = not self._cancelled
            self._cancelled = True
            engine = self._engine
        if engine is not None:
            engine.cancel()
        return first

    def check(self, what: str) -> None:
        """Stop here (raise Cancelled) when the caller has asked to."""
        if self._cancelled:
            raise Cancelled(what)

    def attach(self, engine: Engine) -> Engine:
        """The engine this operation runs Terraform with (a cancel reaches it)."""
        with self._lock:
            self._engine = engine
            cancelled = self._cancelled
        if cancelled:
            engine.cancel()
        return engine

    def event(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(event)
