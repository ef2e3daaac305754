"""The context of one long operation: where Terraform's events go and how the caller
stops it, from any thread (the app's f8, the CLI's Ctrl-C)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from zenml_tui.errors import Kind, ZenMLTUIError

if TYPE_CHECKING:
    from zenml_tui.terraform.engines import Engine

EventSink = Callable[[dict[str, Any]], None]
T = TypeVar("T")


def _ignore(task: asyncio.Future[Any]) -> None:
    """Collect an abandoned task's outcome (its exception is of no interest now)."""
    if not task.cancelled():
        task.exception()


class Cancelled(ZenMLTUIError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} cancelled", kind=Kind.CANCELLED)


class RunContext:
    """Given to `plans.plan`, `apply`, `destroy` and `select_workspace`. `cancel()` stops
    the Terraform command in flight (SIGINT: Terraform saves its state and frees the
    lock) and makes the operation stop before its next step."""

    def __init__(self, on_event: EventSink | None = None, lock_timeout: float = 0.0) -> None:
        self.on_event = on_event
        # how long a plan or apply waits for another run's state lock before giving up
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._cancelled = False
        self._engine: Engine | None = None
        self._children: list[RunContext] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def terraform_running(self) -> bool:
        """A Terraform command of this operation is running now."""
        with self._lock:
            engine = self._engine
        return engine is not None and engine.running

    def cancel(self) -> bool:
        """Ask the operation to stop; True the first time (nothing to do afterwards)."""
        with self._lock:
            first = not self._cancelled
            self._cancelled = True
            engine, children = self._engine, list(self._children)
        if engine is not None:
            engine.stop()
        for child in children:
            child.cancel()
        return first

    def kill(self) -> None:
        """Stop Terraform at once (a second Ctrl-C): what it was doing is lost."""
        self.cancel()
        with self._lock:
            engine, children = self._engine, list(self._children)
        if engine is not None:
            engine.kill()
        for child in children:
            child.kill()

    def child(self, on_event: EventSink | None = None) -> RunContext:
        """A context for one of several operations run side by side (`plan --all`):
        its own engine and events, cancelled and killed with this one."""
        child = RunContext(on_event, self.lock_timeout)
        with self._lock:
            self._children.append(child)
            cancelled = self._cancelled
        if cancelled:
            child.cancel()
        return child

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
            engine.stop()
        return engine

    async def call(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a thread of its own, unless the caller cancels first: then
        Cancelled at once (a server that does not answer must not hold a cancel up for
        its timeout; the abandoned call ends in its daemon thread, unwaited for)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not future.done():
                outcome()

        def run() -> None:
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the awaiting side as it is
                error = exc
                deliver = functools.partial(settle, lambda: future.set_exception(error))
            else:
                deliver = functools.partial(settle, lambda: future.set_result(result))
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(deliver)

        threading.Thread(target=run, name=f"zenml-tui: {what}", daemon=True).start()
        while True:
            done, _ = await asyncio.wait({future}, timeout=0.1)
            if done:
                return future.result()
            if self._cancelled:
                future.add_done_callback(_ignore)
                raise Cancelled(what)

    async def sleep(self, what: str, seconds: float) -> None:
        """Wait `seconds`, or raise Cancelled as soon as the caller cancels."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.check(what)
            await asyncio.sleep(min(0.1, left))
        self.check(what)

    def event(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(event)
