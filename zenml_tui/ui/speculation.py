"""The app's speculative plans of the Config tab's unsaved edits (ops/speculative.py):
one at a time, the newest only, never beside another Terraform command of the app.

The Config tab asks after a pause in typing and cancels on the next keystroke; a plan,
apply or workspace selection cancels the one in flight first and pauses the impact
until it is over (the app's `_terraform_busy` lock is held by whichever runs, so they
never share the working directory). Every outcome is a line in the impact panel, never
a notification or a dialog.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ui.messages import ImpactDone
from zenml_tui.ui.widgets.config_pane import ConfigPane
from zenml_tui.ui.widgets.impact import PAUSED, ImpactPanel

if TYPE_CHECKING:
    from textual.app import App

    from zenml_tui.ops.context import RunContext
    from zenml_tui.ops.session import Session

Buffers = dict[Path, str]
# seconds a speculative plan waits for another Terraform command of the app (a lock
# check, the speculative plan it replaces, still stopping) before it gives up for now
TURN_WAIT = 20.0


class Speculation:
    def __init__(
        self,
        app: App[Any],
        session: Session,
        busy: threading.Lock,
        situation: Callable[[], tuple[str, str | None]],
    ) -> None:
        """`busy`: held while the app runs Terraform; `situation()`: the app's
        environment now and what Terraform operation it runs (None: none)."""
        self.app, self.session, self.busy, self.situation = app, session, busy, situation
        self._ctx: RunContext | None = None  # the plan in flight's, to cancel it
        self._token = 0  # the newest request's number: older answers are dropped
        # requests started, and how each ended: impact, note, cancelled
        self.counts: collections.Counter[str] = collections.Counter()

    @property
    def _panel(self) -> ImpactPanel:
        return self.app.query_one(ConfigPane).impact_panel

    @property
    def planning(self) -> bool:
        """Terraform is planning the unsaved edits right now."""
        ctx = self._ctx
        return ctx is not None and ctx.terraform_running

    def request(self, buffers: Buffers | None) -> None:
        """(The Config tab's hook.) Cancel the plan in flight; with `buffers`, plan them,
        unless the app runs Terraform now (then the panel says it is paused)."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.cancel()  # SIGINT: a plan that holds no lock just ends
        if buffers is None:
            return
        environment, running = self.situation()
        if running:
            self._panel.note(PAUSED, "dim")
            return
        from zenml_tui.ops.context import RunContext

        self._token += 1
        self._ctx = ctx = RunContext()
        token = self._token
        self.counts["started"] += 1
        self._panel.planning()
        self.app.run_worker(
            lambda: self._work(ctx, token, environment, buffers),
            name="speculative plan",
            group="impact",
            thread=True,
        )

    def pause(self) -> None:
        """A plan, apply or workspace selection starts: the plan in flight stops first
        (the run waits for it), and the panel says so until the run is over."""
        self.request(None)
        if self._panel.state != "hidden":
            self._panel.note(PAUSED, "dim")

    def _work(self, ctx: RunContext, token: int, environment: str, buffers: Buffers) -> None:
        """(A worker thread.) Take the app's Terraform turn (not while a plan or apply
        of it runs: paused then), plan, and post what came of it."""
        deadline = time.monotonic() + TURN_WAIT
        while not self.busy.acquire(timeout=0.05):
            if ctx.cancelled:
                self.app.post_message(ImpactDone(token, cancelled=True))
                return
            if self.situation()[1] or time.monotonic() > deadline:
                self.app.post_message(ImpactDone(token, note=PAUSED, style="dim"))
                return
        try:
            self.app.post_message(self._outcome(ctx, token, environment, buffers))
        finally:
            self.busy.release()

    def _outcome(
        self, ctx: RunContext, token: int, environment: str, buffers: Buffers
    ) -> ImpactDone:
        from zenml_tui.ops import speculative
        from zenml_tui.ops.config import error_lines

        session = self.session
        try:
            impact = asyncio.run(speculative.impact(session, environment, buffers, ctx))
        except ZenMLTUIError as exc:
            if exc.kind is Kind.CANCELLED or ctx.cancelled:
                return ImpactDone(token, cancelled=True)
            if exc.kind is Kind.CONFIG:  # another scope's error, or the server's flavors
                first = error_lines(exc.diagnostics[:1], session.platform.root)
                why = f"{exc.message}: {first[0]}" if first else exc.message
                return ImpactDone(token, note=f"not planned: {why}", style="yellow")
            if exc.kind in (Kind.SECRETS_MISSING, Kind.STATE_TO_MIGRATE):
                return ImpactDone(token, note=f"not planned: {exc.one_line()}", style="yellow")
            return ImpactDone(token, note=f"speculative plan failed: {exc.one_line()}", style="red")
        except Exception as exc:  # a bug: one line, the app stays up
            problem = f"internal error: {type(exc).__name__}: {exc}"
            return ImpactDone(token, note=f"speculative plan failed: {problem}", style="red")
        return ImpactDone(token, impact=impact)

    def done(self, message: ImpactDone) -> None:
        """(The event loop.) Show the newest request's outcome."""
        if message.cancelled or message.token != self._token or self._ctx is None:
            self.counts["cancelled"] += 1  # stopped, or ended as it was: a newer text's
            return
        self._ctx = None
        if message.impact is not None:
            self.counts["impact"] += 1
            self._panel.show_impact(message.impact)
        else:
            self.counts["note"] += 1
            self._panel.note(message.note, message.style)
